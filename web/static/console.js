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
