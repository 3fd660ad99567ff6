/* global document, fetch, FormData, setTimeout */
// The ledger import page (SPEC §15): upload → report → (adjust the mapping →) commit with progress.
// Calls /api/v1/imports with the session cookie and the page's CSRF token; renders with textContent
// only (cells of the file never become markup).
(function () {
  'use strict';
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
  var upload = document.getElementById('upload');
  var choices = JSON.parse(upload.getAttribute('data-choices'));
  var status = document.getElementById('status');
  var report = document.getElementById('report');
  var commitBox = document.getElementById('commit');
  var current = null;
  var SHOWN_ERRORS = 50;

  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }
  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? 'flash error' : 'flash';
  }
  function problem(res, body) {
    if (body && body.message) {
      var d = (body.details || []).map(function (x) { return x.message; }).filter(function (m) { return m !== body.message; });
      return body.message + (d.length ? '：' + d.join('；') : '');
    }
    return '请求失败（' + res.status + '），请稍后重试';
  }
  function api(method, url, body) {
    return fetch(url, { method: method, body: body, credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf, Accept: 'application/json' } })
      .then(function (res) {
        return res.json().catch(function () { return null; }).then(function (json) {
          if (!res.ok) throw new Error(problem(res, json));
          return json;
        });
      });
  }

  function mapping() {
    var columns = {};
    document.querySelectorAll('#mapping-rows select').forEach(function (s) { columns[s.getAttribute('data-header')] = s.value; });
    var source = upload.querySelector('input[name="source"]:checked').value;
    return { columns: columns, source: source };
  }

  function send(withMapping) {
    var file = document.getElementById('file').files[0];
    if (!file) { say('请先选择要上传的台账文件（.xlsx 或 .csv）', true); return; }
    var data = new FormData();
    var m = withMapping ? mapping() : { source: upload.querySelector('input[name="source"]:checked').value };
    data.append('mapping', JSON.stringify(m));
    data.append('file', file);
    say('正在上传并校验“' + file.name + '”…');
    commitBox.hidden = true;
    api('POST', '/api/v1/imports', data).then(show, function (err) { report.hidden = true; say(err.message, true); });
  }

  function show(r) {
    current = r;
    say('校验完成：' + r.fileName);
    report.hidden = false;
    var counts = document.getElementById('counts');
    counts.textContent = '';
    [['数据行', r.rows], ['可导入', r.valid], ['其中历史已办结', r.pastCases], ['有问题', r.invalid], ['已导入过', r.alreadyImported]].forEach(function (p) {
      counts.appendChild(el('dt', p[0]));
      counts.appendChild(el('dd', p[1]));
    });
    var errors = document.getElementById('errors');
    errors.textContent = '';
    if (r.errorCount > 0) {
      errors.appendChild(el('h3', '有问题的行（' + r.invalid + ' 行，' + r.errorCount + ' 处）'));
      var wrap = el('div', null, { class: 'table-wrap' });
      var table = el('table', null, { class: 'data' });
      var head = el('tr');
      ['行号', '列', '问题'].forEach(function (h) { head.appendChild(el('th', h, { scope: 'col' })); });
      table.appendChild(el('thead')).appendChild(head);
      var body = table.appendChild(el('tbody'));
      r.errors.slice(0, SHOWN_ERRORS).forEach(function (e) {
        var tr = el('tr');
        tr.appendChild(el('td', e.row));
        tr.appendChild(el('td', e.column));
        tr.appendChild(el('td', e.message, { class: 'wrap' }));
        body.appendChild(tr);
      });
      wrap.appendChild(table);
      errors.appendChild(wrap);
      var more = r.errorCount > SHOWN_ERRORS ? '仅显示前 ' + SHOWN_ERRORS + ' 处，' : '';
      var p = el('p', more);
      var a = el('a', '下载完整的问题清单（CSV）', { href: '/api/v1/imports/' + encodeURIComponent(r.importId) + '/errors.csv' });
      p.appendChild(a);
      errors.appendChild(p);
    } else {
      errors.appendChild(el('p', '没有发现问题。'));
    }
    var rows = document.getElementById('mapping-rows');
    rows.textContent = '';
    r.headers.forEach(function (h, i) {
      var tr = el('tr');
      var label = el('label', h.header, { for: 'map-' + i });
      tr.appendChild(el('td')).appendChild(label);
      var select = el('select', null, { id: 'map-' + i, 'data-header': h.header });
      choices.forEach(function (c) {
        var o = el('option', c.label, { value: c.value });
        if ((h.field || 'ignore') === c.value) o.selected = true;
        select.appendChild(o);
      });
      tr.appendChild(el('td')).appendChild(select);
      rows.appendChild(tr);
    });
    commitBox.hidden = r.valid === 0;
    document.getElementById('commit-text').textContent = '将登记 ' + r.valid + ' 件工单（其中 ' + r.pastCases + ' 件按历史已办结导入）；有问题的行不会导入，修改后可再次上传。';
    document.getElementById('commit-button').disabled = false;
    document.getElementById('result').textContent = '';
    document.getElementById('progress').hidden = true;
  }

  function done(c) {
    var result = document.getElementById('result');
    var progress = document.getElementById('progress');
    progress.value = progress.max;
    result.textContent = '';
    result.appendChild(document.createTextNode('导入完成：新登记 ' + c.imported + ' 件（历史已办结 ' + c.pastCases + ' 件），已存在 ' + c.alreadyImported + ' 件' +
      (c.failed ? '，失败 ' + c.failed + ' 件（' + c.errors.map(function (e) { return '第' + e.row + '行 ' + e.column + '：' + e.message; }).join('；') + '）' : '') + '。'));
    result.appendChild(el('a', '查看导入的工单', { href: '/staff/tickets?source=' + encodeURIComponent(current.source) }));
  }

  // The commit answers when every row is registered; a large file may outlast a proxy's timeout, so
  // the page follows the import's own status and shows the answer from there if the POST is cut off.
  function commit() {
    if (!current) return;
    var id = encodeURIComponent(current.importId);
    var button = document.getElementById('commit-button');
    var progress = document.getElementById('progress');
    var result = document.getElementById('result');
    button.disabled = true;
    progress.hidden = false;
    progress.max = Math.max(current.valid, 1);
    progress.value = 0;
    result.textContent = '正在导入…';
    var finished = false;
    var refused = null;
    function finish(c) { if (!finished) { finished = true; done(c); } }
    (function poll() {
      if (finished) return;
      api('GET', '/api/v1/imports/' + id).then(function (s) {
        if (finished) return;
        if (s.status === 'committed' && s.result) { finish(s.result); return; }
        if (s.status === 'validated' && refused) { finished = true; button.disabled = false; result.textContent = refused; return; }
        progress.value = s.done;
        result.textContent = '正在导入… ' + s.done + ' / ' + s.total;
        setTimeout(poll, 700);
      }, function (err) {
        if (finished) return;
        if (refused) { finished = true; button.disabled = false; result.textContent = refused + '（' + err.message + '）'; return; }
        setTimeout(poll, 1500);
      });
    })();
    api('POST', '/api/v1/imports/' + id + '/commit').then(finish, function (err) { refused = err.message; });
  }

  upload.addEventListener('submit', function (e) { e.preventDefault(); send(false); });
  document.getElementById('mapping').addEventListener('submit', function (e) { e.preventDefault(); send(true); });
  document.getElementById('commit-button').addEventListener('click', commit);
})();
