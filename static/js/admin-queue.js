// Moderation queue niceties: keyboard shortcuts and a confirmation before bulk actions.
// j/k move between comments, p publish, r reject, s spam, x select. Forms work without this file.
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll(".queue-item"));
  var current = -1;
  function focus(i) {
    if (!items.length) { return; }
    current = Math.max(0, Math.min(items.length - 1, i));
    items.forEach(function (el, n) { el.classList.toggle("current", n === current); });
    items[current].focus();
    items[current].scrollIntoView({ block: "nearest" });
  }
  items.forEach(function (el, n) { el.addEventListener("focusin", function () { current = n; }); });
  document.addEventListener("keydown", function (e) {
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (e.key === "j") { focus(current + 1); e.preventDefault(); return; }
    if (e.key === "k") { focus(current - 1); e.preventDefault(); return; }
    if (current < 0) { return; }
    var item = items[current];
    if (e.key === "x") {
      var box = item.querySelector("input[type=checkbox][name=ids]");
      if (box) { box.checked = !box.checked; }
      e.preventDefault();
      return;
    }
    var button = item.querySelector("button[data-key='" + e.key + "']");
    if (button) {
      if (e.key === "r") {
        var reason = item.querySelector("select[name=reason]");
        if (reason && !reason.value) { reason.focus(); e.preventDefault(); return; }
      }
      button.click();
      e.preventDefault();
    }
  });
  var bulk = document.getElementById("bulk");
  if (bulk) {
    bulk.addEventListener("submit", function (e) {
      var n = document.querySelectorAll("input[name=ids][form=bulk]:checked").length;
      if (!n || !window.confirm(bulk.getAttribute("data-confirm") + " (" + n + ")")) { e.preventDefault(); }
    });
  }
  if (items.length) { focus(0); }
})();
