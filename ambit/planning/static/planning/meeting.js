// The quarterly OKR meeting (planning/meeting.html): full screen, and keys for every button.
// J / → next, K / ← previous, A approve, S send back (focus the comment), N add a note,
// ? shortcuts, Esc leaves a field (and, outside one, exits). Each key clicks or focuses the
// element marked with data-key / data-send-back / data-note-text, so the buttons stay the truth.
(function () {
  "use strict";
  var root = document.querySelector("[data-meeting]");
  if (!root) { return; }
  document.body.classList.add("is-meeting");

  function el(selector) { return root.querySelector(selector); }
  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }
  function follow(key) {
    var link = el('[data-key="' + key + '"]');
    if (link) { link.click(); return true; }
    return false;
  }
  function focus(selector) {
    var field = el(selector);
    if (!field) { return false; }
    var details = field.closest("details");
    if (details) { details.open = true; }
    field.focus();
    return true;
  }
  var help = document.getElementById("meeting-help");
  var helpButton = el('[data-key="help"]');
  function toggleHelp() {
    if (!help) { return; }
    help.hidden = !help.hidden;
    if (helpButton) { helpButton.setAttribute("aria-expanded", String(!help.hidden)); }
  }
  if (helpButton) { helpButton.addEventListener("click", toggleHelp); }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "Escape") {
      if (typing(event.target)) { event.target.blur(); event.preventDefault(); return; }
      if (help && !help.hidden) { toggleHelp(); event.preventDefault(); return; }
      if (follow("exit")) { event.preventDefault(); }
      return;
    }
    if (typing(event.target)) { return; }
    var handled = false;
    switch (event.key) {
      case "j": case "J": case "ArrowRight": handled = follow("next"); break;
      case "k": case "K": case "ArrowLeft": handled = follow("prev"); break;
      case "a": case "A": handled = follow("approve"); break;
      case "s": case "S": handled = focus("[data-send-back]"); break;
      case "n": case "N": handled = focus("[data-note-text]"); break;
      case "?": toggleHelp(); handled = true; break;
      default: break;
    }
    if (handled) { event.preventDefault(); }
  });
})();
