# SPDX-License-Identifier: EUPL-1.2
"""The web portal in a real headless Chromium, as a handläggare uses it:
run by tests/integration/t_web_browser.sh, which starts the whole print
path and prints the held letter first.  Usage: t_portal.py portal|expiry

portal: another handläggare cannot see or act on the held letter; the
        owner logs in with the keyboard only, sees the preview, is told a
        wrong check digit, is refused without a CSRF token, completes the
        letter and watches "Mina brev" (open in a second tab) change to
        "Levererat" by itself.  Every page passes axe-core; no CSP
        violation; no request to any host but the server.
expiry: after web_session_idle (the server restarted with a short one)
        the session is refused with "Du har loggats ut".

Everything it needs comes from the environment (MM_WEB_URL, MM_CA,
MM_HL_USER/MM_HL_PASS the owner, MM_HL2_USER/MM_HL2_PASS the other
handläggare, MM_JOB the server's job id, MM_PNR the right number,
MM_PNR_BAD one with a wrong check digit, MM_OPERATOR, MM_TITLE, MM_IDLE).
"""
import os
import sys
import time

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mmweb  # noqa: E402

E = os.environ
tap = mmweb.Tap()
JOB = E.get("MM_JOB", "")
LETTER = "/brev/" + JOB


def txt(b, css):
    """The text of the first element CSS matches, "" when there is none."""
    el = b.one(css)
    return el.text if el is not None else ""


def attr(el, name):
    return (el.get_attribute(name) or "") if el is not None else ""


def is_id(name):
    return lambda e: attr(e, "id") == name


def is_button(text):
    return lambda e: e.tag_name in ("button", "input") and (e.text.strip() == text or attr(e, "value") == text)


def is_link(text=None, href_end=None):
    def pred(e):
        if e.tag_name != "a":
            return False
        if text is not None and e.text.strip() != text:
            return False
        if href_end is not None and not attr(e, "href").split("?")[0].endswith(href_end):
            return False
        return True
    return pred


def clear_field(b):
    """Empties the focused field with the keyboard (select all, delete)."""
    ActionChains(b.driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).perform()
    b.keys(Keys.BACKSPACE)


def login(b, user, password, who):
    """Logs in with the keyboard only: Tab to the user name field, type,
    Tab, type the password, Enter.  Returns True on the Mina brev page."""
    b.get("/")
    at_login = b.wait(lambda: b.path().startswith("/logga-in"))
    if not tap.ok(at_login, "%s: / without a session leads to the login page" % who, "at " + b.path()):
        return False
    f = b.tab_to(is_id("anvandare"))
    if not tap.ok(f is not None, "%s: Tab reaches the field Användarnamn" % who):
        return False
    b.keys(user, Keys.TAB)
    tap.equal("%s: one Tab more reaches Lösenord" % who, attr(b.focused(), "id"), "losenord")
    b.keys(password, Keys.ENTER)
    ok = b.wait(lambda: b.path().startswith("/brev"), 20)
    return tap.ok(ok, "%s: Enter logs in and shows Mina brev" % who, "at %s: %s" % (b.path(), b.text()[:300]))


def page_shell(b, what):
    """The parts every page shares: Swedish, one h1, the main menu."""
    lang = b.js("return document.documentElement.lang")
    h1 = len(b.driver.find_elements(By.TAG_NAME, "h1"))
    tap.ok(lang == "sv" and h1 == 1, "%s: <html lang=sv> and one <h1>" % what, "lang=%r h1=%d" % (lang, h1))


def csrf_token(b):
    el = b.one("input[name=csrf]")
    return attr(el, "value")


def post_form(b, action, fields):
    """Submits a form the page did not offer (as a forged or replayed
    request would), through the browser so its cookie goes along."""
    b.js("""
        const f = document.createElement('form');
        f.method = 'post'; f.action = arguments[0];
        for (const [k, v] of Object.entries(arguments[1])) {
          const i = document.createElement('input');
          i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i);
        }
        document.body.appendChild(f); f.submit();""", action, fields)


def other_handlaggare(b):
    """Another handläggare: the held letter is not in their lists, its page
    is 404 "Brevet finns inte", and nothing they send changes it."""
    who = "another handläggare"
    if not login(b, E["MM_HL2_USER"], E["MM_HL2_PASS"], who):
        return
    tap.ok(b.one('tr[data-id="%s"]' % JOB) is None, "%s: the letter is not in their Mina brev" % who)
    b.get("/behover")
    tap.ok(not b.driver.find_elements(By.CSS_SELECTOR, 'a[href$="%s"]' % LETTER),
           "%s: the letter is not in their Behöver mottagare" % who)
    b.get(LETTER)
    tap.contains("%s: the letter's page says Brevet finns inte" % who, b.text(), "Brevet finns inte")
    tap.equal("%s: ... with status 404" % who, b.status(LETTER), 404)
    page_shell(b, "the 404 page")
    b.check_axe("the error page (404 Brevet finns inte)")
    tap.equal("%s: the preview answers 404" % who, b.fetch_status(LETTER + "/forhandsvisning.png"), 404)
    tap.equal("%s: the preflight answers 404" % who,
              b.fetch_status(LETTER + "/kontroll?personnummer=" + E["MM_PNR"]), 404)
    tap.equal("%s: the PDF answers 404" % who, b.fetch_status(LETTER + "/dokument.pdf"), 404)
    b.get("/brev")
    token = csrf_token(b)
    tap.ok(token, "%s: their pages carry a CSRF token (the Logga ut form)" % who)
    for act, fields in (("skicka", {"csrf": token, "personnummer": E["MM_PNR"]}),
                        ("makulera", {"csrf": token})):
        post_form(b, LETTER + "/" + act, fields)
        b.wait(lambda: b.path().startswith(LETTER + "/" + act))
        tap.contains("%s: POST %s with a valid token is refused as Brevet finns inte" % (who, act),
                     b.text(), "Brevet finns inte")
        tap.equal("%s: ... with status 404" % who, b.status(LETTER + "/" + act), 404)
        b.get("/brev")
    b.check_nothing_wrong(who)


def owner(b):
    """The letter's owner completes it, keyboard only."""
    who = "the handläggare"
    b.get("/logga-in")
    # A wrong password first: told so, in the alert region.
    f = b.tab_to(is_id("anvandare"))
    tap.ok(f is not None and b.focus_visible(f), "%s: the focused field shows a visible focus" % who)
    b.keys(E["MM_HL_USER"], Keys.TAB, "fel-" + E["MM_HL_PASS"], Keys.ENTER)
    fel = b.wait(lambda: txt(b, "#fel"))
    tap.contains("%s: a wrong password says Fel användarnamn eller lösenord" % who, fel or b.text(),
                 "Fel användarnamn eller lösenord")
    tap.equal("%s: ... in an alert (role=alert)" % who, attr(b.one("#fel"), "role"), "alert")
    page_shell(b, "the login page")
    b.check_axe("the login page (after a failed login)")
    if not login(b, E["MM_HL_USER"], E["MM_HL_PASS"], who):
        return

    # Mina brev, the letter held.
    page_shell(b, "Mina brev")
    nav = b.one('nav[aria-label="Huvudmeny"]')
    navtext = nav.text if nav else ""
    tap.ok(nav is not None and all(t in navtext for t in ("Mina brev", "Behöver mottagare", "Att hantera", "Logga ut")),
           "Mina brev: the main menu (nav Huvudmeny) links Mina brev, Behöver mottagare, Att hantera, Logga ut",
           navtext)
    row = b.one('table#brev tr[data-id="%s"]' % JOB)
    tap.ok(row is not None, "Mina brev: the held letter has a row", b.text()[:1500])
    state = b.one('tr[data-id="%s"] td.tillstand' % JOB)
    tap.equal("Mina brev: its state says Behöver mottagare", state.text.strip() if state else None,
              "Behöver mottagare")
    b.check_axe("Mina brev")

    # Search by title: found, and a title that matches nothing hides it.
    if b.tab_to(is_id("q")):
        b.keys(E["MM_TITLE"].split()[-1], Keys.ENTER)
        b.wait(lambda: "q=" in b.path())
        tap.ok(b.one('tr[data-id="%s"]' % JOB) is not None, "Mina brev: a search for a word of the title finds it")
        b.get("/brev")
        b.tab_to(is_id("q"))
        b.keys("finnsintealls", Keys.ENTER)
        b.wait(lambda: "q=" in b.path())
        tap.ok(b.one('tr[data-id="%s"]' % JOB) is None, "Mina brev: a search for another title does not")
    else:
        tap.ok(False, "Mina brev: Tab reaches the search field #q")

    # Mina brev stays open in a second tab, to watch it change by itself.
    first = b.driver.current_window_handle
    b.driver.switch_to.new_window("tab")
    b.get("/brev")
    b.wait(lambda: b.one('tr[data-id="%s"] td.tillstand' % JOB))
    b.js("window.__mm_not_reloaded = true;")
    watch = b.driver.current_window_handle
    b.driver.switch_to.window(first)

    # To the held letter through the menu and the list, by keyboard.
    b.get("/brev")
    if b.tab_to(is_link("Behöver mottagare")):
        b.keys(Keys.ENTER)
    ok = b.wait(lambda: b.path() == "/behover")
    tap.ok(ok, "Behöver mottagare: reached from the menu with Tab and Enter", b.path())
    page_shell(b, "Behöver mottagare")
    b.check_axe("Behöver mottagare")
    link = b.tab_to(is_link(href_end=LETTER))
    if tap.ok(link is not None, "Behöver mottagare: Tab reaches the held letter's link"):
        b.keys(Keys.ENTER)
    if not tap.ok(b.wait(lambda: b.path() == LETTER), "Enter opens the held letter's page", b.path()):
        b.get(LETTER)
    page_shell(b, "the held letter's page")

    img = b.one("img#forhandsvisning")
    loaded = b.wait(lambda: b.js("const i = arguments[0]; return i.complete && i.naturalWidth", img), 20) \
        if img else 0
    tap.ok(bool(loaded), "the preview of page 1 is shown (the image loaded, naturalWidth %s)" % loaded)
    tap.ok(attr(img, "alt").startswith("Första sidan av brevet"), "the preview has a text alternative",
           "alt=%r" % attr(img, "alt"))

    # A wrong check digit, typed: told so in the live region.
    field = b.tab_to(is_id("personnummer"))
    tap.ok(field is not None, "Tab reaches the field Personnummer")
    label = b.one('label[for="personnummer"]')
    tap.ok(label is not None and "Personnummer" in label.text, "the field is labelled Personnummer")
    b.keys(E["MM_PNR_BAD"])
    kontroll = b.one("#kontroll")
    said = b.wait(lambda: "kontrollsiffra" in txt(b, "#kontroll").lower(), 15)
    tap.ok(said, "a number with a wrong check digit is told (kontrollsiffra) as it is typed",
           "#kontroll: %r" % (kontroll.text if kontroll else None))
    tap.equal("... in a polite live region", attr(kontroll, "aria-live"), "polite")
    b.check_axe("the held letter's page (with the check-digit message)")

    # The right number: the preflight names the operator.
    clear_field(b)
    b.keys(E["MM_PNR"])
    want = "digital brevlåda hos " + E["MM_OPERATOR"]
    said = b.wait(lambda: want in txt(b, "#kontroll"), 15)
    tap.ok(said, "the right number: the page says %s before anything is sent" % want,
           "#kontroll: %r" % txt(b, "#kontroll"))

    # The form without its CSRF token is refused, and the letter stays held.
    b.js("document.querySelectorAll('input[name=csrf]').forEach(i => i.remove())")
    if b.tab_to(is_button("Skicka")):
        b.keys(Keys.ENTER)
    b.wait(lambda: b.path() != LETTER)
    tap.contains("a form without its CSRF token is refused (Formuläret har gått ut)", b.text(),
                 "Formuläret har gått ut")
    tap.equal("... with status 403", b.status(LETTER + "/skicka"), 403)
    page_shell(b, "the 403 page")
    b.check_axe("the error page (403 Formuläret har gått ut)")
    b.get(LETTER)
    tap.ok(b.one("#personnummer") is not None, "the letter is still held after the refused form")

    # Complete it: Personnummer, Tab to Skicka, Enter.
    b.tab_to(is_id("personnummer"))
    b.keys(E["MM_PNR"])
    b.wait(lambda: want in txt(b, "#kontroll"), 15)
    skicka = b.tab_to(is_button("Skicka"))
    tap.ok(skicka is not None and b.focus_visible(skicka), "Tab reaches Skicka, with a visible focus")
    b.keys(Keys.ENTER)
    b.wait(lambda: b.path() != LETTER or b.one("#personnummer") is None, 20)
    tap.ok(not txt(b, "#fel") and "Formuläret" not in b.text(), "Skicka is accepted", b.text()[:500])

    # The tab kept open shows it delivered, without a reload.
    b.driver.switch_to.window(watch)
    cell = 'tr[data-id="%s"] td.tillstand' % JOB
    got = b.wait(lambda: txt(b, cell).strip() == "Levererat", 60, 0.5)
    tap.ok(got, "Mina brev, open in another tab, changes to Levererat by itself", "state: %r" % txt(b, cell))
    tap.ok(b.js("return window.__mm_not_reloaded === true"), "... without reloading the page")
    live = b.one("#andringar")
    tap.ok(live is not None and attr(live, "aria-live") == "polite" and "Levererat" in live.text,
           "... and says so in a polite live region for a screen reader (#andringar)",
           "#andringar: %r aria-live=%r" % (txt(b, "#andringar"), attr(live, "aria-live")))
    pnr = E["MM_PNR"]
    masked = pnr[:8] + "-****"
    rec = b.one('tr[data-id="%s"] td.mottagare' % JOB)
    tap.equal("Mina brev: the recipient is shown masked", rec.text.strip() if rec else None, masked)
    src = b.driver.page_source
    tap.ok(pnr not in src and pnr[:8] + "-" + pnr[8:] not in src,
           "Mina brev: the full personnummer is nowhere in the page")
    vart = b.one('tr[data-id="%s"] td.vart' % JOB)
    tap.contains("Mina brev: where it went names the operator", vart.text if vart else "", E["MM_OPERATOR"])
    titel = b.one('tr[data-id="%s"] td.titel' % JOB)
    tap.contains("Mina brev: the title is the one printed", titel.text if titel else "", E["MM_TITLE"])
    b.check_axe("Mina brev (after the update)")
    b.driver.close()
    b.driver.switch_to.window(first)

    # Att hantera, through the menu.
    b.get("/brev")
    if b.tab_to(is_link("Att hantera")):
        b.keys(Keys.ENTER)
    tap.ok(b.wait(lambda: b.path() == "/hantera"), "Att hantera: reached from the menu with Tab and Enter")
    page_shell(b, "Att hantera")
    tap.ok(b.one("table#hantera") is not None or "inga" in b.text().lower(), "Att hantera: the list is shown")
    tap.ok(b.one('#hantera tr[data-id="%s"]' % JOB) is None, "Att hantera: the delivered letter is not an exception")
    b.check_axe("Att hantera")

    # Logga ut: the session is gone.
    if b.tab_to(is_button("Logga ut")):
        b.keys(Keys.ENTER)
    b.wait(lambda: b.path().startswith("/logga-in"))
    b.get("/brev")
    tap.ok(b.wait(lambda: b.path().startswith("/logga-in")), "after Logga ut, Mina brev leads to the login page")
    b.check_nothing_wrong(who)


def expiry(b):
    who = "an idle session"
    if not login(b, E["MM_HL_USER"], E["MM_HL_PASS"], who):
        return
    idle = int(E.get("MM_IDLE", "10"))
    # Idle means no request at all: no page is open that polls.
    b.driver.get("about:blank")
    time.sleep(idle + 2)
    b.get("/brev")
    tap.ok(b.wait(lambda: b.path().startswith("/logga-in")), "%s: after web_session_idle a page leads to the login"
           % who, b.path())
    tap.contains("%s: ... which says Du har loggats ut" % who, b.text(), "Du har loggats ut")
    page_shell(b, "the login page after a timeout")
    tap.equal("%s: Mina brev's data answers 401" % who, b.fetch_status("/brev.json"), 401)
    b.check_nothing_wrong(who)


def main():
    phase = sys.argv[1] if len(sys.argv) > 1 else "portal"
    return mmweb.run_steps(tap, {"portal": [other_handlaggare, owner], "expiry": [expiry]}[phase])


if __name__ == "__main__":
    sys.exit(main())
