/* Calendar feeds page: ambit.js reveals copy buttons ([data-copy-target], hidden in the markup so
   that without JavaScript only the selectable field shows) once, when the page loads; a new
   address arrives later, in a row HTMX swaps in, so its button is revealed here. */
(function () {
  "use strict";
  document.addEventListener("htmx:load", function (ev) {
    var el = ev.detail && ev.detail.elt;
    if (!el || !el.querySelectorAll) return;
    el.querySelectorAll("[data-copy-target]").forEach(function (btn) { btn.hidden = false; });
  });
})();
