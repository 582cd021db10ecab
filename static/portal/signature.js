/* Signature pad for the offer page: draw with finger, pen or mouse; the PNG goes into a hidden field.
   Without a pointer (keyboard, screen reader): "Sign with my typed name" places the typed name as the signature,
   as the hint above the box says. Submitting without a signature shows the message under the legend, shows the
   box in red and moves focus to the message. No dependencies. */
(function () {
  "use strict";
  var canvas = document.getElementById("signature-pad");
  if (!canvas) { return; }
  var form = document.getElementById("sign-form");
  var field = document.getElementById("signature-data");
  var fieldset = document.getElementById("signature-field");
  var error = document.getElementById("signature-error");
  var status = document.getElementById("signature-status");
  var nameInput = document.getElementById("typed_name");
  var ctx = canvas.getContext("2d");
  var drawing = false, drawn = false, last = null;

  function say(label) {
    canvas.setAttribute("aria-label", label);
    status.textContent = label;
  }
  function signed(label) {
    drawn = true;
    field.value = canvas.toDataURL("image/png");
    error.hidden = true;
    fieldset.classList.remove("invalid");
    fieldset.setAttribute("aria-describedby", "signature-hint");
    say(label);
  }
  function resize() {
    var ratio = window.devicePixelRatio || 1, rect = canvas.getBoundingClientRect();
    canvas.width = Math.round(rect.width * ratio);
    canvas.height = Math.round(rect.height * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, rect.width, rect.height);
    ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#0a1f44";
    drawn = false; field.value = "";
  }
  function point(e) {
    var rect = canvas.getBoundingClientRect();
    return { x: e.clientX - rect.left, y: e.clientY - rect.top };
  }
  canvas.addEventListener("pointerdown", function (e) {
    drawing = true; last = point(e); canvas.setPointerCapture(e.pointerId); e.preventDefault();
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!drawing) { return; }
    var p = point(e);
    ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
    last = p; drawn = true; e.preventDefault();
  });
  function stop() {
    if (drawing) { drawing = false; if (drawn) { signed(canvas.dataset.labelSigned); } }
  }
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);

  document.getElementById("signature-typed").addEventListener("click", function () {
    var name = (nameInput.value || "").trim();
    if (!name) {
      nameInput.focus();
      nameInput.setAttribute("aria-invalid", "true");
      return;
    }
    nameInput.removeAttribute("aria-invalid");
    resize();
    var rect = canvas.getBoundingClientRect();
    ctx.font = "italic 28px serif"; ctx.fillStyle = "#0a1f44";
    ctx.fillText(name, 16, Math.round(rect.height / 2) + 10, rect.width - 32);
    signed(canvas.dataset.labelTyped);
  });
  document.getElementById("signature-clear").addEventListener("click", function () {
    resize();
    say(canvas.dataset.labelEmpty);
  });
  form.addEventListener("submit", function (e) {
    if (drawn) { return; }
    e.preventDefault();
    error.hidden = false;
    fieldset.classList.add("invalid");
    fieldset.setAttribute("aria-describedby", "signature-hint signature-error");
    error.focus();
  });
  resize();
})();
