// Drag and drop for the werkgroep agenda. The "Omhoog"/"Omlaag" buttons remain the keyboard
// and touch way; this only adds dragging with a mouse. On drop the full new order goes to the
// server through the hidden reorder form (htmx swaps the agenda back in, so the server's order
// is what stays on screen). Listeners are delegated to the document: they survive swaps.
(function () {
  "use strict";
  var dragged = null;

  function list(el) {
    return el && el.closest ? el.closest("[data-agenda-sort]") : null;
  }

  document.addEventListener("dragstart", function (event) {
    // Only the handle drags: text in the minutes below stays selectable with the mouse.
    var handle = event.target.closest && event.target.closest(".agenda-handle");
    var item = handle && handle.closest("[data-agenda-sort] > [data-item-id]");
    if (!item) return;
    dragged = item;
    item.classList.add("opacity-50");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.itemId);
    event.dataTransfer.setDragImage(item, 16, 16);
  });

  document.addEventListener("dragover", function (event) {
    if (!dragged) return;
    var container = list(event.target);
    if (!container || container !== dragged.parentElement) return;
    event.preventDefault();
    var over = event.target.closest("[data-item-id]");
    if (!over || over === dragged) return;
    var box = over.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    container.insertBefore(dragged, after ? over.nextSibling : over);
  });

  document.addEventListener("drop", function (event) {
    if (!dragged) return;
    event.preventDefault();
  });

  document.addEventListener("dragend", function () {
    if (!dragged) return;
    var container = dragged.parentElement;
    dragged.classList.remove("opacity-50");
    dragged = null;
    var form = document.getElementById("agenda-reorder");
    if (!form || !container) return;
    var inputs = form.querySelectorAll("input[name=order]");
    var ids = Array.prototype.map.call(container.querySelectorAll(":scope > [data-item-id]"), function (li) {
      return li.dataset.itemId;
    });
    var current = Array.prototype.map.call(inputs, function (input) { return input.value; });
    if (ids.join(",") === current.join(",")) return;
    inputs.forEach(function (input) { input.remove(); });
    ids.forEach(function (id) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "order";
      input.value = id;
      form.appendChild(input);
    });
    form.requestSubmit();
  });
})();
