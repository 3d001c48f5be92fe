# SPDX-License-Identifier: EUPL-1.2
"""The portal's "Statistik" in a real headless Chromium: run by
tests/integration/t_web_browser_stats.sh, which starts mmsimd, the print
room's printer and mmprintd and sends letters of two förvaltningar first.

statistik: the statistik person logs in with the keyboard only and lands on
        Statistik; the page passes axe-core (WCAG 2.1 A/AA); each chart is
        an SVG image whose accessible name the browser computes from its
        title, followed by a table with a caption and its figures; the
        figures are those the bash part counted; the form is used with the
        keyboard only (Dela upp per: Förvaltning, then Visa) and the rows
        become förvaltningar; the CSV link answers; "Mina brev" is refused.
handlaggare: a handläggare is refused Statistik with the Swedish page.
Both: no CSP violation in the console, no request to any other host.

From the environment: MM_WEB_URL, MM_CA, MM_STATS_USER/MM_STATS_PASS,
MM_HL_USER/MM_HL_PASS, MM_LETTERS (letters sent), MM_DIGITAL (of them
digital), MM_DEPTS (the förvaltningar, "|"-separated).
"""
import os
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mmweb  # noqa: E402

E = os.environ
tap = mmweb.Tap()


def attr(el, name):
    return (el.get_attribute(name) or "") if el is not None else ""


def is_id(name):
    return lambda e: attr(e, "id") == name


def login(b, user, password, who, lands):
    """The login form with the keyboard only; True when the browser lands on LANDS."""
    b.get("/logga-in")
    f = b.tab_to(is_id("anvandare"))
    if not tap.ok(f is not None, "%s: Tab reaches the field Användarnamn" % who):
        return False
    b.keys(user, Keys.TAB, password, Keys.ENTER)
    ok = b.wait(lambda: b.path().startswith(lands), 20)
    return tap.ok(ok, "%s: Enter logs in and lands on %s" % (who, lands), "at %s: %s" % (b.path(), b.text()[:300]))


def chart(b, svg_id, table_id):
    """An SVG chart: an image with the name of its title, drawn (bars), and
    a table with a caption right after its figure."""
    svg = b.one("svg#" + svg_id)
    if not tap.ok(svg is not None, "chart %s is on the page" % svg_id):
        return
    name = b.js("""const s = arguments[0], ids = (s.getAttribute('aria-labelledby') || '').split(' ');
                   return ids.map(i => (document.getElementById(i) || {}).textContent || '').join(' ').trim();""", svg)
    tap.ok(attr(svg, "role") == "img" and len(name) > 10, "chart %s: role img, named %r" % (svg_id, name))
    bars = b.js("return arguments[0].querySelectorAll('rect[class^=stapel]').length", svg)
    tap.ok(bars > 0, "chart %s draws its bars (%s)" % (svg_id, bars))
    size = b.js("const r = arguments[0].getBoundingClientRect(); return [r.width, r.height]", svg)
    tap.ok(size[0] > 200 and size[1] > 50, "chart %s is visible (%r)" % (svg_id, size))
    follows = b.js("""const f = arguments[0].closest('figure'); let n = f && f.nextElementSibling;
                      return n ? n.id : null;""", svg)
    tap.equal("chart %s is followed by its table" % svg_id, follows, table_id)
    cap = b.one("table#%s caption" % table_id)
    tap.ok(cap is not None and cap.text.strip() != "", "table %s has a caption" % table_id)


def statistik(b):
    who = "statistik"
    if not login(b, E["MM_STATS_USER"], E["MM_STATS_PASS"], who, "/statistik"):
        return
    lang = b.js("return document.documentElement.lang")
    h1 = [e.text for e in b.driver.find_elements(By.TAG_NAME, "h1")]
    tap.ok(lang == "sv" and h1 == ["Statistik"], "Statistik: <html lang=sv> and one <h1> Statistik", "%r %r" % (lang, h1))
    b.check_axe("Statistik")
    if E.get("MM_SCREENSHOT"):   # for a person to look at: MM_SCREENSHOT=FILE.png
        b.driver.set_window_size(1280, 3000)
        b.driver.save_screenshot(E["MM_SCREENSHOT"])
        b.driver.set_window_size(1280, 1000)
    chart(b, "diagram-andel", "tabell-andel")
    chart(b, "diagram-kanal", "tabell-kanal")
    total = b.one("#summa dd")
    tap.equal("the summary's letters sent are the letters the test sent",
              (total.text if total else "").replace("\u00a0", ""), E["MM_LETTERS"])
    rows = b.js("return [...document.querySelectorAll('#tabell-andel tbody tr')].map(r => r.cells[2].textContent)")
    tap.equal("the share chart's table: the digital letters of the month", rows, [E["MM_DIGITAL"]])
    depts = sorted(b.js("return [...document.querySelectorAll('#tabell-kanal tbody th')].map(t => t.textContent)"))
    tap.equal("the channel chart's table: one row per förvaltning", depts, sorted(E["MM_DEPTS"].split("|")))
    # The form with the keyboard: Tab to Dela upp per, choose Förvaltning, Tab to Visa, Enter.
    sel = b.tab_to(is_id("per"))
    if tap.ok(sel is not None, "Tab reaches Dela upp per"):
        tap.ok(b.focus_visible(sel), "... and its focus is visible")
        b.keys(Keys.DOWN)   # Månad -> Förvaltning
        btn = b.tab_to(lambda e: e.tag_name == "button" and e.text.strip() == "Visa")
        if tap.ok(btn is not None, "Tab reaches Visa"):
            b.keys(Keys.ENTER)
            tap.ok(b.wait(lambda: "per=department" in b.path()), "Enter shows the figures per förvaltning",
                   "at " + b.path())
            head = b.one("#tabell-grupper thead th")
            tap.equal("the table's first column is Förvaltning", head.text if head else "", "Förvaltning")
            keys = sorted(b.js("return [...document.querySelectorAll('#tabell-grupper tbody th')].map(t => t.textContent)"))
            tap.equal("... one row per förvaltning", keys, sorted(E["MM_DEPTS"].split("|")))
            b.check_axe("Statistik per förvaltning")
    link = b.one("a#csv")
    href = attr(link, "href")
    tap.ok("per=department" in href, "the CSV link keeps the choice", href)
    tap.equal("the CSV link answers 200", b.fetch_status(href), 200)
    tap.equal("statistik: Mina brev's data is refused (403)", b.fetch_status("/brev.json"), 403)
    b.get("/brev")
    tap.ok("Du har inte behörighet" in b.text(), "statistik: /brev says Du har inte behörighet", b.text()[:300])
    b.check_nothing_wrong(who)


def handlaggare(b):
    who = "handläggare"
    if not login(b, E["MM_HL_USER"], E["MM_HL_PASS"], who, "/brev"):
        return
    menu = b.js("return [...document.querySelectorAll('nav a')].map(a => a.getAttribute('href'))")
    tap.ok("/statistik" not in menu, "handläggare: no Statistik in the main menu", repr(menu))
    b.get("/statistik")
    tap.ok("Du har inte behörighet att se det här." in b.text(), "handläggare: /statistik says Du har inte behörighet",
           b.text()[:300])
    tap.equal("handläggare: /statistik answered 403", b.status("/statistik"), 403)
    b.check_axe("the refusal of Statistik")
    b.check_nothing_wrong(who)


def main():
    return mmweb.run_steps(tap, (statistik, handlaggare))


if __name__ == "__main__":
    sys.exit(main())
