// Polls a long job's status URL and moves the progress bar until it ends.
// The job runs in the background: leaving the page does not stop it.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  function finished(state) { return state === "done" || state === "failed"; }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        document.getElementById("job-status").textContent = job.status_display;
        document.getElementById("job-progress").value = job.progress;
        var error = document.getElementById("job-error");
        error.textContent = job.error || "";
        error.hidden = !job.error;
        document.getElementById("job-download").hidden = !job.download;
        if (!finished(job.status)) setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  if (!finished(box.getAttribute("data-status"))) poll();
})();
