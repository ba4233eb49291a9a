/* Copy buttons: [data-copy-target] copies the value of the element with that id.
   navigator.clipboard where the page is a secure context, else select the text and execCommand. */
(function () {
  "use strict";
  function report(btn, ok) {
    var status = document.getElementById(btn.getAttribute("data-copy-status"));
    if (status) { status.textContent = btn.getAttribute(ok ? "data-copied" : "data-failed") || ""; }
  }
  function fallback(btn, el) {
    var ok = false;
    el.focus();
    el.select();
    try { el.setSelectionRange(0, el.value.length); } catch (e) { /* not every input supports it */ }
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    report(btn, ok);
  }
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest ? ev.target.closest("[data-copy-target]") : null;
    if (!btn) { return; }
    var el = document.getElementById(btn.getAttribute("data-copy-target"));
    if (!el) { return; }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(el.value).then(function () { report(btn, true); },
        function () { fallback(btn, el); });
    } else {
      fallback(btn, el);
    }
  });
}());
