// Small page behaviours, as data attributes instead of inline handlers (the Content-Security-Policy allows no
// inline script): <select data-autosubmit> submits its form on change; <input data-select-on-click> selects its
// text when clicked (a value to copy, such as a webhook URL); <button data-print> prints the page.
document.addEventListener("change", function (event) {
  var field = event.target.closest && event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.submit();
});
document.addEventListener("click", function (event) {
  var field = event.target.closest && event.target.closest("[data-select-on-click]");
  if (field && field.select) field.select();
  if (event.target.closest && event.target.closest("[data-print]")) window.print();
});
