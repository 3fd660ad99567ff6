/* global document, fetch, Option, setTimeout, clearTimeout */
// Registration form: while the clerk types the content, ask the server for category suggestions
// and list them at the top of the category box (a keyboard user presses ↓ to take the first), and
// warn of possible duplicates before the ticket exists.
// Nothing is chosen automatically; without JavaScript the form works the same, minus suggestions.
(function () {
  const content = document.getElementById('f-content');
  const select = document.getElementById('f-categoryCode');
  const hint = document.getElementById('f-categoryCode-hint');
  const token = document.querySelector('meta[name="csrf-token"]');
  const phone = document.getElementById('f-complainant-phone');
  const village = document.getElementById('f-villageCode');
  const warning = document.getElementById('dup-warning');
  if (!content || !select || !token) return;
  const group = document.createElement('optgroup');
  group.label = '建议分类';
  const names = new Map([...select.options].map((o) => [o.value, o.textContent]));
  let timer = null;
  let asked = '';

  async function suggest() {
    const text = content.value.trim();
    const request = { content: text.slice(0, 2000) };
    const phoneValue = phone && phone.value.replace(/[\s()（）]/g, '');
    if (phoneValue && /^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$/.test(phoneValue)) request.phone = phoneValue;
    if (village && village.value) request.villageCode = village.value;
    if (select.value) request.categoryCode = select.value;
    const key = JSON.stringify(request);
    if (text.length < 4 || key === asked) return;
    asked = key;
    try {
      const res = await fetch('/api/v1/classify', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': token.content },
        body: JSON.stringify(request),
        credentials: 'same-origin',
      });
      if (!res.ok) return;
      const answer = await res.json();
      showDuplicates(answer.duplicateCandidates || []);
      const codes = answer.suggestedCategories.map((s) => s.code).filter((c) => names.has(c)).slice(0, 3);
      // Rebuilding the options would drop a suggestion the clerk has just chosen: only when they change.
      const shown = [...group.children].map((o) => o.value);
      if (shown.join() !== codes.join()) {
        const chosen = select.value;
        group.replaceChildren(...codes.map((c) => new Option(`${names.get(c)}（建议）`, c)));
        if (chosen) select.value = chosen;
      }
      if (codes.length && !group.parentNode) select.insertBefore(group, select.options[1] || null);
      if (!codes.length) group.remove();
      if (hint) hint.textContent = codes.length ? `建议分类：${codes.map((c) => names.get(c)).join('、')}（在分类框中按 ↓ 选择）` : '暂无建议分类';
    } catch {
      // No suggestion is no problem: the clerk chooses from the full list.
    }
  }

  // Possible duplicates, before the ticket exists: same phone, or same village and category, with
  // similar content in the last 7 days. Links open the existing ticket in a new tab, so what is
  // typed here stays.
  function showDuplicates(items) {
    if (!warning) return;
    if (!items.length) {
      warning.hidden = true;
      warning.replaceChildren();
      return;
    }
    const title = document.createElement('p');
    const strong = document.createElement('strong');
    strong.textContent = `可能重复：近7天已有${items.length}件相似诉求`;
    title.append(strong, '。如是同一件事，请打开原工单补充记录，不必重复登记（重复登记会再发一条短信）。');
    const list = document.createElement('ul');
    for (const d of items) {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = `/staff/tickets/${d.ticketNo}`;
      a.target = '_blank';
      a.rel = 'noopener';
      a.textContent = `${d.ticketNo.slice(0, 8)}-${d.ticketNo.slice(8, 14)}-${d.ticketNo.slice(14)}`;
      li.append(a, `（${d.statusLabel}${d.samePhone ? '，同一来电号码' : ''}）${d.excerpt}`);
      list.append(li);
    }
    warning.replaceChildren(title, list);
    warning.hidden = false;
  }

  // Shown right under the content, where the clerk is looking (the page keeps it at the end without JS).
  const contentField = content.closest('.field');
  if (warning && contentField) contentField.after(warning);

  for (const el of [phone, village]) {
    if (el) el.addEventListener('change', suggest);
  }

  content.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 350);
  });
  content.addEventListener('blur', suggest);
})();
