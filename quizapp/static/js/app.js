// Small progressive enhancements shared by every page. Pages work without it.
(function () {
  "use strict";
  // Confirm before destructive or irreversible form posts: <form data-confirm="...">.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var msg = form.getAttribute && form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { ev.preventDefault(); }
  });
  // Auto-refresh regions: <div data-refresh-url="..." data-refresh-seconds="10">.
  document.querySelectorAll("[data-refresh-url]").forEach(function (el) {
    var url = el.getAttribute("data-refresh-url");
    var secs = parseInt(el.getAttribute("data-refresh-seconds") || "10", 10);
    setInterval(function () {
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null) { el.innerHTML = html; } })
        .catch(function () { /* keep the last good content */ });
    }, secs * 1000);
  });
})();
