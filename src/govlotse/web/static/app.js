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

// Live partials: while a form is typed, a region shows server-rendered HTML for the current input,
// e.g. "Has someone solved this already?" (similar needs) and the brief-quality check on the need form.
// Requests are debounced and a newer one cancels an older one; the region is aria-live, so screen readers
// hear that it changed. The region is an element inside the form with these attributes:
//   data-live-source   URL of the partial (required)
//   data-live-fields   names of the form fields to send, separated by spaces
//   data-live-join     send the fields' text joined into one parameter of this name (else each by its name)
//   data-live-params   fixed extra parameters as a query string, e.g. "exclude=12"
//   data-live-method   "get" (default; parameters in the query) or "post" (form body with the CSRF token)
//   data-live-initial  also fetch on page load if the text is at least this long (else the server's
//                      rendering stands until the user types)
(function () {
  "use strict";
  var DELAY = 700;
  function setup(target) {
    var form = target.closest("form");
    if (!form) { return; }
    var names = (target.getAttribute("data-live-fields") || "").split(/\s+/).filter(Boolean);
    var join = target.getAttribute("data-live-join");
    var post = (target.getAttribute("data-live-method") || "get").toLowerCase() === "post";
    var initial = parseInt(target.getAttribute("data-live-initial") || "", 10);
    var timer = null;
    var controller = null;
    var shown = null;
    function value(name) {
      var el = form.elements[name];
      return el && typeof el.value === "string" ? el.value : "";
    }
    function text() { return names.map(value).join("\n").trim(); }
    function params() {
      var p = new URLSearchParams(target.getAttribute("data-live-params") || "");
      if (join) {
        p.set(join, text());
      } else {
        names.forEach(function (n) { p.set(n, value(n)); });
      }
      return p;
    }
    var last = isNaN(initial) ? params().toString() : "";
    function refresh() {
      var p = params();
      var key = p.toString();
      if (key === last) { return; }
      last = key;
      if (controller) { controller.abort(); }
      controller = new AbortController();
      var url = target.getAttribute("data-live-source");
      var options = { signal: controller.signal, headers: { "Accept": "text/html" }, credentials: "same-origin" };
      if (post) {
        var token = form.elements["csrf_token"];
        if (token) { p.set("csrf_token", token.value); }
        options.method = "POST";
        options.body = p;
      } else {
        url += (url.indexOf("?") < 0 ? "?" : "&") + key;
      }
      fetch(url, options)
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) {
          // Replace only what changed, so that screen readers do not hear the same advice again.
          if (html && html !== shown) {
            shown = html;
            target.innerHTML = html;
          }
        })
        .catch(function () { /* a failed preview must not disturb typing */ });
    }
    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(refresh, DELAY);
    }
    names.forEach(function (n) {
      var el = form.elements[n];
      if (!el) { return; }
      el.addEventListener("input", schedule);
      el.addEventListener("change", schedule);
    });
    if (!isNaN(initial) && text().length >= initial) { refresh(); }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live-source]").forEach(setup);
  });
})();

// Drafts: a form with data-draft="KEY" keeps what was typed when it is sent (in sessionStorage: this tab
// only, gone when it closes) until the next page. If that page is the login form (the session had expired
// while the form was being written), the copy survives the login and the form is filled in again; on any
// other page the form went through (or was left) and the copy is deleted. Hidden fields (CSRF token,
// version) and passwords are never kept. KEY carries the user's id, so no one else gets the text.
// Registered after the live partials, so that restored text also updates them.
(function () {
  "use strict";
  var PREFIX = "govlotse-draft:";
  var SKIP = ["hidden", "password", "file", "submit", "button", "reset", "image"];
  function storage() {
    try { return window.sessionStorage; } catch (e) { return null; }
  }
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT") &&
        SKIP.indexOf(el.type) < 0;
    });
  }
  function read(form) {
    var data = {};
    fields(form).forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        data[el.name] = data[el.name] || [];
        if (el.checked) { data[el.name].push(el.value); }
      } else {
        data[el.name] = el.value;
      }
    });
    return data;
  }
  function fill(form, data) {
    fields(form).forEach(function (el) {
      if (!Object.prototype.hasOwnProperty.call(data, el.name)) { return; }
      var value = data[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = Array.isArray(value) && value.indexOf(el.value) >= 0;
      } else if (typeof value === "string") {
        el.value = value;
      }
      el.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var store = storage();
    if (!store) { return; }
    var forms = {};
    document.querySelectorAll("form[data-draft]").forEach(function (form) {
      forms[PREFIX + form.getAttribute("data-draft")] = form;
    });
    var onLogin = document.querySelector("form[action='/anmelden']") !== null;
    var keys = [];
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX) === 0) { keys.push(key); }
    }
    keys.forEach(function (key) {
      var form = forms[key];
      if (!form && onLogin) { return; }
      var data = null;
      try { data = JSON.parse(store.getItem(key) || "null"); } catch (e) { data = null; }
      store.removeItem(key);
      // A form shown again with errors already holds what was sent: the server kept it.
      if (form && data && !document.getElementById("error-summary")) {
        fill(form, data);
        var notice = document.querySelector("[data-draft-restored]");
        if (notice) { notice.hidden = false; }
      }
    });
    Object.keys(forms).forEach(function (key) {
      forms[key].addEventListener("submit", function () {
        try { store.setItem(key, JSON.stringify(read(forms[key]))); } catch (e) { /* storage full or off */ }
      });
    });
  });
})();
