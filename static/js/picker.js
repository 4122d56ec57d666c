// The searchable school picker of the measure form: a filter box above a list
// of checkboxes, a count of the schools ticked and a button to untick them all.
// Without this script the list of checkboxes still works on its own.
(function () {
  "use strict";

  function norm(text) {
    return text.toLowerCase().replace(/ё/g, "е").replace(/\s+/g, " ").trim();
  }

  document.querySelectorAll("[data-picker]").forEach(function (picker) {
    var search = picker.querySelector("[data-picker-search]");
    var count = picker.querySelector("[data-picker-count]");
    var clear = picker.querySelector("[data-picker-clear]");
    var boxes = Array.prototype.slice.call(picker.querySelectorAll("input[type=checkbox]"));
    var rows = boxes.map(function (box) {
      var row = box.closest("label").parentElement;
      return { box: box, row: row, text: norm(row.textContent) };
    });

    function update() {
      var ticked = boxes.filter(function (b) { return b.checked; }).length;
      count.textContent = count.getAttribute("data-text")
        .replace("%(n)s", ticked).replace("%(total)s", boxes.length);
      clear.hidden = ticked === 0;
    }

    function filter() {
      var words = norm(search.value).split(" ").filter(Boolean);
      rows.forEach(function (r) {
        var match = words.every(function (w) { return r.text.indexOf(w) !== -1; });
        // A ticked school stays in sight, so a choice is never hidden.
        r.row.hidden = !(match || r.box.checked);
      });
    }

    search.hidden = false;
    search.addEventListener("input", filter);
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        // Enter ticks the only school left in the list instead of sending the form.
        event.preventDefault();
        var shown = rows.filter(function (r) { return !r.row.hidden && !r.box.checked; });
        if (shown.length === 1) {
          shown[0].box.checked = true;
          update();
        }
      } else if (event.key === "Escape") {
        search.value = "";
        filter();
      }
    });
    picker.addEventListener("change", update);
    clear.addEventListener("click", function () {
      boxes.forEach(function (b) { b.checked = false; });
      update();
      filter();
    });
    update();
  });
})();
