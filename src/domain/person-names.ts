// Personal names in free text (issue 11 item 15): found with a real Chinese segmenter with
// part-of-speech tags (jieba through @node-rs/jieba; `nr` = person name), so a third party's name
// ("邻居赵小明家…") is masked like the complainant's own. Deterministic computation over a bundled
// dictionary, loaded once, no other I/O.
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { COMPOUND_SURNAMES } from './masking.js';

let jieba: Jieba | null = null;
const segmenter = () => (jieba ??= Jieba.withDict(dict));

const HAN = /^\p{Script=Han}+$/u;
/** The common single-character surnames (over 85 % of the population). */
const SURNAMES = new Set(Array.from(
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝',
));
/** Words jieba tags `nr` that are not names in a demand. */
const NOT_NAMES = new Set(['谢谢', '常常', '高高', '明明', '白白', '多多', '方便', '安全', '文明', '和平', '平安', '成功', '万一', '高兴', '司机']);
/** Words after which a surname starts a person's name: relatives, neighbours, cadres, "我叫". */
const PERSON_CONTEXT = new Set([
  '邻居', '村民', '居民', '群众', '户主', '业主', '老板', '老人', '大爷', '大妈', '大伯', '大娘', '阿姨', '叔叔', '婶婶', '爷爷', '奶奶',
  '儿子', '女儿', '丈夫', '妻子', '老公', '老婆', '哥哥', '姐姐', '弟弟', '妹妹', '父亲', '母亲', '孩子', '家人', '同事', '朋友',
  '书记', '村支书', '支书', '主任', '村长', '组长', '队长', '会计', '网格员', '干部', '村干部', '镇长', '所长', '站长', '经理', '师傅', '医生', '老师',
  '叫', '名叫', '姓', '我叫', '他叫', '她叫', '联系人', '举报人', '反映人', '当事人', '对方',
]);
const NOT_GIVEN = new Set(Array.from('家说的了和与在是等某也都又就讲称反映到去来把被给向对从跟同及或不没很还已要会能'));

const isSurnameStart = (word: string) => SURNAMES.has(Array.from(word)[0]) || COMPOUND_SURNAMES.has(word.slice(0, 2));

/**
 * The person names in `text`, each as written:
 * - a token jieba tags `nr`, of 2–4 Han characters, starting with a common surname;
 * - after a person word (邻居, 村支书, 我叫, …), a surname and the one or two single characters
 *   jieba left after it (unknown given names come apart: 赵 / 小 / 明).
 * Over-finding is the accepted failure mode of public texts.
 */
export function findPersonNames(text: string): string[] {
  const tokens = segmenter().tag(text);
  const found: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const { word, tag } = tokens[i];
    const chars = Array.from(word);
    if (tag === 'nr' && chars.length >= 2 && chars.length <= 4 && HAN.test(word) && isSurnameStart(word) && !NOT_NAMES.has(word) && !word.includes('某')) {
      found.push(word);
      continue;
    }
    const after = i > 0 && PERSON_CONTEXT.has(tokens[i - 1].word);
    if (!after || !HAN.test(word) || !isSurnameStart(word) || word.includes('某')) continue;
    let name = word;
    for (let j = i + 1; j < tokens.length && Array.from(name).length < 3; j++) {
      const next = tokens[j].word;
      if (Array.from(next).length !== 1 || !HAN.test(next) || NOT_GIVEN.has(next)) break;
      name += next;
    }
    if (Array.from(name).length >= 2 && Array.from(name).length <= 4) found.push(name);
  }
  return [...new Set(found)];
}
