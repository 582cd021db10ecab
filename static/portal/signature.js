/* Signature pad for the offer page: draw with finger, pen or mouse; the PNG goes into a hidden field.
   Keyboard users: focus the box and press Enter to place a typed-name signature. No dependencies. */
(function () {
  "use strict";
  var canvas = document.getElementById("signature-pad");
  if (!canvas) { return; }
  var form = document.getElementById("sign-form");
  var field = document.getElementById("signature-data");
  var ctx = canvas.getContext("2d");
  var drawing = false, drawn = false, last = null;

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
  function stop() { if (drawing) { drawing = false; if (drawn) { field.value = canvas.toDataURL("image/png"); } } }
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
  canvas.addEventListener("keydown", function (e) {
    if (e.key !== "Enter") { return; }
    var name = document.getElementById("typed_name").value || "";
    ctx.font = "italic 28px serif"; ctx.fillStyle = "#0a1f44"; ctx.fillText(name, 16, 90);
    drawn = name.length > 0; field.value = drawn ? canvas.toDataURL("image/png") : ""; e.preventDefault();
  });
  document.getElementById("signature-clear").addEventListener("click", resize);
  form.addEventListener("submit", function (e) {
    if (!drawn) {
      e.preventDefault();
      canvas.focus();
      canvas.setAttribute("aria-invalid", "true");
    }
  });
  resize();
})();
