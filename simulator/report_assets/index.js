// bxmlsim run --html, the index page: sort by any column (a button in each header, aria-sort
// says the order) and filter by text and status. The table reads in run order without it.
(function () {
  "use strict";
  var doc = document, table = doc.getElementById("runs");
  if (!table) { return; }
  var body = table.tBodies[0], rows = [].slice.call(body.rows);
  var find = doc.getElementById("find"), status = doc.getElementById("status");
  var shown = doc.getElementById("shown");
  doc.getElementById("filters").hidden = false;

  [].slice.call(table.tHead.rows[0].cells).forEach(function (th) {
    var button = doc.createElement("button");
    button.type = "button";
    button.textContent = th.textContent;
    button.setAttribute("aria-label", "Sort by " + th.textContent.toLowerCase());
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", function () { sort(th); });
  });

  function sort(th) {
    var key = th.getAttribute("data-key"), number = th.getAttribute("data-type") === "number";
    var descending = th.getAttribute("aria-sort") === "ascending";
    [].slice.call(table.tHead.rows[0].cells).forEach(function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    var sorted = rows.slice().sort(function (a, b) {
      var x = a.getAttribute("data-" + key), y = b.getAttribute("data-" + key);
      var order = number ? (+x) - (+y) : x.localeCompare(y);
      if (!order) { order = (+a.getAttribute("data-order")) - (+b.getAttribute("data-order")); }
      return descending ? -order : order;
    });
    sorted.forEach(function (row) { body.appendChild(row); });
  }

  function filter() {
    var text = find.value.trim().toLowerCase(), wanted = status.value, count = 0;
    rows.forEach(function (row) {
      var ok = (!wanted || row.getAttribute("data-status") === wanted) &&
               (!text || row.textContent.toLowerCase().indexOf(text) >= 0);
      row.hidden = !ok;
      if (ok) { count++; }
    });
    shown.textContent = count + " of " + rows.length + " shown";
  }
  find.addEventListener("input", filter);
  status.addEventListener("change", filter);
  filter();
}());
