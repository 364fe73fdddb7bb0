// Read aloud (朗读): a button before each element marked data-read-aloud that reads it with the
// browser's own speech synthesis (no outside service). Nothing at all where the browser has none,
// and nothing without JavaScript: the page reads the same either way.
(function () {
  "use strict";
  if (!("speechSynthesis" in window) || !("SpeechSynthesisUtterance" in window)) { return; }
  var script = document.currentScript;
  var readLabel = (script && script.getAttribute("data-read-label")) || "朗读";
  var stopLabel = (script && script.getAttribute("data-stop-label")) || "停止朗读";
  var synth = window.speechSynthesis;
  var speaking = null;  // the button whose text is being read

  function textOf(element) {
    var selector = element.getAttribute("data-read-aloud");
    var parts = selector ? Array.from(document.querySelectorAll(selector)) : [element];
    return parts.map(function (part) { return part.innerText.trim(); }).filter(Boolean).join("\n");
  }

  // The draft's text is Chinese whatever the interface language (lang="zh-CN" on it); read it so.
  function languageOf(element) {
    var marked = element.closest("[lang]");
    var lang = marked ? marked.getAttribute("lang") : "zh-CN";
    return /^en/i.test(lang) ? "en-US" : "zh-CN";
  }

  function voiceFor(lang) {
    var voices = synth.getVoices ? synth.getVoices() : [];
    var prefix = lang.slice(0, 2).toLowerCase();
    var exact = voices.filter(function (v) { return v.lang && v.lang.replace("_", "-").toLowerCase() === lang.toLowerCase(); });
    var near = voices.filter(function (v) { return v.lang && v.lang.toLowerCase().indexOf(prefix) === 0; });
    return exact[0] || near[0] || null;
  }

  function reset() {
    if (speaking) {
      speaking.textContent = readLabel;
    }
    speaking = null;
  }

  function read(button, element) {
    var again = speaking === button;
    synth.cancel();
    reset();
    if (again) { return; }  // the second press stops
    var utterance = new window.SpeechSynthesisUtterance(textOf(element));
    utterance.lang = languageOf(element);
    var voice = voiceFor(utterance.lang);
    if (voice) { utterance.voice = voice; }
    utterance.rate = 0.9;  // a little slower than the default: easier to follow
    utterance.onend = utterance.onerror = function () { if (speaking === button) { reset(); } };
    speaking = button;
    button.textContent = stopLabel;  // the label says what a press does now
    synth.speak(utterance);
  }

  document.querySelectorAll("[data-read-aloud]").forEach(function (element) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button small read-aloud";
    button.textContent = readLabel;
    button.addEventListener("click", function () { read(button, element); });
    var holder = document.createElement("p");
    holder.className = "read-aloud-row";
    holder.appendChild(button);
    element.insertAdjacentElement("beforebegin", holder);
  });
  // Leaving the page stops the voice (it would go on reading a page no longer shown).
  window.addEventListener("pagehide", function () { synth.cancel(); });
}());
