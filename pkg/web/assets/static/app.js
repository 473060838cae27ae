// smscast serve: the little JavaScript the pages need. Every page works without it as a plain
// HTML form; this adds the typed confirmation, live progress (Server-Sent Events) and printing.
"use strict";
(function () {
  // The one-time token has done its work: keep it out of the address bar and the history.
  if (location.search.indexOf("token=") >= 0) {
    history.replaceState(null, "", location.pathname);
  }

  // A template chosen in the list is shown at once.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
    sel.addEventListener("change", function () { sel.form.submit(); });
  });

  document.querySelectorAll("[data-back]").forEach(function (a) {
    if (history.length > 1) {
      a.addEventListener("click", function (e) { e.preventDefault(); history.back(); });
    }
  });

  // The send button stays disabled until the typed number equals the count (the server checks too).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    var want = form.getAttribute("data-confirm");
    var input = form.querySelector("input[name=count]");
    var button = form.querySelector("button[type=submit]");
    var narrow = function (s) {
      return s.replace(/[０-９]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); })
        .replace(/[\s,，通]/g, "");
    };
    var update = function () { button.disabled = narrow(input.value) !== want; };
    input.addEventListener("input", update);
    update();
    form.addEventListener("submit", function () { button.disabled = true; });
  });

  // Live progress of a run.
  var run = document.getElementById("run");
  if (run && run.getAttribute("data-ended") !== "true" && window.EventSource) {
    var set = function (id, v) { var el = document.getElementById(id); if (el) { el.textContent = v; } };
    var es = new EventSource(run.getAttribute("data-events"));
    var show = function (ev) {
      var p = JSON.parse(ev.data);
      set("p-text", p.text);
      set("p-sent", p.sent);
      set("p-failed", p.failed);
      set("p-pending", p.pending);
      set("p-rate", p.rate);
      set("p-left", p.left);
      var bar = document.getElementById("p-bar");
      if (bar) { bar.value = p.percent; }
      var text = document.getElementById("p-text");
      if (text) { text.className = "status state-" + p.state; }
      var how = document.getElementById("p-how");
      if (how && p.how) { how.textContent = p.how; how.hidden = false; }
      return p;
    };
    es.addEventListener("progress", show);
    es.addEventListener("end", function (ev) {
      var p = show(ev);
      es.close();
      // The page itself then shows the result links and, when something is left, the resume button.
      if (p.ended && !p.shutdown) { setTimeout(function () { location.reload(); }, 400); }
    });
  }

  // Print the call list page shown in the frame.
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () {
      var f = document.getElementById(b.getAttribute("data-print"));
      if (f && f.contentWindow) { f.contentWindow.focus(); f.contentWindow.print(); }
    });
  });
})();
