// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // A form marked data-swap="id1 id2" posts in the background and replaces those parts of the
  // page with the same parts of the page the server answers with (after its redirect), so the
  // score and the timeline update without reloading the whole page. Its status line says how the
  // request ended: "Saved", the server's field errors (the form comes back with the typed text), or
  // an expired session (the answer is the login page or a 403), which keeps the typed text in place.
  // The submit button is disabled while a request is in flight, so a double click saves once.
  function csrfCookie() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function pathOf(url) {
    try { return new URL(url, window.location.href).pathname; } catch (error) { return ""; }
  }

  function say(form, text, kind) {
    var status = form.querySelector("[role=status]");
    if (!status) return;
    status.textContent = text;
    status.className = kind === "error" ? "status-error" : kind === "done" ? "status-done" : "muted";
  }

  function setBusy(form, busy) {
    form.setAttribute("aria-busy", busy ? "true" : "false");
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) {
      button.disabled = busy;
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-swap]") || !window.fetch || !window.DOMParser) return;
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    var ids = form.getAttribute("data-swap").split(/\s+/).filter(Boolean);
    var loginPath = pathOf(form.getAttribute("data-login-url") || "/login/");
    var body = new FormData(form);
    // After logging in again (in another tab) the page's token is stale; the cookie holds the new one.
    var token = csrfCookie();
    if (token && body.has("csrfmiddlewaretoken")) body.set("csrfmiddlewaretoken", token);
    setBusy(form, true);
    say(form, "Saving…");
    fetch(form.action, {
      method: "POST",
      body: body,
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (response.status === 403 && pathOf(response.url) !== loginPath) {
          // A refusal by the permission rule names why (the 403 page's data-refusal); any other 403
          // (a stale CSRF token, no session) means the session has to be renewed.
          return response.text().then(function (html) {
            setBusy(form, false);
            var refusal = new DOMParser().parseFromString(html, "text/html").querySelector("[data-refusal]");
            if (refusal) {
              say(form, "Not saved: " + refusal.textContent.trim() + " Your text is kept.", "error");
            } else {
              say(form, "Your session expired: log in again (your text is kept).", "error");
            }
          });
        }
        if (pathOf(response.url) === loginPath) {
          setBusy(form, false);
          say(form, "Your session expired: log in again (your text is kept).", "error");
          return null;
        }
        return response.text().then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          if (!response.ok) {
            var fresh = form.id ? page.getElementById(form.id) : null;
            if (fresh && response.status === 400) {
              form.replaceWith(fresh);
              var errors = Array.prototype.map.call(fresh.querySelectorAll(".errorlist li"), function (li) {
                return li.textContent.trim();
              });
              say(fresh, "Not saved: " + (errors.join(" ") || "check the form."), "error");
              var invalid = fresh.querySelector(".has-error input, .has-error select, .has-error textarea");
              if (invalid) invalid.focus();
            } else {
              setBusy(form, false);
              say(form, "Not saved: the server answered " + response.status + ". Your text is kept; try again.", "error");
            }
            return;
          }
          ids.forEach(function (id) {
            var part = page.getElementById(id);
            var current = document.getElementById(id);
            if (part && current) current.replaceWith(part);
          });
          var first = document.getElementById(ids[0]);
          if (first) first.setAttribute("data-updated", String(Date.now()));
          // The form may sit inside a part just replaced (a board row): speak through the fresh one.
          var live = form.isConnected ? form : first && first.querySelector("form[data-swap]");
          if (!live) return;
          if (live === form) form.reset();
          setBusy(live, false);
          var note = page.querySelector(".messages li");
          say(live, note ? note.textContent.trim() : "Saved", note && note.classList.contains("error") ? "error" : "done");
        });
      })
      .catch(function () {
        setBusy(form, false);
        say(form, "Not saved: the connection failed. Your text is kept; try again.", "error");
      });
  });

  // "Select all" checkboxes for bulk actions.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches("input[data-select-all]")) return;
    var name = box.getAttribute("data-select-all");
    document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (other) {
      other.checked = box.checked;
    });
  });
})();
