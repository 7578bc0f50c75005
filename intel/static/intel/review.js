// The review queue without reloads: a decision posts in the background, the JSON answer says what was
// done (or why not), the company's card leaves the queue and the tab counts follow. Keyboard
// shortcuts (listed on the page): j / k next / previous company, c confirm, m match, e create,
// n not an exchange, / search. Without this script every form posts and the page reloads. The texts it
// shows itself come translated from the page (the live status's data-text-* attributes); the others are
// the server's answers.
(function () {
  "use strict";

  function pageText(name) {
    var live = document.getElementById("review-status");
    return (live && live.getAttribute("data-text-" + name)) || "";
  }

  // An answer the page explains in its own words (the browser's own errors are in its language, not the reader's).
  function explained(name) {
    var error = new Error(pageText(name));
    error.explained = true;
    return error;
  }

  function csrfCookie() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function announce(card, text, kind) {
    var status = card && card.querySelector("[data-review-status]");
    if (status) {
      status.textContent = text;
      status.className = kind === "error" ? "status-error" : "status-done";
    }
    var live = document.getElementById("review-status");
    if (live) live.textContent = text;
  }

  function setBusy(form, busy) {
    form.setAttribute("aria-busy", busy ? "true" : "false");
    form.querySelectorAll("button").forEach(function (button) { button.disabled = busy; });
  }

  function cards() {
    return Array.prototype.slice.call(document.querySelectorAll(".review-group:not([data-done])"));
  }

  // The company in focus (null when none is: the first j focuses the first company).
  function focused() {
    var active = document.activeElement;
    var card = active && active.closest ? active.closest(".review-group") : null;
    return card && !card.hasAttribute("data-done") ? card : null;
  }

  function focusCard(card) {
    if (!card) return;
    card.focus();
    card.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-review]") || !window.fetch) return;
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    var card = form.closest(".review-group");
    var body = new FormData(form);
    var token = csrfCookie();
    if (token) body.set("csrfmiddlewaretoken", token);
    setBusy(form, true);
    fetch(form.action, {
      method: "POST",
      body: body,
      headers: { Accept: "application/json", "X-Requested-With": "fetch" },
      credentials: "same-origin",
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) {
          if (response.status === 404) {
            throw explained("gone");
          }
          // The login page or a CSRF refusal: the session has to be renewed.
          throw explained("expired");
        }
        return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; });
      })
      .then(function (result) {
        setBusy(form, false);
        var answer = result.answer;
        if (!result.ok || !answer.ok) {
          announce(card, answer.message, "error");
          return;
        }
        Object.keys(answer.counts || {}).forEach(function (tab) {
          document.querySelectorAll('[data-count="' + tab + '"]').forEach(function (node) {
            node.textContent = String(answer.counts[tab]);
          });
        });
        var text = answer.message;
        var person = form.closest("li");
        if (person && form.action.indexOf("/company/") === -1 && card && card.querySelectorAll("details li").length > 1) {
          person.remove();
          announce(card, text, "done");
          return;
        }
        if (card) {
          card.setAttribute("data-done", "true");
          card.querySelectorAll("form, details").forEach(function (node) { node.remove(); });
          announce(card, text, "done");
          var next = cards()[0];
          if (next) focusCard(next);
        }
      })
      .catch(function (error) {
        setBusy(form, false);
        announce(card, error && error.explained ? error.message : pageText("failed"), "error");
      });
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    var list = cards();
    var index = list.indexOf(focused());
    var card = focused() || list[0] || null;
    var key = event.key;
    if (key === "/") {
      var search = document.getElementById("review-q");
      if (search) { event.preventDefault(); search.focus(); }
    } else if (key === "j" || key === "k") {
      event.preventDefault();
      if (index === -1) focusCard(list[0]);
      else focusCard(list[key === "j" ? Math.min(index + 1, list.length - 1) : Math.max(index - 1, 0)]);
    } else if (card && (key === "c" || key === "n")) {
      var button = card.querySelector('button[data-key="' + key + '"]');
      if (button) { event.preventDefault(); button.form.requestSubmit(button); }
    } else if (card && key === "m") {
      var field = card.querySelector('input[data-key="m"]');
      if (field) { event.preventDefault(); field.focus(); }
    } else if (card && key === "e") {
      var create = card.querySelector('details[data-key="e"]');
      if (create) {
        event.preventDefault();
        create.open = true;
        var name = create.querySelector("input[name=name]");
        if (name) name.focus();
      }
    }
  });
})();
