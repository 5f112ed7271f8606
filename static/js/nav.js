/* The phone menu closes with Escape, as the dropdowns do, and gives the focus
   back to its button (issue 22). */
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape" || !window.bootstrap) { return; }
  var menu = document.getElementById("main-nav");
  if (!menu || !menu.classList.contains("show")) { return; }
  if (document.querySelector("#main-nav .dropdown-menu.show")) { return; }  // the dropdown closes first
  window.bootstrap.Collapse.getOrCreateInstance(menu).hide();
  var toggler = document.querySelector('[data-bs-target="#main-nav"]');
  if (toggler) { toggler.focus(); }
});
