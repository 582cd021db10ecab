/* Pipeline board: drag a card onto another stage's column to move it (progressive enhancement, R-UI-3).
   A drop posts the target stage to the card's move address (the board's one hidden form): the server picks the
   move leading there and runs it through the same service and checks as the card's buttons; a move that is not
   possible comes back as the same readable message. */
(function () {
  "use strict";
  var board = document.getElementById("pipeline-board");
  if (!board) { return; }
  var dragged = null;
  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".board-card[draggable=true]");
    if (!card) { return; }
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.application);
  });
  board.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    board.querySelectorAll(".drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
  });
  function columnOf(event) {
    var column = event.target.closest && event.target.closest(".board-column");
    return column && column.dataset.state !== "closed" ? column : null;
  }
  board.addEventListener("dragover", function (event) {
    var column = columnOf(event);
    if (!dragged || !column) { return; }
    event.preventDefault();
    column.classList.add("drop-target");
  });
  board.addEventListener("dragleave", function (event) {
    var column = columnOf(event);
    if (column && !column.contains(event.relatedTarget)) { column.classList.remove("drop-target"); }
  });
  board.addEventListener("drop", function (event) {
    var column = columnOf(event);
    if (!dragged || !column) { return; }
    event.preventDefault();
    if (column.dataset.state === dragged.dataset.state) { return; }
    var form = document.getElementById("drag-move-form");
    var columns = board.querySelector(".board-columns");
    if (!form || !columns) { return; }
    form.action = columns.dataset.moveBase + dragged.dataset.application + "/";
    form.querySelector("input[name=to]").value = column.dataset.state;
    form.submit();
  });
})();
