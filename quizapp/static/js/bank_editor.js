// Question editor: show only the fieldsets of the chosen type. Without JS every fieldset shows.
(function () {
  "use strict";
  var select = document.querySelector(".js-qtype");
  if (!select) { return; }
  function sync() {
    document.querySelectorAll("[data-qtypes]").forEach(function (fs) {
      var types = fs.getAttribute("data-qtypes").split(" ");
      fs.hidden = types.indexOf(select.value) === -1;
    });
  }
  select.addEventListener("change", sync);
  sync();
})();
