/* Ambit's small progressive enhancements. Every page works without this file. */
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

    // Selects marked data-autosubmit submit their GET form on change; the button stays for no-JS users.
    document.addEventListener("change", function (ev) {
      var el = ev.target;
      if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.requestSubmit();
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

  // After HTMX swaps a fragment in, move focus into it so keyboard users land where they work.
  // htmx:load fires on the new content (also for outerHTML swaps, where the old target is gone).
  document.addEventListener("htmx:load", function (ev) {
    var el = ev.detail && ev.detail.elt;
    if (!el || el === document.body || !el.querySelector) return;
    var focusEl = el.matches("[data-focus-first]") ? el : el.querySelector("[data-focus-first]");
    if (focusEl) focusEl.focus();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", onReady);
  else onReady();
})();
