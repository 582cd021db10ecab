/* Message template admin: "Preview" renders the texts as they are in the form (unsaved) with sample data,
   and counts the characters and SMS parts. Plain JS, no external assets. */
(function () {
  "use strict";
  function field(name) {
    var el = document.getElementById("id_" + name);
    return el ? el.value : "";
  }
  function csrf() {
    var el = document.querySelector("input[name=csrfmiddlewaretoken]");
    return el ? el.value : "";
  }
  function show(box, data, ok) {
    box.textContent = "";
    if (!ok) {
      var list = document.createElement("ul");
      list.className = "errorlist";
      Object.keys(data.errors || {}).forEach(function (name) {
        (data.errors[name] || []).forEach(function (message) {
          var item = document.createElement("li");
          item.textContent = name + ": " + message;
          list.appendChild(item);
        });
      });
      box.appendChild(list);
      return;
    }
    var subject = document.createElement("strong");
    subject.textContent = data.subject;
    var body = document.createElement("div");
    body.style.whiteSpace = "pre-wrap";
    body.textContent = data.body;
    var counts = document.createElement("p");
    counts.className = "help";
    counts.textContent = box.dataset.countsLabel.replace("%(chars)s", data.characters)
      .replace("%(parts)s", data.sms_parts === null ? "-" : data.sms_parts);
    if (data.signature) {
      counts.textContent += " " + (box.dataset.signatureLabel || "").replace("%(signature)s", data.signature);
    }
    box.appendChild(subject);
    box.appendChild(body);
    box.appendChild(counts);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var hooks = document.getElementById("template-preview-hooks");
    var form = document.getElementById("messagetemplate_form");
    if (!hooks || !form) { return; }
    var row = hooks.parentElement;
    var button = document.createElement("button");
    button.type = "button";
    button.id = "template-preview-button";
    button.className = "button";
    button.textContent = hooks.dataset.buttonLabel || "Preview";
    var box = document.createElement("div");
    box.id = "template-preview-live";
    box.style.display = "block";
    box.style.clear = "both";
    box.style.marginTop = "0.75em";
    box.dataset.countsLabel = hooks.dataset.countsLabel || "%(chars)s characters, %(parts)s SMS part(s)";
    box.dataset.signatureLabel = hooks.dataset.signatureLabel || "(counted with the signature %(signature)s)";
    button.addEventListener("click", function () {
      var data = new FormData();
      ["key", "language", "channel", "subject", "body", "html_body"].forEach(function (name) {
        data.append(name, field(name));
      });
      fetch(hooks.dataset.url, {method: "POST", body: data, credentials: "same-origin",
                              headers: {"X-CSRFToken": csrf()}})
        .then(function (response) {
          return response.json().then(function (json) { show(box, json, response.ok); });
        });
    });
    row.appendChild(button);
    row.appendChild(box);
  });
})();
