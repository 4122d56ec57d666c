// Moves the progress bar of a background job (an import, a check run) until the
// job ends, then reloads the page to show its result. The bar carries the status
// URL (data-url), the element that shows the state (data-status-id) and
// data-running when the job is queued or running.
(function () {
  "use strict";
  var bars = document.querySelectorAll("progress[data-url][data-running]");
  Array.prototype.forEach.call(bars, function (bar) {
    if (!bar.getAttribute("data-running")) return;
    var status = document.getElementById(bar.getAttribute("data-status-id"));
    function poll() {
      fetch(bar.getAttribute("data-url"), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          bar.value = data.progress;
          bar.textContent = data.progress + "%";
          if (status) status.textContent = data.status_display;
          if (data.status === "done" || data.status === "failed") {
            location.reload();
          } else {
            setTimeout(poll, 1500);
          }
        })
        .catch(function () { setTimeout(poll, 3000); });
    }
    setTimeout(poll, 1000);
  });
})();
