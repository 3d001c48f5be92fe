# SPDX-License-Identifier: EUPL-1.2
"""Massutskick in a real headless Chromium, as the handläggare uses it with
the keyboard only: run by tests/integration/t_web_browser_batch.sh, which
starts mmprintd, mmsimd and ippeveprinter and posts one batch of anna's
with digital, paper and one held letter.

The handläggare signs in, opens Massutskick from the main menu, opens the
batch's report, sees every letter's row and reaches the held letter's
completion page from its link.  Every page passes axe-core; the focus is
visible on each link used; no CSP violation; no request to any host but
the server.

Environment: MM_WEB_URL, MM_CA, MM_USER/MM_PASS (handläggare), MM_BATCH
(the batch id), MM_HELD (the held letter's job id), MM_LETTERS (count).
"""
import os
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mmweb  # noqa: E402

E = os.environ
tap = mmweb.Tap()
WHO = "the handläggare"
BATCH = E.get("MM_BATCH", "")
HELD = E.get("MM_HELD", "")


def attr(el, name):
    return (el.get_attribute(name) or "") if el is not None else ""


def link_to(path):
    return lambda e: e.tag_name == "a" and attr(e, "href").endswith(path)


def follow(b, path, what):
    """Tabs to the link to PATH, checks its focus is visible, presses Enter
    and waits for the page: True when it came."""
    el = b.tab_to(link_to(path), limit=80)
    if not tap.ok(el is not None, "%s: Tab reaches %s" % (WHO, what)):
        return False
    tap.ok(b.focus_visible(el), "%s: %s shows where the focus is" % (WHO, what))
    b.keys(Keys.ENTER)
    return tap.ok(b.wait(lambda: b.path().split("?")[0] == path, 20), "%s: Enter opens %s" % (WHO, path), b.path())


def one_h1(b, want, what):
    lang = b.js("return document.documentElement.lang")
    h1 = [e.text for e in b.driver.find_elements(By.TAG_NAME, "h1")]
    tap.ok(lang == "sv" and h1 == [want], "%s: <html lang=sv> and one <h1> %s" % (what, want),
           "lang=%r h1=%r" % (lang, h1))


def batch(b):
    b.get("/logga-in")
    f = b.tab_to(lambda e: attr(e, "id") == "anvandare")
    if not tap.ok(f is not None, "%s: Tab reaches the field Användarnamn" % WHO):
        return
    b.keys(E["MM_USER"], Keys.TAB, E["MM_PASS"], Keys.ENTER)
    if not tap.ok(b.wait(lambda: not b.path().startswith("/logga-in"), 20), "%s: Enter signs in" % WHO, b.path()):
        return
    if not follow(b, "/massutskick", "Massutskick in the main menu"):
        return
    one_h1(b, "Massutskick", "the list of batches")
    b.check_axe("Massutskick (the list)")
    if not follow(b, "/massutskick/" + BATCH, "the batch's link"):
        return
    one_h1(b, "Massutskick " + BATCH[:8], "the report")
    rows = b.driver.find_elements(By.CSS_SELECTOR, "tbody tr[data-state]")
    tap.equal("%s: the report has every letter" % WHO, len(rows), int(E.get("MM_LETTERS", "0")))
    cap = b.one("table caption")
    tap.contains("%s: the table has its caption" % WHO, cap.text if cap else "", "Breven i massutskicket")
    b.check_axe("the batch report")
    if not follow(b, "/brev/" + HELD, "the held letter's link"):
        return
    tap.contains("%s: the completion page asks for the personnummer" % WHO, b.text(), "Personnummer")
    b.check_nothing_wrong(WHO)


def main():
    return mmweb.run_steps(tap, [batch])


if __name__ == "__main__":
    sys.exit(main())
