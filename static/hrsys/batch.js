/* Batch scheduling (R-UI-4), progressive enhancement: without it every step still works.
   - the applications table: a "select all" checkbox and the number selected;
   - the run page: polls the run's progress (JSON) and updates the bar; when the run has finished it reloads
     the page, which the server renders with the booked interviews and the unplaced. */
(function () {
  "use strict";

  var table = document.getElementById("batch-apps");
  if (table) {
    var all = document.getElementById("select-all");
    var boxes = table.querySelectorAll("tbody input[name=applications]");
    var counter = document.getElementById("selected-count");
    var update = function () {
      var n = 0;
      boxes.forEach(function (b) { if (b.checked) { n += 1; } });
      all.checked = n > 0 && n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
      if (counter) { counter.textContent = counter.dataset.template.replace("__N__", n); }
    };
    all.hidden = false;
    var link = document.getElementById("select-all-link");
    if (link) { link.hidden = true; }
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      update();
    });
    table.addEventListener("change", function (event) {
      if (event.target !== all) { update(); }
    });
    update();
  }

  var panel = document.getElementById("batch-progress");
  if (panel && panel.dataset.finished !== "1") {
    var bar = document.getElementById("run-bar");
    var status = document.getElementById("run-status");
    var count = document.getElementById("run-count");
    var poll = function () {
      fetch(panel.dataset.progressUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) {
          if (!p) { window.setTimeout(poll, 5000); return; }
          bar.max = p.total;
          bar.value = p.done;
          bar.textContent = p.percent + "%";
          status.textContent = p.status_label;
          status.className = "status-" + p.status;
          count.textContent = panel.dataset.countTemplate.replace("__DONE__", p.done).replace("__TOTAL__", p.total);
          if (p.finished) { window.location.reload(); } else { window.setTimeout(poll, 1500); }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    };
    window.setTimeout(poll, 1000);
  }
}());
