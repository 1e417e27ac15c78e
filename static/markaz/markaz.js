// Small behaviours every page may use, declared in the markup with data- attributes (the
// Content-Security-Policy allows no inline script and no onclick= handlers):
//   data-markaz-back        a link or button that goes back one page
//   data-markaz-print       prints the page
//   data-markaz-select      a read-only field whose text is selected when clicked
//   data-markaz-autosubmit  a select (or input) that submits its form when changed
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    const target = event.target.closest("[data-markaz-back], [data-markaz-print], [data-markaz-select]");
    if (!target) return;
    if (target.hasAttribute("data-markaz-back")) {
      event.preventDefault();
      history.back();
    } else if (target.hasAttribute("data-markaz-print")) {
      event.preventDefault();
      window.print();
    } else if (target.hasAttribute("data-markaz-select") && target.select) {
      target.select();
    }
  });
  document.addEventListener("change", function (event) {
    const target = event.target.closest("[data-markaz-autosubmit]");
    if (target && target.form) target.form.requestSubmit ? target.form.requestSubmit() : target.form.submit();
  });
})();
