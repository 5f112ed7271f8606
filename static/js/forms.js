/* After a failed submit, put the keyboard and screen-reader focus on the first
   field with an error (issue 22). The fields already carry aria-invalid and
   aria-describedby pointing at their messages (Django 5.2 + crispy). */
document.addEventListener("DOMContentLoaded", function () {
  var first = document.querySelector('main [aria-invalid="true"], main .is-invalid');
  if (!first) {
    // A refused file (a roster that is not UTF-8, wrong columns) has no field
    // left to fix on the page it lands on: the summary of what is wrong.
    var summary = document.querySelector("main [data-error-summary]");
    if (summary) { summary.focus(); }
    return;
  }
  if (first.matches("fieldset, div")) {
    first = first.querySelector("input, select, textarea") || first;
  }
  first.focus();
  if (first.scrollIntoView) { first.scrollIntoView({ block: "center" }); }
});
