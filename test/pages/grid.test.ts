// The grid worker's phone page (SPEC §17) in Chromium at 375 px: a demand with a camera photo and
// the phone's location; a draft saved while offline and sent, once, when the phone is back online;
// "my reports"; then the staff ticket page's attachments and the resident's /track with the public
// photo. Screenshots in test-artifacts/screenshots.
import t from 'tap';
import { DESKTOP, PHONE, liveApp, newPage, shot, signIn, staffUser } from '../helpers/browser.js';
import { jpegWithGps, pngBytes } from '../helpers/files.js';

const live = await liveApp(t);
const grid = await staffUser(live, ['grid']);
const OFFLINE_CONSOLE = /status of 4\d\d|ERR_INTERNET_DISCONNECTED|Failed to fetch/;

const q = async (sql: string, params: unknown[] = []) => (await live.db.pool.query(sql, params)).rows;
const ticketsOf = () => q(`SELECT t.ticket_no, t.kind, t.channel, t.lat, t.lng, t.received_at, t.registered_at,
  (SELECT count(*)::int FROM attachments a WHERE a.ticket_id = t.id) AS photos
  FROM tickets t JOIN users u ON u.id = t.registered_by WHERE u.username = $1 ORDER BY t.id`, [grid]);

t.test('register with a photo and the location; an offline draft is sent when back online', async (t) => {
  const { context, page } = await newPage(t, live, PHONE, OFFLINE_CONSOLE);
  await context.grantPermissions(['geolocation'], { origin: live.base });
  await context.setGeolocation({ latitude: 30.2741, longitude: 120.1551, accuracy: 12 });
  await signIn(page, grid);
  t.match(new URL(page.url()).pathname, '/staff/m/new', 'a grid worker lands on the phone page');

  const photo = await jpegWithGps(1600, 1200);
  await page.getByLabel('求助').check();
  await page.fill('#g-content', '东山村3组路边电线杆倾斜，随时可能倒下，请尽快处理');
  await page.setInputFiles('#g-photos', { name: 'IMG_0001.jpg', mimeType: 'image/jpeg', buffer: photo });
  await page.locator('#g-photo-list img').waitFor();
  await page.click('#g-locate');
  await page.waitForFunction(() => document.getElementById('g-location')!.textContent!.startsWith('已获取'));
  await page.selectOption('#g-village', 'dongshan');
  await shot(page, 'grid-new-filled');
  await page.click('#grid-form button[type=submit]');
  await page.locator('#grid-done').waitFor();
  t.match(await page.locator('#grid-done').textContent(), /工单号 \d{15}，查询码 \d{6}/, 'the number and the access code to tell the resident');
  await shot(page, 'grid-new-sent');
  let rows = await ticketsOf();
  t.equal(rows.length, 1);
  t.match(rows[0], { kind: 'help', channel: 'walk_in', lat: 30.2741, lng: 120.1551, photos: 1 }, 'registered with the location and the photo');

  // Offline: the draft stays on the phone.
  await context.setOffline(true);
  await page.getByLabel('投诉').check();
  await page.fill('#g-content', '西河村垃圾站三天没有清运，气味很大，村民意见很多');
  await page.setInputFiles('#g-photos', [
    { name: 'IMG_0002.jpg', mimeType: 'image/jpeg', buffer: photo },
    { name: 'IMG_0003.jpg', mimeType: 'image/jpeg', buffer: await jpegWithGps(800, 600) },
  ]);
  await page.waitForFunction(() => document.querySelectorAll('#g-photo-list img').length === 2);
  await page.click('#grid-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('grid-status')!.textContent!.includes('没有网络'));
  t.equal(await page.locator('#pending-count').textContent(), '1', 'one draft waits on the phone');
  t.equal((await ticketsOf()).length, 1, 'nothing reached the server');
  await shot(page, 'grid-new-offline');

  // A reload while offline still has it (IndexedDB); back online it is sent once.
  await context.setOffline(false);
  await page.waitForFunction(() => document.getElementById('grid-pending')!.hidden);
  rows = await ticketsOf();
  t.equal(rows.length, 2, 'registered once back online');
  t.equal(rows[1].photos, 2, 'both photos followed');
  // The phone's clock (the real date) is days ahead of the server's test clock: the saved time is
  // refused as future, and the draft goes again without it, under a new key, still once.
  t.same(rows[1].received_at, rows[1].registered_at, 'a future time from the phone is dropped, not refused');
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.waitForTimeout(300);
  t.equal((await ticketsOf()).length, 2, 'a second online event sends nothing again');

  await page.goto('/staff/m/mine');
  t.equal(await page.locator('.mine').count(), 2, 'my reports: both');
  t.match(await page.locator('.mine').first().textContent(), /已登记|已转办/);
  await shot(page, 'grid-mine');
});

t.test('the ticket page lists attachments with thumbnails; a public photo shows on /track', async (t) => {
  const [first] = await ticketsOf();
  const handler = await staffUser(live, ['clerk']);
  const { page } = await newPage(t, live, DESKTOP);
  await signIn(page, handler);
  await page.goto(`/staff/tickets/${first.ticket_no}`);
  await page.waitForFunction(() => (document.querySelector('#attachments .att-thumb img') as HTMLImageElement | null)?.naturalWidth);
  t.pass('the thumbnail loads');
  // The upload form (multipart, no script): a 办结照片, then a text file that is refused.
  await page.getByLabel('办结照片（随答复）').check();
  await page.setInputFiles('#att-file', { name: '办结.png', mimeType: 'image/png', buffer: await pngBytes(640, 480) });
  await Promise.all([page.waitForURL(/att=uploaded/), page.getByRole('button', { name: '上传' }).click()]);
  t.equal(await page.locator('#attachments .att').count(), 2, 'the uploaded file is listed');
  t.match(await page.locator('#attachments .att').nth(1).textContent(), '办结照片');
  await page.setInputFiles('#att-file', { name: 'fake.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not an image at all, only text'.repeat(50)) });
  await Promise.all([page.waitForURL(/attErr=UNSUPPORTED_MEDIA_TYPE/), page.getByRole('button', { name: '上传' }).click()]);
  t.match(await page.locator('#attachments .alert.error').textContent(), '不支持的文件类型');
  t.equal(await page.locator('#attachments .att').count(), 2, 'nothing added');
  await Promise.all([page.waitForURL(/att=published/), page.getByRole('button', { name: /公开给群众/ }).first().click()]);
  t.match(await page.locator('#attachments .alert.ok').textContent(), '图片已公开');
  await shot(page, 'ticket-attachments');

  const accessCode = (await q('SELECT access_code FROM tickets WHERE ticket_no = $1', [first.ticket_no]))[0].access_code as string;
  const { page: resident } = await newPage(t, live, PHONE);
  await resident.goto(`/track?no=${first.ticket_no}`);
  await resident.fill('#f-verify', accessCode);
  await resident.getByRole('button', { name: /查询/ }).click();
  await resident.locator('.track-photos img').waitFor();
  await resident.waitForFunction(() => (document.querySelector('.track-photos img') as HTMLImageElement).naturalWidth > 0);
  t.pass('the public photo loads');
  await shot(resident, 'track-photo');
});
