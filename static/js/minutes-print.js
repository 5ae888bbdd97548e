/* The "Afdrukken" button on the printable minutes: opens the browser's print dialog.
 * Without JavaScript the browser's own print command gives the same layout (print.css). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print-page]");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
})();
