// The team check-in in meeting mode (teammeetings/meeting.html). Keys, each with a button or a
// field on the page: J / → next key result, K / ← previous, N the owner's note on the current one,
// D record a decision, A record an action item, P presenting layout, ? shortcuts, Esc leaves a field
// (then the presenting layout). After an HTMX answer, focus goes back where it was.
(function () {
  "use strict";
  var root = document.querySelector("[data-team-meeting]");
  if (!root) { return; }
  var current = -1;
  var focusId = null; // where the focus goes back after an HTMX answer (see the end)
  var fromForm = false;

  function rows() { return Array.prototype.slice.call(root.querySelectorAll("[data-kr]")); }
  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }
  function show(index) {
    var all = rows();
    if (!all.length) { return false; }
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) { row.classList.toggle("is-current", i === current); });
    all[current].focus();
    return true;
  }
  function record(kind) {
    var select = root.querySelector("[data-item-kind]");
    var text = root.querySelector("[data-item-text]");
    if (!select || !text) { return false; }
    select.value = kind;
    text.focus();
    return true;
  }
  function note() {
    var all = rows();
    var scope = current >= 0 && all[current] ? all[current] : root;
    var field = scope.querySelector("[data-note-text]");
    if (!field) { return false; }
    field.focus();
    return true;
  }

  var presentButton = document.querySelector('[data-key="present"]');
  function present(on) {
    document.body.classList.toggle("is-presenting", on);
    if (presentButton) { presentButton.setAttribute("aria-pressed", String(on)); }
    try { window.sessionStorage.setItem("team-meeting-presenting", on ? "1" : ""); } catch (e) { /* private mode */ }
  }
  if (presentButton) {
    presentButton.addEventListener("click", function () { present(!document.body.classList.contains("is-presenting")); });
  }
  try { if (window.sessionStorage.getItem("team-meeting-presenting") === "1") { present(true); } } catch (e) { /* private mode */ }

  var help = document.getElementById("meeting-help");
  var helpButton = document.querySelector('[data-key="help"]');
  function toggleHelp() {
    if (!help) { return; }
    help.hidden = !help.hidden;
    if (helpButton) { helpButton.setAttribute("aria-expanded", String(!help.hidden)); }
  }
  if (helpButton) { helpButton.addEventListener("click", toggleHelp); }

  root.addEventListener("focusin", function (event) {
    var row = event.target.closest ? event.target.closest("[data-kr]") : null;
    if (row) {
      var index = rows().indexOf(row);
      if (index !== current) { current = index; rows().forEach(function (r, i) { r.classList.toggle("is-current", i === index); }); }
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "Escape") {
      // Leaving a field also means "stay out of it": an answer still on its way does not put
      // the focus back there.
      focusId = null;
      fromForm = false;
      if (typing(event.target)) { event.target.blur(); event.preventDefault(); return; }
      if (help && !help.hidden) { toggleHelp(); event.preventDefault(); return; }
      if (document.body.classList.contains("is-presenting")) { present(false); event.preventDefault(); }
      return;
    }
    if (typing(event.target)) { return; }
    var handled = false;
    switch (event.key) {
      case "j": case "J": case "ArrowRight": handled = show(current + 1); break;
      case "k": case "K": case "ArrowLeft": handled = show(current < 0 ? 0 : current - 1); break;
      case "n": case "N": handled = note(); break;
      case "d": case "D": handled = record("decision"); break;
      case "a": case "A": handled = record("action"); break;
      case "p": case "P": present(!document.body.classList.contains("is-presenting")); handled = true; break;
      case "?": toggleHelp(); handled = true; break;
      default: break;
    }
    if (handled) { event.preventDefault(); }
  });

  // HTMX swaps the items (or a note) in place: put the focus back on the same control, or on the
  // text field of the form that recorded something.
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var active = document.activeElement;
    focusId = active && active.id ? active.id : null;
    fromForm = Boolean(event.detail && event.detail.elt && event.detail.elt.hasAttribute("data-item-form"));
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    var target = focusId ? document.getElementById(focusId) : null;
    if (!target && fromForm) { target = root.querySelector("[data-item-text]"); }
    // Only where the swap took the focus away: not from a control the person moved to since.
    var active = document.activeElement;
    var moved = active && active !== document.body && active !== target && document.contains(active);
    if (target && root.contains(target) && !moved) { target.focus(); }
    focusId = null;
    fromForm = false;
  });
})();
