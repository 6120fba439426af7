// Backstop console: the one script of our own, beside htmx. An action
// answered over htmx sends its flash message in the HX-Trigger header
// ({"backstop:flash": {"message": "…"}}), since htmx 2 drops out-of-band
// content from 4xx responses; this shows it in the flash area every console
// page has. Without JavaScript, the same message arrives on the page after
// the redirect instead.
document.addEventListener("backstop:flash", function (event) {
  var area = document.querySelector('[data-testid="flash"]');
  if (!area || !event.detail || typeof event.detail.message !== "string") {
    return;
  }
  area.textContent = event.detail.message;
  area.hidden = false;
});

// A template problem's place links to its field; this also puts the caret
// on its line and column, so the mistake is where the eye lands.
document.addEventListener("click", function (event) {
  var link = event.target.closest ? event.target.closest("[data-jump]") : null;
  if (!link) {
    return;
  }
  var field = document.getElementById("field-" + link.getAttribute("data-jump"));
  if (!field || typeof field.setSelectionRange !== "function") {
    return;
  }
  event.preventDefault();
  var line = parseInt(link.getAttribute("data-line"), 10) || 1;
  var col = parseInt(link.getAttribute("data-col"), 10) || 1;
  var lines = field.value.split("\n");
  var at = 0;
  for (var i = 0; i < line - 1 && i < lines.length; i++) {
    at += lines[i].length + 1;
  }
  at += Math.min(col - 1, (lines[line - 1] || "").length);
  field.focus();
  field.setSelectionRange(at, at + 1);
});
