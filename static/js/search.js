/* The header search box's live results (filled by htmx from /zoeken/live/).
 *
 * Escape closes the results and returns to the box; clicking or tabbing away closes them too.
 * Without JavaScript the box is a plain form that opens the results page.
 */
(function () {
  "use strict";

  function setup(form) {
    var input = form.querySelector("input[type=search]");
    var results = form.querySelector(".nav-search-results");
    if (!input || !results) {
      return;
    }

    function isOpen() {
      return results.children.length > 0;
    }

    function close() {
      results.innerHTML = "";
    }

    form.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && isOpen()) {
        event.preventDefault();
        close();
        input.focus();
      }
    });

    form.addEventListener("focusout", function (event) {
      if (event.relatedTarget && !form.contains(event.relatedTarget)) {
        close();
      }
    });

    document.addEventListener("click", function (event) {
      if (!form.contains(event.target)) {
        close();
      }
    });
  }

  document.querySelectorAll("form[data-search-live]").forEach(setup);
})();
