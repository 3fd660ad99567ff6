// The pure rules of WeChat triage (SPEC §17): masked senders, the registration a selection
// suggests, the robot's answer within WeCom's 2 048 bytes.
import t from 'tap';
import fc from 'fast-check';
import { maskAccountId, maskNickname } from '../../src/domain/masking.js';
import { registrationFromMessages, robotAnswerText, ROBOT_TEXT_MAX_BYTES, type TriageMessage } from '../../src/domain/wechat-message.js';

t.test('account ids and nicknames masked', async (t) => {
  t.equal(maskAccountId('oUpF8uMuAJO_M2pxb1Q9zNjWeS6o'), 'oUpF****eS6o');
  t.equal(maskAccountId('zhangsan'), 'z****', 'a short id keeps one character');
  t.equal(maskNickname('老张'), '老*');
  t.equal(maskNickname('王老五'), '王**');
  t.equal(maskNickname('一二三四五六七'), '一***', 'never more than three stars (the length stays hidden)');
  fc.assert(fc.property(fc.string({ minLength: 9, maxLength: 64 }).filter((s) => !s.includes('*')), (id) => !maskAccountId(id).includes(id)));
  fc.assert(fc.property(fc.string({ minLength: 2, maxLength: 60 }).filter((s) => Array.from(s.trim()).length >= 2 && !s.includes('*')), (name) => !maskNickname(name).includes(name.trim())));
});

const msg = (over: Partial<TriageMessage>): TriageMessage => ({
  source: 'wecom', msgType: 'text', groupId: 'wrkGroup', senderShown: '王老五', body: '路灯坏了', dedupeKey: 'msg:1', ...over,
});

t.test('the registration a selection suggests', async (t) => {
  t.same(registrationFromMessages([msg({}), msg({ msgType: 'image', body: null, dedupeKey: 'msg:2' })]), {
    content: '路灯坏了\n[图片]', wechat: { group: 'wrkGroup', sender: '王老五', messageId: '1' },
  });
  t.same(registrationFromMessages([msg({ source: 'wechat_mp', groupId: null, senderShown: 'oUpF****eS6o' }), msg({ senderShown: '李四' })]).wechat, {
    group: '公众号留言', sender: 'oUpF****eS6o、李四', messageId: '1',
  }, 'no group from the protocol: where it came from; several senders listed');
  t.equal(Array.from(registrationFromMessages([msg({ body: '长'.repeat(1500) }), msg({ body: '长'.repeat(1500) })]).content).length, 2000, 'content cut at 2000 characters');
});

t.test('the robot\'s answer stays within 2 048 bytes and names no one', async (t) => {
  const text = robotAnswerText({ township: '东山镇', ticketNoFormatted: '20261125-483920-7', lookupUrl: `https://x.cn/track?no=${'9'.repeat(3000)}`, maskedSender: '王**' });
  t.ok(Buffer.byteLength(text, 'utf8') <= ROBOT_TEXT_MAX_BYTES);
  t.match(text, /^【东山镇】@王\*\* 您反映的问题已登记，工单号 20261125-483920-7。/);
  t.notMatch(robotAnswerText({ township: '东山镇', ticketNoFormatted: '1', lookupUrl: 'u', maskedSender: null }), /@/, 'no sender: no @');
});
