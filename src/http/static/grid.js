/* global document, window, navigator, indexedDB, fetch, FormData, Image, createImageBitmap, setTimeout */
// The grid worker's phone page (SPEC §17): a demand with camera photos and the phone's location is
// first kept on the phone (IndexedDB: the photos are Blobs, too big for localStorage), then sent —
// at once when there is a network, else as soon as the phone is back online or the page is opened
// again. The registration carries an Idempotency-Key made on the phone when the draft is saved, so
// a send that was cut off after the server registered it is answered with the same ticket, never a
// second one; the photos follow through the attachments API once the ticket number is known, each
// marked sent as it goes. A draft leaves the phone only when everything in it has arrived.
(function () {
  'use strict';
  const DB = 'huiying-grid';
  const STORE = 'drafts';
  const $ = (id) => document.getElementById(id);
  const form = $('grid-form');
  const statusBox = $('grid-status');
  const pendingBox = $('grid-pending');
  const photos = []; // { blob, name, preview }
  let location = null;
  let sending = false;

  // ---- storage ------------------------------------------------------------------------------
  function openDb() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'key' });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  async function tx(mode, fn) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const result = fn(t.objectStore(STORE));
      t.oncomplete = () => { db.close(); resolve(result && 'result' in result ? result.result : undefined); };
      t.onerror = () => { db.close(); reject(t.error); };
    });
  }
  const allDrafts = () => tx('readonly', (s) => s.getAll());
  const saveDraft = (d) => tx('readwrite', (s) => s.put(d));
  const dropDraft = (key) => tx('readwrite', (s) => s.delete(key));

  /** A key the registration API takes (8–100 of A-Z a-z 0-9 _ . : -); randomUUID needs https. */
  function newKey() {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return 'm-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  // ---- messages ------------------------------------------------------------------------------
  function say(text, kind) {
    if (!statusBox) return;
    statusBox.hidden = !text;
    statusBox.className = 'alert' + (kind ? ' ' + kind : '');
    statusBox.textContent = text || '';
  }
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || '';

  async function renderPending() {
    if (!pendingBox) return;
    const drafts = await allDrafts();
    pendingBox.hidden = drafts.length === 0;
    $('pending-count').textContent = String(drafts.length);
    const list = $('pending-list');
    list.textContent = '';
    for (const d of drafts) {
      const li = document.createElement('li');
      const left = d.photos.filter((p) => !p.sent && !p.failed).length;
      const state = d.ticketNo ? '已登记 ' + d.ticketNo + (left ? '，还有 ' + left + ' 张照片待上传' : '') : '待发送';
      li.textContent = d.body.content.slice(0, 30) + '… · ' + d.photos.length + ' 张照片 · ' + state + (d.error ? ' · ' + d.error : '');
      list.appendChild(li);
    }
  }

  // ---- sending -------------------------------------------------------------------------------
  class Stop extends Error {}

  async function post(url, init) {
    try {
      return await fetch(url, Object.assign({ method: 'POST', credentials: 'same-origin' }, init));
    } catch (_err) {
      throw new Stop('offline');
    }
  }
  async function problem(res) {
    try {
      const body = await res.json();
      const details = (body.details || []).map((d) => d.message).join('；');
      return { code: body.code, fields: (body.details || []).map((d) => d.path), text: body.message + (details ? '：' + details : '') };
    } catch (_err) {
      return { code: '', fields: [], text: '服务器暂时无法处理（' + res.status + '）' };
    }
  }

  async function register(d) {
    const res = await post('/api/v1/tickets', {
      headers: { 'content-type': 'application/json', 'idempotency-key': d.key, 'x-csrf-token': csrf() },
      body: JSON.stringify(d.body),
    });
    if (res.status === 201) {
      const t = await res.json();
      d.ticketNo = t.ticketNo;
      d.accessCode = t.accessCode || null;
      d.error = null;
      await saveDraft(d);
      return;
    }
    const p = await problem(res);
    if (res.status === 401 || p.code === 'CSRF_FAILED') throw new Stop('login');
    if (res.status === 400 && p.fields.includes('receivedAt') && d.body.receivedAt) {
      // The phone's clock is ahead of the server's: nothing was stored, send again without the time.
      // The draft is stored under its key: move it to the new one.
      const old = d.key;
      delete d.body.receivedAt;
      d.key = newKey();
      await saveDraft(d);
      await dropDraft(old);
      return register(d);
    }
    if (res.status >= 500 || res.status === 429) throw new Stop('later');
    d.error = p.text;
    await saveDraft(d);
    throw new Stop('refused');
  }

  async function uploadPhotos(d) {
    for (const p of d.photos) {
      if (p.sent || p.failed) continue;
      const data = new FormData();
      data.append('purpose', 'evidence');
      data.append('file', p.blob, p.name || 'photo.jpg');
      const res = await post('/api/v1/tickets/' + d.ticketNo + '/attachments', { headers: { 'x-csrf-token': csrf() }, body: data });
      if (res.status === 201) p.sent = true;
      else if (res.status === 401 || res.status === 403) throw new Stop('login');
      else if (res.status >= 500 || res.status === 429) throw new Stop('later');
      else p.failed = (await problem(res)).text;
      await saveDraft(d);
    }
  }

  function showDone(d) {
    const done = $('grid-done');
    if (!done) return;
    const failed = d.photos.filter((p) => p.failed);
    done.hidden = false;
    done.textContent = '';
    const h = document.createElement('h2');
    h.textContent = '已提交';
    const p = document.createElement('p');
    p.textContent = '工单号 ' + d.ticketNo + (d.accessCode ? '，查询码 ' + d.accessCode + '（请告诉群众）' : '') + '；照片 ' + (d.photos.length - failed.length) + ' 张已上传。';
    const a = document.createElement('a');
    a.href = '/staff/tickets/' + d.ticketNo;
    a.textContent = '查看工单';
    done.append(h, p, a);
    for (const f of failed) {
      const e = document.createElement('p');
      e.className = 'alert error';
      e.textContent = (f.name || '照片') + ' 未能上传：' + f.failed;
      done.appendChild(e);
    }
  }

  async function sendAll() {
    if (sending) return;
    sending = true;
    try {
      for (const d of await allDrafts()) {
        if (d.error && !d.ticketNo) continue;
        try {
          if (!d.ticketNo) await register(d);
          await uploadPhotos(d);
          await dropDraft(d.key);
          showDone(d);
          say('已发送：工单号 ' + d.ticketNo, 'ok');
        } catch (err) {
          if (!(err instanceof Stop)) throw err;
          if (err.message === 'refused') continue;
          say({
            offline: '没有网络：已保存在手机上，联网后会自动发送。',
            login: '登录已过期：草稿已保存在手机上，请重新登录后打开本页，会自动发送。',
            later: '服务器暂时繁忙：草稿已保存，稍后会自动重试。',
          }[err.message], 'warn');
          if (err.message === 'later') setTimeout(sendAll, 30000);
          break;
        }
      }
    } finally {
      sending = false;
      await renderPending();
    }
  }

  // ---- the form ------------------------------------------------------------------------------
  /** A small preview (a data: address: the page's CSP allows no blob: images). */
  async function preview(file) {
    try {
      const bitmap = await createImageBitmap(file);
      const scale = Math.min(1, 192 / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement('canvas');
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return canvas.toDataURL('image/jpeg', 0.7);
    } catch (_err) {
      return null; // HEIC and the like: no preview, still sent
    }
  }

  function renderPhotos() {
    const list = $('g-photo-list');
    list.textContent = '';
    photos.forEach((p, i) => {
      const li = document.createElement('li');
      if (p.preview) {
        const img = new Image();
        img.src = p.preview;
        img.alt = '照片' + (i + 1);
        li.appendChild(img);
      } else {
        li.appendChild(document.createTextNode(p.name));
      }
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = '删除';
      remove.addEventListener('click', () => { photos.splice(i, 1); renderPhotos(); });
      li.appendChild(remove);
      list.appendChild(li);
    });
  }

  function fieldValue(name) {
    const el = form.elements.namedItem(name);
    return el && 'value' in el ? el.value.trim() : '';
  }

  function draftBody() {
    const kind = (form.querySelector('input[name="kind"]:checked') || {}).value;
    const content = fieldValue('content');
    const problems = [];
    if (!kind) problems.push('请选择诉求类型');
    if (content.length < 5) problems.push('诉求内容至少5个字');
    const phone = fieldValue('phone').replace(/[\s()（）]/g, '');
    if (phone && !/^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$/.test(phone)) problems.push('电话号码格式不正确');
    if (problems.length) return { problems };
    const body = { channel: 'walk_in', kind, content };
    const name = fieldValue('name');
    if (name || phone) body.complainant = Object.assign({}, name ? { name } : {}, phone ? { phone } : {});
    if (fieldValue('villageCode')) body.villageCode = fieldValue('villageCode');
    if (fieldValue('address')) body.address = fieldValue('address');
    if (location) body.location = location;
    // Saved offline: the demand was raised now, not when the phone finds a network again.
    if (!navigator.onLine) body.receivedAt = new Date().toISOString();
    return { body };
  }

  if (form) {
    $('g-photos').addEventListener('change', async (e) => {
      for (const file of Array.from(e.target.files || [])) {
        photos.push({ blob: file, name: file.name, preview: await preview(file) });
      }
      e.target.value = '';
      renderPhotos();
    });
    $('g-locate').addEventListener('click', () => {
      const out = $('g-location');
      if (!navigator.geolocation) { out.textContent = '此设备不支持定位'; return; }
      out.textContent = '正在定位…';
      navigator.geolocation.getCurrentPosition(
        (pos) => {
          location = { lat: Math.round(pos.coords.latitude * 1e6) / 1e6, long: Math.round(pos.coords.longitude * 1e6) / 1e6 };
          out.textContent = '已获取：' + location.lat + ', ' + location.long + '（精度约 ' + Math.round(pos.coords.accuracy) + ' 米）';
        },
        () => { out.textContent = '无法获取位置（需要允许定位，且网站使用 https）'; },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
      );
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const error = $('g-error');
      const { body, problems } = draftBody();
      if (problems) {
        error.hidden = false;
        error.textContent = problems.join('；');
        return;
      }
      error.hidden = true;
      await saveDraft({
        key: newKey(), createdAt: new Date().toISOString(), body,
        photos: photos.map((p) => ({ blob: p.blob, name: p.name, sent: false, failed: null })),
        ticketNo: null, accessCode: null, error: null,
      });
      form.reset();
      photos.length = 0;
      location = null;
      $('g-location').textContent = '未获取';
      renderPhotos();
      const done = $('grid-done');
      if (done) done.hidden = true;
      say('已保存，正在发送…', '');
      await renderPending();
      await sendAll();
    });
  }
  const sendNow = $('send-now');
  if (sendNow) sendNow.addEventListener('click', sendAll);
  window.addEventListener('online', sendAll);
  sendAll();
})();
