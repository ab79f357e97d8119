// GovLotse — progressive enhancement only; every page works without JavaScript.
(function () {
  "use strict";
  // Move focus to the error summary so screen readers announce form errors at once.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
    // Prevent double submission: disable the submit button once a form is sent.
    document.querySelectorAll("form[method=post]").forEach(function (form) {
      form.addEventListener("submit", function () {
        if (form.dataset.submitted === "1") { return; }
        form.dataset.submitted = "1";
        setTimeout(function () {
          form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
        }, 0);
      });
    });
    // Filter forms: a change of a select submits the form (the button stays for keyboard users).
    document.querySelectorAll("form.filters select[data-autosubmit]").forEach(function (sel) {
      sel.addEventListener("change", function () { sel.form.submit(); });
    });
  });
})();

// "Has someone solved this already?": while a need is typed, fetch similar needs and use cases
// (debounced; the result region is aria-live so screen readers hear that it changed).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var target = document.querySelector("[data-similar-source]");
    if (!target) { return; }
    var form = target.closest("form");
    var names = (target.getAttribute("data-similar-fields") || "").split(" ");
    var timer = null;
    var last = "";
    var controller = null;
    function text() {
      return names.map(function (n) {
        var el = form.elements[n];
        return el ? el.value : "";
      }).join("\n").trim();
    }
    function refresh() {
      var value = text();
      if (value === last) { return; }
      last = value;
      if (controller) { controller.abort(); }
      controller = new AbortController();
      var params = new URLSearchParams({ text: value });
      var exclude = target.getAttribute("data-similar-exclude");
      if (exclude) { params.set("exclude", exclude); }
      fetch(target.getAttribute("data-similar-source") + "?" + params.toString(),
            { signal: controller.signal, headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { if (html) { target.innerHTML = html; } })
        .catch(function () { /* a failed preview must not disturb typing */ });
    }
    names.forEach(function (n) {
      var el = form.elements[n];
      if (!el) { return; }
      el.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(refresh, 700);
      });
    });
    if (text().length > 25) { refresh(); }
  });
})();
