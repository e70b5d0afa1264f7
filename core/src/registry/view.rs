//! The verification view: the part of a registration that online verification reads, stored
//! beside the registration as a small row of its own and bound to the audit record that wrote
//! the registration.
//!
//! Online verification compares a name, picks an authorization and builds a disclosure: it reads
//! the registration's id, versions, basic information, destination data and authorizations,
//! nothing else. The view holds exactly those, so a verification reads and decodes a fraction
//! of the registration and hashes only that fraction to check it against the audit chain (see
//! [`view_mac`]). A registration without authorizations has no view: no number it holds can
//! verify.
//!
//! # Encoding
//!
//! A view is a compact, hand-decoded sequence of fields (no field names), format [`FORMAT`]:
//! one format byte, then every field in a fixed order. A number (and a length, a count, a
//! flag or an enum's index) is written in 5-bit groups, lowest first, one byte per group:
//! `b'0' + group`, plus 32 when more groups follow, so every such byte is a printable ASCII
//! character between `0` and `o`. A string is its byte length followed by its UTF-8 bytes; an
//! optional string is 0 when absent, else its length plus one; an optional record is a flag
//! (0 or 1) followed by its fields; an instant is its Unix seconds (zigzag: `2s` for `s >= 0`,
//! `-2s - 1` below) and its nanoseconds. The whole view is therefore UTF-8 text without NUL
//! bytes, stored wherever text is stored (and sealed as text with data keys). Decoding refuses
//! a view that does not end exactly after its last field.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::codes::number::VerificationNumber;
use crate::error::{Error, Result};
use crate::lifecycle::{AuthState, Authorization, Registration, Sections};
use crate::records::{
    Abroad, ArchiveMethod, ArchiveTransfer, BasicInfo, Destination, DestinationData, Employer,
    HukouMigration, HukouReason, Study,
};

/// The format byte a view starts with. The first format (JSON) started with `{`; a view of
/// another format does not decode ([`Error::Corrupt`]), and a store rebuilds the views of a
/// file written in an older one when it opens it.
pub const FORMAT: u8 = b'2';

/// Appends the fields of a view.
struct Writer(Vec<u8>);

impl Writer {
    fn uint(&mut self, mut v: u64) {
        loop {
            let group = (v & 31) as u8;
            v >>= 5;
            if v == 0 {
                self.0.push(b'0' + group);
                return;
            }
            self.0.push(b'0' + 32 + group);
        }
    }

    fn flag(&mut self, b: bool) {
        self.uint(u64::from(b));
    }

    fn str(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.uint(0),
            Some(s) => {
                self.uint(s.len() as u64 + 1);
                self.0.extend_from_slice(s.as_bytes());
            }
        }
    }

    fn time(&mut self, t: DateTime<Utc>) {
        let s = t.timestamp();
        // Zigzag: small magnitudes of either sign stay short.
        self.uint(((s << 1) ^ (s >> 63)) as u64);
        self.uint(u64::from(t.timestamp_subsec_nanos()));
    }
}

/// Reads the fields of a view, in the order [`view_of`] writes them.
struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

fn corrupt(what: &str) -> Error {
    Error::Corrupt(format!("verification view: {what}").into())
}

impl<'a> Reader<'a> {
    fn uint(&mut self) -> Result<u64> {
        let bytes = self.text.as_bytes();
        let mut v = 0u64;
        let mut shift = 0u32;
        loop {
            let b = *bytes
                .get(self.pos)
                .ok_or_else(|| corrupt("it ends early"))?;
            self.pos += 1;
            let d = b.wrapping_sub(b'0');
            if d >= 64 {
                return Err(corrupt("a number is malformed"));
            }
            let group = u64::from(d & 31);
            if shift > 60 || (shift == 60 && group > 15) {
                return Err(corrupt("a number is too large"));
            }
            v |= group << shift;
            if d & 32 == 0 {
                // The shortest form only: no zero group after the first.
                if group == 0 && shift > 0 {
                    return Err(corrupt("a number is malformed"));
                }
                return Ok(v);
            }
            shift += 5;
        }
    }

    fn small(&mut self) -> Result<u8> {
        u8::try_from(self.uint()?).map_err(|_| corrupt("a value is out of range"))
    }

    fn flag(&mut self) -> Result<bool> {
        match self.uint()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(corrupt("a flag is neither 0 nor 1")),
        }
    }

    fn take(&mut self, len: u64) -> Result<&'a str> {
        let s = usize::try_from(len)
            .ok()
            .and_then(|len| self.pos.checked_add(len))
            .and_then(|end| self.text.get(self.pos..end))
            .ok_or_else(|| corrupt("a string is cut"))?;
        self.pos += s.len();
        Ok(s)
    }

    fn str(&mut self) -> Result<&'a str> {
        let len = self.uint()?;
        self.take(len)
    }

    fn string(&mut self) -> Result<String> {
        self.str().map(str::to_string)
    }

    fn opt_string(&mut self) -> Result<Option<String>> {
        match self.uint()? {
            0 => Ok(None),
            n => self.take(n - 1).map(|s| Some(s.to_string())),
        }
    }

    fn time(&mut self) -> Result<DateTime<Utc>> {
        let z = self.uint()?;
        let s = ((z >> 1) as i64) ^ -((z & 1) as i64);
        let nanos = u32::try_from(self.uint()?).map_err(|_| corrupt("an instant is malformed"))?;
        DateTime::from_timestamp(s, nanos).ok_or_else(|| corrupt("an instant is out of range"))
    }
}

fn state_index(s: AuthState) -> u64 {
    match s {
        AuthState::Active => 0,
        AuthState::Revoked => 1,
        AuthState::Superseded => 2,
    }
}

fn method_index(m: ArchiveMethod) -> u64 {
    match m {
        ArchiveMethod::ConfidentialMail => 0,
        ArchiveMethod::Ems => 1,
        ArchiveMethod::CollectedByUnit => 2,
    }
}

fn reason_index(r: Option<HukouReason>) -> u64 {
    match r {
        None => 0,
        Some(HukouReason::Graduation) => 1,
        Some(HukouReason::FurtherStudy) => 2,
    }
}

/// The verification view of `reg`, or `None` when it has no authorization: its id, version,
/// data version and authorizations, and the basic information and destination data a
/// disclosure shows (name, gender, ID number and its type, school, college, major, education
/// level, graduation date; destination code, employer name, credit code and region, school of
/// further study or abroad and country, archive transfer, hukou migration), encoded as the
/// module describes: about 600 bytes for a typical graduate, against about 1.9 KB for the
/// whole registration as JSON.
pub fn view_of(reg: &Registration) -> Option<Vec<u8>> {
    if reg.authorizations.is_empty() {
        return None;
    }
    let mut w = Writer(Vec::with_capacity(640));
    w.0.push(FORMAT);
    w.str(&reg.id);
    w.uint(reg.version);
    w.uint(u64::from(reg.data_version));
    w.flag(reg.basic.is_some());
    if let Some(b) = reg.basic.as_deref() {
        for s in [
            &b.name,
            &b.gender,
            &b.id_number,
            &b.id_type,
            &b.school_name,
            &b.college,
            &b.major_name,
            &b.education_level,
            &b.graduation_date,
        ] {
            w.str(s);
        }
    }
    w.flag(reg.destination.is_some());
    if let Some(d) = reg.destination.as_deref() {
        let dest = &d.destination;
        w.str(&dest.code);
        w.opt_str(dest.sub_code.as_deref());
        w.flag(dest.employer.is_some());
        if let Some(e) = &dest.employer {
            w.str(&e.name);
            w.str(&e.credit_code);
            w.str(&e.region);
        }
        w.flag(dest.further_study.is_some());
        if let Some(s) = &dest.further_study {
            w.str(&s.school);
        }
        w.flag(dest.abroad.is_some());
        if let Some(a) = &dest.abroad {
            w.str(&a.country_region);
            w.str(&a.school);
        }
        w.flag(d.archive.is_some());
        if let Some(a) = &d.archive {
            w.str(&a.receiving_unit);
            w.str(&a.address);
            w.str(&a.postal_code);
            w.str(&a.contact);
            w.str(&a.phone);
            w.uint(method_index(a.method));
            w.opt_str(a.transfer_number.as_deref());
            w.opt_str(a.tracking_number.as_deref());
        }
        w.flag(d.hukou.is_some());
        if let Some(h) = &d.hukou {
            w.flag(h.migrate);
            w.uint(reason_index(h.reason));
            w.str(&h.address);
            w.str(&h.police_station);
            w.str(&h.region);
        }
    }
    w.uint(reg.authorizations.len() as u64);
    for a in &reg.authorizations {
        w.str(a.number.as_compact());
        w.time(a.issued_at);
        w.time(a.valid_until);
        w.uint(u64::from(a.data_version));
        w.uint(u64::from(a.sections.archive) | u64::from(a.sections.hukou) << 1);
        w.uint(state_index(a.state));
        w.flag(a.ended_at.is_some());
        if let Some(t) = a.ended_at {
            w.time(t);
        }
    }
    Some(w.0)
}

/// The registration a view was made of, as far as the view holds it: every field it does not
/// hold at its default. [`Error::Corrupt`] when the bytes are not a view of format [`FORMAT`].
pub fn registration_of_view(bytes: &[u8]) -> Result<Registration> {
    let Some((&FORMAT, rest)) = bytes.split_first() else {
        return Err(corrupt("not of the current format"));
    };
    let text = std::str::from_utf8(rest).map_err(|_| corrupt("not UTF-8"))?;
    let mut r = Reader { text, pos: 0 };
    let mut reg = Registration::new(r.string()?);
    reg.version = r.uint()?;
    reg.data_version =
        u32::try_from(r.uint()?).map_err(|_| corrupt("the data version is out of range"))?;
    if r.flag()? {
        reg.basic = Some(Arc::new(BasicInfo {
            name: r.string()?,
            gender: r.string()?,
            id_number: r.string()?,
            id_type: r.string()?,
            school_name: r.string()?,
            college: r.string()?,
            major_name: r.string()?,
            education_level: r.string()?,
            graduation_date: r.string()?,
            ..BasicInfo::default()
        }));
    }
    if r.flag()? {
        let code = r.string()?;
        let sub_code = r.opt_string()?;
        let employer = match r.flag()? {
            false => None,
            true => Some(Employer {
                name: r.string()?,
                credit_code: r.string()?,
                region: r.string()?,
                ..Employer::default()
            }),
        };
        let further_study = match r.flag()? {
            false => None,
            true => Some(Study {
                school: r.string()?,
                ..Study::default()
            }),
        };
        let abroad = match r.flag()? {
            false => None,
            true => Some(Abroad {
                country_region: r.string()?,
                school: r.string()?,
                ..Abroad::default()
            }),
        };
        let archive = match r.flag()? {
            false => None,
            true => Some(ArchiveTransfer {
                receiving_unit: r.string()?,
                address: r.string()?,
                postal_code: r.string()?,
                contact: r.string()?,
                phone: r.string()?,
                method: match r.uint()? {
                    0 => ArchiveMethod::ConfidentialMail,
                    1 => ArchiveMethod::Ems,
                    2 => ArchiveMethod::CollectedByUnit,
                    _ => return Err(corrupt("an unknown archive method")),
                },
                transfer_number: r.opt_string()?,
                tracking_number: r.opt_string()?,
            }),
        };
        let hukou = match r.flag()? {
            false => None,
            true => Some(HukouMigration {
                migrate: r.flag()?,
                reason: match r.uint()? {
                    0 => None,
                    1 => Some(HukouReason::Graduation),
                    2 => Some(HukouReason::FurtherStudy),
                    _ => return Err(corrupt("an unknown hukou reason")),
                },
                address: r.string()?,
                police_station: r.string()?,
                region: r.string()?,
            }),
        };
        reg.destination = Some(Arc::new(DestinationData {
            destination: Destination {
                code,
                sub_code,
                employer,
                further_study,
                abroad,
                ..Destination::default()
            },
            archive,
            hukou,
        }));
    }
    let count = r.uint()?;
    // Each authorization takes at least 24 bytes: a count past that is damage, not a size to
    // reserve.
    let room = (text.len() - r.pos) / 24;
    let mut auths = Vec::with_capacity(usize::try_from(count).unwrap_or(0).min(room));
    for _ in 0..count {
        let number = r.str()?;
        if number.len() != 16 {
            return Err(corrupt("a verification number is malformed"));
        }
        let number = VerificationNumber::parse(number)
            .map_err(|_| corrupt("a verification number is malformed"))?;
        let issued_at = r.time()?;
        let valid_until = r.time()?;
        let data_version =
            u32::try_from(r.uint()?).map_err(|_| corrupt("a data version is out of range"))?;
        let sections = match r.small()? {
            s @ 0..=3 => Sections {
                archive: s & 1 != 0,
                hukou: s & 2 != 0,
            },
            _ => return Err(corrupt("unknown sections")),
        };
        let state = match r.small()? {
            0 => AuthState::Active,
            1 => AuthState::Revoked,
            2 => AuthState::Superseded,
            _ => return Err(corrupt("an unknown authorization state")),
        };
        let ended_at = match r.flag()? {
            false => None,
            true => Some(r.time()?),
        };
        auths.push(Authorization {
            number,
            issued_at,
            valid_until,
            data_version,
            sections,
            state,
            ended_at,
        });
    }
    reg.authorizations = auths;
    if r.pos != text.len() {
        return Err(corrupt("bytes follow its last field"));
    }
    Ok(reg)
}

/// Separates view MACs from every other hash of the registry.
const VIEW_DOMAIN: &[u8] = b"gradreg verification view v1\0";

/// The MAC that binds a view to the audit record that wrote its registration's state: SHA-256
/// (or HMAC-SHA256 under the registry's audit key when the chain is keyed) of a fixed label,
/// that record's hash and the view's bytes (in plaintext). A view copied to another
/// registration, or an older view put back, names a record that is not the registration's
/// newest; a view edited in place no longer matches its MAC (and, when the chain is unkeyed and
/// the MAC was recomputed, no longer equals the view of the stored registration, which the
/// full check compares).
pub fn view_mac(key: Option<&super::store::AuditKey>, record_hash: &[u8], view: &[u8]) -> [u8; 32] {
    super::store::labelled_mac(key, VIEW_DOMAIN, &[record_hash, view])
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The sample graduate with one authorization, and with every optional field of the view
    /// set when `full` (sub code, further study, abroad, transfer and tracking numbers, an
    /// ended authorization beside it, an instant before 1970 with nanoseconds).
    fn sample(full: bool) -> Registration {
        let at = Utc.with_ymd_and_hms(2026, 5, 1, 2, 0, 0).unwrap();
        let mut reg =
            crate::sample::authorized_registration("10327:s1", at, 30, [9; 16], None).unwrap();
        if full {
            let mut data = (**reg.destination.as_ref().unwrap()).clone();
            data.destination.sub_code = Some("12".into());
            data.destination.further_study = Some(Study {
                school: "南京大学".into(),
                major: "not in the view".into(),
            });
            data.destination.abroad = Some(Abroad {
                country_region: "新加坡".into(),
                school: "NUS".into(),
                major: String::new(),
            });
            let archive = data.archive.as_mut().unwrap();
            archive.transfer_number = Some("ZD-1".into());
            archive.tracking_number = Some(String::new());
            archive.method = ArchiveMethod::CollectedByUnit;
            data.hukou.as_mut().unwrap().reason = None;
            reg.destination = Some(Arc::new(data));
            let mut ended = reg.authorizations[0].clone();
            ended.number = VerificationNumber::from_entropy(&[3; 16]);
            ended.issued_at = Utc.timestamp_opt(-86_401, 123_456_789).unwrap();
            ended.state = AuthState::Revoked;
            ended.ended_at = Some(at);
            ended.sections = Sections {
                archive: false,
                hukou: true,
            };
            reg.authorizations.push(ended);
            reg.version = u64::MAX;
            reg.data_version = u32::MAX;
        }
        reg
    }

    /// What the view of `reg` holds: `reg` with every other field at its default.
    fn projected(reg: &Registration) -> Registration {
        let mut want = Registration::new(reg.id.clone());
        want.version = reg.version;
        want.data_version = reg.data_version;
        want.authorizations = reg.authorizations.clone();
        want.basic = reg.basic.as_deref().map(|b| {
            Arc::new(BasicInfo {
                name: b.name.clone(),
                gender: b.gender.clone(),
                id_number: b.id_number.clone(),
                id_type: b.id_type.clone(),
                school_name: b.school_name.clone(),
                college: b.college.clone(),
                major_name: b.major_name.clone(),
                education_level: b.education_level.clone(),
                graduation_date: b.graduation_date.clone(),
                ..BasicInfo::default()
            })
        });
        want.destination = reg.destination.as_deref().map(|d| {
            let dest = &d.destination;
            Arc::new(DestinationData {
                destination: Destination {
                    code: dest.code.clone(),
                    sub_code: dest.sub_code.clone(),
                    employer: dest.employer.as_ref().map(|e| Employer {
                        name: e.name.clone(),
                        credit_code: e.credit_code.clone(),
                        region: e.region.clone(),
                        ..Employer::default()
                    }),
                    further_study: dest.further_study.as_ref().map(|s| Study {
                        school: s.school.clone(),
                        ..Study::default()
                    }),
                    abroad: dest.abroad.as_ref().map(|a| Abroad {
                        country_region: a.country_region.clone(),
                        school: a.school.clone(),
                        ..Abroad::default()
                    }),
                    ..Destination::default()
                },
                archive: d.archive.clone(),
                hukou: d.hukou.clone(),
            })
        });
        want
    }

    #[test]
    fn a_registration_without_authorizations_has_no_view() {
        assert_eq!(view_of(&Registration::new("x")), None);
    }

    #[test]
    fn a_view_decodes_to_the_fields_it_holds() {
        for full in [false, true] {
            let reg = sample(full);
            let view = view_of(&reg).unwrap();
            assert_eq!(view[0], FORMAT);
            assert_eq!(registration_of_view(&view).unwrap(), projected(&reg));
        }
        // Without basic information or destination data.
        let mut reg = sample(false);
        reg.basic = None;
        reg.destination = None;
        let view = view_of(&reg).unwrap();
        assert_eq!(registration_of_view(&view).unwrap(), projected(&reg));
    }

    #[test]
    fn a_view_is_text_without_nul_bytes() {
        let view = view_of(&sample(true)).unwrap();
        assert!(std::str::from_utf8(&view).is_ok());
        assert!(!view.contains(&0));
        // Smaller than the registration's JSON.
        assert!(view.len() * 2 < serde_json::to_vec(&sample(true)).unwrap().len());
    }

    #[test]
    fn numbers_round_trip_at_their_bounds() {
        for v in [
            0,
            1,
            31,
            32,
            1023,
            1024,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            let mut w = Writer(Vec::new());
            w.uint(v);
            let text = String::from_utf8(w.0).unwrap();
            let mut r = Reader {
                text: &text,
                pos: 0,
            };
            assert_eq!(r.uint().unwrap(), v);
            assert_eq!(r.pos, text.len());
        }
        for t in [
            Utc.timestamp_opt(0, 0).unwrap(),
            Utc.timestamp_opt(-1, 999_999_999).unwrap(),
            Utc.timestamp_opt(4_102_444_800, 1).unwrap(),
        ] {
            let mut w = Writer(Vec::new());
            w.time(t);
            let text = String::from_utf8(w.0).unwrap();
            let mut r = Reader {
                text: &text,
                pos: 0,
            };
            assert_eq!(r.time().unwrap(), t);
        }
    }

    #[test]
    fn a_number_past_64_bits_or_not_in_its_shortest_form_is_refused() {
        // 13 groups: the last may hold 4 bits only.
        let mut too_big = "o".repeat(12);
        too_big.push('@'); // group 16
        let mut long = "o".repeat(13);
        long.push('0');
        for bad in [
            too_big.as_str(),
            long.as_str(),
            "P0",
            "p",
            "",
            "/",
            "\u{7f}",
        ] {
            let mut r = Reader { text: bad, pos: 0 };
            assert!(matches!(r.uint(), Err(Error::Corrupt(_))), "{bad:?}");
        }
    }

    #[test]
    fn every_cut_or_extended_view_is_corrupt() {
        let view = view_of(&sample(true)).unwrap();
        for end in 0..view.len() {
            let e = registration_of_view(&view[..end]).unwrap_err();
            assert!(matches!(e, Error::Corrupt(_)), "{end}: {e:?}");
        }
        let mut longer = view.clone();
        longer.push(b'0');
        assert!(matches!(
            registration_of_view(&longer),
            Err(Error::Corrupt(_))
        ));
    }

    #[test]
    fn a_view_of_another_format_is_corrupt() {
        for bad in [&b"{\"id\":1}"[..], b"3", b"\x01x", b"2\xff"] {
            let e = registration_of_view(bad).unwrap_err();
            assert!(matches!(e, Error::Corrupt(_)), "{e:?}");
        }
    }

    #[test]
    fn unknown_enum_values_and_a_cut_character_are_corrupt() {
        let reg = sample(false);
        let view = view_of(&reg).unwrap();
        // The state of the only authorization is the fourth field from the end ("0" = active,
        // then the flag of ended_at): set it to 3.
        let mut bad = view.clone();
        let n = bad.len();
        assert_eq!(&bad[n - 2..], b"00");
        bad[n - 2] = b'3';
        assert!(matches!(registration_of_view(&bad), Err(Error::Corrupt(_))));
        // A string length that ends inside a character of the name.
        let name_at = view
            .windows(reg.basic.as_ref().unwrap().name.len())
            .position(|w| w == reg.basic.as_ref().unwrap().name.as_bytes())
            .unwrap();
        let mut cut = view.clone();
        cut[name_at - 1] -= 1;
        assert!(matches!(registration_of_view(&cut), Err(Error::Corrupt(_))));
    }

    #[test]
    fn the_mac_depends_on_the_record_and_the_bytes() {
        let a = view_mac(None, &[1; 32], b"v");
        assert_ne!(a, view_mac(None, &[2; 32], b"v"));
        assert_ne!(a, view_mac(None, &[1; 32], b"w"));
        let k = super::super::store::AuditKey::new(&[7; 32]).unwrap();
        assert_ne!(a, view_mac(Some(&k), &[1; 32], b"v"));
    }
}
