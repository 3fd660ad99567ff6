/* global document, window, URLSearchParams */
// Nothing typed is lost (issue 11 item 9): a staff form marked data-draft keeps what is typed in
// this tab's sessionStorage. When the submit does not go through — the session expired during a
// long call (the server sends the clerk to sign in, then back to this form), or the page's CSRF
// token went stale — the form comes back filled. A successful submit (the next page carries
// `done=` or `new=1`) and signing out clear it. Hidden fields and passwords are never kept.
(function () {
  const PREFIX = 'hy-draft:';
  const store = (() => {
    try {
      return window.sessionStorage;
    } catch {
      return null;
    }
  })();
  if (!store) return;
  const params = new URLSearchParams(window.location.search);

  if (params.has('done') || params.get('new') === '1') {
    for (const key of Object.keys(store)) if (key.startsWith(PREFIX) && store.getItem(`${key}:sent`)) {
      store.removeItem(key);
      store.removeItem(`${key}:sent`);
    }
  }
  for (const logout of document.querySelectorAll('form[action="/staff/logout"]')) {
    logout.addEventListener('submit', () => {
      for (const key of Object.keys(store)) if (key.startsWith(PREFIX)) store.removeItem(key);
    });
  }

  const kept = (el) => el.name && el.type !== 'hidden' && el.type !== 'password' && el.type !== 'submit' && el.type !== 'button';

  for (const form of document.querySelectorAll('form[data-draft]')) {
    const key = PREFIX + form.getAttribute('action');
    const save = () => {
      const values = [];
      for (const el of form.elements) {
        if (!kept(el)) continue;
        if (el.type === 'checkbox' || el.type === 'radio') {
          if (el.checked) values.push([el.name, el.value]);
        } else if (el.value !== '') values.push([el.name, el.value]);
      }
      if (values.length) store.setItem(key, JSON.stringify(values));
      else store.removeItem(key);
    };
    const restore = () => {
      const raw = store.getItem(key);
      // A form the server sent back with errors shows what was posted: that wins.
      const summary = form.previousElementSibling;
      if (!raw || form.querySelector('.has-error') || (summary && summary.matches('[role=alert]'))) return false;
      let values;
      try {
        values = JSON.parse(raw);
      } catch {
        return false;
      }
      if (!Array.isArray(values) || values.length === 0) return false;
      for (const el of form.elements) {
        if (!kept(el)) continue;
        const mine = values.filter(([name]) => name === el.name).map(([, v]) => v);
        if (el.type === 'checkbox' || el.type === 'radio') el.checked = mine.includes(el.value);
        else if (mine.length) el.value = mine[0];
      }
      return true;
    };
    if (restore()) {
      const note = document.createElement('p');
      note.className = 'alert warn';
      note.setAttribute('role', 'status');
      note.textContent = '已恢复您上次未能提交的内容（登录超时或页面过期时自动保留），请核对后重新提交。';
      form.before(note);
      const details = form.closest('details');
      if (details) details.open = true;
    }
    form.addEventListener('input', save);
    form.addEventListener('change', save);
    form.addEventListener('submit', () => {
      save();
      store.setItem(`${key}:sent`, '1');
    });
  }
})();
