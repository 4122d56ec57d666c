// The order of a roadmap's rows and sections in the table editor (static/js/editor.js):
// rows and sections are dragged by their handle, or moved with Alt+↑ / Alt+↓; each
// move is one request to the order endpoint and one step of undo. Loaded before
// editor.js, which calls roadmapEditorOrder with what the two share and gets back
// moveByKey for its keyboard handler.
window.roadmapEditorOrder = function (ed) {
  "use strict";

  var table = ed.table;
  var t = ed.t;
  var say = ed.say;
  var api = ed.api;
  var pushUndo = ed.pushUndo;
  var measureId = ed.measureId;
  var isSectionRow = ed.isSectionRow;

  function orderOf(tbody) {
    return Array.prototype.map.call(tbody.querySelectorAll("tr.ed-row[data-measure]"), measureId);
  }

  function sectionOrder() {
    return Array.prototype.map.call(table.querySelectorAll("tr[data-section-row]"), function (r) {
      return r.getAttribute("data-section-row");
    });
  }

  function blockOf(sectionRow) {
    // A section's tbody and the tbodies of its subsections that follow it.
    var tbody = sectionRow.closest("tbody");
    var depth = +tbody.getAttribute("data-depth");
    var block = [tbody];
    var next = tbody.nextElementSibling;
    while (next && next.tagName === "TBODY" && +next.getAttribute("data-depth") > depth) {
      block.push(next);
      next = next.nextElementSibling;
    }
    return block;
  }

  function saveMeasureOrder(bodies, restore) {
    var measures = {};
    bodies.forEach(function (b) { measures[b.getAttribute("data-section")] = orderOf(b); });
    return api(table.getAttribute("data-order-url"), { measures: measures }).then(function (result) {
      if (!result.ok) { say(result.data.message || t("order_not_saved"), true); restore(); return false; }
      say(t("order_saved"));
      return true;
    });
  }

  function moveRowTo(row, place) {
    // place(row) puts the row in its new spot; returns how to put it back.
    var fromBody = row.closest("tbody");
    var before = row.nextElementSibling;
    var restore = function () { if (before && before.parentElement === fromBody) before.before(row); else fromBody.appendChild(row); };
    place(row);
    var toBody = row.closest("tbody");
    var bodies = fromBody === toBody ? [toBody] : [fromBody, toBody];
    return saveMeasureOrder(bodies, restore).then(function (ok) {
      if (!ok) return;
      row.focus && (row.querySelector(".ed-cell") || row).focus();
      pushUndo(t("row_moved"), function () {
        var back = row.nextElementSibling;
        var now = row.closest("tbody");
        restore();
        return saveMeasureOrder(now === fromBody ? [fromBody] : [now, fromBody], function () {
          if (back && back.parentElement === now) back.before(row); else now.appendChild(row);
        });
      });
    });
  }

  function moveSectionTo(sectionRow, place) {
    var block = blockOf(sectionRow);
    var before = block[block.length - 1].nextElementSibling;
    var previous = sectionOrder();
    var restore = function () {
      block.forEach(function (b) { if (before) before.before(b); else table.appendChild(b); });
    };
    place(block);
    var order = sectionOrder();
    return api(table.getAttribute("data-order-url"), { sections: order }).then(function (result) {
      if (!result.ok) { say(result.data.message || t("order_not_saved"), true); restore(); return; }
      say(t("sections_order_saved"));
      pushUndo(t("section_moved"), function () {
        restore();
        return api(table.getAttribute("data-order-url"), { sections: previous }).then(function (r) {
          if (!r.ok) { say(r.data.message || t("not_undone"), true); return false; }
        });
      });
    });
  }

  var dragged = null;

  table.addEventListener("dragstart", function (event) {
    var row = event.target.closest && event.target.closest("tr[draggable]");
    if (!row || ed.editing() || !measureIdOrSection(row)) { event.preventDefault(); return; }
    dragged = row;
    row.classList.add("ed-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", measureIdOrSection(row));
  });

  function measureIdOrSection(row) { return measureId(row) || row.getAttribute("data-section-row"); }

  function clearMarks() {
    table.querySelectorAll(".ed-drop-before, .ed-drop-after").forEach(function (r) {
      r.classList.remove("ed-drop-before", "ed-drop-after");
    });
  }

  function dropSpot(event) {
    var row = event.target.closest && event.target.closest("tr");
    if (!row || !row.closest("tbody") || row === dragged) return null;
    var box = row.getBoundingClientRect();
    var below = event.clientY > box.top + box.height / 2;
    if (isSectionRow(dragged)) {
      // A section is dropped before or after another section's block.
      var header = row.closest("tbody").querySelector("tr.ed-section");
      if (!header || blockOf(dragged).indexOf(header.closest("tbody")) !== -1) return null;
      return { row: header, below: below };
    }
    return { row: row, below: below || isSectionRow(row) };
  }

  table.addEventListener("dragover", function (event) {
    if (!dragged) return;
    var spot = dropSpot(event);
    clearMarks();
    if (!spot) return;
    event.preventDefault();
    spot.row.classList.add(spot.below ? "ed-drop-after" : "ed-drop-before");
  });

  table.addEventListener("drop", function (event) {
    if (!dragged) return;
    event.preventDefault();
    var spot = dropSpot(event);
    var row = dragged;
    clearMarks();
    row.classList.remove("ed-dragging");
    dragged = null;
    if (!spot) return;
    if (isSectionRow(row)) {
      moveSectionTo(row, function (block) {
        var target = blockOf(spot.row);
        if (spot.below) {
          var after = target[target.length - 1];
          block.slice().reverse().forEach(function (b) { after.after(b); });
        } else {
          block.forEach(function (b) { target[0].before(b); });
        }
      });
    } else {
      moveRowTo(row, function (r) { if (spot.below) spot.row.after(r); else spot.row.before(r); });
    }
  });

  table.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("ed-dragging");
    dragged = null;
    clearMarks();
  });

  function moveByKey(row, up) {
    if (isSectionRow(row)) {
      var block = blockOf(row);
      var depth = block[0].getAttribute("data-depth");
      var sibling = up ? block[0].previousElementSibling : block[block.length - 1].nextElementSibling;
      while (sibling && sibling.tagName === "TBODY" && sibling.getAttribute("data-depth") !== depth) {
        sibling = up ? sibling.previousElementSibling : sibling.nextElementSibling;
      }
      if (!sibling || sibling.tagName !== "TBODY" || !sibling.querySelector("tr.ed-section")) return;
      moveSectionTo(row, function (b) {
        if (up) b.forEach(function (x) { sibling.before(x); });
        else { var target = blockOf(sibling.querySelector("tr.ed-section")); var last = target[target.length - 1]; b.slice().reverse().forEach(function (x) { last.after(x); }); }
      });
      return;
    }
    var other = up ? row.previousElementSibling : row.nextElementSibling;
    if (!other || !other.classList.contains("ed-row")) return;
    moveRowTo(row, function (r) { if (up) other.before(r); else other.after(r); });
  }

  return { moveByKey: moveByKey };
};
