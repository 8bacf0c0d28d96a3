/* Comments (ambit.discussion): the "@" picker. No inline script under the strict CSP, so this
   file is loaded by the objective page's comments section and works by delegation on the threads
   HTMX swaps in.
   - While typing in a comment box, the word being typed after "@" is copied into the box's hidden
     "q" field; the box then asks the server for matching members (hx-get on input).
   - Choosing a member replaces that "@word" with the member's mention (@handle, or
     @[Name](member:id) when a handle is shared). */
(function () {
  "use strict";

  function atWord(textarea) {
    var upto = textarea.value.slice(0, textarea.selectionStart);
    var match = /(^|[\s(])@([^\s@\[\]()]{0,40})$/.exec(upto);
    return match ? { start: upto.length - match[2].length - 1, word: match[2] } : null;
  }

  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLTextAreaElement) || !box.dataset.mentionInput) return;
    var q = document.getElementById(box.dataset.mentionInput);
    if (!q) return;
    var found = atWord(box);
    q.value = found && found.word.length > 0 ? found.word : "";
  }, true);

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-mention-insert]") : null;
    if (!button) return;
    var box = document.getElementById(button.getAttribute("data-mention-target") || "");
    if (!(box instanceof HTMLTextAreaElement)) return;
    var token = button.getAttribute("data-mention-insert") + " ";
    var found = atWord(box);
    var start = found ? found.start : box.selectionStart;
    var end = box.selectionStart;
    box.value = box.value.slice(0, start) + token + box.value.slice(end);
    var caret = start + token.length;
    box.focus();
    box.setSelectionRange(caret, caret);
    var list = button.closest(".mention-options");
    if (list) list.textContent = "";
    var q = document.getElementById(box.dataset.mentionInput || "");
    if (q) q.value = "";
  });
})();
