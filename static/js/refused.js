// A form came back refused: bring the person to what went wrong (the error summary), not the top of
// the page. The form's action carries its own anchor, so without JavaScript the browser scrolls there.
// Chromium handles that anchor after load and moves focus back to <body>, so land once more then.
(function () {
  function land() {
    var summary = document.getElementById("error-summary") || document.getElementById("form-message") ||
      document.querySelector(".form-error, .field-error");
    if (!summary) return;
    if (!summary.hasAttribute("tabindex")) summary.setAttribute("tabindex", "-1");
    summary.scrollIntoView({ block: "start" });
    summary.focus({ preventScroll: true });
  }
  land();
  window.addEventListener("load", function () { setTimeout(land, 0); });
})();
