/* Ambit's small progressive enhancements. Every page works without this file.
   The Content-Security-Policy forbids inline <script> and on…="" attributes, so every behaviour
   lives here, found through data- attributes (mostly by event delegation on the document). */
(function () {
  "use strict";

  var THEME_KEY = "ambit-theme";
  var root = document.documentElement;

  // Loaded in <head> without defer so the chosen theme applies before first paint (no flash).
  function storedTheme() {
    try { return window.localStorage.getItem(THEME_KEY); } catch (e) { return null; }
  }
  function applyTheme(theme) {
    if (theme === "light" || theme === "dark") root.setAttribute("data-theme", theme);
    else root.removeAttribute("data-theme");
  }
  function effectiveTheme() {
    var t = root.getAttribute("data-theme");
    if (t) return t;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }
  applyTheme(storedTheme());

  function syncToggle(btn) {
    var dark = effectiveTheme() === "dark";
    btn.setAttribute("aria-pressed", dark ? "true" : "false");
    btn.setAttribute("aria-label", dark ? "Switch to light theme" : "Switch to dark theme");
    btn.title = dark ? "Switch to light theme" : "Switch to dark theme";
    btn.textContent = dark ? "☀" : "☾";
  }

  function onReady() {
    var toggles = document.querySelectorAll("[data-theme-toggle]");
    toggles.forEach(function (btn) {
      btn.hidden = false;
      syncToggle(btn);
      btn.addEventListener("click", function () {
        var next = effectiveTheme() === "dark" ? "light" : "dark";
        applyTheme(next);
        try { window.localStorage.setItem(THEME_KEY, next); } catch (e) { /* private mode: theme lasts this page */ }
        toggles.forEach(syncToggle);
      });
    });

    // Submit buttons only needed without JavaScript (autosubmitting selects) step aside.
    document.querySelectorAll("[data-js-hide]").forEach(function (el) { el.hidden = true; });

    // The main navigation folds behind "Menu" on phones only: on a wide screen its <details> is
    // kept open (the toggle is hidden there), and crossing the breakpoint folds it again.
    var wide = window.matchMedia ? window.matchMedia("(min-width: 52rem)") : null;
    function syncNav() {
      document.querySelectorAll("details[data-nav-menu]").forEach(function (d) {
        d.open = !!(wide && wide.matches);
      });
    }
    syncNav();
    if (wide && wide.addEventListener) wide.addEventListener("change", syncNav);
    // A table wider than the screen scrolls inside its .table-wrap: keyboard users need to reach
    // that scroll area, so it becomes a focusable region named after the table's caption.
    syncScrollRegions(document);
    window.addEventListener("resize", function () { syncScrollRegions(document); });
    document.addEventListener("htmx:load", function (ev) { syncScrollRegions(document); });

    // On a phone, Escape folds the open menu again and puts focus back on its toggle.
    document.addEventListener("keydown", function (ev) {
      if (ev.key !== "Escape" || (wide && wide.matches)) return;
      document.querySelectorAll("details[data-nav-menu][open]").forEach(function (d) {
        d.open = false;
        var s = d.querySelector("summary");
        if (s) s.focus();
      });
    });

    // Selects marked data-autosubmit submit their GET form on change; the button stays for no-JS users.
    document.addEventListener("change", function (ev) {
      var el = ev.target;
      if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.requestSubmit();
    });

    // Copy buttons (data-copy-target="<input id>") copy that field's value; where the clipboard
    // is unavailable (plain http, old browsers) the text is selected for the person to copy.
    // The buttons are hidden in the markup, so without JavaScript only the selectable field shows.
    document.querySelectorAll("[data-copy-target]").forEach(function (btn) { btn.hidden = false; });
    document.addEventListener("click", function (ev) {
      var btn = ev.target && ev.target.closest ? ev.target.closest("[data-copy-target]") : null;
      if (!btn) return;
      var id = btn.getAttribute("data-copy-target");
      var field = document.getElementById(id);
      var status = document.querySelector('[data-copy-status="' + id + '"]');
      if (!field) return;
      function say(text) { if (status) status.textContent = text; }
      function selectIt() {
        field.focus();
        field.select();
        say("Selected: press Ctrl+C (⌘C on a Mac) to copy.");
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () { say("Copied to the clipboard."); }, selectIt);
      } else {
        selectIt();
      }
    });

    // Key result form: show only the fields the chosen kind uses (each block lists its kinds in
    // data-kinds); without JavaScript every field stays visible.
    document.querySelectorAll("form[data-kr-form]").forEach(syncKindFields);
    document.addEventListener("change", function (ev) {
      var el = ev.target;
      if (el && el.matches && el.matches("form[data-kr-form] select[name=kind]")) syncKindFields(el.form);
    });

    // "Cancel" in an inline quick check-in just closes it (the link still works without JS).
    document.addEventListener("click", function (ev) {
      var link = ev.target && ev.target.closest ? ev.target.closest("[data-dismiss-slot]") : null;
      var slot = link ? link.closest(".kr-slot") : null;
      if (!slot) return;
      ev.preventDefault();
      var row = slot.closest(".kr-row");
      slot.innerHTML = "";
      var opener = row ? row.querySelector(".kr-actions a, .kr-actions button") : null;
      if (opener) opener.focus();
    });

    // Escape closes any open <details> menu and returns focus to its summary.
    document.addEventListener("keydown", function (ev) {
      if (ev.key !== "Escape") return;
      document.querySelectorAll("details.menu[open]").forEach(function (d) {
        d.removeAttribute("open");
        var s = d.querySelector("summary");
        if (s) s.focus();
      });
    });
    // Clicking outside an open menu closes it.
    document.addEventListener("click", function (ev) {
      document.querySelectorAll("details.menu[open]").forEach(function (d) {
        if (!d.contains(ev.target)) d.removeAttribute("open");
      });
    });
  }

  function syncScrollRegions(scope) {
    scope.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        var caption = wrap.querySelector("caption");
        var section = wrap.closest("[aria-labelledby]");
        var heading = section ? document.getElementById(section.getAttribute("aria-labelledby")) : null;
        var name = caption || heading;
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        // Not the section's own name: two regions named alike would be two identical landmarks.
        wrap.setAttribute("aria-label", (name ? name.textContent.trim() + ": table" : "Table") + ", scrolls sideways");
        wrap.setAttribute("data-scroll-region", "");
      } else if (!scrolls && wrap.hasAttribute("data-scroll-region")) {
        ["tabindex", "role", "aria-label", "data-scroll-region"].forEach(function (a) { wrap.removeAttribute(a); });
      }
    });
  }

  function syncKindFields(form) {
    var kind = form.querySelector("select[name=kind]");
    if (!kind) return;
    form.querySelectorAll("[data-kinds]").forEach(function (el) {
      el.hidden = el.getAttribute("data-kinds").split(" ").indexOf(kind.value) < 0;
    });
  }

  // Upload forms marked data-upload-progress (hx-post with a file) show a <progress> bar inside
  // their [data-upload-box] while the file goes up, and a line of text in [data-upload-status].
  function uploadParts(ev) {
    var form = ev.target && ev.target.closest ? ev.target.closest("form[data-upload-progress]") : null;
    if (!form) return null;
    return {
      box: form.querySelector("[data-upload-box]"),
      bar: form.querySelector("[data-upload-box] progress"),
      status: form.querySelector("[data-upload-status]")
    };
  }
  document.addEventListener("htmx:beforeRequest", function (ev) {
    var up = uploadParts(ev);
    if (!up) return;
    up.box.hidden = false; up.bar.value = 0; up.status.textContent = "";
  });
  document.addEventListener("htmx:xhr:progress", function (ev) {
    var up = uploadParts(ev);
    if (!up || (!ev.detail.lengthComputable && !ev.detail.total)) return;
    var pct = Math.round(ev.detail.loaded / ev.detail.total * 100);
    up.bar.value = pct; up.bar.textContent = pct + "%";
    up.status.textContent = pct < 100 ? pct + "% uploaded" : "Uploaded — validating the rows…";
  });
  document.addEventListener("htmx:afterRequest", function (ev) {
    var up = uploadParts(ev);
    if (!up) return;
    up.bar.value = 100; up.status.textContent = "Done.";
  });

  // After HTMX swaps a fragment in, move focus into it so keyboard users land where they work.
  // htmx:load fires on the new content (also for outerHTML swaps, where the old target is gone).
  document.addEventListener("htmx:load", function (ev) {
    var el = ev.detail && ev.detail.elt;
    if (!el || el === document.body || !el.querySelector) return;
    var focusEl = el.matches("[data-focus-first]") ? el : el.querySelector("[data-focus-first]");
    if (focusEl) focusEl.focus();
  });

  // Read-only fields marked data-select-on-focus (a new token, an invitation link) select their
  // whole value when focused, ready to copy. Delegated from the document at once, not when the
  // DOM is ready: a field focused while the page is still loading selects too.
  document.addEventListener("focusin", function (ev) {
    var el = ev.target;
    if (el && el.matches && el.matches("input[data-select-on-focus]")) el.select();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", onReady);
  else onReady();
})();
