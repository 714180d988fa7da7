// Ajunta's only script of its own (the rest is htmx and Bootstrap): every table in a .table-wrap
// gets its column headers copied onto its cells as data-label, so that on a narrow screen the CSS
// can show each row as a card of "header: value" lines instead of a table that scrolls sideways.
(function () {
  "use strict";
  function label(root) {
    root.querySelectorAll(".table-wrap table").forEach(function (table) {
      var headers = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      if (!headers.length) { return; }
      table.classList.add("stack");
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, i) {
          if (!cell.hasAttribute("data-label") && headers[i]) { cell.setAttribute("data-label", headers[i]); }
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { label(document); });
  document.addEventListener("htmx:afterSettle", function (event) { label(event.target); });
})();
