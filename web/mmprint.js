/* SPDX-License-Identifier: EUPL-1.2 */
/* The web portal's one script: small, no framework, loaded from our own
 * server (the CSP allows nothing else).  Every form works without it; it
 * only keeps "Mina brev" up to date without reloading: it asks
 * /brev.json (with the page's search) every few seconds and updates the
 * rows in place, and tells a screen reader what changed through the
 * polite live region #andringar, one summary per poll, never a flood. */
(function () {
  "use strict";
  var POLL_MS = 5000;
  var CELLS = ["nar", "titel", "mottagare", "kanal", "vart", "tillstand"];

  function rowOf(tbody, id) {
    var rows = tbody.rows;
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getAttribute("data-id") === id) return rows[i];
    }
    return null;
  }

  function newRow(b) {
    var tr = document.createElement("tr");
    tr.setAttribute("data-id", b.id);
    CELLS.forEach(function (c) {
      var td = document.createElement("td");
      td.className = c;
      td.textContent = b[c] || "";
      tr.appendChild(td);
    });
    return tr;
  }

  function update(table, list) {
    var tbody = table.tBodies[0];
    var changed = [];
    var added = 0;
    var before = null;
    list.forEach(function (b, i) {
      var tr = rowOf(tbody, b.id);
      if (!tr) {
        tr = newRow(b);
        tr.setAttribute("data-state", b.state);
        var at = tbody.rows[i] || null;
        tbody.insertBefore(tr, at);
        added++;
        return;
      }
      if (tr.getAttribute("data-state") !== b.state) {
        tr.setAttribute("data-state", b.state);
        tr.classList.add("andrad");
        changed.push((b.titel || "Brev") + ": " + b.tillstand);
      }
      CELLS.forEach(function (c) {
        var td = tr.querySelector("td." + c);
        if (td && td.textContent !== (b[c] || "")) td.textContent = b[c] || "";
      });
      before = tr;
    });
    var empty = document.getElementById("inga-brev");
    if (empty) empty.hidden = tbody.rows.length > 0;
    var say = [];
    if (added === 1) say.push("Ett nytt brev.");
    else if (added > 1) say.push(added + " nya brev.");
    if (changed.length === 1) say.push(changed[0] + ".");
    else if (changed.length > 1) say.push(changed.length + " brev har ändrat tillstånd.");
    var live = document.getElementById("andringar");
    if (live && say.length) live.textContent = say.join(" ");
    return before;
  }

  function poll(table) {
    var url = table.getAttribute("data-json") + window.location.search;
    var x = new XMLHttpRequest();
    x.open("GET", url);
    x.setRequestHeader("Accept", "application/json");
    x.onload = function () {
      if (x.status === 401) {
        window.location.href = "/logga-in?utloggad=1";
        return;
      }
      if (x.status === 200) {
        try {
          update(table, JSON.parse(x.responseText).brev || []);
        } catch (e) {
          /* a malformed answer: try again at the next poll */
        }
      }
      window.setTimeout(function () { poll(table); }, POLL_MS);
    };
    x.onerror = function () {
      window.setTimeout(function () { poll(table); }, POLL_MS * 2);
    };
    x.send();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var table = document.getElementById("brev");
    if (table && table.getAttribute("data-json")) {
      window.setTimeout(function () { poll(table); }, POLL_MS);
    }
  });
})();
