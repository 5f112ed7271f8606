/* Colour mode (issue 22): follow the system setting unless this browser chose
   otherwise with the toggle in the bar (remembered in localStorage). Loaded in
   <head> without defer so the page never flashes the wrong colours. */
(function () {
  var KEY = "portal-theme";
  var root = document.documentElement;
  var query = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function stored() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function store(theme) {
    try {
      if (theme === system()) { window.localStorage.removeItem(KEY); }
      else { window.localStorage.setItem(KEY, theme); }
    } catch (e) { /* private mode: the choice lasts for this page only */ }
  }
  function system() { return query && query.matches ? "dark" : "light"; }
  function current() { return root.getAttribute("data-bs-theme") === "dark" ? "dark" : "light"; }
  function apply(theme) { root.setAttribute("data-bs-theme", theme); }
  function sync() {
    var buttons = document.querySelectorAll("[data-theme-toggle]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].setAttribute("aria-pressed", current() === "dark" ? "true" : "false");
    }
  }

  apply(stored() || system());
  if (query && query.addEventListener) {
    query.addEventListener("change", function () {
      if (!stored()) { apply(system()); sync(); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    sync();
    var buttons = document.querySelectorAll("[data-theme-toggle]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function () {
        var next = current() === "dark" ? "light" : "dark";
        store(next);
        apply(next);
        sync();
      });
    }
  });
})();
