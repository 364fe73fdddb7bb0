// Niceties only; every page works without this file.
// 1. Keep what someone is writing in sessionStorage, so a reload, an expired page or a refused
//    request never loses it. 2. A character counter. 3. Copy the receipt code. 4. Clear the kept
//    text once a comment was received. 5. No second submission while the first is in flight, and
//    none after Back either (the first submission's id is sent again with the same text).
(function () {
  "use strict";
  var store;
  try { store = window.sessionStorage; } catch (e) { store = null; }

  document.querySelectorAll("form.comment-form[data-storage-key]").forEach(function (form) {
    var key = form.getAttribute("data-storage-key");
    var body = form.querySelector("textarea");
    if (!body) { return; }
    if (store && !body.value && store.getItem(key)) { body.value = store.getItem(key); }
    var counter = document.createElement("p");
    counter.className = "hint counter";
    counter.setAttribute("aria-live", "polite");
    body.insertAdjacentElement("afterend", counter);
    function update() {
      var n = Array.from(body.value.trim()).length;  // characters, as the server counts them (an emoji is one)
      var max = parseInt(body.getAttribute("data-max"), 10);  // BODY_MAX, from the page
      counter.textContent = max ? n + " / " + max : String(n);
      counter.classList.toggle("over", max > 0 && n > max);
      if (store) { try { store.setItem(key, body.value); } catch (e) { /* full or disabled */ } }
    }
    body.addEventListener("input", update);
    update();

    // One tap, one comment: the button is disabled while the request is in flight (the server keeps
    // the same rule with the form's one-time submission id, for a browser without this script).
    var button = form.querySelector("button[type=submit]");
    var idle = button ? button.textContent : "";
    // Back after success reloads the page with a new one-time id: when the text is the one already
    // sent from this tab, send the first id again, so the server answers with the first receipt.
    var sentKey = "consult-sent:" + key;
    var idField = form.querySelector("input[name=submission_id]");
    function reuseSentId() {
      if (!store || !idField) { return; }
      try {
        var sent = JSON.parse(store.getItem(sentKey) || "null");
        if (sent && sent.body === body.value) { idField.value = sent.id; }
      } catch (e) { /* unreadable: keep the page's own id */ }
    }
    reuseSentId();
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-submitting") === "1") { event.preventDefault(); return; }
      form.setAttribute("data-submitting", "1");
      reuseSentId();
      if (store && idField) {
        try { store.setItem(sentKey, JSON.stringify({ id: idField.value, body: body.value })); } catch (e) { /* full */ }
      }
      if (button) {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
        button.textContent = form.getAttribute("data-busy-label") || idle;
      }
    });
    // Back to a page kept in memory: the button works again (the server answers a repeat anyway).
    window.addEventListener("pageshow", function () {
      form.removeAttribute("data-submitting");
      if (button) { button.disabled = false; button.removeAttribute("aria-busy"); button.textContent = idle; }
    });
  });

  var done = document.querySelector("[data-clear-drafts]");
  if (done && store) {
    var prefix = done.getAttribute("data-clear-drafts");
    Object.keys(store).forEach(function (k) { if (k.indexOf(prefix) === 0) { store.removeItem(k); } });
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var target = document.querySelector(button.getAttribute("data-copy"));
    if (!target || !navigator.clipboard) { return; }
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        button.textContent = button.getAttribute("data-done") || "✓";
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
})();
