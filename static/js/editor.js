// The table editor of a roadmap (templates/roadmaps/roadmap_editor.html).
// Click a cell (or Enter) to edit it; Enter saves, Tab / Shift+Tab save and move,
// Esc cancels. «+» adds a row below, «×» deletes one. Rows and sections are
// dragged by their handle (or moved with Alt+↑ / Alt+↓; static/js/editor-order.js,
// loaded first). Rows copied from Word or Excel are pasted with Ctrl+V on a row, or
// through the paste box. Ctrl+Z undoes the last change. Every change is one small
// JSON request to roadmaps/views/editor.py; the server answers with the row as it
// renders it, so parsing and matching stay in one place.
(function () {
  "use strict";

  var table = document.getElementById("editor");
  if (!table) return;
  var csrfInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  var csrf = csrfInput ? csrfInput.value : "";
  var statusLine = document.querySelector("[data-ed-status]");
  var undoButton = document.querySelector("[data-ed-undo]");
  var undoStack = [];
  var editing = null;
  var busy = false;

  // Russian texts come from the page (Django's translations), by key.
  var messagesNode = document.getElementById("editor-messages");
  var TEXTS = messagesNode ? JSON.parse(messagesNode.textContent) : {};
  function t(key, value) {
    var text = TEXTS[key] || key;
    return value === undefined ? text : text.replace("%s", value);
  }

  var MEASURE_FIELDS = ["number", "text", "deadline_text", "responsible_text", "result", "document_text"];

  function urlFor(name, id) {
    return table.getAttribute("data-" + name + "-url").replace(/\/0\/$/, "/" + id + "/").replace(/\/0\/delete\/$/, "/" + id + "/delete/");
  }

  function say(message, isError) {
    statusLine.textContent = message || "";
    statusLine.classList.toggle("error", !!isError);
  }

  function api(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().then(
        function (data) { return { ok: response.ok && data.ok, status: response.status, data: data }; },
        function () { return { ok: false, status: response.status, data: { message: t("no_server", response.status) } }; }
      );
    }, function () {
      return { ok: false, status: 0, data: { message: t("offline") } };
    });
  }

  function fromHtml(html) {
    var holder = document.createElement("tbody");
    holder.innerHTML = html.trim();
    return holder.firstElementChild;
  }

  function fromSectionHtml(html) {
    var holder = document.createElement("table");
    holder.innerHTML = html.trim();
    return holder.querySelector("tbody");
  }

  // ------------------------------------------------------------------ undo

  function pushUndo(label, run) {
    undoStack.push({ label: label, run: run });
    if (undoStack.length > 50) undoStack.shift();
    undoButton.disabled = false;
    undoButton.title = t("undo_title", label);
  }

  function undo() {
    if (busy || editing) return;
    var step = undoStack.pop();
    undoButton.disabled = undoStack.length === 0;
    if (!step) { say(t("nothing_to_undo")); return; }
    busy = true;
    Promise.resolve(step.run()).then(function (ok) {
      busy = false;
      if (ok !== false) say(t("undone", step.label));
    });
  }

  // ------------------------------------------------------------------ rows and cells

  function rowOf(el) { return el.closest("tr"); }
  function valueOf(cell) { var v = cell.querySelector(".ed-value"); return v ? v.textContent : ""; }
  function cellsOf(row) { return Array.prototype.slice.call(row.querySelectorAll(".ed-cell")); }
  function isSectionRow(row) { return row.classList.contains("ed-section"); }
  function measureId(row) { return row.getAttribute("data-measure"); }
  function sectionOf(row) { return row.closest("tbody").getAttribute("data-section"); }
  function depthOf(row) { return row.closest("tbody").getAttribute("data-depth") || "0"; }

  function previousMeasureId(row) {
    var prev = row.previousElementSibling;
    while (prev && !(prev.classList.contains("ed-row") && measureId(prev))) prev = prev.previousElementSibling;
    return prev ? measureId(prev) : null;
  }

  function replaceRow(row, html) {
    var fresh = fromHtml(html);
    row.replaceWith(fresh);
    return fresh;
  }

  function focusCell(row, index) {
    var cells = cellsOf(row);
    if (!cells.length) return null;
    var cell = cells[Math.max(0, Math.min(index, cells.length - 1))];
    cell.focus();
    return cell;
  }

  function neighbourCell(cell, step) {
    var all = Array.prototype.slice.call(table.querySelectorAll(".ed-cell"));
    var index = all.indexOf(cell) + step;
    return index >= 0 && index < all.length ? all[index] : null;
  }

  function newRow(after, tbody) {
    var template = document.createElement("tr");
    template.className = "ed-row ed-new";
    template.setAttribute("draggable", "true");
    var html = '<td class="ed-handle">⠿</td>';
    MEASURE_FIELDS.forEach(function (field) {
      var multi = field === "text" || field === "result" ? " data-multiline" : "";
      var list = field === "responsible_text" ? ' data-list="ed-responsible"' : "";
      var preview = field === "deadline_text" ? " data-preview" : "";
      html += '<td class="ed-cell" data-field="' + field + '"' + multi + list + preview + ' tabindex="0"><div class="ed-value"></div></td>';
    });
    html += '<td class="ed-actions"><button type="button" class="small danger" data-ed-delete aria-label="' + t("delete_row") + '">×</button></td>';
    template.innerHTML = html;
    if (after) after.after(template); else tbody.prepend(template);
    return template;
  }

  // ------------------------------------------------------------------ editing a cell

  function cellKey(cell) {
    var row = rowOf(cell);
    return { measure: measureId(row), section: row.getAttribute("data-section-row"), field: cell.getAttribute("data-field"), cell: cell };
  }

  function resolveCell(key) {
    // A save re-renders its row: find the same cell in the row as it is now.
    if (key.cell.isConnected) return key.cell;
    var row = key.measure ? table.querySelector('tr[data-measure="' + key.measure + '"]')
      : key.section ? table.querySelector('tr[data-section-row="' + key.section + '"]') : null;
    return row ? row.querySelector('[data-field="' + key.field + '"]') : null;
  }

  var pendingEdit = null;

  function startEdit(cell, initial) {
    if (busy) { pendingEdit = cellKey(cell); return; }
    if (editing) return;
    var row = rowOf(cell);
    var field = cell.getAttribute("data-field");
    var multiline = cell.hasAttribute("data-multiline");
    var input = document.createElement(multiline ? "textarea" : "input");
    if (!multiline) input.type = "text";
    var original = valueOf(cell);
    input.value = initial !== undefined ? initial : original;
    input.setAttribute("aria-label", (table.querySelectorAll("thead th")[cellIndexOf(cell)] || {}).textContent || field);
    if (multiline) input.rows = Math.min(8, Math.max(2, input.value.split("\n").length + 1));
    if (cell.hasAttribute("data-list")) input.setAttribute("list", cell.getAttribute("data-list"));
    var value = cell.querySelector(".ed-value");
    value.hidden = true;
    cell.classList.add("ed-editing");
    cell.insertBefore(input, value.nextSibling);
    var preview = null;
    if (cell.hasAttribute("data-preview")) {
      preview = document.createElement("div");
      preview.className = "ed-note ed-live";
      preview.setAttribute("aria-live", "polite");
      input.after(preview);
      var timer = null;
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () { showPreview(input, preview); }, 200);
      });
      showPreview(input, preview);
    }
    editing = { cell: cell, row: row, field: field, input: input, original: original, preview: preview };
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  function cellIndexOf(cell) {
    return Array.prototype.indexOf.call(cell.parentElement.children, cell);
  }

  function showPreview(input, out) {
    var text = input.value.trim();
    if (!text) { out.textContent = ""; return; }
    fetch(table.getAttribute("data-preview-url") + "?text=" + encodeURIComponent(text), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (input.value.trim() !== text) return;
      var line = t("parsed_as") + data.kind_display;
      if (data.dates_display.length) line += " — " + data.dates_display.join(", ");
      if (!data.parsed) line += t("unparsed");
      out.textContent = line;
      out.classList.toggle("error", !data.parsed);
    }).catch(function () { out.textContent = ""; });
  }

  function closeEditor() {
    var e = editing;
    editing = null;
    e.input.remove();
    if (e.preview) e.preview.remove();
    e.cell.classList.remove("ed-editing");
    var value = e.cell.querySelector(".ed-value");
    if (value) value.hidden = false;
    return e;
  }

  // move: 0 stay, 1 next cell, -1 previous cell
  function finishEdit(save, move) {
    if (!editing) return Promise.resolve();
    var e = editing;
    var value = e.input.value;
    var changed = value !== e.original;
    var isNew = !measureId(e.row) && !isSectionRow(e.row);
    var isNewSection = isSectionRow(e.row) && !e.row.getAttribute("data-section-row");
    var index = cellIndexOf(e.cell) - 1;
    closeEditor();
    if (!save || !changed) {
      if ((isNew || isNewSection) && !save && !hasContent(e.row)) {
        var gone = isNewSection ? e.row.closest("tbody") : e.row;
        var back = gone.previousElementSibling;
        gone.remove();
        if (back && back.querySelector && back.querySelector(".ed-cell")) back.querySelector(".ed-cell").focus();
        say("");
        return Promise.resolve();
      }
      moveFocus(e.cell, move);
      return Promise.resolve();
    }
    e.cell.querySelector(".ed-value").textContent = value;
    e.cell.classList.add("ed-saving");
    busy = true;
    var saving;
    if (isSectionRow(e.row)) saving = saveSection(e, value, isNewSection);
    else if (isNew) saving = createMeasure(e, value);
    else saving = saveMeasure(e, value);
    return saving.then(function (row) {
      busy = false;
      var pending = pendingEdit;
      pendingEdit = null;
      if (pending) {
        var wanted = resolveCell(pending);
        if (wanted) { wanted.focus(); startEdit(wanted); return; }
      }
      if (!row) return;
      var target = cellsOf(row)[index];
      if (target) moveFocus(target, move);
    });
  }

  function hasContent(row) {
    return cellsOf(row).some(function (c) { return valueOf(c).trim(); });
  }

  function moveFocus(cell, move) {
    if (!move) { cell.focus(); return; }
    var next = neighbourCell(cell, move);
    if (next) { next.focus(); startEdit(next); } else cell.focus();
  }

  function saveMeasure(e, value) {
    var version = e.row.getAttribute("data-version");
    return api(urlFor("measure", measureId(e.row)), { field: e.field, value: value, version: version, depth: depthOf(e.row) })
      .then(function (result) {
        if (!result.ok) {
          say(result.data.message || t("not_saved"), true);
          if (result.data.html) return replaceRow(e.row, result.data.html);
          e.cell.querySelector(".ed-value").textContent = e.original;
          e.cell.classList.remove("ed-saving");
          return e.row;
        }
        var row = replaceRow(e.row, result.data.html);
        say(result.data.message || t("saved"));
        var id = measureId(row);
        pushUndo(t("cell_edit"), function () {
          var current = table.querySelector('tr[data-measure="' + id + '"]');
          if (!current) return false;
          return api(urlFor("measure", id), { field: e.field, value: e.original, version: current.getAttribute("data-version"), depth: depthOf(current) })
            .then(function (r) {
              if (!r.ok) { say(r.data.message || t("not_undone"), true); if (r.data.html) replaceRow(current, r.data.html); return false; }
              replaceRow(current, r.data.html);
            });
        });
        return row;
      });
  }

  function createMeasure(e, value) {
    var fields = {};
    cellsOf(e.row).forEach(function (c) { fields[c.getAttribute("data-field")] = valueOf(c); });
    fields[e.field] = value;
    if (!fields.text.trim()) {
      // A row is made when its measure has a text; until then the cells wait here.
      e.cell.classList.remove("ed-saving");
      say(t("need_text"));
      return Promise.resolve(e.row);
    }
    fields.section = sectionOf(e.row);
    fields.after = previousMeasureId(e.row);
    fields.depth = depthOf(e.row);
    return api(table.getAttribute("data-create-url"), fields).then(function (result) {
      if (!result.ok) {
        say(result.data.message || t("row_not_added"), true);
        e.cell.classList.remove("ed-saving");
        return e.row;
      }
      var row = replaceRow(e.row, result.data.html);
      say(result.data.message || t("row_added_done"));
      pushUndo(t("row_added"), function () { return deleteRow(row, true); });
      return row;
    });
  }

  function saveSection(e, value, isNew) {
    var request;
    if (isNew) {
      var number = valueOf(e.row.querySelector('[data-field="number"]'));
      var title = valueOf(e.row.querySelector('[data-field="title"]'));
      if (e.field === "number") number = value; else title = value;
      if (!title.trim()) {
        e.cell.classList.remove("ed-saving");
        say(t("need_title"));
        return Promise.resolve(e.row);
      }
      request = api(table.getAttribute("data-section-create-url"), { number: number, title: title }).then(function (result) {
        if (!result.ok) { say(result.data.message || t("section_not_added"), true); e.cell.classList.remove("ed-saving"); return e.row; }
        var tbody = fromSectionHtml(result.data.html);
        e.row.closest("tbody").replaceWith(tbody);
        say(t("section_added"));
        return tbody.querySelector("tr");
      });
      return request;
    }
    var id = e.row.getAttribute("data-section-row");
    return api(urlFor("section", id), { field: e.field, value: value }).then(function (result) {
      e.cell.classList.remove("ed-saving");
      if (!result.ok) {
        say(result.data.message || t("not_saved"), true);
        e.cell.querySelector(".ed-value").textContent = e.original;
        return e.row;
      }
      say(t("saved"));
      pushUndo(t("section_edit"), function () {
        return api(urlFor("section", id), { field: e.field, value: e.original }).then(function (r) {
          if (!r.ok) { say(r.data.message || t("not_undone"), true); return false; }
          var row = table.querySelector('tr[data-section-row="' + id + '"]');
          if (row) row.querySelector('[data-field="' + e.field + '"] .ed-value').textContent = e.original;
        });
      });
      return e.row;
    });
  }

  // ------------------------------------------------------------------ rows: add, delete, paste

  function addRowBelow(row) {
    var tbody = row.closest("tbody");
    var fresh = isSectionRow(row) ? (row.after(newRow(null, tbody)), row.nextElementSibling) : newRow(row, tbody);
    startEdit(fresh.querySelector('[data-field="text"]'));
  }

  function deleteRow(row, silent) {
    var id = measureId(row);
    if (!id) { row.remove(); return Promise.resolve(); }
    row = table.querySelector('tr[data-measure="' + id + '"]') || row;
    var after = previousMeasureId(row);
    var tbody = row.closest("tbody");
    var section = sectionOf(row);
    return api(urlFor("measure-delete", id), {}).then(function (result) {
      if (!result.ok) { say(result.data.message || t("row_not_deleted"), true); return false; }
      var anchor = row.previousElementSibling;
      row.remove();
      if (silent) return;
      say(t("row_deleted_done"));
      pushUndo(t("row_deleted"), function () {
        var fields = result.data.fields;
        fields.section = section;
        fields.after = after;
        fields.depth = tbody.getAttribute("data-depth");
        return api(table.getAttribute("data-create-url"), fields).then(function (r) {
          if (!r.ok) { say(r.data.message || t("not_undone"), true); return false; }
          var restored = fromHtml(r.data.html);
          if (anchor && anchor.parentElement === tbody) anchor.after(restored); else tbody.prepend(restored);
        });
      });
    });
  }

  function pasteRows(text, row) {
    var tbody = row ? row.closest("tbody") : lastBody();
    var anchor = row && !isSectionRow(row) && measureId(row) ? row : null;
    if (!anchor && !row) {
      var rows = tbody.querySelectorAll("tr.ed-row[data-measure]");
      anchor = rows.length ? rows[rows.length - 1] : null;
    }
    busy = true;
    say(t("adding_rows"));
    return api(table.getAttribute("data-paste-url"), {
      text: text,
      section: tbody.getAttribute("data-section"),
      after: anchor ? measureId(anchor) : null,
      depth: tbody.getAttribute("data-depth")
    }).then(function (result) {
      busy = false;
      if (!result.ok) { say(result.data.message || t("rows_not_added"), true); return false; }
      var last = anchor || (tbody.querySelector("tr.ed-section") || null);
      var created = [];
      result.data.rows.forEach(function (item) {
        var fresh = fromHtml(item.html);
        if (last) last.after(fresh); else tbody.prepend(fresh);
        last = fresh;
        created.push(fresh);
      });
      say(result.data.message);
      if (created.length) focusCell(created[0], 1);
      var ids = created.map(measureId);
      pushUndo(t("rows_pasted", created.length), function () {
        return ids.reduce(function (p, id) {
          return p.then(function () {
            var live = table.querySelector('tr[data-measure="' + id + '"]');
            return live ? deleteRow(live, true) : null;
          });
        }, Promise.resolve());
      });
      return true;
    });
  }

  function lastBody() {
    var bodies = table.querySelectorAll("tbody");
    return bodies[bodies.length - 1];
  }

  function addSection() {
    var tbody = document.createElement("tbody");
    tbody.setAttribute("data-section", "");
    tbody.setAttribute("data-depth", "0");
    tbody.innerHTML = '<tr class="ed-section ed-new"><td class="ed-handle"></td>' +
      '<td class="ed-cell" data-field="number" tabindex="0"><div class="ed-value"></div></td>' +
      '<td class="ed-cell" data-field="title" colspan="5" tabindex="0"><div class="ed-value"></div></td><td></td></tr>';
    table.appendChild(tbody);
    startEdit(tbody.querySelector('[data-field="title"]'));
  }

  // ------------------------------------------------------------------ order: drag and Alt+arrows
  // (static/js/editor-order.js)

  var order = window.roadmapEditorOrder({
    table: table,
    t: t,
    say: say,
    api: api,
    pushUndo: pushUndo,
    measureId: measureId,
    isSectionRow: isSectionRow,
    editing: function () { return editing; }
  });

  // ------------------------------------------------------------------ events

  table.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (button) {
      var row = rowOf(button);
      if (editing) { finishEdit(true, 0); return; }
      if (button.hasAttribute("data-ed-add")) addRowBelow(row);
      else if (button.hasAttribute("data-ed-delete")) deleteRow(row);
      return;
    }
    var cell = event.target.closest(".ed-cell");
    if (!cell || (editing && editing.cell === cell)) return;
    if (editing) {
      var key = cellKey(cell);
      finishEdit(true, 0).then(function () {
        var again = resolveCell(key);
        if (again && !editing) { again.focus(); startEdit(again); }
      });
      return;
    }
    startEdit(cell);
  });

  table.addEventListener("keydown", function (event) {
    if (editing && event.target === editing.input) {
      var multiline = editing.input.tagName === "TEXTAREA";
      if (event.key === "Escape") { event.preventDefault(); finishEdit(false, 0); }
      else if (event.key === "Enter" && !(multiline && event.shiftKey)) { event.preventDefault(); finishEdit(true, 0); }
      else if (event.key === "Tab") { event.preventDefault(); finishEdit(true, event.shiftKey ? -1 : 1); }
      return;
    }
    var cell = event.target.closest && event.target.closest(".ed-cell");
    if (!cell) return;
    if (event.key === "Enter" || event.key === "F2") { event.preventDefault(); startEdit(cell); }
    else if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.preventDefault();
      order.moveByKey(rowOf(cell), event.key === "ArrowUp");
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var rows = Array.prototype.slice.call(table.querySelectorAll("tr"));
      var row = rowOf(cell);
      var index = rows.indexOf(row) + (event.key === "ArrowDown" ? 1 : -1);
      while (rows[index] && !rows[index].querySelector(".ed-cell")) index += event.key === "ArrowDown" ? 1 : -1;
      if (rows[index]) focusCell(rows[index], cellIndexOf(cell) - 1);
    }
  });

  table.addEventListener("focusout", function (event) {
    // Leaving an edited cell for elsewhere on the page saves it.
    if (!editing || event.target !== editing.input) return;
    var to = event.relatedTarget;
    if (to && editing.cell.contains(to)) return;
    setTimeout(function () { if (editing && document.activeElement !== editing.input) finishEdit(true, 0); }, 0);
  });

  table.addEventListener("paste", function (event) {
    if (editing) {
      // Several rows pasted into the text of a new row become rows of the table.
      var text = (event.clipboardData || window.clipboardData).getData("text");
      if (!/[\t\n]/.test(text.trim()) || measureId(editing.row) || isSectionRow(editing.row)) return;
      event.preventDefault();
      var row = editing.row;
      var anchor = row.previousElementSibling;
      closeEditor();
      row.remove();
      pasteRows(text, anchor && anchor.classList.contains("ed-row") ? anchor : (anchor || lastBody().querySelector("tr")));
      return;
    }
    var cell = event.target.closest && event.target.closest(".ed-cell");
    var data = (event.clipboardData || window.clipboardData).getData("text");
    if (!cell || !data) return;
    event.preventDefault();
    if (!/[\t\n]/.test(data.trim())) {
      startEdit(cell, data);
      return;
    }
    pasteRows(data, rowOf(cell));
  });

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && !event.shiftKey && (event.key === "z" || event.key === "я") && !editing) {
      var tag = (event.target.tagName || "").toLowerCase();
      if (tag === "textarea" || tag === "input") return;
      event.preventDefault();
      undo();
    }
  });

  undoButton.addEventListener("click", undo);
  var addSectionButton = document.querySelector("[data-ed-add-section]");
  if (addSectionButton) addSectionButton.addEventListener("click", addSection);
  var addLast = document.querySelector("[data-ed-add-last]");
  if (addLast) addLast.addEventListener("click", function () {
    var tbody = lastBody();
    var rows = tbody.querySelectorAll("tr");
    var fresh = newRow(rows.length ? rows[rows.length - 1] : null, tbody);
    startEdit(fresh.querySelector('[data-field="text"]'));
  });
  var pasteBox = document.querySelector("[data-ed-paste-box]");
  var pasteSubmit = document.querySelector("[data-ed-paste-submit]");
  if (pasteBox && pasteSubmit) pasteSubmit.addEventListener("click", function () {
    if (!pasteBox.value.trim()) { say(t("paste_box_empty"), true); return; }
    pasteRows(pasteBox.value, null).then(function (ok) { if (ok) pasteBox.value = ""; });
  });
  table.setAttribute("data-ready", "1");
  if (window.performance && performance.mark) performance.mark("editor-ready");
})();
