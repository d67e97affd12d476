// Top-bar menus: one open at a time, closed by a click elsewhere or Escape.
(function () {
  "use strict";
  var menus = function () { return document.querySelectorAll(".mainnav details.navmenu"); };
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!opened.matches || !opened.matches("details.navmenu") || !opened.open) { return; }
    menus().forEach(function (menu) { if (menu !== opened) { menu.open = false; } });
  }, true);
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("details.navmenu")) { return; }
    menus().forEach(function (menu) { menu.open = false; });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { menus().forEach(function (menu) { menu.open = false; }); }
  });
})();
