// Keyboard shortcuts of the order console. "/" searches; on an order page
// "n" writes a note, "s" ships, "r" opens an after-sales case, "a" assigns
// the order to me. Keys typed into a field are left alone.
(function () {
  "use strict";
  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }
  function focusFirst(selector) {
    var element = document.querySelector(selector);
    if (!element) { return false; }
    if (element.tagName === "DETAILS") {
      element.open = true;
      element = element.querySelector("input, select, textarea") || element;
    }
    element.focus();
    return true;
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (event.key === "/" && event.target.id === "console-q") {
      event.preventDefault();
      event.target.select();
      return;
    }
    if (typing(event.target)) { return; }
    var done = false;
    if (event.key === "/") { done = focusFirst("#console-q"); }
    else if (event.key === "n") { done = focusFirst("#note-form textarea"); }
    else if (event.key === "s") { done = focusFirst("#ship-form input[name=tracking_number]"); }
    else if (event.key === "r") { done = focusFirst("#open-case"); }
    else if (event.key === "a") {
      var assign = document.querySelector("button[data-key=a]");
      if (assign) { assign.click(); done = true; }
    }
    if (done) { event.preventDefault(); }
  });
})();
