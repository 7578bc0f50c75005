// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // A form marked data-swap="id1 id2" posts in the background and replaces those parts of the
  // page with the same parts of the page the server answers with (after its redirect), so the
  // score and the timeline update without reloading the whole page.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-swap]") || !window.fetch || !window.DOMParser) return;
    event.preventDefault();
    var ids = form.getAttribute("data-swap").split(/\s+/).filter(Boolean);
    var status = form.querySelector("[role=status]");
    if (status) status.textContent = "Saving…";
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
    })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        ids.forEach(function (id) {
          var fresh = page.getElementById(id);
          var current = document.getElementById(id);
          if (fresh && current) current.replaceWith(fresh);
        });
        var first = document.getElementById(ids[0]);
        if (first) first.setAttribute("data-updated", String(Date.now()));
      })
      .catch(function () { form.submit(); });
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
