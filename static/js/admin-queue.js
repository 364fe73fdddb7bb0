// Moderation queue niceties: keyboard shortcuts, undo, and checks before a bulk action's confirmation.
// j/k move between comments, p publish, r reject, s spam, x select, u undo the last action.
// Forms work without this file (the server refuses what these checks catch early).
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
    if (e.key === "u") {
      var undo = document.querySelector("button[form=undo-form]");
      if (undo) { undo.click(); e.preventDefault(); }
      return;
    }
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
  // Enter in a box or a field sends its form through the hidden first button: do nothing instead.
  document.addEventListener("submit", function (e) {
    if (e.submitter && e.submitter.name === "implicit") { e.preventDefault(); e.stopImmediatePropagation(); }
  }, true);
  var bulk = document.getElementById("bulk");
  if (bulk) {
    var message = document.getElementById("bulk-message");
    var say = function (text, field) {
      message.textContent = text;
      message.hidden = false;
      if (field) { field.focus(); }
    };
    bulk.addEventListener("submit", function (e) {
      var n = document.querySelectorAll("input[name=ids][form=bulk]:checked").length;
      var reason = bulk.querySelector("select[name=reason]");
      message.hidden = true;
      if (!n) { e.preventDefault(); say(bulk.getAttribute("data-none")); return; }
      if (bulk.querySelector("select[name=action]").value === "reject" && !reason.value) {
        e.preventDefault();
        say(bulk.getAttribute("data-reason"), reason);
        return;
      }
      if (!window.confirm(bulk.getAttribute("data-confirm") + " (" + n + ")")) { e.preventDefault(); }
    });
  }
  if (items.length) { focus(0); }
})();
