/* global document, window */
// The receipt page's print button (Ctrl+P works without it).
for (const button of document.querySelectorAll('[data-print]')) {
  button.hidden = false;
  button.addEventListener('click', () => window.print());
}
