/* The planning grid (sheets/grid.html): spreadsheet keys over a plain form that works without it.
 *
 * Moving: the arrow keys go from cell to cell, Tab / Shift+Tab as usual. Editing: Enter or F2 (or
 * simply typing, which replaces the cell) edits the cell; Enter keeps the change and moves down, Esc
 * puts the cell back as it was, Tab keeps it and moves on. Ctrl+Enter adds a key result row below.
 * "+ KR" and "Remove" change the rows in the page instead of asking the server to. On submit the
 * cells travel as one JSON field ("grid"), so a grid of hundreds of rows stays one form field
 * instead of thousands. Loaded with defer; no inline script (the Content-Security-Policy).
 */
(function () {
  "use strict";

  var form = document.querySelector("[data-grid-form]");
  var table = document.querySelector("[data-grid]");
  if (!form || !table) return;
  var body = table.querySelector("[data-grid-body]");
  var template = document.getElementById("grid-row-template");
  var editing = null; // the cell being edited, or null while moving
  var before = ""; // its value when editing started

  function rows() { return Array.prototype.slice.call(body.querySelectorAll("tr[data-grid-row]")); }
  function cellsOf(row) { return Array.prototype.slice.call(row.querySelectorAll("[data-grid-cell]")); }
  function position(cell) {
    var row = cell.closest("tr[data-grid-row]");
    return { row: rows().indexOf(row), col: cellsOf(row).indexOf(cell) };
  }
  function cellAt(r, c) {
    var all = rows();
    if (r < 0 || r >= all.length) return null;
    var cells = cellsOf(all[r]);
    if (!cells.length) return null;
    return cells[Math.max(0, Math.min(c, cells.length - 1))];
  }
  function isText(cell) { return cell.tagName === "INPUT" || cell.tagName === "TEXTAREA"; }

  function focusCell(cell) {
    if (!cell) return;
    stopEditing();
    cell.focus();
    if (isText(cell) && !cell.readOnly) cell.select();
    cell.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  function startEditing(cell, caretAtEnd) {
    if (cell.readOnly) return;
    editing = cell;
    before = cell.value;
    cell.classList.add("grid-editing");
    if (caretAtEnd && isText(cell)) {
      var end = cell.value.length;
      cell.setSelectionRange(end, end);
    }
  }

  function stopEditing() {
    if (editing) editing.classList.remove("grid-editing");
    editing = null;
  }

  // The row numbers, field names, labels and counts after rows were added or removed: the names
  // are what the form posts without JavaScript, the labels what screen readers announce.
  function renumber() {
    rows().forEach(function (row, i) {
      var number = i + 2;
      row.querySelectorAll("[data-grid-number]").forEach(function (n) { n.textContent = String(number); });
      row.querySelectorAll("[data-col]").forEach(function (cell) {
        var key = cell.getAttribute("data-col");
        cell.name = "r-" + i + "-" + key;
        var label = cell.getAttribute("aria-label");
        if (label) cell.setAttribute("aria-label", label.replace(/row \d+$/, "row " + number));
      });
      row.querySelectorAll("[data-grid-add-below], [data-grid-remove]").forEach(function (b) { b.value = String(i); });
    });
    var count = form.querySelector("[data-grid-count]");
    if (count) count.value = String(rows().length);
  }

  function newRow() {
    if (!template) return null;
    return template.content.querySelector("tr").cloneNode(true);
  }

  function objectiveId(text) {
    var m = /^\s*(O\d+)/i.exec(text || "");
    return m ? m[1].toUpperCase() : "";
  }

  // A key result row under ``row`` for the same objective (the server's insert_below).
  function addBelow(row) {
    var fresh = newRow();
    if (!fresh) return;
    var id = row.querySelector("[data-col=id]");
    fresh.querySelector("[data-col=id]").value = objectiveId(id ? id.value : "");
    row.querySelectorAll("[data-level=objective]").forEach(function (cell) {
      var target = fresh.querySelector("[data-col=" + cell.getAttribute("data-col") + "]");
      if (target) target.value = cell.value;
    });
    row.after(fresh);
    changed();
    renumber();
    focusCell(fresh.querySelector("[data-col=kr]"));
  }

  function remove(row) {
    var next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    if (!rows().length) body.appendChild(newRow());
    changed();
    renumber();
    var pos = next ? cellsOf(next) : [];
    focusCell(pos.length ? pos[0] : cellAt(0, 0));
  }

  // Edited after a check: the checked plan is no longer what the grid holds, so Apply goes.
  function changed() {
    var apply = form.querySelector("[data-grid-apply]");
    if (!apply) return;
    apply.disabled = true;
    var note = form.querySelector("[data-grid-apply-note]");
    if (note) note.textContent = "The grid changed since the check: press “Check” again.";
    var digest = form.querySelector("[data-grid-digest]");
    if (digest) digest.value = "";
  }

  table.addEventListener("focusin", function (event) {
    var cell = event.target.closest("[data-grid-cell]");
    if (cell && cell !== editing) {
      stopEditing();
      if (isText(cell) && !cell.readOnly) cell.select();
    }
  });
  // With the mouse: the first click selects the cell, a second one edits it where it points.
  var focusedBefore = null;
  table.addEventListener("mousedown", function (event) {
    focusedBefore = document.activeElement;
  });
  table.addEventListener("click", function (event) {
    var cell = event.target.closest("[data-grid-cell]");
    if (cell && cell === focusedBefore && cell !== editing && isText(cell)) startEditing(cell, false);
  });
  table.addEventListener("focusout", function (event) {
    if (event.target === editing) stopEditing();
  });
  table.addEventListener("input", function (event) {
    if (event.target.closest("[data-grid-cell]")) changed();
  });
  table.addEventListener("change", function (event) {
    if (event.target.closest("[data-grid-cell]")) changed();
  });

  table.addEventListener("keydown", function (event) {
    var cell = event.target.closest("[data-grid-cell]");
    if (!cell) return;
    var key = event.key;
    if (key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      addBelow(cell.closest("tr[data-grid-row]"));
      return;
    }
    var pos = position(cell);
    if (cell === editing) {
      if (key === "Escape") {
        event.preventDefault();
        cell.value = before;
        stopEditing();
        if (isText(cell)) cell.select();
      } else if (key === "Enter" && !event.altKey && !event.shiftKey) {
        event.preventDefault();
        focusCell(cellAt(pos.row + 1, pos.col) || cell);
      } else if (key === "Tab") {
        stopEditing();
      } // Shift+Enter in the description: a new line, as Alt+Enter in a spreadsheet.
      return;
    }
    var moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (moves[key] && !event.altKey && !event.shiftKey) {
      event.preventDefault(); // also keeps a select's value from changing while moving
      var d = moves[key];
      var target = d[0] ? cellAt(pos.row + d[0], pos.col) : cellsOf(cell.closest("tr"))[pos.col + d[1]];
      if (target) focusCell(target);
    } else if (key === "Enter" || key === "F2") {
      event.preventDefault();
      startEditing(cell, true);
    } else if (key === "Home" && event.ctrlKey) {
      event.preventDefault();
      focusCell(cellAt(0, 0));
    } else if (key === "End" && event.ctrlKey) {
      event.preventDefault();
      focusCell(cellAt(rows().length - 1, 0));
    } else if (key === " " && cell.tagName === "SELECT") {
      startEditing(cell, false);
    } else if (key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
      startEditing(cell, false); // typing replaces the (selected) content, as in a spreadsheet
    }
  });

  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-grid-add-below], [data-grid-remove], [data-grid-add]");
    if (!button) return;
    event.preventDefault();
    if (button.hasAttribute("data-grid-add")) {
      var fresh = newRow();
      if (!fresh) return;
      body.appendChild(fresh);
      changed();
      renumber();
      focusCell(cellsOf(fresh)[0]);
    } else if (button.hasAttribute("data-grid-add-below")) {
      addBelow(button.closest("tr[data-grid-row]"));
    } else {
      remove(button.closest("tr[data-grid-row]"));
    }
  });

  // The cells as one field: the server reads "grid" instead of one field per cell.
  form.addEventListener("submit", function () {
    var data = rows().map(function (row) {
      var cells = {};
      row.querySelectorAll("[data-col]").forEach(function (cell) { cells[cell.getAttribute("data-col")] = cell.value; });
      return cells;
    });
    var packed = form.querySelector("input[name=grid]");
    if (!packed) {
      packed = document.createElement("input");
      packed.type = "hidden";
      packed.name = "grid";
      form.appendChild(packed);
    }
    packed.value = JSON.stringify(data);
    table.querySelectorAll("[data-col]").forEach(function (cell) { cell.disabled = true; });
  });
  // Back from the next page (the browser's page cache): the cells are editable again.
  window.addEventListener("pageshow", function () {
    table.querySelectorAll("[data-col]").forEach(function (cell) { cell.disabled = false; });
    var packed = form.querySelector("input[name=grid]");
    if (packed) packed.remove();
  });

  // After a check with problems the first one has the focus (autofocus); bring it into view.
  var first = table.querySelector("[aria-invalid=true]");
  if (first) {
    first.focus();
    first.scrollIntoView({ block: "center", inline: "center" });
  }
})();
