// The WeChat triage page in a real browser (SPEC §17): messages pushed by the fake platform (a
// photo fetched by the real workers from the fake media API) listed newest first with their
// thumbnails; two selected open the registration form prefilled with their text, group and
// sender; the clerk picks category and village and registers; another is dismissed with a reason.
// Screenshots at 1280 and 375 px.
import t from 'tap';
import { DESKTOP, PHONE, liveApp, newPage, shot, signIn, staffUser } from '../helpers/browser.js';
import { setupWorkers, waitFor } from '../helpers/workers.js';
import { encryptedPush, newEncodingAesKey, plainPush, startFakeWeCom, wxXml, type CallbackAccount } from '../helpers/fake-wecom.js';
import { jpegWithGps } from '../helpers/files.js';

const fake = await startFakeWeCom();
t.teardown(() => fake.close());
const WECOM: CallbackAccount = { token: 'pageToken', aesKey: newEncodingAesKey(), receiverId: 'wwPageCorp' };
const MP = { token: 'pageMpToken' };
fake.credentials.set(WECOM.receiverId, 'page-corp-secret-01');
fake.media.set('road-photo', { bytes: await jpegWithGps(800, 600), type: 'image/jpeg' });
const GROUP = 'wrkDongshanVillage';

const live = await liveApp(t, {
  env: {
    WECOM_CALLBACK_TOKEN: WECOM.token, WECOM_CALLBACK_AES_KEY: WECOM.aesKey, WECOM_CORP_ID: WECOM.receiverId, WECOM_CORP_SECRET: 'page-corp-secret-01',
    WECOM_API_BASE: fake.base, WECHAT_MP_TOKEN: MP.token, WECOM_GROUP_ROBOTS: JSON.stringify({ [GROUP]: fake.url('page-robot') }),
  },
});
await setupWorkers(t, live);
const clerk = await staffUser(live, ['clerk']);

async function push(path: 'wecom' | 'wechat-mp', p: { query: string; body: string }) {
  const res = await fetch(`${live.base}/api/v1/intake/${path}?${p.query}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: p.body });
  if (res.status !== 200) throw new Error(`push: ${res.status} ${await res.text()}`);
}

await push('wecom', encryptedPush(WECOM, wxXml.robotText({ chatId: GROUP, userId: 'zhaoliu', name: '赵六', msgId: 'p-1', content: '@小助手 东山村到西河村的路面塌了一个大坑，晚上骑车很危险' })));
live.clock.advance(60_000);
await push('wecom', encryptedPush(WECOM, wxXml.robotImage({ chatId: GROUP, userId: 'zhaoliu', name: '赵六', msgId: 'p-2', mediaId: 'road-photo' })));
live.clock.advance(60_000);
await push('wechat-mp', plainPush(MP, wxXml.text({ from: 'oPageUser00000001', msgId: '3003', content: '你好，请问社保卡在哪里办？' })));
await waitFor('the photo fetched', async () =>
  (await live.db.pool.query(`SELECT 1 FROM intake_messages WHERE dedupe_key = 'msg:p-2' AND media_status = 'stored'`)).rows.length > 0, 15_000);

t.test('the list, newest first with the photo; two messages registered as one ticket', async (t) => {
  const { page } = await newPage(t, live, DESKTOP);
  await signIn(page, clerk);
  await page.click('nav >> text=微信消息');
  t.equal(new URL(page.url()).pathname, '/staff/intake/messages');
  const texts = await page.locator('.wx-msg .wx-text').allTextContents();
  t.same(texts, ['你好，请问社保卡在哪里办？', '[图片]', '@小助手 东山村到西河村的路面塌了一个大坑，晚上骑车很危险'], 'newest first');
  const img = page.locator('.wx-photos img').first();
  await img.waitFor();
  t.ok(await img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0), 'the thumbnail loads');
  t.notMatch(await page.content(), /oPageUser00000001|zhaoliu/, 'account ids never shown in full');
  t.match(await page.textContent('body'), /oPag\*\*\*\*0001/, 'the Official Account sender masked');
  await shot(page, 'staff-wechat-messages');

  await page.check('#m-1 input[name=ids]');
  await page.check('#m-2 input[name=ids]');
  await Promise.all([page.waitForURL(/\/staff\/intake\/messages\/register\?/), page.click('text=登记所选消息')]);
  t.equal(await page.inputValue('#f-content'), '@小助手 东山村到西河村的路面塌了一个大坑，晚上骑车很危险\n[图片]', 'text prefilled');
  t.equal(await page.inputValue('#f-wechat-group'), GROUP, 'group prefilled');
  t.equal(await page.inputValue('#f-wechat-sender'), '赵六', 'sender prefilled');
  t.equal(await page.inputValue('#f-channel'), 'wechat_group');
  t.equal(await page.locator('.wx-selected .wx-photos img').count(), 1, 'the selected messages with their photo');
  await page.selectOption('#f-kind', 'complaint');
  await page.selectOption('#f-categoryCode', 'road');
  await page.selectOption('#f-villageCode', 'dongshan');
  await shot(page, 'staff-wechat-register');
  await Promise.all([page.waitForURL(/\/receipt\?new=1/), page.click('button[type=submit].primary')]);
  const ticketNo = /\/staff\/tickets\/(\d{15})\/receipt/.exec(page.url())![1];
  const row = (await live.db.pool.query(`SELECT channel, source, wechat, village_code, category_code FROM tickets WHERE ticket_no = $1`, [ticketNo])).rows[0];
  t.match(row, { channel: 'wechat_group', source: 'wechat', village_code: 'dongshan', category_code: 'road', wechat: { group: GROUP, sender: '赵六', messageId: 'p-1' } });
  const files = await live.db.pool.query(`SELECT a.kind FROM attachments a JOIN tickets t ON t.id = a.ticket_id WHERE t.ticket_no = $1`, [ticketNo]);
  t.same(files.rows.map((r) => r.kind), ['image'], 'the photo went with the ticket');
  await waitFor('the robot\'s answer', async () => fake.posts.length === 1, 10_000);
  t.match(fake.posts[0].content, /@赵\* 您反映的问题已登记/);
});

t.test('on a phone: the remaining message dismissed with a reason', async (t) => {
  const { page } = await newPage(t, live, PHONE);
  await signIn(page, clerk);
  await page.goto('/staff/intake/messages');
  t.equal(await page.locator('.wx-msg').count(), 1, 'only the unregistered message is left');
  await shot(page, 'staff-wechat-messages');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  t.ok(width <= 375, `no horizontal scrolling (${width} px)`);
  await page.fill('.wx-msg input[name=reason]', '咨询类问题，已电话答复');
  await Promise.all([page.waitForURL(/done=dismissed/), page.click('.wx-msg button:has-text("忽略")')]);
  t.match(await page.textContent('.alert.ok'), /已忽略/);
  await page.click('text=已忽略');
  t.match(await page.textContent('.wx-msg'), /咨询类问题，已电话答复/);
  await shot(page, 'staff-wechat-dismissed');
});
