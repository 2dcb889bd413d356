// Runs first in <body>: lets GOV.UK Frontend styles know JavaScript is available.
// Kept as a file, not inline, so the Content Security Policy can forbid inline scripts.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
