//! The compact binary disclosure of format-2 tokens.
//!
//! A format-1 token embeds the disclosure as canonical JSON (about 700 bytes for a typical
//! graduate); format 2 embeds this layout instead, about half the size, so that an Ed25519 token
//! carrying its disclosure fits a QR code a phone reads at arm's length. Names that the frozen
//! tables below know (gender, education level, destination) are written as one byte; everything
//! else is length-prefixed UTF-8. The layout is specified in `docs/token-format.md` §4.2:
//!
//! ```text
//! disclosure = section:u8 present:u8 identity destination [archive] [hukou]
//! identity   = name:str gender:named(G) id_masked:str school:str college:str major:str
//!              level:named(E) graduation_date:str
//! destination= code:str name:named(D) [employer:str] [credit_code:str] [region:str]
//!              [school:str] [country_region:str]            (each when its `present` bit is set)
//! archive    = unit:str address:str postal:str contact:str phone:str method:u8 opt:u8
//!              [transfer_number:str] [tracking_number:str]
//! hukou      = bits:u8 [reason:u8] address:str police_station:str region:str
//! str        = len bytes      len: one byte < 0x80, or two bytes 0x80|hi, lo for 128…32767
//! named(T)   = 0x00 str       a name the table does not hold
//!            | k:u8           k ≥ 1: the k-th name of table T
//! ```
//!
//! Decoding is strict: every byte string decodes to at most one disclosure and re-encodes to
//! itself (shortest lengths, table entries used whenever the name is in the table, reserved bits
//! zero, no trailing bytes).

use crate::disclosure::{DestinationSummary, Disclosure, Identity};
use crate::error::{Error, Result};
use crate::lifecycle::Section;
use crate::records::{ArchiveMethod, ArchiveTransfer, HukouMigration, HukouReason};

/// The gender names of format 2, entry k at index k − 1 (GB/T 2261.1 codes 1 and 2).
pub const GENDERS: [&str; 2] = ["男", "女"];

/// The education-level names of format 2, entry k at index k − 1 (codes 01, 02, 11, 12, 31, 32,
/// 41, 42 of the national registration system).
pub const EDUCATION_LEVELS: [&str; 8] = [
    "博士生毕业",
    "博士生结业",
    "硕士生毕业",
    "硕士生结业",
    "本科生毕业",
    "本科生结业",
    "专科生毕业",
    "专科生结业",
];

/// The destination names of format 2, entry k at index k − 1 (毕业去向代码 10 … 85 in code
/// order).
pub const DESTINATIONS: [&str; 22] = [
    "签就业协议形式就业",
    "签劳动合同形式就业",
    "其他录用形式就业",
    "科研助理、管理助理",
    "应征义务兵",
    "国家基层项目",
    "特岗教师",
    "三支一扶",
    "西部计划",
    "地方基层项目",
    "地方特岗教师",
    "选调生",
    "待就业",
    "不就业拟升学",
    "其他暂不就业",
    "自主创业",
    "自由职业",
    "境内升学",
    "研究生",
    "第二学士学位",
    "专升本",
    "境外留学",
];

/// The longest string a compact disclosure holds, in UTF-8 bytes.
pub const MAX_STR: usize = 0x7fff;

const P_EMPLOYER: u8 = 1;
const P_CREDIT: u8 = 1 << 1;
const P_REGION: u8 = 1 << 2;
const P_SCHOOL: u8 = 1 << 3;
const P_COUNTRY: u8 = 1 << 4;
const P_ARCHIVE: u8 = 1 << 5;
const P_HUKOU: u8 = 1 << 6;

fn put_str(out: &mut Vec<u8>, field: &str, s: &str) -> Result<()> {
    let n = s.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n <= MAX_STR {
        out.push(0x80 | (n >> 8) as u8);
        out.push((n & 0xff) as u8);
    } else {
        return Err(Error::TokenIssue(format!(
            "{field} has {n} bytes; a compact disclosure holds at most {MAX_STR}"
        )));
    }
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

fn put_named(out: &mut Vec<u8>, field: &str, table: &[&str], s: &str) -> Result<()> {
    match table.iter().position(|&n| n == s) {
        Some(i) => {
            out.push(i as u8 + 1);
            Ok(())
        }
        None => {
            out.push(0);
            put_str(out, field, s)
        }
    }
}

/// The compact bytes of `d` (format 2). Fails only when a text is longer than [`MAX_STR`] bytes.
pub fn encode(d: &Disclosure) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(384);
    let dest = &d.destination;
    let mut present = 0u8;
    for (bit, on) in [
        (P_EMPLOYER, dest.employer.is_some()),
        (P_CREDIT, dest.employer_credit_code.is_some()),
        (P_REGION, dest.employer_region.is_some()),
        (P_SCHOOL, dest.school.is_some()),
        (P_COUNTRY, dest.country_region.is_some()),
        (P_ARCHIVE, d.archive.is_some()),
        (P_HUKOU, d.hukou.is_some()),
    ] {
        if on {
            present |= bit;
        }
    }
    out.push(match d.section {
        Section::Archive => 1,
        Section::Hukou => 2,
    });
    out.push(present);
    let id = &d.identity;
    put_str(&mut out, "identity.name", &id.name)?;
    put_named(&mut out, "identity.gender", &GENDERS, &id.gender)?;
    put_str(&mut out, "identity.id_number_masked", &id.id_number_masked)?;
    put_str(&mut out, "identity.school_name", &id.school_name)?;
    put_str(&mut out, "identity.college", &id.college)?;
    put_str(&mut out, "identity.major_name", &id.major_name)?;
    put_named(
        &mut out,
        "identity.education_level",
        &EDUCATION_LEVELS,
        &id.education_level,
    )?;
    put_str(&mut out, "identity.graduation_date", &id.graduation_date)?;
    put_str(&mut out, "destination.code", &dest.code)?;
    put_named(&mut out, "destination.name", &DESTINATIONS, &dest.name)?;
    for (field, v) in [
        ("destination.employer", &dest.employer),
        (
            "destination.employer_credit_code",
            &dest.employer_credit_code,
        ),
        ("destination.employer_region", &dest.employer_region),
        ("destination.school", &dest.school),
        ("destination.country_region", &dest.country_region),
    ] {
        if let Some(v) = v {
            put_str(&mut out, field, v)?;
        }
    }
    if let Some(a) = &d.archive {
        put_str(&mut out, "archive.receiving_unit", &a.receiving_unit)?;
        put_str(&mut out, "archive.address", &a.address)?;
        put_str(&mut out, "archive.postal_code", &a.postal_code)?;
        put_str(&mut out, "archive.contact", &a.contact)?;
        put_str(&mut out, "archive.phone", &a.phone)?;
        out.push(match a.method {
            ArchiveMethod::ConfidentialMail => 1,
            ArchiveMethod::Ems => 2,
            ArchiveMethod::CollectedByUnit => 3,
        });
        out.push(
            u8::from(a.transfer_number.is_some()) | (u8::from(a.tracking_number.is_some()) << 1),
        );
        if let Some(t) = &a.transfer_number {
            put_str(&mut out, "archive.transfer_number", t)?;
        }
        if let Some(t) = &a.tracking_number {
            put_str(&mut out, "archive.tracking_number", t)?;
        }
    }
    if let Some(h) = &d.hukou {
        out.push(u8::from(h.migrate) | (u8::from(h.reason.is_some()) << 1));
        if let Some(r) = h.reason {
            out.push(match r {
                HukouReason::Graduation => 1,
                HukouReason::FurtherStudy => 2,
            });
        }
        put_str(&mut out, "hukou.address", &h.address)?;
        put_str(&mut out, "hukou.police_station", &h.police_station)?;
        put_str(&mut out, "hukou.region", &h.region)?;
    }
    Ok(out)
}

/// Why compact bytes were refused (for logs).
pub type DecodeError = &'static str;

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn u8(&mut self) -> std::result::Result<u8, DecodeError> {
        let v = *self.b.get(self.at).ok_or("truncated")?;
        self.at += 1;
        Ok(v)
    }

    fn str(&mut self) -> std::result::Result<String, DecodeError> {
        let first = self.u8()?;
        let n = if first < 0x80 {
            usize::from(first)
        } else {
            let n = (usize::from(first & 0x7f) << 8) | usize::from(self.u8()?);
            if n < 0x80 {
                return Err("length not in its shortest form");
            }
            n
        };
        let end = self.at.checked_add(n).ok_or("truncated")?;
        let bytes = self.b.get(self.at..end).ok_or("truncated")?;
        self.at = end;
        std::str::from_utf8(bytes)
            .map(str::to_string)
            .map_err(|_| "text is not UTF-8")
    }

    fn named(&mut self, table: &[&str]) -> std::result::Result<String, DecodeError> {
        match self.u8()? {
            0 => {
                let s = self.str()?;
                if table.contains(&s.as_str()) {
                    return Err("a table name written out");
                }
                Ok(s)
            }
            k => table
                .get(usize::from(k) - 1)
                .map(|s| s.to_string())
                .ok_or("table entry out of range"),
        }
    }

    fn opt(&mut self, on: bool) -> std::result::Result<Option<String>, DecodeError> {
        if on {
            self.str().map(Some)
        } else {
            Ok(None)
        }
    }
}

/// Decodes compact bytes strictly (see the module documentation).
pub fn decode(bytes: &[u8]) -> std::result::Result<Disclosure, DecodeError> {
    let mut r = Reader { b: bytes, at: 0 };
    let section = match r.u8()? {
        1 => Section::Archive,
        2 => Section::Hukou,
        _ => return Err("unknown section"),
    };
    let present = r.u8()?;
    if present & 0x80 != 0 {
        return Err("reserved bit set");
    }
    match section {
        Section::Archive if present & P_HUKOU != 0 => return Err("hukou block on an archive form"),
        Section::Hukou if present & P_ARCHIVE != 0 => return Err("archive block on a hukou form"),
        _ => {}
    }
    let identity = Identity {
        name: r.str()?,
        gender: r.named(&GENDERS)?,
        id_number_masked: r.str()?,
        school_name: r.str()?,
        college: r.str()?,
        major_name: r.str()?,
        education_level: r.named(&EDUCATION_LEVELS)?,
        graduation_date: r.str()?,
    };
    let code = r.str()?;
    let name = r.named(&DESTINATIONS)?;
    let destination = DestinationSummary {
        code,
        name,
        employer: r.opt(present & P_EMPLOYER != 0)?,
        employer_credit_code: r.opt(present & P_CREDIT != 0)?,
        employer_region: r.opt(present & P_REGION != 0)?,
        school: r.opt(present & P_SCHOOL != 0)?,
        country_region: r.opt(present & P_COUNTRY != 0)?,
    };
    let archive = if present & P_ARCHIVE != 0 {
        let receiving_unit = r.str()?;
        let address = r.str()?;
        let postal_code = r.str()?;
        let contact = r.str()?;
        let phone = r.str()?;
        let method = match r.u8()? {
            1 => ArchiveMethod::ConfidentialMail,
            2 => ArchiveMethod::Ems,
            3 => ArchiveMethod::CollectedByUnit,
            _ => return Err("unknown archive method"),
        };
        let opt = r.u8()?;
        if opt & !3 != 0 {
            return Err("reserved bit set");
        }
        Some(ArchiveTransfer {
            receiving_unit,
            address,
            postal_code,
            contact,
            phone,
            method,
            transfer_number: r.opt(opt & 1 != 0)?,
            tracking_number: r.opt(opt & 2 != 0)?,
        })
    } else {
        None
    };
    let hukou = if present & P_HUKOU != 0 {
        let bits = r.u8()?;
        if bits & !3 != 0 {
            return Err("reserved bit set");
        }
        let reason = if bits & 2 != 0 {
            Some(match r.u8()? {
                1 => HukouReason::Graduation,
                2 => HukouReason::FurtherStudy,
                _ => return Err("unknown hukou reason"),
            })
        } else {
            None
        };
        Some(HukouMigration {
            migrate: bits & 1 != 0,
            reason,
            address: r.str()?,
            police_station: r.str()?,
            region: r.str()?,
        })
    } else {
        None
    };
    if r.at != bytes.len() {
        return Err("trailing bytes");
    }
    Ok(Disclosure {
        section,
        identity,
        destination,
        archive,
        hukou,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::{CodeTables, Table};

    #[test]
    fn frozen_tables_match_the_builtin_tables() {
        let t = CodeTables::builtin();
        for (code, name) in [("1", GENDERS[0]), ("2", GENDERS[1])] {
            assert_eq!(t.name(Table::Genders, code), Some(name));
        }
        let levels = ["01", "02", "11", "12", "31", "32", "41", "42"];
        for (code, name) in levels.iter().zip(EDUCATION_LEVELS) {
            assert_eq!(t.name(Table::EducationLevels, code), Some(name));
        }
        let dest = [
            "10", "11", "12", "27", "46", "50", "501", "502", "503", "51", "511", "512", "70",
            "71", "72", "75", "76", "80", "801", "802", "803", "85",
        ];
        for (code, name) in dest.iter().zip(DESTINATIONS) {
            assert_eq!(t.name(Table::Destinations, code), Some(name), "{code}");
        }
    }

    #[test]
    fn lengths_use_their_shortest_form() {
        let mut out = Vec::new();
        put_str(&mut out, "f", &"a".repeat(127)).unwrap();
        assert_eq!(out[0], 127);
        out.clear();
        put_str(&mut out, "f", &"a".repeat(128)).unwrap();
        assert_eq!(&out[..2], &[0x80, 128]);
        assert!(put_str(&mut out, "f", &"a".repeat(MAX_STR + 1)).is_err());
        let mut r = Reader {
            b: &[0x80, 5, b'a', b'b', b'c', b'd', b'e'],
            at: 0,
        };
        assert_eq!(r.str(), Err("length not in its shortest form"));
    }
}
