# SPDX-License-Identifier: EUPL-1.2
"""The browser tests' harness: a real headless Chromium driven through
Debian's chromedriver and python3-selenium, TAP lines that continue the
numbering of the bash part (tests/integration/lib.sh), axe-core injected
from the pinned local copy, and checks of what the browser itself saw
(CSP violations in the console, requests to any other host).

Chromium trusts the test CA through an NSS database under a private HOME
(certutil from libnss3-tools), so every page is fetched over real TLS and
verified as a person's browser would verify it; nothing is ignored.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

from selenium import webdriver
from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException,
                                        WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

HERE = os.path.dirname(os.path.abspath(__file__))
AXE_JS = os.path.join(HERE, "node_modules", "axe-core", "axe.min.js")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHROMEDRIVER = os.environ.get("MM_CHROMEDRIVER", "/usr/bin/chromedriver")
CHROMIUM = os.environ.get("MM_CHROMIUM", "/usr/lib/chromium/chromium")


class Tap:
    """ok/not ok lines numbered on from the bash part's count; the totals go
    back to it through a state file (MM_TAP_STATE: "count failed")."""

    def __init__(self):
        self.state = os.environ.get("MM_TAP_STATE")
        self.n, self.failed = 0, 0
        if self.state and os.path.exists(self.state):
            with open(self.state) as f:
                parts = f.read().split()
            self.n, self.failed = int(parts[0]), int(parts[1])
        self.save()

    def save(self):
        if self.state:
            with open(self.state, "w") as f:
                f.write("%d %d\n" % (self.n, self.failed))

    def diag(self, text):
        for line in str(text).splitlines() or [""]:
            print("# " + line)
        sys.stdout.flush()

    def ok(self, good, desc, why=""):
        self.n += 1
        if good:
            print("ok %d - %s" % (self.n, desc))
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, desc))
            if why:
                self.diag(why)
        sys.stdout.flush()
        self.save()
        return bool(good)

    def contains(self, desc, hay, needle):
        return self.ok(needle in (hay or ""), desc, "missing: %s\nin: %s" % (needle, (hay or "")[:1500]))

    def equal(self, desc, got, want):
        return self.ok(got == want, desc, "got:  %r\nwant: %r" % (got, want))


def nss_home(ca_file):
    """A private HOME whose NSS database (the one Chromium on Linux reads,
    ~/.pki/nssdb) trusts CA_FILE for TLS servers.  Returns the directory."""
    home = tempfile.mkdtemp(prefix="mmweb-home.")
    db = os.path.join(home, ".pki", "nssdb")
    os.makedirs(db)
    subprocess.run(["certutil", "-N", "-d", "sql:" + db, "--empty-password"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    subprocess.run(["certutil", "-A", "-d", "sql:" + db, "-n", "mmprint test CA", "-t", "C,,",
                    "-i", ca_file], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return home


class Browser:
    """One headless Chromium.  base is the portal's https://HOST:PORT; every
    request the browser makes to any other origin is recorded (performance
    log) and refused by the resolver rules, so a page that needs the network
    beyond the server shows up as a failure and never reaches out."""

    def __init__(self, base, ca_file, tap, name="browser"):
        self.base = base.rstrip("/")
        self.origin = urllib.parse.urlsplit(self.base).netloc
        self.tap = tap
        self.name = name
        self.console = []     # every browser-log entry seen
        self.requests = []    # every URL the browser asked for
        self.statuses = {}    # URL -> the HTTP status of its last answer
        self.home = nss_home(ca_file)
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for a in ("--headless=new", "--window-size=1280,1000", "--lang=sv-SE",
                  "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-extensions",
                  "--disable-default-apps", "--metrics-recording-only", "--disable-dev-shm-usage",
                  "--password-store=basic", "--use-mock-keychain",
                  # Nothing but the server: every other name fails to resolve.
                  "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"):
            opts.add_argument(a)
        if os.geteuid() == 0:
            opts.add_argument("--no-sandbox")   # Chromium's sandbox refuses root
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        # TMPDIR too: Chromium's profile and singleton socket go there, and
        # close() removes them with the HOME.
        tmp = os.path.join(self.home, "tmp")
        os.mkdir(tmp)
        env = dict(os.environ, HOME=self.home, TMPDIR=tmp)
        # The driver and the browser it starts inherit HOME (the NSS db).
        self.service = Service(executable_path=CHROMEDRIVER, env=env,
                               log_path=os.path.join(self.home, "chromedriver.log"))
        self.driver = webdriver.Chrome(service=self.service, options=opts)
        self.driver.set_page_load_timeout(30)
        self.driver.set_script_timeout(60)

    def close(self):
        try:
            self.driver.quit()
        except WebDriverException:
            pass
        shutil.rmtree(self.home, ignore_errors=True)

    # ---- navigation and what the page says ----
    def url(self, path):
        return self.base + path

    def get(self, path):
        self.driver.get(self.url(path))

    def path(self):
        u = urllib.parse.urlsplit(self.driver.current_url)
        return u.path + ("?" + u.query if u.query else "")

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def one(self, css):
        try:
            return self.driver.find_element(By.CSS_SELECTOR, css)
        except NoSuchElementException:
            return None

    def wait(self, cond, seconds=15, step=0.1):
        """Polls COND (a function) until it returns a true value or SECONDS
        pass; returns its last value.  Exceptions while the page changes
        under it count as 'not yet'."""
        end = time.monotonic() + seconds
        val = None
        while True:
            try:
                val = cond()
            except (NoSuchElementException, StaleElementReferenceException, AttributeError):
                val = None
            if val or time.monotonic() > end:
                return val
            time.sleep(step)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    # ---- the keyboard, and only the keyboard ----
    def keys(self, *keys):
        """Sends keys to whatever has the focus, as a person typing would."""
        ActionChains(self.driver).send_keys(*keys).perform()

    def focused(self):
        return self.driver.switch_to.active_element

    def tab_to(self, pred, limit=60, backwards=False):
        """Presses Tab until PRED(active element) holds; returns the element
        or None after LIMIT presses.  A page reachable only by mouse fails.
        The element that has the focus already (autofocus) counts."""
        try:
            el = self.focused()
            if el.tag_name != "body" and pred(el):
                return el
        except (StaleElementReferenceException, WebDriverException):
            pass
        for _ in range(limit):
            if backwards:
                ActionChains(self.driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
            else:
                self.keys(Keys.TAB)
            el = self.focused()
            try:
                if pred(el):
                    return el
            except StaleElementReferenceException:
                pass
        return None

    def focus_visible(self, el):
        """Whether the focused element shows a focus indicator (WCAG 2.4.7):
        an outline or a box shadow that differs from the unfocused look."""
        return self.js("""
            const e = arguments[0], s = getComputedStyle(e);
            const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
            const shadow = s.boxShadow && s.boxShadow !== 'none';
            return outline || shadow;""", el)

    # ---- what the browser saw ----
    def drain_logs(self):
        """Collects the console and the requests since the last call."""
        try:
            self.console += self.driver.get_log("browser")
        except WebDriverException:
            pass
        try:
            for entry in self.driver.get_log("performance"):
                msg = json.loads(entry["message"])["message"]
                if msg.get("method") == "Network.requestWillBeSent":
                    self.requests.append(msg["params"]["request"]["url"])
                elif msg.get("method") == "Network.responseReceived":
                    r = msg["params"]["response"]
                    self.statuses[r["url"]] = r["status"]
        except WebDriverException:
            pass

    def status(self, path):
        """The HTTP status the browser got for PATH (its last load), or None."""
        self.drain_logs()
        return self.statuses.get(self.url(path))

    def csp_violations(self):
        self.drain_logs()
        return [e["message"] for e in self.console if "Content Security Policy" in e.get("message", "")
                or "Content-Security-Policy" in e.get("message", "")]

    def foreign_requests(self):
        """URLs asked of any origin but the server (data:/blob:/about: are local)."""
        self.drain_logs()
        out = []
        for u in self.requests:
            s = urllib.parse.urlsplit(u)
            if s.scheme in ("data", "blob", "about", "chrome-error"):
                continue
            if s.scheme != "https" or s.netloc != self.origin:
                out.append(u)
        # The page's own view as well: every resource it loaded.
        try:
            for u in self.js("return performance.getEntriesByType('resource').map(e => e.name)") or []:
                s = urllib.parse.urlsplit(u)
                if s.scheme not in ("data", "blob") and s.netloc != self.origin:
                    out.append(u)
        except WebDriverException:
            pass
        return sorted(set(out))

    # ---- axe-core ----
    def axe(self):
        """Runs the pinned axe-core on the current page (WCAG 2.0/2.1 A and
        AA rules) and returns the serious and critical violations as lines
        'rule (impact): help — target…'."""
        with open(AXE_JS, encoding="utf-8") as f:
            src = f.read()
        # Injected through the driver (not a <script> the page loads): the
        # page's CSP stays as it is and nothing is fetched.
        self.js(src + "\n;window.__mm_axe = axe;")
        res = self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            window.__mm_axe.run(document, {runOnly: {type: 'tag', values: arguments[0]},
                                           resultTypes: ['violations']})
              .then(r => done(JSON.stringify(r.violations)))
              .catch(e => done(JSON.stringify({error: String(e)})));""", AXE_TAGS)
        data = json.loads(res)
        if isinstance(data, dict):
            return ["axe failed to run: " + data.get("error", "?")]
        bad = []
        for v in data:
            if v.get("impact") in ("serious", "critical"):
                targets = ", ".join(" ".join(n.get("target", [])) for n in v.get("nodes", [])[:5])
                bad.append("%s (%s): %s — %s" % (v["id"], v["impact"], v.get("help", ""), targets))
        return bad

    def fetch_status(self, path):
        """The status of a same-origin fetch from the page (with its cookie)."""
        return self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            fetch(arguments[0], {credentials: 'same-origin', redirect: 'manual'})
              .then(r => done(r.status)).catch(e => done(String(e)));""", path)

    def check_nothing_wrong(self, who):
        """Two TAP lines: no CSP violation in the console, no request to a
        host but the server, over everything this browser loaded."""
        csp = self.csp_violations()
        self.tap.ok(not csp, "%s: no Content-Security-Policy violation in the browser's console" % who,
                    "\n".join(csp))
        foreign = self.foreign_requests()
        self.tap.ok(not foreign, "%s: the pages asked no host but the server" % who, "\n".join(foreign))

    def check_axe(self, what):
        """One TAP line: the page passes axe-core with no serious or critical
        violation (they are listed otherwise)."""
        try:
            bad = self.axe()
        except WebDriverException as e:
            bad = ["axe could not run: %s" % e.msg]
        return self.tap.ok(not bad, "axe-core: %s has no serious or critical WCAG 2.1 A/AA violation" % what,
                           "\n".join(bad))


def run_steps(tap, steps):
    """Runs each step(browser) in a fresh Chromium (one at a time: two
    cores); an exception is a failed TAP line, never a lost count.  The
    exit status for the test: 0 when no line failed."""
    for step in steps:
        b = None
        try:
            b = Browser(os.environ["MM_WEB_URL"], os.environ["MM_CA"], tap)
            step(b)
        except Exception:  # noqa: BLE001 - any failure is a TAP line, not a lost count
            tap.ok(False, "%s: the browser part ran to its end" % step.__name__, traceback.format_exc())
        finally:
            if b:
                b.close()
    return 0 if tap.failed == 0 else 1
