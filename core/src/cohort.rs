//! A deterministic synthetic cohort (毕业生群体) for examples, tests and benchmarks.
//!
//! [`generate`] yields graduates of one school: basic information with valid ID numbers (real
//! GB/T 2260 region codes of several provinces, plausible birth dates, the gender digit matching),
//! unique student and ID numbers, plausible names (a few with rare characters such as 堃 镕 喆 昇),
//! colleges with real major codes, CHSI accounts, and destinations drawn with realistic shares from
//! the code tables — employers with valid unified social credit codes, further study, study abroad,
//! grassroots projects and not-yet-placed graduates — with archive and hukou data for most. Every
//! record passes [`crate::Validate`] with the built-in tables. Everything is synthetic.
//!
//! The same [`CohortSpec`] gives the same cohort: randomness comes from a small seeded
//! [`SplitMix64`] generator, never from the operating system.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::records::{
    Abroad, ArchiveMethod, ArchiveTransfer, BasicInfo, ChsiAccount, Destination, DestinationData,
    Employer, HukouMigration, HukouReason, Study,
};
pub use crate::roster::HeaderStyle;
use crate::roster::{field_ref, HeaderAliases, FIELDS};
use crate::validate::{credit_check_character, id_check_character};

/// What cohort to generate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CohortSpec {
    /// Seed of the random generator: the same seed gives the same cohort.
    pub seed: u64,
    /// Number of graduates.
    pub size: usize,
    /// 院校代码 (5 digits).
    pub school_code: String,
    /// 院校名称.
    pub school_name: String,
    /// Graduation year.
    pub graduation_year: i32,
}

impl Default for CohortSpec {
    fn default() -> Self {
        CohortSpec {
            seed: 1,
            size: 1000,
            school_code: "10327".into(),
            school_name: "南京财经大学".into(),
            graduation_year: 2026,
        }
    }
}

/// One synthetic graduate: basic information, CHSI account and reported destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Graduate {
    /// Basic information (生源信息) as the school uploads it.
    pub basic: BasicInfo,
    /// The graduate's CHSI account (same name and ID number; the student record bound for most).
    pub chsi: ChsiAccount,
    /// Destination, archive and hukou data as the provincial platform reports it.
    pub destination: DestinationData,
}

/// SplitMix64: a small, fast, seeded pseudo-random generator (not for secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator with this seed.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `per_mille` / 1000.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }

    fn word(&mut self, xs: &[&'static str]) -> &'static str {
        xs[self.below(xs.len() as u64) as usize]
    }

    fn weighted<'a, T>(&mut self, xs: &'a [(u64, T)]) -> &'a T {
        let total: u64 = xs.iter().map(|(w, _)| w).sum();
        let mut r = self.below(total);
        for (w, x) in xs {
            if r < *w {
                return x;
            }
            r -= w;
        }
        &xs[xs.len() - 1].1
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

/// A county-level region: code, province, city, district, postal code, telephone area code.
struct Region {
    code: &'static str,
    province: &'static str,
    city: &'static str,
    district: &'static str,
    postal: &'static str,
    area: &'static str,
}

const fn r(
    code: &'static str,
    province: &'static str,
    city: &'static str,
    district: &'static str,
    postal: &'static str,
    area: &'static str,
) -> Region {
    Region {
        code,
        province,
        city,
        district,
        postal,
        area,
    }
}

/// Real GB/T 2260 county-level codes. Jiangsu first (the default school is in Nanjing).
const REGIONS: &[Region] = &[
    r("320102", "江苏省", "南京市", "玄武区", "210018", "025"),
    r("320104", "江苏省", "南京市", "秦淮区", "210001", "025"),
    r("320105", "江苏省", "南京市", "建邺区", "210019", "025"),
    r("320106", "江苏省", "南京市", "鼓楼区", "210008", "025"),
    r("320113", "江苏省", "南京市", "栖霞区", "210046", "025"),
    r("320115", "江苏省", "南京市", "江宁区", "211100", "025"),
    r("320205", "江苏省", "无锡市", "锡山区", "214101", "0510"),
    r("320211", "江苏省", "无锡市", "滨湖区", "214071", "0510"),
    r("320282", "江苏省", "无锡市", "宜兴市", "214200", "0510"),
    r("320311", "江苏省", "徐州市", "泉山区", "221006", "0516"),
    r("320411", "江苏省", "常州市", "新北区", "213022", "0519"),
    r("320506", "江苏省", "苏州市", "吴中区", "215128", "0512"),
    r("320508", "江苏省", "苏州市", "姑苏区", "215006", "0512"),
    r("320583", "江苏省", "苏州市", "昆山市", "215300", "0512"),
    r("320602", "江苏省", "南通市", "崇川区", "226001", "0513"),
    r("320706", "江苏省", "连云港市", "海州区", "222003", "0518"),
    r("320803", "江苏省", "淮安市", "淮安区", "223200", "0517"),
    r("320902", "江苏省", "盐城市", "亭湖区", "224005", "0515"),
    r("321002", "江苏省", "扬州市", "广陵区", "225002", "0514"),
    r("321102", "江苏省", "镇江市", "京口区", "212001", "0511"),
    r("321202", "江苏省", "泰州市", "海陵区", "225300", "0523"),
    r("321302", "江苏省", "宿迁市", "宿城区", "223800", "0527"),
    r("340104", "安徽省", "合肥市", "蜀山区", "230031", "0551"),
    r("340202", "安徽省", "芜湖市", "镜湖区", "241000", "0553"),
    r("330106", "浙江省", "杭州市", "西湖区", "310013", "0571"),
    r("370102", "山东省", "济南市", "历下区", "250011", "0531"),
    r("410105", "河南省", "郑州市", "金水区", "450003", "0371"),
    r("420106", "湖北省", "武汉市", "武昌区", "430061", "027"),
    r("430104", "湖南省", "长沙市", "岳麓区", "410006", "0731"),
    r("510107", "四川省", "成都市", "武侯区", "610041", "028"),
    r("360102", "江西省", "南昌市", "东湖区", "330006", "0791"),
    r("130102", "河北省", "石家庄市", "长安区", "050011", "0311"),
    r(
        "450102",
        "广西壮族自治区",
        "南宁市",
        "兴宁区",
        "530012",
        "0771",
    ),
    r("520102", "贵州省", "贵阳市", "南明区", "550001", "0851"),
    r("530102", "云南省", "昆明市", "五华区", "650032", "0871"),
    r("620102", "甘肃省", "兰州市", "城关区", "730030", "0931"),
    r(
        "650102",
        "新疆维吾尔自治区",
        "乌鲁木齐市",
        "天山区",
        "830002",
        "0991",
    ),
    r(
        "640104",
        "宁夏回族自治区",
        "银川市",
        "兴庆区",
        "750001",
        "0951",
    ),
    r(
        "150102",
        "内蒙古自治区",
        "呼和浩特市",
        "新城区",
        "010050",
        "0471",
    ),
    r("110105", "北京市", "北京市", "朝阳区", "100020", "010"),
    r("310115", "上海市", "上海市", "浦东新区", "200120", "021"),
    r("440305", "广东省", "深圳市", "南山区", "518052", "0755"),
    r("440106", "广东省", "广州市", "天河区", "510620", "020"),
];

/// Index of the first region outside Jiangsu.
const JIANGSU_END: usize = 22;
/// Where the school is (南京市栖霞区).
const SCHOOL_REGION: usize = 4;

fn region_index(code: &str) -> usize {
    REGIONS.iter().position(|r| r.code == code).unwrap_or(0)
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏",
    "韦", "付", "方", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯", "龙",
    "史", "陶", "贺", "顾", "毛", "龚", "邵", "万", "钱", "严", "戴", "孔", "汤", "欧阳", "司马",
    "上官", "诸葛",
];
const MALE_CHARS: &[&str] = &[
    "伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "超", "明", "刚", "辉", "鹏", "华", "飞", "鑫",
    "波", "斌", "宇", "浩", "凯", "健", "俊", "帆", "旭", "宁", "龙", "林", "阳", "晨", "博", "文",
    "轩", "睿", "泽", "然", "航", "哲", "皓", "昊", "宸", "铭", "子", "一", "梓", "嘉", "逸", "毅",
];
const FEMALE_CHARS: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "婷", "雪", "琳", "晶", "颖", "倩", "欣", "怡",
    "佳", "雯", "悦", "萱", "涵", "琪", "瑶", "璐", "梦", "思", "诗", "雨", "可", "馨", "彤", "婧",
    "妍", "蕾", "月", "子", "一", "嘉", "文", "晨",
];
/// Characters that fonts and old systems often lack.
const RARE_CHARS: &[&str] = &["堃", "镕", "喆", "昇", "赟", "玥", "翀", "珺"];
const UYGHUR_GIVEN_M: &[&str] = &["艾力", "买买提", "艾尔肯", "努尔", "阿迪力"];
const UYGHUR_GIVEN_F: &[&str] = &["阿依古丽", "热依拉", "迪丽拜尔", "古丽娜尔", "米热"];
const UYGHUR_FATHER: &[&str] = &["吐尔逊", "阿不都", "艾买提", "卡德尔", "玉素甫", "依明"];

type Major = (&'static str, &'static str);

struct College {
    name: &'static str,
    weight: u64,
    undergrad: &'static [Major],
    master: &'static [Major],
    doctor: &'static [Major],
}

/// Colleges with real major codes (本科专业目录 and 研究生学科专业目录).
const COLLEGES: &[College] = &[
    College {
        name: "会计学院",
        weight: 18,
        undergrad: &[
            ("120203K", "会计学"),
            ("120204", "财务管理"),
            ("120207", "审计学"),
        ],
        master: &[("125300", "会计"), ("120201", "会计学"), ("125700", "审计")],
        doctor: &[("120201", "会计学")],
    },
    College {
        name: "金融学院",
        weight: 15,
        undergrad: &[
            ("020301K", "金融学"),
            ("020303", "保险学"),
            ("020304", "投资学"),
            ("020305T", "金融数学"),
        ],
        master: &[("025100", "金融"), ("020204", "金融学")],
        doctor: &[("020204", "金融学")],
    },
    College {
        name: "经济学院",
        weight: 12,
        undergrad: &[
            ("020101", "经济学"),
            ("020401", "国际经济与贸易"),
            ("020102", "经济统计学"),
        ],
        master: &[("020202", "区域经济学"), ("025400", "国际商务")],
        doctor: &[("020202", "区域经济学")],
    },
    College {
        name: "财政与税务学院",
        weight: 8,
        undergrad: &[("020201K", "财政学"), ("020202", "税收学")],
        master: &[("020203", "财政学"), ("025300", "税务")],
        doctor: &[("020203", "财政学")],
    },
    College {
        name: "工商管理学院",
        weight: 12,
        undergrad: &[
            ("120201K", "工商管理"),
            ("120202", "市场营销"),
            ("120206", "人力资源管理"),
        ],
        master: &[("125100", "工商管理"), ("120202", "企业管理")],
        doctor: &[("120202", "企业管理")],
    },
    College {
        name: "计算机与人工智能学院",
        weight: 12,
        undergrad: &[
            ("080901", "计算机科学与技术"),
            ("080902", "软件工程"),
            ("080910T", "数据科学与大数据技术"),
            ("080717T", "人工智能"),
        ],
        master: &[("081200", "计算机科学与技术"), ("085400", "电子信息")],
        doctor: &[],
    },
    College {
        name: "法学院",
        weight: 7,
        undergrad: &[("030101K", "法学")],
        master: &[("035101", "法律（非法学）"), ("035102", "法律（法学）")],
        doctor: &[],
    },
    College {
        name: "外国语学院",
        weight: 6,
        undergrad: &[
            ("050201", "英语"),
            ("050207", "日语"),
            ("050262", "商务英语"),
        ],
        master: &[("055101", "英语笔译")],
        doctor: &[],
    },
    College {
        name: "新闻学院",
        weight: 5,
        undergrad: &[
            ("050301", "新闻学"),
            ("050302", "广播电视学"),
            ("050303", "广告学"),
        ],
        master: &[("055200", "新闻与传播")],
        doctor: &[],
    },
    College {
        name: "公共管理学院",
        weight: 5,
        undergrad: &[("120402", "行政管理"), ("120403", "劳动与社会保障")],
        master: &[("125200", "公共管理")],
        doctor: &[],
    },
];

const BRANDS: &[&str] = &[
    "星河", "云帆", "启明", "同创", "恒信", "远景", "青禾", "致远", "博观", "嘉禾", "瑞丰", "众成",
    "汇智", "天衡", "鼎泰", "明德", "长风", "蓝湾", "金石", "弘毅", "知行", "新程", "润泽", "安和",
];
const ROADS: &[&str] = &[
    "中山路",
    "人民路",
    "解放路",
    "建设路",
    "文化路",
    "和平路",
    "长江路",
    "新华路",
    "学府路",
    "南京路",
];

/// An employer kind: name pattern, registration prefix of the credit code, nature, industry, job
/// category.
struct EmployerKind {
    weight: u64,
    pattern: &'static str,
    credit_prefix: &'static str,
    nature: &'static str,
    industry: &'static str,
    job: &'static [&'static str],
}

/// `{c}` is the city without 市, `{b}` a brand, `{d}` the district.
const EMPLOYER_KINDS: &[EmployerKind] = &[
    EmployerKind {
        weight: 22,
        pattern: "{c}{b}信息科技有限公司",
        credit_prefix: "91",
        nature: "39",
        industry: "63",
        job: &["13", "29"],
    },
    EmployerKind {
        weight: 12,
        pattern: "{b}证券股份有限公司{c}分公司",
        credit_prefix: "91",
        nature: "31",
        industry: "66",
        job: &["22", "21"],
    },
    EmployerKind {
        weight: 14,
        pattern: "{c}{b}农村商业银行股份有限公司",
        credit_prefix: "91",
        nature: "31",
        industry: "66",
        job: &["22", "30"],
    },
    EmployerKind {
        weight: 10,
        pattern: "{b}会计师事务所（特殊普通合伙）{c}分所",
        credit_prefix: "91",
        nature: "39",
        industry: "71",
        job: &["21"],
    },
    EmployerKind {
        weight: 10,
        pattern: "{c}{b}电子股份有限公司",
        credit_prefix: "91",
        nature: "32",
        industry: "30",
        job: &["13", "21", "60"],
    },
    EmployerKind {
        weight: 8,
        pattern: "{c}{b}商贸有限公司",
        credit_prefix: "91",
        nature: "39",
        industry: "51",
        job: &["40", "21"],
    },
    EmployerKind {
        weight: 6,
        pattern: "{c}市{d}税务局",
        credit_prefix: "11",
        nature: "10",
        industry: "90",
        job: &["10"],
    },
    EmployerKind {
        weight: 6,
        pattern: "{c}市{b}中学",
        credit_prefix: "12",
        nature: "22",
        industry: "82",
        job: &["24"],
    },
    EmployerKind {
        weight: 4,
        pattern: "{c}{b}经济研究院",
        credit_prefix: "12",
        nature: "20",
        industry: "73",
        job: &["11"],
    },
    EmployerKind {
        weight: 8,
        pattern: "{c}{b}建设集团有限公司",
        credit_prefix: "91",
        nature: "31",
        industry: "50",
        job: &["13", "21"],
    },
];

/// Where an employer may be: mostly Nanjing, then other Jiangsu cities and large cities.
const EMPLOYER_REGIONS: &[(u64, usize)] = &[
    (10, 0),
    (10, 1),
    (10, 2),
    (12, 3),
    (8, 4),
    (8, 5),
    (5, 7),
    (6, 11),
    (5, 13),
    (4, 10),
    (3, 14),
    (3, 18),
    (3, 24),
    (5, 40),
    (4, 39),
    (4, 41),
    (3, 42),
];

/// Schools for further study (境内升学), with their region index.
const STUDY_SCHOOLS: &[(&str, usize)] = &[
    ("南京大学", 3),
    ("东南大学", 0),
    ("河海大学", 3),
    ("南京航空航天大学", 1),
    ("苏州大学", 12),
    ("浙江大学", 24),
    ("武汉大学", 27),
    ("四川大学", 29),
    ("中南大学", 28),
];

const ABROAD: &[(&str, &[&str])] = &[
    (
        "英国",
        &["伦敦大学学院", "曼彻斯特大学", "爱丁堡大学", "华威大学"],
    ),
    ("美国", &["哥伦比亚大学", "南加州大学", "波士顿大学"]),
    ("澳大利亚", &["悉尼大学", "墨尔本大学", "莫纳什大学"]),
    ("中国香港", &["香港大学", "香港中文大学", "香港城市大学"]),
    ("新加坡", &["新加坡国立大学", "南洋理工大学"]),
    ("日本", &["早稻田大学", "东京大学"]),
    ("加拿大", &["多伦多大学"]),
];

/// How many employers a cohort draws from.
const EMPLOYER_POOL: usize = 400;

/// An employer of the cohort's pool.
#[derive(Debug, Clone)]
struct PoolEmployer {
    employer: Employer,
    region: usize,
    job: &'static [&'static str],
}

/// The synthetic cohort: an iterator of [`Graduate`]s (see [`generate`]).
#[derive(Debug, Clone)]
pub struct Cohort {
    spec: CohortSpec,
    rng: SplitMix64,
    done: usize,
    employers: Vec<PoolEmployer>,
    /// (region, birth year, day of year, male) → ID sequence numbers used.
    id_seq: HashMap<(usize, i32, u32, bool), u16>,
    /// (enrolment year, level, college) → student numbers used.
    student_seq: HashMap<(i32, u8, usize), u32>,
}

/// Generates the cohort of `spec`, lazily; the same spec gives the same graduates.
pub fn generate(spec: &CohortSpec) -> Cohort {
    let mut rng = SplitMix64::new(spec.seed ^ 0x6772_6164_7265_6721);
    // A fixed pool, so that a smaller cohort is a prefix of a larger one with the same seed.
    let employers = (0..EMPLOYER_POOL)
        .map(|_| pool_employer(&mut rng))
        .collect();
    Cohort {
        spec: spec.clone(),
        rng,
        done: 0,
        employers,
        id_seq: HashMap::new(),
        student_seq: HashMap::new(),
    }
}

fn city_short(city: &str) -> &str {
    city.strip_suffix('市').unwrap_or(city)
}

fn place(region: &Region) -> String {
    if region.province == region.city {
        format!("{}{}", region.city, region.district)
    } else {
        format!("{}{}{}", region.province, region.city, region.district)
    }
}

fn street(rng: &mut SplitMix64, region: &Region) -> String {
    format!(
        "{}{}{} 号",
        place(region),
        rng.pick(ROADS),
        1 + rng.below(300)
    )
}

fn landline(rng: &mut SplitMix64, region: &Region) -> String {
    format!("{}-{}{}", region.area, 5 + rng.below(4), rng.digits(7))
}

fn credit_code(rng: &mut SplitMix64, prefix: &str, region: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let org: String = (0..9).map(|_| char::from(*rng.pick(ALPHABET))).collect();
    let first17 = format!("{prefix}{region}{org}");
    let check = credit_check_character(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

fn pool_employer(rng: &mut SplitMix64) -> PoolEmployer {
    let kinds: Vec<(u64, &EmployerKind)> = EMPLOYER_KINDS.iter().map(|k| (k.weight, k)).collect();
    let kind = *rng.weighted(&kinds);
    let ri = *rng.weighted(EMPLOYER_REGIONS);
    let region = &REGIONS[ri];
    let brand = rng.word(BRANDS);
    let name = kind
        .pattern
        .replace("{c}", city_short(region.city))
        .replace("{d}", region.district)
        .replace("{b}", brand);
    PoolEmployer {
        employer: Employer {
            name,
            credit_code: credit_code(rng, kind.credit_prefix, region.code),
            nature: kind.nature.into(),
            industry: kind.industry.into(),
            region: region.code.into(),
            address: street(rng, region),
        },
        region: ri,
        job: kind.job,
    }
}

impl Iterator for Cohort {
    type Item = Graduate;

    fn next(&mut self) -> Option<Graduate> {
        if self.done >= self.spec.size {
            return None;
        }
        self.done += 1;
        Some(self.graduate())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.spec.size - self.done;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Cohort {}

/// Education level code, level digit of the student number, schooling length, birth-year offset.
type Level = (&'static str, u8, i32, i32);

/// Levels with their weights.
const LEVELS: &[(u64, Level)] = &[
    (860, ("31", 1, 4, 22)),
    (10, ("32", 1, 4, 22)),
    (120, ("11", 2, 3, 25)),
    (10, ("01", 3, 4, 29)),
];

impl Cohort {
    fn graduate(&mut self) -> Graduate {
        let year = self.spec.graduation_year;
        let rng = &mut self.rng;
        let &(level, level_digit, mut length, age) = rng.weighted(LEVELS);
        // College and major for the level.
        let colleges: Vec<(u64, usize)> = COLLEGES
            .iter()
            .enumerate()
            .filter(|(_, c)| match level {
                "01" => !c.doctor.is_empty(),
                _ => true,
            })
            .map(|(i, c)| (c.weight, i))
            .collect();
        let ci = *rng.weighted(&colleges);
        let college = &COLLEGES[ci];
        let majors = match level {
            "01" => college.doctor,
            "11" => college.master,
            _ => college.undergrad,
        };
        let &(major_code, major_name) = rng.pick(majors);
        if level == "11" && major_code.as_bytes().get(2) == Some(&b'5') {
            length = 2; // professional master's degree
        }
        let enrol_year = year - length;

        // Origin and identity.
        let ri = if rng.chance(700) {
            rng.below(JIANGSU_END as u64) as usize
        } else {
            JIANGSU_END + rng.below((REGIONS.len() - JIANGSU_END) as u64) as usize
        };
        let region = &REGIONS[ri];
        let male = !rng.chance(580);
        let ethnicity = ethnicity(rng, region.code);
        let name = person_name(rng, male, ethnicity == "05");
        let id_number = self.id_number(ri, year - age, male);
        let rng = &mut self.rng;
        let student_number = {
            let seq = self
                .student_seq
                .entry((enrol_year, level_digit, ci))
                .or_insert(0);
            *seq += 1;
            format!("{enrol_year}{level_digit}{:02}{:04}", ci + 1, *seq)
        };
        let exam_number = if level_digit == 1 {
            format!("{:02}{}{}", enrol_year % 100, region.code, rng.digits(6))
        } else {
            String::new()
        };
        let political = if level_digit == 1 {
            rng.weighted(&[(720, "03"), (80, "01"), (60, "02"), (140, "13")])
        } else {
            rng.weighted(&[(450, "01"), (50, "02"), (300, "03"), (200, "13")])
        };
        let training = if (level == "01" && rng.chance(300)) || (level == "11" && rng.chance(50)) {
            "2"
        } else {
            "1"
        };
        let phone = format!("1{}{}", rng.pick(&["3", "5", "7", "8", "9"]), rng.digits(9));
        let email = if rng.chance(700) {
            format!("{student_number}@stu.example.edu.cn")
        } else {
            {
                let n = 6 + rng.below(5) as usize;
                format!("{}@example.com", rng.digits(n))
            }
        };
        let origin = if rng.chance(900) {
            region.code
        } else {
            rng.pick(REGIONS).code
        };
        let basic = BasicInfo {
            name: name.clone(),
            gender: if male { "1" } else { "2" }.into(),
            id_number: id_number.clone(),
            exam_number,
            student_number,
            school_code: self.spec.school_code.clone(),
            school_name: self.spec.school_name.clone(),
            college: college.name.into(),
            major_code: major_code.into(),
            major_name: major_name.into(),
            education_level: level.into(),
            training_mode: training.into(),
            schooling_length: length.to_string(),
            enrolment_date: format!("{enrol_year}-09-{:02}", 1 + rng.below(10)),
            graduation_date: format!("{year}-06-{}", rng.pick(&[20, 25, 28, 30])),
            origin_region: origin.into(),
            ethnicity: ethnicity.into(),
            political_status: (*political).into(),
            phone: phone.clone(),
            email: email.clone(),
            #[cfg(feature = "field-probe")]
            probe_note: None,
        };
        let chsi = ChsiAccount {
            name,
            id_number,
            student_record_bound: !rng.chance(20),
            phone,
            email,
        };
        let destination = self.destination(level_digit, major_name, region_index(origin));
        Graduate {
            basic,
            chsi,
            destination,
        }
    }

    /// A valid, unique ID number: region, a birth date in `birth_year`, an order code whose
    /// parity is the gender, and the check character.
    fn id_number(&mut self, ri: usize, birth_year: i32, male: bool) -> String {
        loop {
            let jitter = self.rng.below(3) as i32 - 1;
            let y = birth_year + jitter;
            let ordinal = 1 + self.rng.below(365) as u32;
            let Some(date) = chrono::NaiveDate::from_yo_opt(y, ordinal) else {
                continue;
            };
            let key = (ri, y, ordinal, male);
            let used = self.id_seq.entry(key).or_insert(0);
            if *used >= 499 {
                continue;
            }
            // Spread the order codes: start at an offset that depends on the key.
            let offset = (ri as u32 * 131 + ordinal * 17 + y as u32) % 499;
            let c = (u32::from(*used) + offset) % 499;
            *used += 1;
            let order = if male { 2 * c + 1 } else { 2 * c + 2 };
            let (m, d) = (chrono::Datelike::month(&date), chrono::Datelike::day(&date));
            let first17 = format!("{}{y:04}{m:02}{d:02}{order:03}", REGIONS[ri].code);
            let check = id_check_character(&first17).unwrap_or('0');
            return format!("{first17}{check}");
        }
    }

    fn destination(&mut self, level_digit: u8, major: &str, origin: usize) -> DestinationData {
        let year = self.spec.graduation_year;
        let rng = &mut self.rng;
        let code = match level_digit {
            1 => *rng.weighted(&[
                (290, "10"),
                (170, "11"),
                (70, "12"),
                (5, "27"),
                (5, "46"),
                (15, "50"),
                (10, "51"),
                (5, "75"),
                (20, "76"),
                (190, "80"),
                (70, "85"),
                (90, "70"),
                (45, "71"),
                (15, "72"),
            ]),
            2 => *rng.weighted(&[
                (380, "10"),
                (250, "11"),
                (80, "12"),
                (10, "27"),
                (10, "50"),
                (40, "51"),
                (10, "76"),
                (60, "80"),
                (20, "85"),
                (110, "70"),
                (10, "71"),
                (20, "72"),
            ]),
            _ => *rng.weighted(&[
                (600, "10"),
                (150, "11"),
                (50, "27"),
                (50, "80"),
                (50, "85"),
                (100, "70"),
            ]),
        };
        let mut d = Destination {
            code: code.into(),
            ..Destination::default()
        };
        let signing = |rng: &mut SplitMix64| {
            Some(format!(
                "{year}-{:02}-{:02}",
                1 + rng.below(6),
                1 + rng.below(28)
            ))
        };
        // Where the archive and the hukou go: (receiving unit, address, region index).
        let mut archive_to: Option<(String, String, usize)> = None;
        let mut hukou_reason = HukouReason::Graduation;
        match code {
            "10" | "11" | "12" | "51" => {
                let e = if code == "51" {
                    // 选调生 and local projects go to government bodies.
                    self.employers
                        .iter()
                        .find(|e| e.employer.nature == "10")
                        .cloned()
                        .unwrap_or_else(|| self.employers[0].clone())
                } else {
                    let i = rng.below(self.employers.len() as u64) as usize;
                    self.employers[i].clone()
                };
                if code == "51" {
                    d.sub_code = rng
                        .weighted(&[(70, Some("512")), (10, Some("511")), (20, None)])
                        .map(String::from);
                }
                d.job_category = Some((*rng.pick(e.job)).into());
                d.signing_date = signing(rng);
                let region = &REGIONS[e.region];
                let state = matches!(e.employer.nature.as_str(), "10" | "20" | "22" | "31");
                archive_to = Some(if state {
                    (
                        e.employer.name.clone(),
                        e.employer.address.clone(),
                        e.region,
                    )
                } else {
                    (
                        format!("{}人才服务中心", region.city),
                        street(rng, region),
                        e.region,
                    )
                });
                d.employer = Some(e.employer);
            }
            "27" => {
                let region = &REGIONS[SCHOOL_REGION];
                d.employer = Some(Employer {
                    name: self.spec.school_name.clone(),
                    credit_code: credit_code(rng, "12", region.code),
                    nature: "21".into(),
                    industry: "82".into(),
                    region: region.code.into(),
                    address: street(rng, region),
                });
                d.job_category = Some("11".into());
                d.signing_date = signing(rng);
            }
            "50" => {
                d.sub_code = rng
                    .weighted(&[
                        (40, Some("502")),
                        (40, Some("503")),
                        (10, Some("501")),
                        (10, None),
                    ])
                    .map(String::from);
            }
            "80" => {
                let &(school, si) = rng.pick(STUDY_SCHOOLS);
                d.sub_code = Some(if level_digit == 1 && rng.chance(100) {
                    "802".into()
                } else {
                    "801".into()
                });
                d.further_study = Some(Study {
                    school: school.into(),
                    major: major.into(),
                });
                archive_to = Some((format!("{school}研究生院"), street(rng, &REGIONS[si]), si));
                hukou_reason = HukouReason::FurtherStudy;
            }
            "85" => {
                let &(country, schools) = rng.pick(ABROAD);
                d.abroad = Some(Abroad {
                    country_region: country.into(),
                    school: (*rng.pick(schools)).into(),
                    major: major.into(),
                });
            }
            _ => {}
        }
        let (unit, address, ri) = archive_to.unwrap_or_else(|| {
            let region = &REGIONS[origin];
            (
                format!("{}人才服务中心", region.city),
                street(rng, region),
                origin,
            )
        });
        let region = &REGIONS[ri];
        let archive = rng.chance(920).then(|| ArchiveTransfer {
            receiving_unit: unit,
            address,
            postal_code: region.postal.into(),
            contact: format!("{}老师", rng.pick(SURNAMES)),
            phone: landline(rng, region),
            method: *rng.weighted(&[
                (80, ArchiveMethod::ConfidentialMail),
                (15, ArchiveMethod::Ems),
                (5, ArchiveMethod::CollectedByUnit),
            ]),
            transfer_number: None,
            tracking_number: None,
        });
        let placed_somewhere = !matches!(code, "70" | "71" | "72" | "85" | "46" | "76" | "75");
        let hukou = if rng.chance(850) {
            Some(if placed_somewhere && rng.chance(550) {
                HukouMigration {
                    migrate: true,
                    reason: Some(hukou_reason),
                    address: format!("{}集体户", street(rng, region)),
                    police_station: format!(
                        "{}公安局{}分局{}派出所",
                        region.city,
                        region
                            .district
                            .trim_end_matches(['区', '市'])
                            .trim_end_matches("新"),
                        rng.pick(ROADS).trim_end_matches('路'),
                    ),
                    region: region.code.into(),
                }
            } else {
                HukouMigration::default()
            })
        } else {
            None
        };
        DestinationData {
            destination: d,
            archive,
            hukou,
        }
    }
}

fn ethnicity(rng: &mut SplitMix64, region: &str) -> &'static str {
    let local: &[(u64, &'static str)] = match &region[..2] {
        "65" => &[(600, "05"), (100, "03"), (300, "01")],
        "45" => &[(300, "08"), (700, "01")],
        "52" => &[(150, "06"), (100, "09"), (750, "01")],
        "53" => &[(150, "07"), (100, "14"), (750, "01")],
        "64" => &[(350, "03"), (650, "01")],
        "15" => &[(200, "02"), (800, "01")],
        _ => &[(960, "01"), (15, "03"), (15, "11"), (10, "15")],
    };
    let code: &&str = rng.weighted(local);
    code
}

fn person_name(rng: &mut SplitMix64, male: bool, uyghur: bool) -> String {
    if uyghur {
        let given = rng.pick(if male { UYGHUR_GIVEN_M } else { UYGHUR_GIVEN_F });
        return format!("{given}·{}", rng.pick(UYGHUR_FATHER));
    }
    let chars = if male { MALE_CHARS } else { FEMALE_CHARS };
    let mut name = String::from(*rng.pick(SURNAMES));
    let two = rng.chance(700);
    let rare_at = if rng.chance(30) {
        Some(rng.below(if two { 2 } else { 1 }))
    } else {
        None
    };
    for i in 0..if two { 2 } else { 1 } {
        if rare_at == Some(i) {
            let c = rng.word(RARE_CHARS);
            name.push_str(c);
        } else {
            let c = rng.word(chars);
            name.push_str(c);
        }
    }
    name
}

/// Writes the basic information of `graduates` as a UTF-8 CSV roster (no byte-order mark, CRLF
/// line ends) with all twenty columns, headed in `headers` style. [`crate::roster::parse_roster`]
/// reads it back to exactly the same records.
pub fn roster_csv(graduates: &[Graduate], headers: HeaderStyle) -> String {
    let aliases = HeaderAliases::builtin();
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(graduates.len() * 256 + 512));
    // Writing to a Vec cannot fail.
    let _ = w.write_record(
        FIELDS
            .iter()
            .map(|f| aliases.header(f, headers).unwrap_or(f)),
    );
    for g in graduates {
        let _ = w.write_record((0..FIELDS.len()).map(|i| field_ref(&g.basic, i)));
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_is_stable() {
        // First outputs of SplitMix64 seeded with 0 (the reference sequence).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let mut r = SplitMix64::new(7);
        assert!((0..1000).all(|_| r.below(10) < 10));
        assert_eq!(r.below(0), 0);
    }

    #[test]
    fn regions_are_known_provinces() {
        let t = crate::tables::CodeTables::builtin();
        for r in REGIONS {
            assert!(t.region_known(r.code), "{}", r.code);
            assert_eq!(r.postal.len(), 6);
        }
        assert_eq!(REGIONS[JIANGSU_END - 1].province, "江苏省");
        assert_ne!(REGIONS[JIANGSU_END].province, "江苏省");
        assert_eq!(REGIONS[SCHOOL_REGION].district, "栖霞区");
    }
}
