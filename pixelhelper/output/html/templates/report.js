// pixelhelper report: filters and sortable findings. Without this script every card is open
// and every finding listed; nothing here fetches or loads anything.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var controls = document.querySelectorAll("[data-filter]");
  function selected() {
    var out = {};
    controls.forEach(function (c) { out[c.getAttribute("data-filter")] = c.value.trim().toLowerCase(); });
    return out;
  }
  function has(list, value) {
    return !value || (" " + (list || "").toLowerCase() + " ").indexOf(" " + value + " ") >= 0;
  }
  function matches(el, f, textOf) {
    return has(el.getAttribute("data-severity"), f.severity) &&
      has(el.getAttribute("data-category"), f.category) &&
      has(el.getAttribute("data-rule"), f.rule) &&
      has(el.getAttribute("data-pixel"), f.pixel) &&
      (!f.page || (el.getAttribute("data-page") || "") === f.page) &&
      (!f.text || textOf(el).toLowerCase().indexOf(f.text) >= 0);
  }
  function text(el) { return el.textContent || ""; }
  function apply() {
    var f = selected();
    var shown = 0;
    document.querySelectorAll("tr[data-finding]").forEach(function (row) {
      var ok = matches(row, f, text);
      row.classList.toggle("hidden", !ok);
      if (ok) { shown++; }
    });
    document.querySelectorAll("details.page").forEach(function (card) {
      var any = false;
      card.querySelectorAll("li[data-event]").forEach(function (item) {
        var ok = matches(item, f, text);
        item.classList.toggle("hidden", !ok);
        any = any || ok;
      });
      card.classList.toggle("hidden", !any);
    });
    var count = document.getElementById("shown-count");
    if (count) { count.textContent = String(shown); }
  }
  controls.forEach(function (c) { c.addEventListener("input", apply); c.addEventListener("change", apply); });
  var reset = document.getElementById("reset-filters");
  if (reset) {
    reset.addEventListener("click", function () {
      controls.forEach(function (c) { c.value = ""; });
      apply();
    });
  }
  document.querySelectorAll("th[data-sort]").forEach(function (th) {
    th.addEventListener("click", function () {
      var table = th.closest("table");
      var body = table.tBodies[0];
      var column = Array.prototype.indexOf.call(th.parentNode.children, th);
      var numeric = th.getAttribute("data-sort") === "number";
      var direction = th.getAttribute("data-dir") === "asc" ? -1 : 1;
      th.setAttribute("data-dir", direction === 1 ? "asc" : "desc");
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[column].getAttribute("data-key") || a.cells[column].textContent;
        var y = b.cells[column].getAttribute("data-key") || b.cells[column].textContent;
        if (numeric) { return direction * (parseFloat(x) - parseFloat(y)); }
        return direction * x.localeCompare(y);
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });
})();
