// The draft page. The 起草说明 is rendered closed, which suits a phone, where it is several
// screens long; on a wide screen it opens while comments are invited (data-open-wide). The
// breakpoint is the stylesheet's, in em, so someone with large text gets the phone layout sooner.
(function () {
  "use strict";
  var note = document.querySelector("details.summary-note[data-open-wide]");
  if (note && window.matchMedia && window.matchMedia("(min-width: 45em)").matches) {
    note.open = true;
  }
})();
