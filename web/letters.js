/* SPDX-License-Identifier: EUPL-1.2 */
/* The held letter's page (/brev/{id}, server/web_letters.c): checks the
 * number in the field Personnummer as it is typed, through the server's
 * preflight /brev/{id}/kontroll (check digit and date; then, for a valid
 * number, the sender's own number, where the letter would go, and whether
 * the letter's own text names another number).  The answer goes to the
 * polite live region #kontroll; a mismatch shows #avvikelse and its
 * checkbox #bekrafta, which Skicka then needs.  The form works without
 * this script: the server answers the post with the same texts. */
(function () {
  "use strict";
  var WAIT_MS = 400;

  function init() {
    var form = document.getElementById("mottagare");
    if (!form) return;
    var url = form.getAttribute("data-kontroll");
    var field = document.getElementById("personnummer");
    var region = document.getElementById("kontroll");
    var mismatch = document.getElementById("avvikelse");
    var mismatchText = document.getElementById("avvikelse-text");
    var confirm = document.getElementById("bekrafta");
    var timer = null, asked = null, seq = 0, last = null;

    function say(text, isError) {
      region.textContent = "";
      if (text) {
        var p = document.createElement("p");
        p.textContent = text;
        region.appendChild(p);
      }
      region.classList.toggle("fel", !!isError);
    }

    function show(answer) {
      last = answer;
      if (!answer.valid) {
        field.setAttribute("aria-invalid", "true");
        say(answer.problem_sv, true);
      } else {
        field.removeAttribute("aria-invalid");
        say(answer.text_sv || "", false);
      }
      var differs = !!(answer.valid && answer.mismatch);
      if (differs) {
        mismatchText.textContent = answer.mismatch_sv || "";
        if (mismatch.hidden) confirm.checked = false;
      }
      mismatch.hidden = !differs;
    }

    function ask(value, force) {
      if (value === asked && !force) return;
      asked = value;
      var mine = ++seq;
      var req = new XMLHttpRequest();
      req.open("GET", url + "?personnummer=" + encodeURIComponent(value));
      req.setRequestHeader("Accept", "application/json");
      req.onload = function () {
        if (mine !== seq) return; /* a newer question is on its way */
        if (req.status === 401) {
          window.location.assign("/logga-in?utloggad=1");
          return;
        }
        var answer = null;
        try {
          answer = JSON.parse(req.responseText);
        } catch (e) {
          answer = null;
        }
        if (answer && typeof answer.valid === "boolean") show(answer);
        else if (answer && answer.message) say(answer.message, true);
      };
      req.send();
    }

    function digits(value) {
      return value.replace(/[^0-9]/g, "").length;
    }

    /* Asked once the number is complete (10 or 12 digits), or when a
     * character that cannot belong to it is typed; a half-typed number is
     * not an error yet. */
    field.addEventListener("input", function () {
      window.clearTimeout(timer);
      var value = field.value.trim();
      var n = digits(value);
      if (n === 10 || n === 12 || n > 12 || /[^0-9 +-]/.test(value)) {
        timer = window.setTimeout(function () { ask(value, false); }, WAIT_MS);
      } else {
        asked = null;
        last = null;
        field.removeAttribute("aria-invalid");
        say("", false);
        mismatch.hidden = true;
      }
    });

    field.addEventListener("change", function () {
      window.clearTimeout(timer);
      var value = field.value.trim();
      if (value) ask(value, false);
    });

    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (button && button.value === "kontrollera") {
        /* The check without reloading the page; the focus stays put. */
        event.preventDefault();
        ask(field.value.trim(), true);
        return;
      }
      if (last && !last.valid) {
        event.preventDefault();
        say(last.problem_sv, true);
        field.focus();
        return;
      }
      if (!mismatch.hidden && !confirm.checked) {
        event.preventDefault();
        confirm.focus();
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
