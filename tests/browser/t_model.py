# SPDX-License-Identifier: EUPL-1.2
"""The benefit model's page (/nyttomodell) in a real headless Chromium, as a
person with the role statistik uses it: run by
tests/integration/t_web_browser_model.sh, which starts mmprintd and
delivers letters first.

With the keyboard only: logs in, opens Nyttomodell, types a paper cost
that is not an amount and is told so next to the field (the field points
to the message), types 9 and sees the scenarios' net present value that
`mmctl model` computes for the same inputs, then follows the link that
computes the model from the realised figures.  Every state of the page
passes axe-core; no CSP violation; no request to any host but the server.

From the environment: MM_WEB_URL, MM_CA, MM_STATS_USER, MM_STATS_PASS,
MM_NPV9 (mmctl's NPV of scenario 1 with paper_cost 9, whole kronor),
MM_DECISIONS (the realised digital decisions).
"""
import os
import sys

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mmweb  # noqa: E402

E = os.environ
tap = mmweb.Tap()
WHO = "statistik"


def attr(el, name):
    return (el.get_attribute(name) or "") if el is not None else ""


def is_id(name):
    return lambda e: attr(e, "id") == name


def digits(text):
    return text.replace("\u00a0", "").replace(" ", "").strip()


def login(b):
    """Keyboard only: Tab to Användarnamn, type, Tab, password, Enter."""
    b.get("/logga-in")
    f = b.tab_to(is_id("anvandare"))
    if not tap.ok(f is not None, "%s: Tab reaches the field Användarnamn" % WHO):
        return False
    b.keys(E["MM_STATS_USER"], Keys.TAB, E["MM_STATS_PASS"], Keys.ENTER)
    ok = b.wait(lambda: not b.path().startswith("/logga-in"), 20)
    return tap.ok(ok, "%s: Enter logs in" % WHO, "at %s: %s" % (b.path(), b.text()[:300]))


def retype(b, field_id, text):
    """Tabs to the field, empties it and types text, then Enter (submits)."""
    f = b.tab_to(is_id(field_id), limit=120)
    if not tap.ok(f is not None, "%s: Tab reaches the field %s" % (WHO, field_id)):
        return False
    ActionChains(b.driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).perform()
    b.keys(Keys.BACKSPACE, text, Keys.ENTER)
    return True


def page_shell(b, what):
    lang = b.js("return document.documentElement.lang")
    h1 = len(b.driver.find_elements(By.TAG_NAME, "h1"))
    tap.ok(lang == "sv" and h1 == 1, "%s: <html lang=sv> and one <h1>" % what, "lang=%r h1=%d" % (lang, h1))


def npv_cell(b, scenario):
    row = b.driver.find_elements(By.CSS_SELECTOR, "#scenarier tbody tr")
    if len(row) < scenario:
        return None
    return digits(row[scenario - 1].find_elements(By.TAG_NAME, "td")[0].text)


def model(b):
    if not login(b):
        return
    b.get("/nyttomodell")
    tap.equal("%s: Nyttomodell answers 200" % WHO, b.status("/nyttomodell"), 200)
    page_shell(b, "Nyttomodell")
    tap.ok(b.one("#scenarier caption") is not None and b.one("#utfall caption") is not None,
           "%s: the scenarios and the realised figures are tables with captions, side by side" % WHO)
    model_box = b.one("section.modell").rect
    realised_box = b.one("section.utfall").rect
    tap.ok(realised_box["x"] > model_box["x"] + model_box["width"] / 2,
           "%s: the realised figures are next to the model (to its right at 1280 px)" % WHO,
           "model %r, realised %r" % (model_box, realised_box))
    b.check_axe("Nyttomodell")

    # A paper cost that is not an amount: told so next to the field.
    if not retype(b, "paper_cost", "sju kronor"):
        return
    err = b.wait(lambda: b.one("#paper_cost-fel"))
    tap.contains("%s: the refusal is next to the field, in Swedish" % WHO, err.text if err else "",
                 "Skriv ett tal med siffror, till exempel 7 eller 1,50")
    field = b.one("#paper_cost")
    tap.ok("paper_cost-fel" in attr(field, "aria-describedby").split() and attr(field, "aria-invalid") == "true",
           "%s: the field points to its message (aria-describedby, aria-invalid)" % WHO,
           "aria-describedby=%r aria-invalid=%r" % (attr(field, "aria-describedby"), attr(field, "aria-invalid")))
    tap.ok(b.one("#scenarier") is None, "%s: nothing is computed from a refused input" % WHO)
    page_shell(b, "Nyttomodell with a refused input")
    b.check_axe("Nyttomodell with a refused input")

    # The summary's link takes the focus to the field; 9 kr is computed.
    link = b.tab_to(lambda e: e.tag_name == "a" and attr(e, "href").endswith("#paper_cost"), backwards=True)
    tap.ok(link is not None, "%s: the error summary links the field" % WHO)
    if link is not None:
        b.keys(Keys.ENTER)
    if not retype(b, "paper_cost", "9"):
        return
    b.wait(lambda: b.one("#scenarier"))
    tap.equal("%s: with 9 kr per paper letter scenario 1's NPV is mmctl model's" % WHO, npv_cell(b, 1),
              E["MM_NPV9"])
    tap.contains("%s: the typed value stays in the field" % WHO, attr(b.one("#paper_cost"), "value"), "9")
    b.check_axe("Nyttomodell with paper_cost 9")

    # The realised figures, and the link that computes the model from them.
    cells = {th.text: digits(td.text) for th, td in
             ((r.find_element(By.TAG_NAME, "th"), r.find_element(By.TAG_NAME, "td"))
              for r in b.driver.find_elements(By.CSS_SELECTOR, "#utfall tbody tr"))}
    tap.equal("%s: the realised digital decisions are shown" % WHO, cells.get("Digitala beslut"),
              E["MM_DECISIONS"])
    link = b.tab_to(is_id("fran-utfall"), limit=120)
    if tap.ok(link is not None, "%s: Tab reaches Beräkna modellen med utfallet" % WHO):
        b.keys(Keys.ENTER)
        tap.ok(b.wait(lambda: "decisions=" in b.path()), "%s: Enter computes the model from the realised figures"
               % WHO, b.path())
        tap.ok(b.wait(lambda: b.one("#scenarier")) is not None, "%s: ... and shows its scenarios" % WHO)
        b.check_axe("Nyttomodell computed from the realised figures")

    b.check_nothing_wrong(WHO)


def main():
    return mmweb.run_steps(tap, [model])


if __name__ == "__main__":
    sys.exit(main())
