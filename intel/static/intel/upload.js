// While a previewed badge-scan file is imported, the page says how far it has got: the form posts as
// usual, and until the answer arrives this polls the import's progress once a second into the status
// line ("Matched 4,500 of 9,499 rows"). Without this script the form simply posts.
(function () {
  "use strict";

  document.querySelectorAll("form[data-import-progress]").forEach(function (form) {
    var status = form.querySelector("[data-import-status]");
    form.addEventListener("submit", function () {
      var url = form.getAttribute("data-import-progress");
      if (status) status.textContent = status.getAttribute("data-starting");
      form.setAttribute("aria-busy", "true");
      // Disabled after the submission has started, so the form's values still go.
      window.setTimeout(function () {
        form.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
      }, 0);
      function poll() {
        fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : {}; })
          .then(function (state) {
            if (status && state.text) status.textContent = state.text;
          })
          .catch(function () {})
          .then(function () { window.setTimeout(poll, 1000); });
      }
      window.setTimeout(poll, 500);
    });
  });
})();
