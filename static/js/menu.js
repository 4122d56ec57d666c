// The top bar's menu folds behind a "Меню" button on narrow screens. Without
// this script the menu simply stays open, so every link still works.
(function () {
  "use strict";
  var toggle = document.querySelector(".menu-toggle");
  var topbar = document.querySelector(".topbar");
  if (!toggle || !topbar) return;
  topbar.classList.add("collapsible");
  toggle.hidden = false;
  toggle.addEventListener("click", function () {
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    topbar.classList.toggle("open", open);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && topbar.classList.contains("open")) {
      toggle.setAttribute("aria-expanded", "false");
      topbar.classList.remove("open");
      toggle.focus();
    }
  });
})();
