// Small progressive enhancements shared by every page. Pages work without it.
(function () {
  "use strict";
  // Confirm before destructive or irreversible form posts: <form data-confirm="...">.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var msg = form.getAttribute && form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { ev.preventDefault(); }
  });
  // Phones: the main navigation folds behind its menu button. Without this script the button
  // stays hidden and the links stay shown. Escape closes the menu and gives focus back.
  var navToggle = document.querySelector(".nav-toggle");
  var nav = navToggle && document.getElementById(navToggle.getAttribute("aria-controls"));
  if (navToggle && nav) {
    var setOpen = function (open) {
      navToggle.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("is-open", open);
    };
    document.documentElement.classList.add("js-nav");
    navToggle.hidden = false;
    navToggle.addEventListener("click", function () {
      setOpen(navToggle.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && navToggle.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        navToggle.focus();
      }
    });
  }
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
