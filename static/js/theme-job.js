// The themes page while a recomputation waits or runs: every few seconds, read the page again and show
// the job's state in place (a live region, so screen readers hear it); once it is done or failed, load
// the page again to show the new themes and the button. Without JavaScript, a link reloads by hand.
(function () {
  var box = document.getElementById("theme-job");
  if (!box) return;
  var seconds = parseInt(box.getAttribute("data-poll") || "0", 10);
  if (!seconds || !window.fetch || !window.DOMParser) return;
  function waiting(el) {
    var state = el.getAttribute("data-state");
    return state === "queued" || state === "running";
  }
  function poll() {
    fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (resp) { return resp.ok ? resp.text() : Promise.reject(resp.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("theme-job");
        if (!fresh || !waiting(fresh)) {
          window.location.reload();
          return;
        }
        box.innerHTML = fresh.innerHTML;
        box.setAttribute("data-state", fresh.getAttribute("data-state"));
        setTimeout(poll, seconds * 1000);
      })
      .catch(function () { setTimeout(poll, seconds * 4000); });
  }
  if (waiting(box)) setTimeout(poll, seconds * 1000);
})();
