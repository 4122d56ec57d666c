// Roadmap pages: a live preview of how a deadline is read, and moving or
// deleting sections and measures without a page reload. Without JavaScript
// every form still works by a normal POST and redirect.
(function () {
  "use strict";

  function csrf(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Live deadline preview on the measure form.
  var measureForm = document.querySelector("form[data-deadline-preview-url]");
  if (measureForm) {
    var url = measureForm.getAttribute("data-deadline-preview-url");
    var input = measureForm.querySelector("[data-deadline-input]");
    var out = document.getElementById("deadline-preview");
    var timer = null;
    var show = function () {
      fetch(url + "?text=" + encodeURIComponent(input.value), {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (!input.value.trim()) { out.textContent = ""; return; }
          var text = "Разобрано как: " + data.kind_display;
          if (data.event) text += " (" + data.event + ")";
          if (data.dates_display.length) text += " — " + data.dates_display.join(", ");
          if (!data.parsed) text += ". Срок сохранится как написан и будет отмечен для уточнения.";
          out.textContent = text;
          out.className = "rm-preview " + (data.parsed ? "muted" : "error");
        })
        .catch(function () { out.textContent = ""; });
    };
    if (input && out) {
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(show, 300);
      });
    }
  }

  // Inline move and delete on the roadmap page.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("js-inline")) return;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    event.preventDefault();
    var action = form.getAttribute("data-action");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrf(form) }
    })
      .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
      .then(function (result) {
        if (!result.ok || !result.data.ok) {
          window.alert(result.data.message || "Не удалось выполнить действие.");
          return;
        }
        if (action === "delete") {
          var row = form.closest("tr");
          if (row.classList.contains("rm-section")) {
            form.closest("tbody").remove();
          } else {
            row.remove();
          }
          return;
        }
        if (!result.data.moved) return;
        var direction = form.querySelector("input[name=direction]").value;
        if (action === "move") {
          var tr = form.closest("tr");
          var sibling = direction === "up" ? tr.previousElementSibling : tr.nextElementSibling;
          if (sibling && sibling.hasAttribute("data-measure")) {
            if (direction === "up") sibling.before(tr); else sibling.after(tr);
          }
        } else if (action === "move-section") {
          // Nested sections move with their parent; the server has the order, reload to show it.
          window.location.reload();
        }
      })
      .catch(function () { form.submit(); });
  });
})();
