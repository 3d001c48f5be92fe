# SPDX-License-Identifier: EUPL-1.2
"""Utskriftsrummet in a real headless Chromium, as the print room's person
uses it with the keyboard only: run by
tests/integration/t_web_browser_printroom.sh, which starts mmprintd,
mmsimd and ippeveprinter and leaves one failed and two printed paper
letters of today.

The person signs in, opens Utskriftsrummet from the main menu, presses
"Skriv ut igen" on the failed letter and sees it printed, presses
"Markera alla utskrivna som postade" and sees every row Postat and how
many were marked, sorts by postal class with the select and goes to the
previous day.  Every page passes axe-core; the focus is visible on each
control used; no CSP violation; no request to any host but the server.

Environment: MM_WEB_URL, MM_CA, MM_PR_USER/MM_PR_PASS (role utskrift),
MM_FAILED (the failed letter's id), MM_PRINTED (the printed letters' ids).
"""
import datetime
import os
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mmweb  # noqa: E402

E = os.environ
tap = mmweb.Tap()
FAILED = E.get("MM_FAILED", "")
PRINTED = E.get("MM_PRINTED", "").split()
WHO = "the print room"


def attr(el, name):
    return (el.get_attribute(name) or "") if el is not None else ""


def is_id(name):
    return lambda e: attr(e, "id") == name


def button_of(form_action=None, text=None):
    """A button whose visible text starts with TEXT, in a form posting to
    an action ending with FORM_ACTION."""
    def pred(e):
        if e.tag_name != "button":
            return False
        if text is not None and not e.text.strip().startswith(text):
            return False
        if form_action is not None:
            form = e.find_element(By.XPATH, "./ancestor::form")
            if not attr(form, "action").endswith(form_action):
                return False
        return True
    return pred


def states(b):
    """data-id -> data-state of the table's rows."""
    return {attr(r, "data-id"): attr(r, "data-state")
            for r in b.driver.find_elements(By.CSS_SELECTOR, "#utskrifter tbody tr")}


def row_ids(b):
    return [attr(r, "data-id") for r in b.driver.find_elements(By.CSS_SELECTOR, "#utskrifter tbody tr")]


def page_shell(b, what):
    lang = b.js("return document.documentElement.lang")
    h1 = [e.text for e in b.driver.find_elements(By.TAG_NAME, "h1")]
    tap.ok(lang == "sv" and h1 == ["Utskriftsrummet"], "%s: <html lang=sv> and one <h1> Utskriftsrummet" % what,
           "lang=%r h1=%r" % (lang, h1))


def press(b, pred, what):
    """Tabs to the control PRED, checks its focus is visible and presses
    Enter.  Returns True when it was reached."""
    el = b.tab_to(pred, limit=80)
    if not tap.ok(el is not None, "%s: Tab reaches %s" % (WHO, what)):
        return False
    tap.ok(b.focus_visible(el), "%s: %s shows where the focus is" % (WHO, what))
    b.keys(Keys.ENTER)
    return True


def status_text(b):
    el = b.one("#klart")
    return el.text if el is not None else ""


def printroom(b):
    # Sign in with the keyboard.
    b.get("/logga-in")
    f = b.tab_to(is_id("anvandare"))
    if not tap.ok(f is not None, "%s: Tab reaches the field Användarnamn" % WHO):
        return
    b.keys(E["MM_PR_USER"], Keys.TAB, E["MM_PR_PASS"], Keys.ENTER)
    if not tap.ok(b.wait(lambda: not b.path().startswith("/logga-in"), 20), "%s: Enter signs in" % WHO, b.path()):
        return
    # The main menu leads to Utskriftsrummet.
    link = b.tab_to(lambda e: e.tag_name == "a" and attr(e, "href").endswith("/utskrift"))
    if not tap.ok(link is not None, "%s: Tab reaches Utskriftsrummet in the main menu" % WHO):
        return
    b.keys(Keys.ENTER)
    if not tap.ok(b.wait(lambda: b.path() == "/utskrift"), "%s: Enter opens /utskrift" % WHO, b.path()):
        return
    page_shell(b, "Utskriftsrummet")
    tap.equal("%s: the day's three letters, in print order" % WHO, row_ids(b), [FAILED] + PRINTED)
    tap.equal("%s: the failed letter is Misslyckades" % WHO,
              b.one('tr[data-id="%s"] td.tillstand' % FAILED).text, "Misslyckades")
    tap.equal("%s: the counts say 2 to post" % WHO, b.one("#att-posta").text, "2")
    b.check_axe("Utskriftsrummet with a failed letter")

    # Skriv ut igen.
    if press(b, button_of("/%s/skriv-ut-igen" % FAILED, "Skriv ut igen"), "Skriv ut igen of the failed letter"):
        b.wait(lambda: "klart=omskrivet" in b.path(), 30)
        tap.contains("%s: the page says the letter went to the printer again" % WHO, status_text(b),
                     "Brevet är skickat till skrivaren igen.")
        printed = b.wait(lambda: states(b).get(FAILED) == "printed" or b.driver.refresh(), 30, 0.5)
        tap.ok(printed, "%s: the letter is Utskrivet" % WHO, repr(states(b)))
        b.check_axe("Utskriftsrummet after Skriv ut igen")

    # Markera alla utskrivna som postade.
    if press(b, button_of("/utskrift/postad", "Markera alla utskrivna som postade"), "Markera alla utskrivna som postade"):
        b.wait(lambda: "klart=postade" in b.path(), 30)
        tap.contains("%s: the page says how many were marked" % WHO, status_text(b), "3 brev är markerade som postade.")
        tap.equal("%s: every row is posted" % WHO, sorted(set(states(b).values())), ["posted"])
        tap.equal("%s: ... and says Postat" % WHO,
                  sorted({e.text for e in b.driver.find_elements(By.CSS_SELECTOR, "#utskrifter td.tillstand")}),
                  ["Postat"])
        tap.equal("%s: the counts say 3 posted" % WHO, b.one("#postade").text, "3")
        tap.ok(b.one("#posta-alla") is None, "%s: no button for the day is left" % WHO)
        b.check_axe("Utskriftsrummet after Markera alla")

    # Sort by postal class with the select and Visa.
    sel = b.tab_to(is_id("ordning"))
    if tap.ok(sel is not None, "%s: Tab reaches the select Ordning" % WHO):
        tap.ok(b.focus_visible(sel), "%s: the select shows where the focus is" % WHO)
        b.keys(Keys.ARROW_DOWN)
        if press(b, button_of(None, "Visa"), "Visa"):
            b.wait(lambda: "ordning=postklass" in b.path())
            cap = b.one("#utskrifter caption")
            tap.contains("%s: the table is sorted by postal class" % WHO, cap.text if cap else "", "efter postklass")
            classes = [attr(r, "data-class") for r in b.driver.find_elements(By.CSS_SELECTOR, "#utskrifter tbody tr")]
            tap.equal("%s: Rekommenderat, A-post, B-post" % WHO, classes, ["rekommenderat", "a-post", "b-post"])

    # The previous day.
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    if press(b, is_id("foregaende"), "Föregående dag"):
        b.wait(lambda: ("dag=" + yesterday) in b.path())
        tap.contains("%s: the previous day has no letters" % WHO, b.text(), "Inga brev på papper den här dagen.")
        b.check_axe("Utskriftsrummet of a day without letters")

    b.check_nothing_wrong(WHO)


def main():
    return mmweb.run_steps(tap, [printroom])


if __name__ == "__main__":
    sys.exit(main())
