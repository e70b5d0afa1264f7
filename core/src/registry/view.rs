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

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{Cause, Error, Result};
use crate::lifecycle::{Authorization, Registration};
use crate::records::{BasicInfo, DestinationData};

/// What a view holds, borrowed from the registration it is made of.
#[derive(Serialize)]
struct ViewOut<'a> {
    id: &'a str,
    version: u64,
    data_version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    basic: Option<BasicOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    destination: Option<DataOut<'a>>,
    authorizations: &'a [Authorization],
}

/// The basic information a disclosure shows (under [`BasicInfo`]'s field names, so that it
/// decodes as one with every other field empty).
#[derive(Serialize)]
struct BasicOut<'a> {
    name: &'a str,
    gender: &'a str,
    id_number: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    id_type: &'a str,
    school_name: &'a str,
    college: &'a str,
    major_name: &'a str,
    education_level: &'a str,
    graduation_date: &'a str,
}

/// The destination data a disclosure shows (under [`DestinationData`]'s field names): the
/// destination's code, employer name, credit code and region, school of further study or abroad
/// and country, and the archive transfer and hukou migration whole.
#[derive(Serialize)]
struct DataOut<'a> {
    destination: DestinationOut<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    archive: Option<&'a crate::records::ArchiveTransfer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hukou: Option<&'a crate::records::HukouMigration>,
}

#[derive(Serialize)]
struct DestinationOut<'a> {
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    employer: Option<EmployerOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    further_study: Option<SchoolOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    abroad: Option<AbroadOut<'a>>,
}

#[derive(Serialize)]
struct EmployerOut<'a> {
    name: &'a str,
    credit_code: &'a str,
    region: &'a str,
}

#[derive(Serialize)]
struct SchoolOut<'a> {
    school: &'a str,
}

#[derive(Serialize)]
struct AbroadOut<'a> {
    country_region: &'a str,
    school: &'a str,
}

impl<'a> BasicOut<'a> {
    fn of(b: &'a BasicInfo) -> Self {
        BasicOut {
            name: &b.name,
            gender: &b.gender,
            id_number: &b.id_number,
            id_type: &b.id_type,
            school_name: &b.school_name,
            college: &b.college,
            major_name: &b.major_name,
            education_level: &b.education_level,
            graduation_date: &b.graduation_date,
        }
    }
}

impl<'a> DataOut<'a> {
    fn of(d: &'a DestinationData) -> Self {
        let dest = &d.destination;
        DataOut {
            destination: DestinationOut {
                code: &dest.code,
                sub_code: dest.sub_code.as_deref(),
                employer: dest.employer.as_ref().map(|e| EmployerOut {
                    name: &e.name,
                    credit_code: &e.credit_code,
                    region: &e.region,
                }),
                further_study: dest
                    .further_study
                    .as_ref()
                    .map(|s| SchoolOut { school: &s.school }),
                abroad: dest.abroad.as_ref().map(|a| AbroadOut {
                    country_region: &a.country_region,
                    school: &a.school,
                }),
            },
            archive: d.archive.as_ref(),
            hukou: d.hukou.as_ref(),
        }
    }
}

/// A view as decoded.
#[derive(Deserialize)]
struct ViewIn {
    id: String,
    version: u64,
    data_version: u32,
    #[serde(default)]
    basic: Option<Arc<BasicInfo>>,
    #[serde(default)]
    destination: Option<Arc<DestinationData>>,
    authorizations: Vec<Authorization>,
}

/// The verification view of `reg`, or `None` when it has no authorization: compact JSON of its
/// id, version, data version and authorizations, and of the basic information and destination
/// data a disclosure shows (name, gender, ID number and its type, school, college, major,
/// education level, graduation date; destination code, employer name, credit code and region,
/// school of further study or abroad and country, archive transfer, hukou migration): about
/// 1 KB for a typical graduate, against about 1.9 KB for the whole registration.
pub fn view_of(reg: &Registration) -> Option<Vec<u8>> {
    if reg.authorizations.is_empty() {
        return None;
    }
    let out = ViewOut {
        id: &reg.id,
        version: reg.version,
        data_version: reg.data_version,
        basic: reg.basic.as_deref().map(BasicOut::of),
        destination: reg.destination.as_deref().map(DataOut::of),
        authorizations: &reg.authorizations,
    };
    // Plain structs of strings, numbers and timestamps always serialize.
    serde_json::to_vec(&out).ok()
}

/// The registration a view was made of, as far as the view holds it: every field it does not
/// hold at its default. [`Error::Corrupt`] when the bytes are not a view.
pub fn registration_of_view(bytes: &[u8]) -> Result<Registration> {
    let v: ViewIn = serde_json::from_slice(bytes)
        .map_err(|e| Error::Corrupt(Cause::with_error(format!("verification view: {e}"), e)))?;
    let mut reg = Registration::new(v.id);
    reg.version = v.version;
    reg.data_version = v.data_version;
    reg.basic = v.basic;
    reg.destination = v.destination;
    reg.authorizations = v.authorizations;
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

    #[test]
    fn a_registration_without_authorizations_has_no_view() {
        assert_eq!(view_of(&Registration::new("x")), None);
    }

    #[test]
    fn a_view_that_does_not_decode_is_corrupt() {
        let e = registration_of_view(b"{\"id\":1}").unwrap_err();
        assert!(matches!(e, Error::Corrupt(_)), "{e:?}");
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
