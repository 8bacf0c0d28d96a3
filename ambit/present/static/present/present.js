// The all-hands deck (present/slides.html): one slide at a time once this runs; without it every
// slide reads as one long page. → / Space / PageDown next, ← / PageUp previous, Home / End,
// F full screen (the Fullscreen API), Esc leaves full screen, else the deck (its Exit link).
// The slide is in the URL hash (#slide-3), so a reload or a shared address opens the same one.
(function () {
  "use strict";
  var deck = document.querySelector("[data-deck]");
  if (!deck) { return; }
  var slides = Array.prototype.slice.call(deck.querySelectorAll("[data-slide]"));
  if (!slides.length) { return; }
  var counter = deck.querySelector("[data-deck-counter]");
  var prev = deck.querySelector("[data-deck-prev]");
  var next = deck.querySelector("[data-deck-next]");
  var full = deck.querySelector("[data-deck-full]");
  var exit = deck.querySelector("[data-deck-exit]");
  var bar = deck.querySelector("[data-deck-bar]");
  var help = deck.querySelector("[data-deck-help]");
  var current = 0;

  deck.classList.add("is-live");
  document.body.classList.add("is-presenting");
  if (bar) { bar.hidden = false; }
  if (help) { help.hidden = false; }

  function indexFromHash() {
    var match = /^#slide-(\d+)$/.exec(window.location.hash || "");
    if (!match) { return 0; }
    var n = parseInt(match[1], 10) - 1;
    return n >= 0 && n < slides.length ? n : 0;
  }

  function show(index, focus) {
    current = Math.max(0, Math.min(slides.length - 1, index));
    slides.forEach(function (slide, i) { slide.hidden = i !== current; });
    if (counter) { counter.textContent = (current + 1) + " / " + slides.length; }
    if (prev) { prev.disabled = current === 0; }
    if (next) { next.disabled = current === slides.length - 1; }
    var hash = "#" + slides[current].id;
    if (window.location.hash !== hash) { history.replaceState(null, "", hash); }
    if (focus) {
      var heading = slides[current].querySelector("h2");
      if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: true }); }
    }
    // An anchor jump (#slide-3) or a long slide leaves the page scrolled: show the slide's top.
    if (deck.getBoundingClientRect().top < 0) { deck.scrollIntoView({ block: "start" }); }
  }

  function isFull() { return Boolean(document.fullscreenElement); }
  function toggleFull() {
    if (isFull()) {
      if (document.exitFullscreen) { document.exitFullscreen(); }
    } else if (deck.requestFullscreen) {
      deck.requestFullscreen().catch(function () { /* refused (iframe, settings): stay as is */ });
    }
  }
  document.addEventListener("fullscreenchange", function () {
    if (full) { full.setAttribute("aria-pressed", String(isFull())); }
    deck.classList.toggle("is-full", isFull());
  });

  if (prev) { prev.addEventListener("click", function () { show(current - 1, false); }); }
  if (next) { next.addEventListener("click", function () { show(current + 1, false); }); }
  if (full) { full.addEventListener("click", toggleFull); }
  window.addEventListener("hashchange", function () { show(indexFromHash(), true); });

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var onControl = event.target && event.target.closest && event.target.closest("a, button");
    var handled = true;
    switch (event.key) {
      case "ArrowRight": case "PageDown": show(current + 1, true); break;
      case " ": case "Spacebar":
        if (onControl) { handled = false; } else { show(current + 1, true); }
        break;
      case "ArrowLeft": case "PageUp": show(current - 1, true); break;
      case "Home": show(0, true); break;
      case "End": show(slides.length - 1, true); break;
      case "f": case "F": toggleFull(); break;
      case "Escape":
        // The browser leaves full screen on Esc by itself; outside it, Esc leaves the deck.
        if (isFull()) { handled = false; } else if (exit) { exit.click(); } else { handled = false; }
        break;
      default: handled = false;
    }
    if (handled) { event.preventDefault(); }
  });

  show(indexFromHash(), false);
})();
