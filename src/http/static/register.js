/* global document, fetch, Option, setTimeout, clearTimeout */
// Registration form: while the clerk types the content, ask the server for category suggestions
// and list them at the top of the category box (a keyboard user presses ↓ to take the first).
// Nothing is chosen automatically; without JavaScript the form works the same, minus suggestions.
(function () {
  const content = document.getElementById('f-content');
  const select = document.getElementById('f-categoryCode');
  const hint = document.getElementById('f-categoryCode-hint');
  const token = document.querySelector('meta[name="csrf-token"]');
  if (!content || !select || !token) return;
  const group = document.createElement('optgroup');
  group.label = '建议分类';
  const names = new Map([...select.options].map((o) => [o.value, o.textContent]));
  let timer = null;
  let asked = '';

  async function suggest() {
    const text = content.value.trim();
    if (text.length < 4 || text === asked) return;
    asked = text;
    try {
      const res = await fetch('/api/v1/classify', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': token.content },
        body: JSON.stringify({ content: text.slice(0, 2000) }),
        credentials: 'same-origin',
      });
      if (!res.ok) return;
      const codes = (await res.json()).suggestedCategories.map((s) => s.code).filter((c) => names.has(c)).slice(0, 3);
      group.replaceChildren(...codes.map((c) => new Option(`${names.get(c)}（建议）`, c)));
      if (codes.length && !group.parentNode) select.insertBefore(group, select.options[1] || null);
      if (!codes.length) group.remove();
      if (hint) hint.textContent = codes.length ? `建议分类：${codes.map((c) => names.get(c)).join('、')}（在分类框中按 ↓ 选择）` : '暂无建议分类';
    } catch {
      // No suggestion is no problem: the clerk chooses from the full list.
    }
  }

  content.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 350);
  });
  content.addEventListener('blur', suggest);
})();
