// "Copy" buttons next to read-only fields: <button data-copy="field-id">. Without JavaScript the
// field is still there to select and copy by hand.
document.querySelectorAll("button[data-copy]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    var field = document.getElementById(button.dataset.copy);
    field.select();
    var done = function () { button.textContent = button.dataset.copied; };
    if (navigator.clipboard) {
      navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });
});
