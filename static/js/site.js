/* Applicant site behaviour without inline scripts (the CSP forbids them, ADR 0010): buttons marked data-print print the page. */
document.addEventListener("click", function (event) {
  var target = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (target) {
    event.preventDefault();
    window.print();
  }
});
