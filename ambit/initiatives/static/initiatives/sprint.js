/* Sprint planning: drag an initiative between "In sprint" and "Backlog" of its key result.
   A drop presses the same form the item's button submits (htmx posts it), so dragging is only a
   shortcut: every move works with the buttons and the keyboard alone. Delegated from the
   document, so it keeps working after htmx swaps the board. */
(function () {
  "use strict";
  var dragged = null;

  function zoneOf(el) {
    return el && el.closest ? el.closest("[data-drop-zone]") : null;
  }

  document.addEventListener("dragstart", function (ev) {
    var item = ev.target && ev.target.closest ? ev.target.closest("[data-initiative]") : null;
    if (!item) return;
    dragged = item;
    item.classList.add("is-dragging");
    if (ev.dataTransfer) {
      ev.dataTransfer.effectAllowed = "move";
      ev.dataTransfer.setData("text/plain", item.getAttribute("data-initiative"));
    }
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    document.querySelectorAll(".sprint-zone.is-over").forEach(function (z) { z.classList.remove("is-over"); });
  });

  function target(ev) {
    var zone = zoneOf(ev.target);
    if (!zone || !dragged) return null;
    // Only between the two lists of the same key result.
    if (zone.closest("[data-sprint-kr]") !== dragged.closest("[data-sprint-kr]")) return null;
    return zone;
  }

  document.addEventListener("dragover", function (ev) {
    var zone = target(ev);
    if (!zone) return;
    ev.preventDefault();
    zone.classList.add("is-over");
  });

  document.addEventListener("dragleave", function (ev) {
    var zone = zoneOf(ev.target);
    if (zone && !zone.contains(ev.relatedTarget)) zone.classList.remove("is-over");
  });

  document.addEventListener("drop", function (ev) {
    var zone = target(ev);
    if (!zone) return;
    ev.preventDefault();
    zone.classList.remove("is-over");
    var form = dragged.querySelector('form[data-plan-action="' + zone.getAttribute("data-drop-zone") + '"]');
    if (form) form.requestSubmit();
  });
})();
