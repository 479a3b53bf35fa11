// Hitch: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Copy buttons: <button data-copy="#input-id" hidden>. They are hidden in the HTML because
  // they do nothing without script; reveal them only where the clipboard API exists.
  function setUpCopy(button) {
    var target = document.querySelector(button.getAttribute("data-copy"));
    if (!target || !navigator.clipboard) return;
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = "value" in target ? target.value : target.textContent;
      navigator.clipboard.writeText(text).then(
        function () { flash(button, "Copied", label); },
        function () {
          if (target.select) target.select();
          flash(button, "Press Ctrl+C to copy", label);
        }
      );
    });
  }

  function flash(button, text, label) {
    button.textContent = text;
    window.setTimeout(function () { button.textContent = label; }, 2000);
  }

  // Confirmation for destructive forms and buttons: data-confirm="Remove x?".
  function confirmSubmit(event) {
    var form = event.target;
    var submitter = event.submitter;
    var message = (submitter && submitter.getAttribute("data-confirm")) ||
      (form.getAttribute && form.getAttribute("data-confirm"));
    if (message && !window.confirm(message)) event.preventDefault();
  }

  function confirmClick(event) {
    var el = event.target.closest && event.target.closest("a[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) event.preventDefault();
  }

  // Relative times: <time datetime="..." data-relative>. The server wrote the text; refresh it
  // once a minute so a page left open doesn't lie.
  var UNITS = [
    ["year", 31536000], ["month", 2592000], ["week", 604800],
    ["day", 86400], ["hour", 3600], ["minute", 60]
  ];

  function relative(date) {
    var seconds = Math.round((date.getTime() - Date.now()) / 1000);
    var abs = Math.abs(seconds);
    if (abs < 45) return "just now";
    for (var i = 0; i < UNITS.length; i++) {
      var n = Math.floor(abs / UNITS[i][1]);
      if (n >= 1) {
        var words = n + " " + UNITS[i][0] + (n === 1 ? "" : "s");
        return seconds < 0 ? words + " ago" : "in " + words;
      }
    }
    return "just now";
  }

  function refreshTimes() {
    var times = document.querySelectorAll("time[data-relative][datetime]");
    for (var i = 0; i < times.length; i++) {
      var date = new Date(times[i].getAttribute("datetime"));
      if (!isNaN(date.getTime())) times[i].textContent = relative(date);
    }
  }

  // Table rows with data-href (runs, recipes): a click anywhere on the row opens it. The row
  // still has a real link for keyboards and for pages without this script.
  function rowClick(event) {
    var row = event.target.closest && event.target.closest("tr[data-href]");
    if (!row || event.target.closest("a, button, input, select, textarea, summary, details, label")) return;
    if (window.getSelection && String(window.getSelection())) return;
    var href = row.getAttribute("data-href");
    if (event.metaKey || event.ctrlKey) window.open(href, "_blank", "noopener");
    else window.location.href = href;
  }

  // The mapping editor renders both a source-field select and a text box per row (the server
  // reads the one that matches the kind). With script, show only the one that applies.
  function syncRuleKind(select) {
    var cell = select.closest(".rule-source");
    if (!cell) return;
    var kind = select.value;
    var controls = cell.querySelectorAll("[data-kind]");
    for (var i = 0; i < controls.length; i++) {
      var kinds = controls[i].getAttribute("data-kind").split(" ");
      controls[i].hidden = kinds.indexOf(kind) < 0;
    }
  }

  function setUpRuleKinds() {
    var selects = document.querySelectorAll("select.rule-kind");
    for (var i = 0; i < selects.length; i++) syncRuleKind(selects[i]);
    document.addEventListener("change", function (event) {
      if (event.target.matches && event.target.matches("select.rule-kind")) syncRuleKind(event.target);
    });
  }

  function init() {
    var buttons = document.querySelectorAll("[data-copy]");
    for (var i = 0; i < buttons.length; i++) setUpCopy(buttons[i]);
    document.addEventListener("submit", confirmSubmit);
    document.addEventListener("click", confirmClick);
    document.addEventListener("click", rowClick);
    document.documentElement.classList.add("js");
    setUpRuleKinds();
    if (document.querySelector("time[data-relative]")) window.setInterval(refreshTimes, 60000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
