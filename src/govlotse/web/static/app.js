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
