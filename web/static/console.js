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

// The refund form's confirmation says what the refund will do as the
// amount and the reason change, and htmx asks with the same sentence
// (hx-confirm) before sending it. The words are the page's (data-* on the
// sentence); this only puts them together. Without JavaScript the page's
// sentence, for a blank amount and the preselected reason, stands.
function describeRefund(form) {
  var out = form.querySelector("[data-refund-summary]");
  if (!out) {
    return;
  }
  var d = out.dataset;
  var typed = form.elements.amount.value.trim();
  var cents = typed === "" ? 0 : centsOf(typed);
  if (cents === null || cents === 0 && typed !== "") {
    out.textContent = d.bad;
    form.removeAttribute("hx-confirm"); // the server refuses it with the same words
    return;
  }
  var full = cents === 0 || cents === Number(d.left);
  var text = full ? d.all : d.part.replace("{amount}", d.prefix + (cents / 100).toFixed(2) + d.suffix);
  var reason = form.elements.refund_reason;
  var chosen = reason.options[reason.selectedIndex];
  if (!chosen || chosen.value === "") {
    text += d.choose;
  } else if (full && chosen.dataset.withdraws === "true") {
    text += d.withdraw;
  } else {
    text += d.keep;
  }
  out.textContent = text;
  form.setAttribute("hx-confirm", text + " Send the refund?");
}

// centsOf reads "249", "249.5" or "$249.00" as the server does, or null.
function centsOf(s) {
  var m = /^\$?\s*([0-9]{1,7})(?:\.([0-9]{1,2}))?$/.exec(s);
  if (!m) {
    return null;
  }
  return Number(m[1]) * 100 + Number(((m[2] || "") + "00").slice(0, 2));
}

["input", "change"].forEach(function (type) {
  document.addEventListener(type, function (event) {
    var form = event.target.closest && event.target.closest("form[data-refund]");
    if (form) {
      describeRefund(form);
    }
  });
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
