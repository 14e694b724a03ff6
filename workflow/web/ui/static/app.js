// Dunning Desk: the little script the pages use. Everything works without it; it adds keyboard
// shortcuts, "select all", confirmations and auto-submitting filters.
(function () {
  "use strict";
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  // "select all" boxes: data-select-all="ids" toggles every checkbox named "ids" in its form or page
  document.addEventListener("change", function (ev) {
    var box = ev.target;
    if (box.matches && box.matches("[data-select-all]")) {
      var scope = box.form || document;
      scope.querySelectorAll('input[type=checkbox][name="' + box.dataset.selectAll + '"]').forEach(function (b) {
        b.checked = box.checked;
        var row = b.closest("tr"); if (row) row.classList.toggle("selected", b.checked);
      });
    } else if (box.matches && box.matches("input[type=checkbox]")) {
      var tr = box.closest("tr"); if (tr) tr.classList.toggle("selected", box.checked);
    }
    if (box.matches && box.matches("[data-autosubmit]") && box.form) box.form.requestSubmit();
  });
  // forms that change something serious ask first: data-confirm="text"
  document.addEventListener("submit", function (ev) {
    var form = ev.target, msg = form.dataset ? form.dataset.confirm : null;
    var btn = ev.submitter;
    if (btn && btn.dataset && btn.dataset.confirm) msg = btn.dataset.confirm;
    if (msg && !window.confirm(msg)) ev.preventDefault();
  });
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (t.closest && t.closest("[data-back]") && window.history.length > 1) { ev.preventDefault(); window.history.back(); }
    if (t.closest && t.closest("[data-shortcuts-help]")) { toggleHelp(true); }
    if (t.closest && t.closest("[data-close-overlay]")) { toggleHelp(false); }
    if (t.closest && t.closest("[data-print]")) { window.print(); }
  });
  function toggleHelp(show) {
    var help = document.getElementById("shortcut-help");
    if (!help) return;
    if (show) {
      var list = help.querySelector(".shortcut-list");
      list.querySelectorAll("[data-generated]").forEach(function (n) { n.remove(); });
      document.querySelectorAll("[data-key]").forEach(function (el) {
        var dt = document.createElement("dt"), dd = document.createElement("dd");
        dt.textContent = el.dataset.key; dt.dataset.generated = "1"; dd.dataset.generated = "1";
        dd.textContent = el.dataset.keyLabel || el.textContent.trim() || el.getAttribute("aria-label") || "";
        list.appendChild(dt); list.appendChild(dd);
      });
      help.hidden = false;
      var close = help.querySelector("[data-close-overlay]"); if (close) close.focus();
    } else {
      help.hidden = true;
    }
  }
  // single-key shortcuts: any element with data-key="x" is clicked (or focused, for a field)
  var pendingG = false;
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === "Escape") { toggleHelp(false); if (typing(document.activeElement)) document.activeElement.blur(); return; }
    if (typing(document.activeElement)) return;
    if (ev.key === "?") { toggleHelp(true); ev.preventDefault(); return; }
    if (pendingG) {
      pendingG = false;
      if (ev.key === "h") { window.location.href = "/"; ev.preventDefault(); }
      return;
    }
    if (ev.key === "g") { pendingG = true; return; }
    var el = document.querySelector('[data-key="' + CSS.escape(ev.key) + '"]');
    if (!el) return;
    ev.preventDefault();
    if (typing(el)) el.focus(); else el.click();
  });
})();
