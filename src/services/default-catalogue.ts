// The default catalogue of a township (docs/seed.md): loaded at first start when no department
// exists, and by `npm run cli -- catalogue:load`. Every township then edits its own.
import type { PoolClient } from 'pg';
import type { Duration } from '../domain/calendar.js';
import { insertCategory, insertDepartment } from '../db/catalogue.repository.js';

const D = (code: string, name: string, kind: 'office' | 'village' = 'office') => ({ code, name, kind });

export const DEFAULT_DEPARTMENTS = [
  D('mz', '民政办'), D('sb', '社保所'), D('cz', '财政所'), D('nync', '农业农村办'), D('zr', '自然资源所'),
  D('cj', '村镇建设办'), D('sw', '水务站'), D('gd', '供电所'), D('hb', '生态环境办'), D('zz', '综治中心'),
  D('sf', '司法所'), D('yj', '应急管理办'), D('wj', '卫健办'), D('jy', '教育办'), D('scjg', '市场监管所'),
  D('dongshan', '东山村', 'village'), D('xihe', '西河村', 'village'), D('nanling', '南岭村', 'village'),
  D('beiyuan', '北苑社区', 'village'),
];

const five: Duration = { amount: 5, unit: 'working_days' };

const C = (code: string, name: string, departmentCode: string, keywords: string, resolveWithin: Duration | null = null) => ({
  code, name, departmentCode, keywords: keywords ? keywords.split(/[,，]\s*/) : [], resolveWithin,
});

export const DEFAULT_CATEGORIES = [
  C('dibao', '低保特困救助', 'mz', '低保, 特困, 五保, 救助, 困难户, 临时救助', five),
  C('disability', '残疾人服务', 'mz', '残疾, 残疾证, 轮椅, 两项补贴'),
  C('elderly', '养老服务', 'mz', '老人, 高龄补贴, 养老院, 敬老院, 独居'),
  C('social_insurance', '社保医保', 'sb', '社保, 养老保险, 医保, 新农合, 缴费, 社保卡'),
  C('wages', '欠薪与就业', 'sb', '工资, 欠薪, 拖欠, 农民工, 就业, 招工'),
  C('agri_subsidy', '惠农补贴发放', 'cz', '补贴, 一卡通, 耕地地力, 粮食补贴, 农机补贴', five),
  C('land_contract', '土地承包流转', 'nync', '承包地, 土地流转, 确权, 承包合同'),
  C('collective_assets', '集体资产与村务公开', 'nync', '集体资产, 村务公开, 账目, 村干部, 分红'),
  C('poverty_monitoring', '防返贫监测', 'nync', '返贫, 脱贫户, 监测户, 帮扶', five),
  C('homestead', '宅基地与建房', 'zr', '宅基地, 建房, 盖房, 违建, 占地'),
  C('road', '道路桥梁与路灯', 'cj', '道路, 路面, 坑, 塌陷, 桥, 路灯, 硬化'),
  C('drinking_water', '饮水供水', 'sw', '自来水, 停水, 饮水, 水管, 水压, 水质'),
  C('irrigation', '灌溉水利', 'sw', '灌溉, 水渠, 水库, 抽水, 堰塘'),
  C('power', '供电', 'gd', '停电, 电压, 电线, 电杆, 电费'),
  C('sanitation', '环境卫生', 'hb', '垃圾, 清运, 厕所, 污水, 臭'),
  C('pollution', '污染与噪声', 'hb', '污染, 噪音, 噪声, 排放, 烟尘, 焚烧, 养殖场'),
  C('dispute', '矛盾纠纷调解', 'zz', '纠纷, 吵架, 打架, 邻居, 地界, 调解'),
  C('legal_aid', '法律援助', 'sf', '法律, 律师, 起诉, 法律援助, 合同'),
  C('safety', '安全隐患', 'yj', '隐患, 危险, 消防, 火灾, 防汛, 滑坡, 危房'),
  C('health', '医疗卫生', 'wj', '卫生院, 医生, 看病, 疫苗, 药'),
  C('education', '教育入学', 'jy', '学校, 入学, 上学, 校车, 老师'),
  C('market', '市场监管', 'scjg', '食品, 过期, 假货, 价格, 缺斤少两'),
  C('other', '其他', 'zz', ''),
];

/** Inserts whatever of the default catalogue is missing; returns how many rows were added. */
export async function loadDefaultCatalogue(tx: PoolClient): Promise<number> {
  let added = 0;
  for (const d of DEFAULT_DEPARTMENTS) if (await insertDepartment(tx, { ...d, active: true })) added++;
  for (const c of DEFAULT_CATEGORIES) {
    if (await insertCategory(tx, { ...c, signOffWithin: null, active: true })) added++;
  }
  return added;
}
