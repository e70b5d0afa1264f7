//! Values as rosters write them: full-width digits and letters, genders and other coded fields
//! written by name, codes with or without their leading zeros, dates in the usual forms and as
//! spreadsheet serial numbers. Each is rewritten into the canonical form with a notice naming the
//! rewrite; a value with more than one reading is left as written and reported as ambiguous.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};

use super::headers::half_width;
use crate::tables::{CodeTables, Table};
use crate::validate::{parse_date, NoticeCode};

/// Field indices (in [`super::FIELDS`] order) of the coded fields and their tables.
const CODED: [(usize, Table); 9] = [
    (1, Table::Genders),
    (10, Table::EducationLevels),
    (11, Table::TrainingModes),
    (16, Table::Ethnicities),
    (17, Table::PoliticalStatuses),
    (20, Table::IdTypes),
    (21, Table::HardshipCategories),
    (22, Table::TeacherTraining),
    (23, Table::UrbanRural),
];

/// The number of coded fields.
const NC: usize = CODED.len();

/// Fields whose full-width digits and letters become ASCII: every field but the free texts
/// (name, school, college, major name, sponsor unit, class), where full-width punctuation is
/// normal writing.
const ASCII_FIELDS: [usize; 20] = [
    1, 2, 3, 4, 5, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
];

/// Date fields.
const DATES: [usize; 2] = [13, 14];

/// What became of one value.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Outcome<'a> {
    /// Already canonical (or beyond repair: validation will say why).
    Kept,
    /// Rewritten: the new value and the notice that names the rewrite.
    Rewritten(String, NoticeCode),
    /// More than one reading: left as written; the message says which readings.
    Ambiguous(&'a str, String, String),
}

/// FNV-1a: a fast hash for the small fixed indexes built from the code tables (a few hundred
/// keys chosen by the deployment, so there is no table for an input to flood).
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// A map keyed by short strings, hashed with [`Fnv`].
type FastMap<V> = HashMap<String, V, BuildHasherDefault<Fnv>>;

/// How a written value maps to a code: one code, or more than one.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    One(String),
    Several,
}

/// The lookup indexes of one roster parse, built from the code tables in use.
pub(super) struct Normalizer {
    /// Per coded field (index into [`CODED`]): the codes of its table.
    codes: [HashSet<String, BuildHasherDefault<Fnv>>; NC],
    /// Per coded field: written name → code.
    names: [FastMap<Target>; NC],
    /// Per coded field: code without leading zeros → code.
    stripped: [FastMap<Target>; NC],
}

/// The built-in value synonyms (`core/data/roster_values.tsv`): table, written form, code.
fn value_synonyms() -> &'static [(Table, String, String)] {
    static SYN: OnceLock<Vec<(Table, String, String)>> = OnceLock::new();
    SYN.get_or_init(|| {
        include_str!("../../data/roster_values.tsv")
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let mut c = l.split('\t');
                let table = c.next()?;
                let table = Table::ALL.into_iter().find(|t| t.as_str() == table)?;
                Some((
                    table,
                    fold_value(c.next()?).into_owned(),
                    c.next()?.trim().to_string(),
                ))
            })
            .collect()
    })
}

/// Folds a written value for name lookup: full-width forms to ASCII, trimmed, ASCII lower-case.
/// Borrowed when nothing changes (the usual 汉族, 男).
fn fold_value(s: &str) -> Cow<'_, str> {
    let plain = s.trim().len() == s.len()
        && !s.bytes().any(|b| b.is_ascii_uppercase())
        && !s.chars().any(|c| half_width(c) != c);
    if plain {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(half_width)
            .collect::<String>()
            .trim()
            .to_ascii_lowercase(),
    )
}

/// Adds `key → code` to an index, turning a key that names two codes into [`Target::Several`].
fn add(map: &mut FastMap<Target>, key: String, code: &str) {
    match map.get(&key) {
        Some(Target::One(c)) if c == code => {}
        Some(_) => {
            map.insert(key, Target::Several);
        }
        None => {
            map.insert(key, Target::One(code.to_string()));
        }
    }
}

/// A code without its leading zeros (`"0"` for all zeros).
fn strip_zeros(s: &str) -> &str {
    let t = s.trim_start_matches('0');
    if t.is_empty() && !s.is_empty() {
        "0"
    } else {
        t
    }
}

impl Normalizer {
    /// Indexes the coded tables of `tables` and the built-in synonyms.
    pub(super) fn new(tables: &CodeTables) -> Self {
        let mut codes: [HashSet<String, BuildHasherDefault<Fnv>>; NC] = Default::default();
        let mut names: [FastMap<Target>; NC] = Default::default();
        let mut stripped: [FastMap<Target>; NC] = Default::default();
        for (i, (_, table)) in CODED.iter().enumerate() {
            for e in tables.entries(*table) {
                codes[i].insert(e.code.clone());
                add(&mut names[i], fold_value(&e.name).into_owned(), &e.code);
                if *table == Table::Ethnicities {
                    if let Some(short) = e.name.strip_suffix('族').filter(|s| !s.is_empty()) {
                        add(&mut names[i], fold_value(short).into_owned(), &e.code);
                    }
                }
                if e.code.bytes().all(|b| b.is_ascii_digit()) {
                    add(&mut stripped[i], strip_zeros(&e.code).to_string(), &e.code);
                }
            }
            for (t, written, code) in value_synonyms() {
                // A synonym for a code the deployment's table lacks is not offered.
                if t == table && tables.contains(*table, code) && !names[i].contains_key(written) {
                    add(&mut names[i], written.clone(), code);
                }
            }
        }
        Normalizer {
            codes,
            names,
            stripped,
        }
    }

    /// Normalises the cleaned value `v` of field `f`.
    pub(super) fn value<'a>(&self, f: usize, v: &'a str) -> Outcome<'a> {
        if v.is_empty() {
            return Outcome::Kept;
        }
        let mut code = None;
        let mut current: Cow<'_, str> = Cow::Borrowed(v);
        if !v.is_ascii() && ASCII_FIELDS.contains(&f) {
            let hw: String = v.chars().map(half_width).collect();
            let hw = hw.trim().to_string();
            if hw != v {
                current = Cow::Owned(hw);
                code = Some(NoticeCode::FullWidth);
            }
        }
        if let Some(i) = CODED.iter().position(|(cf, _)| *cf == f) {
            match self.code(i, CODED[i].1, &current) {
                Ok(Some((c, why))) => {
                    current = Cow::Owned(c);
                    code = Some(why);
                }
                Ok(None) => {}
                Err((zh, en)) => return Outcome::Ambiguous(v, zh, en),
            }
        } else if DATES.contains(&f) {
            match date(&current) {
                DateRead::Canonical | DateRead::Unreadable => {}
                DateRead::Read(d, why) => {
                    current = Cow::Owned(iso(d));
                    code = Some(why);
                }
                DateRead::Ambiguous(a, b) => {
                    return Outcome::Ambiguous(
                        v,
                        format!(
                            "日期“{v}”可读作 {} 或 {}：请写成 YYYY-MM-DD",
                            a.format("%Y-%m-%d"),
                            b.format("%Y-%m-%d")
                        ),
                        format!(
                            "date {v:?} reads as {} or {}: write it as YYYY-MM-DD",
                            a.format("%Y-%m-%d"),
                            b.format("%Y-%m-%d")
                        ),
                    )
                }
            }
        }
        match code {
            Some(c) if current != v => Outcome::Rewritten(current.into_owned(), c),
            _ => Outcome::Kept,
        }
    }

    /// The code a coded value stands for, when it is not a code of the table already: a name
    /// (or synonym), or a code with or without leading zeros. `Err` with messages when the
    /// value names several codes.
    fn code(
        &self,
        i: usize,
        table: Table,
        v: &str,
    ) -> Result<Option<(String, NoticeCode)>, (String, String)> {
        if self.codes[i].contains(v) {
            return Ok(None);
        }
        let several = |what: &str| {
            (
                format!("“{v}”可对应{what}中的多个代码：请填写代码"),
                format!(
                    "{v:?} matches several codes of the {} table: write the code",
                    table.as_str()
                ),
            )
        };
        if v.bytes().all(|b| b.is_ascii_digit()) {
            return match self.stripped[i].get(strip_zeros(v)) {
                Some(Target::One(c)) => Ok(Some((c.clone(), NoticeCode::CodePadding))),
                Some(Target::Several) => Err(several("代码表")),
                None => Ok(None),
            };
        }
        let why = if table == Table::Genders {
            NoticeCode::GenderWord
        } else {
            NoticeCode::CodeFromName
        };
        match self.names[i].get(fold_value(v).as_ref()) {
            Some(Target::One(c)) => Ok(Some((c.clone(), why))),
            Some(Target::Several) => Err(several("代码表")),
            None => Ok(None),
        }
    }

    /// The code a name column's value stands for (a name, a synonym, or a code in any padding),
    /// or `None` when it names no code of the field's table.
    pub(super) fn resolve(&self, f: usize, v: &str) -> Option<String> {
        let i = CODED.iter().position(|(cf, _)| *cf == f)?;
        let hw = fold_value(v);
        if self.codes[i].contains(hw.as_ref()) {
            return Some(hw.into_owned());
        }
        match self.code(i, CODED[i].1, &hw) {
            Ok(Some((c, _))) => Some(c),
            _ => None,
        }
    }

    /// Whether field `f` is coded.
    pub(super) fn is_coded(f: usize) -> bool {
        CODED.iter().any(|(cf, _)| *cf == f)
    }
}

/// How a date cell reads.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum DateRead {
    /// `YYYY-MM-DD` already.
    Canonical,
    /// Another form: the date and the notice for it.
    Read(NaiveDate, NoticeCode),
    /// Day and month could be either way round.
    Ambiguous(NaiveDate, NaiveDate),
    /// Not a date in any form known (validation reports it).
    Unreadable,
}

/// Spreadsheet serial numbers accepted as dates: 1950-01-01 to 2099-12-31.
const SERIALS: std::ops::RangeInclusive<u32> = 18_264..=73_050;

/// Reads a date written in one of the usual forms.
pub(super) fn date(v: &str) -> DateRead {
    if parse_date(v).is_some() {
        return DateRead::Canonical;
    }
    // A time of midnight after the date, as spreadsheets export date cells.
    let v = match v.split_once([' ', 'T']) {
        Some((d, t)) if is_midnight(t) => d,
        _ => v,
    };
    if let Some(d) = parse_date(v) {
        return DateRead::Read(d, NoticeCode::DateForm);
    }
    let b = v.as_bytes();
    if b.iter().all(u8::is_ascii_digit) {
        let n: u32 = match v.parse() {
            Ok(n) => n,
            Err(_) => return DateRead::Unreadable,
        };
        return match b.len() {
            8 => ymd(n / 10_000, (n / 100) % 100, n % 100),
            6 => ymd(n / 100, n % 100, 1),
            5 if SERIALS.contains(&n) => {
                // Day 1 is 1900-01-01 and the spreadsheet counts a 29 February 1900 that did not
                // exist, so from day 61 on the epoch is 1899-12-30.
                match NaiveDate::from_ymd_opt(1899, 12, 30)
                    .and_then(|e| e.checked_add_days(chrono::Days::new(u64::from(n))))
                {
                    Some(d) => DateRead::Read(d, NoticeCode::DateSerial),
                    None => DateRead::Unreadable,
                }
            }
            _ => DateRead::Unreadable,
        };
    }
    // Numbers separated by - / . or 年 月 日.
    let mut parts: Vec<u32> = Vec::with_capacity(3);
    let mut widths: Vec<usize> = Vec::with_capacity(3);
    let mut seps = String::new();
    let mut cur = String::new();
    for c in v.chars() {
        if c.is_ascii_digit() {
            cur.push(c);
        } else if matches!(c, '-' | '/' | '.' | '年' | '月' | '日') {
            if cur.is_empty() || cur.len() > 4 {
                return DateRead::Unreadable;
            }
            widths.push(cur.len());
            parts.push(cur.parse().unwrap_or(0));
            cur.clear();
            seps.push(c);
        } else {
            return DateRead::Unreadable;
        }
    }
    if !cur.is_empty() {
        if cur.len() > 4 {
            return DateRead::Unreadable;
        }
        widths.push(cur.len());
        parts.push(cur.parse().unwrap_or(0));
    }
    let cn = seps.contains(['年', '月', '日']);
    if cn {
        // 年 月 日 in that order, the last two optional (2024年7月1日, 2024年7月).
        if !matches!(seps.as_str(), "年月日" | "年月") {
            return DateRead::Unreadable;
        }
    } else {
        // One separator throughout (2024-7-1, 2024/07/01, 2024.7).
        let mut chars = seps.chars();
        let first = chars.next();
        if first.is_none() || chars.any(|c| Some(c) != first) {
            return DateRead::Unreadable;
        }
    }
    match (parts.as_slice(), widths.as_slice()) {
        ([y, m, d], [4, _, _]) => ymd(*y, *m, *d),
        ([y, m], [4, _]) => ymd(*y, *m, 1),
        ([a, b, y], [_, _, 4]) if !cn => {
            let dm = NaiveDate::from_ymd_opt(*y as i32, *b, *a);
            let md = NaiveDate::from_ymd_opt(*y as i32, *a, *b);
            match (dm, md) {
                (Some(x), Some(z)) if x != z => DateRead::Ambiguous(z, x),
                (Some(x), _) | (None, Some(x)) => DateRead::Read(x, NoticeCode::DateForm),
                (None, None) => DateRead::Unreadable,
            }
        }
        _ => DateRead::Unreadable,
    }
}

/// A date as `YYYY-MM-DD` (years 1900 to 2100 only reach here).
fn iso(d: NaiveDate) -> String {
    let (y, m, day) = (d.year().clamp(0, 9999) as u32, d.month(), d.day());
    let digits = [
        y / 1000,
        y / 100 % 10,
        y / 10 % 10,
        y % 10,
        10,
        m / 10,
        m % 10,
        10,
        day / 10,
        day % 10,
    ];
    digits
        .iter()
        .map(|&n| {
            if n == 10 {
                '-'
            } else {
                char::from(b'0' + n as u8)
            }
        })
        .collect()
}

/// `y-m-d` as a read date, when it exists and the year is plausible.
fn ymd(y: u32, m: u32, d: u32) -> DateRead {
    match NaiveDate::from_ymd_opt(y as i32, m, d) {
        Some(date) if (1900..=2100).contains(&date.year()) => {
            DateRead::Read(date, NoticeCode::DateForm)
        }
        _ => DateRead::Unreadable,
    }
}

/// Whether a time part is midnight (`0:00`, `00:00:00`, `00:00:00.000`).
fn is_midnight(t: &str) -> bool {
    !t.is_empty()
        && t.split([':', '.'])
            .all(|p| !p.is_empty() && p.bytes().all(|b| b == b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(f: usize, v: &str) -> Outcome<'_> {
        let t = CodeTables::builtin();
        Normalizer::new(t).value(f, v)
    }

    fn rewritten(f: usize, v: &str) -> Option<(String, NoticeCode)> {
        match norm(f, v) {
            Outcome::Rewritten(s, c) => Some((s, c)),
            _ => None,
        }
    }

    #[test]
    fn genders_written_as_words() {
        for (v, code) in [
            ("男", "1"),
            ("女", "2"),
            ("男性", "1"),
            ("女性", "2"),
            ("F", "2"),
        ] {
            assert_eq!(
                rewritten(1, v),
                Some((code.to_string(), NoticeCode::GenderWord)),
                "{v}"
            );
        }
        assert_eq!(
            rewritten(1, "01"),
            Some(("1".into(), NoticeCode::CodePadding))
        );
        assert_eq!(
            rewritten(1, "２"),
            Some(("2".into(), NoticeCode::FullWidth))
        );
        assert_eq!(norm(1, "1"), Outcome::Kept);
        assert_eq!(norm(1, "未知"), Outcome::Kept);
    }

    #[test]
    fn codes_from_names_and_padding() {
        assert_eq!(
            rewritten(16, "汉族"),
            Some(("01".into(), NoticeCode::CodeFromName))
        );
        assert_eq!(
            rewritten(16, "蒙古"),
            Some(("02".into(), NoticeCode::CodeFromName))
        );
        assert_eq!(
            rewritten(16, "1"),
            Some(("01".into(), NoticeCode::CodePadding))
        );
        assert_eq!(
            rewritten(17, "中共党员"),
            Some(("01".into(), NoticeCode::CodeFromName))
        );
        assert_eq!(
            rewritten(17, "团员"),
            Some(("03".into(), NoticeCode::CodeFromName))
        );
        assert_eq!(
            rewritten(10, "本科"),
            Some(("31".into(), NoticeCode::CodeFromName))
        );
        assert_eq!(
            rewritten(11, "定向"),
            Some(("2".into(), NoticeCode::CodeFromName))
        );
        assert_eq!(norm(16, "火星族"), Outcome::Kept, "left for validation");
        assert_eq!(norm(16, "99"), Outcome::Kept);
    }

    #[test]
    fn a_name_of_two_codes_is_ambiguous() {
        let mut t = CodeTables::builtin().clone();
        t.load_tsv(Table::Ethnicities, "98\t汉族\n", false).unwrap();
        let n = Normalizer::new(&t);
        assert!(matches!(n.value(16, "汉族"), Outcome::Ambiguous(..)));
        assert!(matches!(n.value(16, "汉"), Outcome::Ambiguous(..)));
    }

    #[test]
    fn dates_in_the_usual_forms() {
        for v in [
            "20240701",
            "2024-7-1",
            "2024/07/01",
            "2024.07.01",
            "2024年7月1日",
            "2024-07-01 00:00:00",
            "2024/7/1 0:00",
        ] {
            assert_eq!(
                rewritten(14, v),
                Some(("2024-07-01".into(), NoticeCode::DateForm)),
                "{v}"
            );
        }
        for v in ["202407", "2024年7月", "2024-07", "2024.7"] {
            assert_eq!(
                rewritten(14, v),
                Some(("2024-07-01".into(), NoticeCode::DateForm)),
                "{v}"
            );
        }
        assert_eq!(
            rewritten(13, "45474"),
            Some(("2024-07-01".into(), NoticeCode::DateSerial))
        );
        assert_eq!(
            rewritten(13, "２０２４０７０１"),
            Some(("2024-07-01".into(), NoticeCode::DateForm))
        );
        assert!(matches!(norm(14, "3/4/2024"), Outcome::Ambiguous(..)));
        assert!(matches!(norm(14, "1/7/2024"), Outcome::Ambiguous(..)));
        assert_eq!(
            rewritten(14, "31/7/2024"),
            Some(("2024-07-31".into(), NoticeCode::DateForm)),
            "day first when the day cannot be a month"
        );
        assert_eq!(
            rewritten(14, "4/4/2024"),
            Some(("2024-04-04".into(), NoticeCode::DateForm)),
            "both readings the same day"
        );
        assert_eq!(norm(14, "2024-07-01"), Outcome::Kept);
        for bad in [
            "20240231",
            "2024/13/01",
            "7月1日",
            "2024-07-01 12:30",
            "99999",
            "1234",
        ] {
            assert_eq!(norm(14, bad), Outcome::Kept, "{bad} left for validation");
        }
    }

    #[test]
    fn full_width_only_where_ascii_belongs() {
        assert_eq!(
            rewritten(18, "１３８１２３４５６７８"),
            Some(("13812345678".into(), NoticeCode::FullWidth))
        );
        assert_eq!(norm(9, "计算机科学与技术（师范）"), Outcome::Kept);
        assert_eq!(norm(0, "ＡＢ"), Outcome::Kept);
    }
}
