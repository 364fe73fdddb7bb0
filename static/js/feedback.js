// The feedback report: a print button, and every group opened for printing (closed <details> print closed).
(function () {
  "use strict";
  var opened = [];
  function openAll() {
    document.querySelectorAll("details:not([open])").forEach(function (d) { d.open = true; opened.push(d); });
  }
  function restore() { opened.forEach(function (d) { d.open = false; }); opened = []; }
  window.addEventListener("beforeprint", openAll);
  window.addEventListener("afterprint", restore);
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
