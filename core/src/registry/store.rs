//! The store interface behind the registry, and the in-memory store.
//!
//! A store keeps registrations (with optimistic versions), a summary row per registration for
//! queries, the hash-chained audit log, the event outbox, the index of verification numbers, and
//! verification attempts. The interface is small and transactional (one call commits a batch
//! atomically) so that a server database could implement it as well as the embedded SQLite.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::codes::verify::count_failures;
use crate::codes::{AttemptKey, Candidate, Failures};
use crate::error::{Error, Result};
use crate::lifecycle::{
    AuditEntry, AuthState, DestinationStatus, Event, LoginReason, Outcome, Registration, Stage,
    VoidStage,
};

/// The query columns of one registration, kept beside it so queries and statistics need not
/// parse every record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Summary {
    /// Registration id.
    pub id: String,
    /// Registration version.
    pub version: u64,
    /// 姓名.
    pub name: String,
    /// 身份证号 (upper case).
    pub id_number: String,
    /// 学院.
    pub college: String,
    /// 专业代码.
    pub major_code: String,
    /// 专业名称.
    pub major_name: String,
    /// Stage when written.
    pub stage: Stage,
    /// Latest end of validity among active authorizations.
    pub active_until: Option<DateTime<Utc>>,
    /// Most specific destination code, when reported.
    pub destination_code: Option<String>,
    /// The first report was late.
    pub late: bool,
    /// Since when the destination has awaited confirmation.
    pub awaiting_since: Option<DateTime<Utc>>,
    /// Graduation year, from basic information.
    pub graduation_year: Option<i32>,
    /// 院校代码 (5 digits), from basic information.
    #[serde(default)]
    pub school_code: String,
    /// 院校名称, from basic information.
    #[serde(default)]
    pub school_name: String,
    /// 学历代码, from basic information.
    #[serde(default)]
    pub education_level: String,
    /// 性别代码, from basic information.
    #[serde(default)]
    pub gender: String,
    /// 生源地代码 (6-digit GB/T 2260), from basic information (may be empty).
    #[serde(default)]
    pub origin_region: String,
    /// The reported destination's two-digit 毕业去向 code: a sub-code rolled up to the code it
    /// belongs to (`502` → `50`). [`Summary::destination_code`] keeps the most specific code.
    #[serde(default)]
    pub destination_category: Option<String>,
    /// Where the destination is (6-digit GB/T 2260): the employer's 单位所在地 when the reported
    /// destination names an employer (the employment codes, and any other code reported with
    /// one). Further study, study abroad and the codes that are not placements name no place in
    /// China and have none.
    #[serde(default)]
    pub destination_region: Option<String>,
    /// The graduate has logged in at least once.
    #[serde(default)]
    pub logged_in: bool,
    /// Why the graduate cannot log in now, whatever the stage (empty when they can).
    #[serde(default)]
    pub login_problems: Vec<LoginReason>,
    /// The stage of the latest void request, when one was filed.
    #[serde(default)]
    pub void_stage: Option<VoidStage>,
    /// When the latest void request was filed.
    #[serde(default)]
    pub void_filed_at: Option<DateTime<Utc>>,
}

impl Summary {
    /// The summary of `reg` as of `at` (the instant of the command that wrote it).
    pub fn of(reg: &Registration, at: DateTime<Utc>) -> Summary {
        let b = reg.basic.as_deref();
        let text = |f: fn(&crate::records::BasicInfo) -> &String| {
            b.map(|b| f(b).clone()).unwrap_or_default()
        };
        Summary {
            id: reg.id.clone(),
            version: reg.version,
            name: text(|b| &b.name),
            id_number: text(|b| &b.id_number).to_ascii_uppercase(),
            college: text(|b| &b.college),
            major_code: text(|b| &b.major_code),
            major_name: text(|b| &b.major_name),
            stage: reg.stage(at),
            active_until: reg
                .authorizations
                .iter()
                .filter(|a| a.state == AuthState::Active)
                .map(|a| a.valid_until)
                .max(),
            destination_code: reg
                .destination
                .as_ref()
                .map(|d| d.destination.effective_code().to_string()),
            late: reg.late,
            awaiting_since: (reg.destination_status == DestinationStatus::AwaitingConfirmation)
                .then(|| reg.updated_at.or(reg.reported_at))
                .flatten(),
            graduation_year: reg.graduation_year(),
            school_code: text(|b| &b.school_code),
            school_name: text(|b| &b.school_name),
            education_level: text(|b| &b.education_level),
            gender: text(|b| &b.gender),
            origin_region: text(|b| &b.origin_region),
            destination_category: reg
                .destination
                .as_ref()
                .map(|d| category_of(&d.destination)),
            destination_region: reg
                .destination
                .as_ref()
                .and_then(|d| d.destination.employer.as_ref())
                .map(|e| e.region.trim().to_string())
                .filter(|r| !r.is_empty()),
            logged_in: reg.first_login_at.is_some(),
            login_problems: reg.login_problems(),
            void_stage: reg.void_request.as_ref().map(|v| v.stage),
            void_filed_at: reg.void_request.as_ref().map(|v| v.filed_at),
        }
    }

    /// The stage at `now`: an authorized registration whose authorizations have all ended is
    /// merely confirmed.
    pub fn stage_at(&self, now: DateTime<Utc>) -> Stage {
        match (self.stage, self.active_until) {
            (Stage::Authorized, Some(end)) if end > now => Stage::Authorized,
            (Stage::Authorized, _) => Stage::Confirmed,
            (s, _) => s,
        }
    }
}

/// The two-digit 毕业去向 code of a destination: its `code`, or the first two digits of a
/// sub-code reported without it.
fn category_of(d: &crate::records::Destination) -> String {
    let code = d.code.trim();
    if code.len() == 2 {
        return code.to_string();
    }
    let specific = d.effective_code().trim();
    specific.get(..2).unwrap_or(specific).to_string()
}

/// One command's result to commit.
#[derive(Debug, Clone, Copy)]
pub struct Commit<'a> {
    /// The version the command started from (0 for a registration not yet stored).
    pub expected_version: u64,
    /// The outcome to store.
    pub outcome: &'a Outcome,
}

/// A stored audit entry with its place in the hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Position in the log, from 1, without gaps.
    pub seq: u64,
    /// The entry as stored (canonical JSON).
    pub entry_json: String,
    /// Hash of the previous record (32 zero bytes for the first).
    pub prev_hash: [u8; 32],
    /// The record's hash: see [`record_hash`].
    pub hash: [u8; 32],
    /// SHA-256 of the registration this record produced, as stored (its canonical plaintext
    /// JSON; see [`registration_hash`]). `None` for records written before registrations were
    /// bound to the chain.
    #[serde(default)]
    pub registration_hash: Option<[u8; 32]>,
}

/// The text a check reads for a stored document whose bytes do not decode (not UTF-8, a packed
/// frame that does not unpack): a marker the JSON parser refuses (`U+FFFD`, then
/// `undecodable:`), then the bytes' lossy text. No document written by a store starts with it,
/// so it can never parse or hash as one: the audit check reports the record or row as edited.
/// A [`Store`] of its own reads damaged documents so in [`Store::audit_for_check`],
/// [`Store::stored_rows`] and [`Store::stored_views`].
pub fn undecodable_text(raw: &[u8]) -> String {
    format!("\u{fffd}undecodable:{}", String::from_utf8_lossy(raw))
}

impl AuditRecord {
    /// The entry. A stored entry that does not parse is damage ([`Error::Corrupt`]).
    pub fn entry(&self) -> Result<AuditEntry> {
        serde_json::from_str(&self.entry_json).map_err(|e| {
            Error::Corrupt(crate::error::Cause::with_error(
                format!("audit record {}: {e}", self.seq),
                e,
            ))
        })
    }

    /// Whether the record's hash is right for its content, under `key` when the chain is keyed.
    pub fn verifies(&self, key: Option<&AuditKey>) -> bool {
        match (self.registration_hash.as_ref(), key) {
            // A keyed chain has no records from before registrations were bound.
            (None, Some(_)) => false,
            (rh, key) => record_hash(key, &self.prev_hash, &self.entry_json, rh) == self.hash,
        }
    }
}

/// The hash of an audit record written before registrations were bound to the chain: SHA-256 of
/// `prev` followed by the entry. Records written now use [`record_hash`].
pub fn chain_hash(prev: &[u8; 32], entry_json: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(entry_json.as_bytes());
    h.finalize().into()
}

/// Separates the hashes of bound records from those of older ones.
const BOUND_DOMAIN: &[u8] = b"gradreg audit record v2\0";

/// The hash of an audit record: with a registration hash, SHA-256 (or HMAC-SHA256 under the
/// registry's audit key) of a fixed label, `prev`, the registration hash and the entry; without
/// one (a record from before registrations were bound, never in a keyed chain), [`chain_hash`].
pub fn record_hash(
    key: Option<&AuditKey>,
    prev: &[u8; 32],
    entry_json: &str,
    registration_hash: Option<&[u8; 32]>,
) -> [u8; 32] {
    let Some(rh) = registration_hash else {
        return chain_hash(prev, entry_json);
    };
    match key {
        None => {
            let mut h = Sha256::new();
            h.update(BOUND_DOMAIN);
            h.update(prev);
            h.update(rh);
            h.update(entry_json.as_bytes());
            h.finalize().into()
        }
        Some(k) => {
            let mut m = k.mac();
            m.update(BOUND_DOMAIN);
            m.update(prev);
            m.update(rh);
            m.update(entry_json.as_bytes());
            m.finalize().into_bytes().into()
        }
    }
}

/// SHA-256 (or HMAC-SHA256 under `key`) of `domain` followed by `parts`: the pattern of every
/// keyed-or-not hash of the registry (see [`record_hash`]).
pub(crate) fn labelled_mac(key: Option<&AuditKey>, domain: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    match key {
        None => {
            let mut h = Sha256::new();
            h.update(domain);
            for p in parts {
                h.update(p);
            }
            h.finalize().into()
        }
        Some(k) => {
            let mut m = k.mac();
            m.update(domain);
            for p in parts {
                m.update(p);
            }
            m.finalize().into_bytes().into()
        }
    }
}

/// The hash that binds a stored registration to the audit record that wrote it: SHA-256 of its
/// canonical JSON as stored (in plaintext, so that encrypting the stored column or changing its
/// key never changes it).
pub fn registration_hash(data_json: &str) -> [u8; 32] {
    Sha256::digest(data_json.as_bytes()).into()
}

/// A secret key for a keyed audit chain (HMAC-SHA256): without it nobody can recompute the chain
/// after editing the store, so an edit is found even when the head kept in the file was moved.
/// The host keeps it outside the registry file; a keyed registry opens only with it.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditKey(Vec<u8>);

impl AuditKey {
    /// The shortest key accepted, in bytes.
    pub const MIN_LEN: usize = 16;

    /// A key from its bytes (at least [`AuditKey::MIN_LEN`], best 32 random bytes).
    pub fn new(bytes: &[u8]) -> Result<AuditKey> {
        if bytes.len() < Self::MIN_LEN {
            return Err(Error::InvalidArgument(format!(
                "an audit key needs at least {} bytes, got {}",
                Self::MIN_LEN,
                bytes.len()
            )));
        }
        Ok(AuditKey(bytes.to_vec()))
    }

    /// A key from hexadecimal text (at least 32 hex digits).
    pub fn from_hex(text: &str) -> Result<AuditKey> {
        AuditKey::new(&decode_hex(text.trim()).ok_or_else(|| {
            Error::InvalidArgument("an audit key in hex needs an even number of hex digits".into())
        })?)
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes keys of any length.
        <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()))
    }

    /// The value a keyed registry keeps to recognise its key (an HMAC of a fixed label, which
    /// reveals nothing of the key).
    pub fn check_value(&self) -> String {
        let mut m = self.mac();
        m.update(b"gradreg audit key check");
        hex(&m.finalize().into_bytes())
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(..)")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

/// What is wrong with an audit record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChainFault {
    /// The record's content does not match its hash: it was edited (or, in a keyed chain, its
    /// hash was recomputed without the key).
    Edited,
    /// Records before this one are missing.
    Removed,
    /// The record does not follow the one before it: records were reordered or replaced.
    Reordered,
    /// Records at the end of the log are missing (the stored head, or the head the host kept,
    /// is further on).
    Truncated,
    /// The record at the position of the head the host kept has another hash: the log was
    /// rewritten (and its chain recomputed) after that head was taken.
    Diverged,
}

/// What is wrong with a stored registration or the number index, relative to the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RowFault {
    /// The stored registration does not match the audit record that wrote it (edited, or
    /// rolled back to an older state), or does not parse.
    Tampered,
    /// The audit log names a registration that has no stored row (the row was deleted).
    Missing,
    /// A stored registration has no audit record (it was inserted behind the library's back).
    Unrecorded,
    /// A number the registration holds (verification or transfer number) is missing from the
    /// number index, or the index sends it elsewhere.
    NumberMissing,
    /// The number index holds a number no registration holds.
    NumberStray,
    /// The query columns kept beside the registration (its summary: destination code, school,
    /// college …) do not say what the registration says: queries and statistics were misled.
    SummaryMismatch,
}

/// One stored registration or index entry that does not match the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RowProblem {
    /// The registration.
    pub registration_id: String,
    /// What is wrong.
    pub fault: RowFault,
    /// The number concerned, for the index faults (compact form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
}

/// The result of checking the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainReport {
    /// Records checked.
    pub records: u64,
    /// The first faulty record: its sequence number and what is wrong.
    pub first_fault: Option<(u64, ChainFault)>,
    /// Stored registrations and index entries that do not match the log (by registration id;
    /// empty from [`check_chain`], which sees the log only).
    #[serde(default)]
    pub row_faults: Vec<RowProblem>,
    /// Registrations last written before registrations were bound to the chain: they are
    /// served, but cannot be checked until their next change binds them.
    #[serde(default)]
    pub unbound: u64,
}

impl ChainReport {
    /// Whether the chain, and every stored registration checked against it, is intact.
    pub fn intact(&self) -> bool {
        self.first_fault.is_none() && self.row_faults.is_empty()
    }
}

/// The latest record of the chain: publish it elsewhere to anchor the log, and check the log
/// against it later ([`Registry::check_audit_against`](super::Registry::check_audit_against)).
/// Its portable text form (`Display`, [`ChainHead::parse`]) is
/// `gradreg-audit-head:1:<seq>:<64 hex digits>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChainHead {
    /// Sequence number of the last record (0 when empty).
    pub seq: u64,
    /// Its hash (zeros when empty).
    pub hash: [u8; 32],
}

/// The prefix of a head's text form.
const HEAD_PREFIX: &str = "gradreg-audit-head:1:";

impl std::fmt::Display for ChainHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{HEAD_PREFIX}{}:{}", self.seq, hex(&self.hash))
    }
}

impl ChainHead {
    /// A head from its text form (see [`ChainHead`]); anything else is
    /// [`Error::InvalidArgument`].
    pub fn parse(text: &str) -> Result<ChainHead> {
        let bad = || {
            Error::InvalidArgument(format!(
                "not an audit head (want {HEAD_PREFIX}<seq>:<64 hex digits>)"
            ))
        };
        let rest = text.trim().strip_prefix(HEAD_PREFIX).ok_or_else(bad)?;
        let (seq, hash) = rest.split_once(':').ok_or_else(bad)?;
        if seq.is_empty() || !seq.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let seq: u64 = seq.parse().map_err(|_| bad())?;
        let bytes = decode_hex(hash).filter(|b| b.len() == 32).ok_or_else(bad)?;
        let mut h = [0u8; 32];
        h.copy_from_slice(&bytes);
        Ok(ChainHead { seq, hash: h })
    }
}

impl std::str::FromStr for ChainHead {
    type Err = Error;
    fn from_str(s: &str) -> Result<ChainHead> {
        ChainHead::parse(s)
    }
}

/// Checks records in sequence order against each other and against the stored head (an
/// unkeyed chain; see [`check_chain_keyed`]).
pub fn check_chain<I: IntoIterator<Item = AuditRecord>>(
    records: I,
    head: ChainHead,
) -> ChainReport {
    check_chain_keyed(records, head, None)
}

/// Checks records in sequence order against each other and against the stored head, each
/// record's hash under `key` when the chain is keyed. Once one record binds its registration,
/// every later one must too.
pub fn check_chain_keyed<I: IntoIterator<Item = AuditRecord>>(
    records: I,
    head: ChainHead,
    key: Option<&AuditKey>,
) -> ChainReport {
    let mut prev = ChainHead::default();
    let mut n = 0u64;
    let mut bound = false;
    for r in records {
        n += 1;
        let fault = if !r.verifies(key) || (bound && r.registration_hash.is_none()) {
            Some(ChainFault::Edited)
        } else if r.prev_hash != prev.hash || r.seq != prev.seq + 1 {
            if r.seq > prev.seq + 1 {
                Some(ChainFault::Removed)
            } else {
                Some(ChainFault::Reordered)
            }
        } else {
            None
        };
        if let Some(f) = fault {
            return ChainReport {
                records: n,
                first_fault: Some((r.seq, f)),
                row_faults: Vec::new(),
                unbound: 0,
            };
        }
        bound |= r.registration_hash.is_some();
        prev = ChainHead {
            seq: r.seq,
            hash: r.hash,
        };
    }
    let first_fault = if head.seq > prev.seq {
        Some((prev.seq + 1, ChainFault::Truncated))
    } else if head != prev {
        Some((prev.seq, ChainFault::Reordered))
    } else {
        None
    };
    ChainReport {
        records: n,
        first_fault,
        row_faults: Vec::new(),
        unbound: 0,
    }
}

/// One stored registration as the store holds it, for checking it against the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRow {
    /// The registration id.
    pub id: String,
    /// The sequence number of the audit record that wrote it (`None` for a row last written
    /// before registrations were bound to the chain).
    pub audit_seq: Option<u64>,
    /// The registration's canonical JSON, in plaintext.
    pub data: String,
}

/// One stored verification view as the store holds it (see [`super::view`]), for checking it
/// against the registration and the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredView {
    /// The registration id the view is stored under.
    pub id: String,
    /// The sequence number of the audit record the view is bound to.
    pub audit_seq: u64,
    /// The view, in plaintext.
    pub view: Vec<u8>,
    /// Its MAC (see [`super::view::view_mac`]).
    pub mac: Vec<u8>,
}

/// Filter pushed down to the store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// Only this school (院校代码).
    #[serde(default)]
    pub school: Option<String>,
    /// Only this college.
    pub college: Option<String>,
    /// Only this major code.
    pub major_code: Option<String>,
}

impl Filter {
    /// Whether a summary passes.
    pub fn matches(&self, s: &Summary) -> bool {
        self.school.as_ref().is_none_or(|c| c == &s.school_code)
            && self.college.as_ref().is_none_or(|c| c == &s.college)
            && self.major_code.as_ref().is_none_or(|m| m == &s.major_code)
    }
}

/// Where registrations live. Implementations must be safe to share between threads.
pub trait Store: Send + Sync {
    /// Loads one registration.
    fn load(&self, id: &str) -> Result<Option<Registration>>;

    /// Commits a batch atomically: every registration is written only if its stored version
    /// still equals `expected_version` (absent counts as 0), its audit entry is appended to the
    /// chain and its events to the outbox. On any failure nothing is written
    /// ([`Error::Conflict`] for a version mismatch, [`Error::DuplicateIdNumber`] when another
    /// registration holds the same ID number in the same cohort (graduation year and education
    /// level, see [`cohort_index_key`]), [`Error::DuplicateTransferNumber`] when another
    /// registration holds the transfer number). A registration whose transfer number changed
    /// frees its old one.
    fn commit(&self, batch: &[Commit<'_>]) -> Result<()>;

    /// The registration holding an authorization with this verification number (compact form).
    fn find_by_number(&self, number: &str) -> Result<Option<String>>;

    /// Every registration of an ID number (any case), whatever its cohort, ordered by id.
    fn find_by_id_number(&self, id_number: &str) -> Result<Vec<String>>;

    /// The existence checks of a batch upload in one call: of `ids`, those a registration is
    /// stored under, and of `id_numbers` (upper case), those some stored registration holds
    /// (whatever its cohort). A value left out of an answer is certainly absent, so the upload
    /// skips its lookups; one present is looked up as before. The default asks one value at a
    /// time; a store may answer a whole batch in one query.
    fn present(
        &self,
        ids: &[&str],
        id_numbers: &[&str],
    ) -> Result<(HashSet<String>, HashSet<String>)> {
        let mut found_ids = HashSet::new();
        for id in ids {
            if self.load(id)?.is_some() {
                found_ids.insert((*id).to_string());
            }
        }
        let mut held = HashSet::new();
        for n in id_numbers {
            if !self.find_by_id_number(n)?.is_empty() {
                held.insert((*n).to_string());
            }
        }
        Ok((found_ids, held))
    }

    /// Summaries passing `filter`, ordered by id.
    fn summaries(&self, filter: &Filter) -> Result<Vec<Summary>>;

    /// Calls `f` with every registration, ordered by id.
    fn for_each(&self, f: &mut dyn FnMut(Registration) -> Result<()>) -> Result<()>;

    /// Number of registrations.
    fn count(&self) -> Result<u64>;

    /// Audit records in sequence order, all or of one registration.
    fn audit(&self, registration_id: Option<&str>) -> Result<Vec<AuditRecord>>;

    /// The stored head of the audit chain.
    fn audit_head(&self) -> Result<ChainHead>;

    /// Events with sequence numbers above `after`, oldest first, at most `limit`.
    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<(u64, Event)>>;

    /// One online verification attempt, atomically (one transaction, or under one lock): counts
    /// the failures at or after `key.since` (of the principal, on the number, of the principal
    /// on the number), looks the number up (verification and transfer numbers alike) and loads
    /// its registration — or, when no registration holds it, loads a decoy registration the
    /// same way (any stored one) — calls `judge` with the counts and that [`Candidate`], and
    /// records a failure of the principal on the number at `key.at` when `judge` returns
    /// `true`. No other attempt is counted or recorded in between, so racing attempts (threads,
    /// handles, processes on one file) never get more answers than the limits allow. On any
    /// error nothing is recorded. A store may first try the attempt in a read transaction and,
    /// when `judge` asks for a failure to be recorded, run it again under its write lock:
    /// `judge` may then be called twice, and its last call is the one that counts.
    fn online_attempt(
        &self,
        key: &AttemptKey<'_>,
        judge: &mut dyn FnMut(&Failures, Candidate) -> bool,
    ) -> Result<()>;

    /// Runs `f` — one read, apply and commit of registration `id` — in this store's writing
    /// turn for `id`. Stores whose writers of one registration can race from several processes
    /// without anything serialising them before the commit (PostgreSQL) make those writers take
    /// turns (in arrival order), so that a busy registration cannot starve a writer whose
    /// version check keeps losing. The default runs `f` as it is.
    fn write_turn(&self, id: &str, f: &mut dyn FnMut() -> Result<()>) -> Result<()> {
        let _ = id;
        f()
    }

    /// Records, in one transaction, that key `key_id` signed a token of the authorization
    /// `number` (compact form) at `at`, and returns the authorization's status slot: the next
    /// free one (0, 1, 2 …) on its first token, the same one ever after.
    fn record_token(&self, number: &str, key_id: u32, at: DateTime<Utc>) -> Result<u64>;

    /// The keys that signed tokens of the authorization `number`, with the first time each did,
    /// by key id.
    fn signing_keys(&self, number: &str) -> Result<Vec<(u32, DateTime<Utc>)>>;

    /// Every assigned status slot with its authorization's number, in slot order.
    fn status_slots(&self) -> Result<Vec<(u64, String)>>;

    // ---- notification consumers: cursors over the outbox and sent reminders ----

    /// The sequence number of the newest event in the outbox (0 when it is empty).
    fn last_event_seq(&self) -> Result<u64>;

    /// Where consumer `name` stands in the outbox: the sequence number of the last event it
    /// acknowledged (0 for a consumer that never acknowledged one). Consumers are independent:
    /// each reads the whole outbox at its own pace.
    fn consumer_cursor(&self, name: &str) -> Result<u64>;

    /// Acknowledges the events of consumer `name` up to and including `seq`, moving its cursor
    /// forward, and returns the cursor after the call. Acknowledging at or behind the cursor
    /// changes nothing (a repeated acknowledgement after a crash is harmless); acknowledging past
    /// the newest event is [`Error::AckBeyondOutbox`] and changes nothing.
    fn ack(&self, name: &str, seq: u64) -> Result<u64>;

    /// Records that consumer `consumer` sent the notification `id` (a reminder's or an event's
    /// id) at `at`. Returns `true` when recorded now, `false` when it was already recorded (the
    /// first time is kept).
    fn mark_sent(&self, consumer: &str, id: &str, at: DateTime<Utc>) -> Result<bool>;

    /// When consumer `consumer` recorded notification `id` as sent, if it did.
    fn sent_at(&self, consumer: &str, id: &str) -> Result<Option<DateTime<Utc>>>;

    // ---- checking the stored data against the audit log ----

    /// Every audit record in sequence order, for the audit check: like [`Store::audit`], but a
    /// stored entry that does not decode (without data keys) reads as [`undecodable_text`]
    /// instead of failing the whole read, so the check names the record. The default, for a
    /// store whose entries always decode, is [`Store::audit`].
    fn audit_for_check(&self) -> Result<Vec<AuditRecord>> {
        self.audit(None)
    }

    /// Calls `f` with every stored registration as stored (plaintext JSON and the audit record
    /// that wrote it), ordered by id, without parsing or checking it. A document that does not
    /// decode (without data keys) reads as [`undecodable_text`], so the check names the row.
    fn stored_rows(&self, f: &mut dyn FnMut(StoredRow) -> Result<()>) -> Result<()>;

    /// The number index as stored: `(number, registration id)`, ordered by number.
    fn number_index(&self) -> Result<Vec<(String, String)>>;

    /// Calls `f` with every stored verification view (plaintext), ordered by registration id,
    /// without checking it (a view that does not decode reads as [`undecodable_text`]); returns whether the store keeps views at all (the default, for a
    /// store that does not, calls nothing and returns `false`).
    fn stored_views(&self, f: &mut dyn FnMut(StoredView) -> Result<()>) -> Result<bool> {
        let _ = f;
        Ok(false)
    }

    /// The key of a keyed audit chain, when the store was opened with one.
    fn audit_key(&self) -> Option<AuditKey> {
        None
    }

    /// Records that damage or tampering was found through this store: from now on it refuses
    /// writes ([`Error::WritesRefused`]) until it is opened again.
    fn mark_damaged(&self) {}

    /// Whether damage or tampering was found through this store.
    fn damaged(&self) -> bool {
        false
    }

    /// Re-seals, in one transaction, at most `batch` rows of each table whose personal data is
    /// sealed by an older data key than the newest, and returns how many values it re-sealed.
    /// Stores that keep nothing sealed have nothing to do.
    fn reseal_step(&self, batch: usize) -> Result<u64> {
        let _ = batch;
        Ok(0)
    }
}

/// A stored registration as a store read it — its plaintext document and the audit record that
/// wrote it, with the newest record of the registration — for [`checked_registration`].
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) struct RowBinding<'a> {
    /// The registration's id.
    pub(crate) id: &'a str,
    /// The stored document (plaintext JSON).
    pub(crate) data: &'a str,
    /// The sequence number of the audit record the row names.
    pub(crate) audit_seq: Option<i64>,
    /// That record's registration id, entry (plaintext), previous hash, hash and registration hash.
    pub(crate) record_registration: Option<&'a str>,
    /// See `record_registration`.
    pub(crate) entry: Option<&'a str>,
    /// See `record_registration`.
    pub(crate) prev_hash: Option<&'a [u8]>,
    /// See `record_registration`.
    pub(crate) hash: Option<&'a [u8]>,
    /// See `record_registration`.
    pub(crate) registration_hash: Option<&'a [u8]>,
    /// The newest audit record of the registration, and whether it binds a registration hash.
    pub(crate) latest_seq: Option<i64>,
    /// See `latest_seq`.
    pub(crate) latest_bound: Option<bool>,
}

/// Checks a stored row against its audit record — the record exists, is of this registration,
/// is its newest, wrote exactly this document, and verifies (keyed with `key` when given) — and
/// parses it: [`Error::Tampered`] when any of that fails, [`Error::Corrupt`] when the document
/// does not parse. A row without a record is allowed only when it was last written before rows
/// were bound (its newest record binds no registration hash). Every store reads its rows
/// through this one check.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn checked_registration(
    row: &RowBinding<'_>,
    key: Option<&AuditKey>,
) -> Result<Registration> {
    let id = row.id;
    let tampered = |why: String| Err(Error::Tampered(format!("registration {id}: {why}")));
    match row.audit_seq {
        None => {
            if row.latest_seq.is_none() {
                return tampered("it has no audit record".into());
            }
            if row.latest_bound == Some(true) {
                return tampered("it is not the state its latest audit record wrote".into());
            }
        }
        Some(seq) => {
            let (Some(rec_id), Some(entry), Some(prev), Some(hash)) =
                (row.record_registration, row.entry, row.prev_hash, row.hash)
            else {
                return tampered(format!("the audit record {seq} that wrote it is missing"));
            };
            if rec_id != id {
                return tampered(format!("audit record {seq} is of {rec_id}"));
            }
            if row.latest_seq != Some(seq) {
                return tampered(format!(
                    "it is an older state: audit record {} is newer than {seq}",
                    row.latest_seq.unwrap_or(0)
                ));
            }
            let rh = registration_hash(row.data);
            if row.registration_hash != Some(&rh[..]) {
                return tampered(format!("it is not what audit record {seq} wrote"));
            }
            let prev: [u8; 32] = prev.try_into().unwrap_or([0; 32]);
            if record_hash(key, &prev, entry, Some(&rh))[..] != *hash {
                return tampered(format!("audit record {seq} does not verify"));
            }
        }
    }
    serde_json::from_str(row.data).map_err(|e| {
        Error::Corrupt(crate::error::Cause::with_error(
            format!("registration {id}: {e}"),
            e,
        ))
    })
}

/// A stored verification view as a store read it for an online attempt — the view (plaintext)
/// and its MAC, the audit record it names, and the registration's newest record — for
/// [`checked_view`].
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) struct ViewBinding<'a> {
    /// The registration id the view is stored under.
    pub(crate) id: &'a str,
    /// The view (plaintext).
    pub(crate) view: &'a [u8],
    /// Its stored MAC.
    pub(crate) mac: &'a [u8],
    /// The sequence number of the audit record the view names.
    pub(crate) audit_seq: i64,
    /// That record's registration id (`None` when there is no such record).
    pub(crate) record_registration: Option<&'a str>,
    /// That record's hash.
    pub(crate) record_hash: Option<&'a [u8]>,
    /// The newest audit record of the registration.
    pub(crate) latest_seq: Option<i64>,
}

/// Checks a stored verification view against the audit log — the record it names exists, is
/// of this registration, is its newest, and the view's MAC over that record's hash and the
/// view matches (keyed with `key` when given) — and decodes it into the registration it
/// projects ([`super::view::registration_of_view`]): [`Error::Tampered`] when any of that
/// fails, [`Error::Corrupt`] when it does not decode. Every store reads views through this one
/// check.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn checked_view(v: &ViewBinding<'_>, key: Option<&AuditKey>) -> Result<Registration> {
    let id = v.id;
    let seq = v.audit_seq;
    let tampered = |why: String| Err(Error::Tampered(format!("verification view of {id}: {why}")));
    let (Some(rec_id), Some(hash)) = (v.record_registration, v.record_hash) else {
        return tampered(format!("the audit record {seq} it names is missing"));
    };
    if rec_id != id {
        return tampered(format!("audit record {seq} is of {rec_id}"));
    }
    if v.latest_seq != Some(seq) {
        return tampered(format!(
            "it is an older state: audit record {} is newer than {seq}",
            v.latest_seq.unwrap_or(0)
        ));
    }
    let mac = super::view::view_mac(key, hash, v.view);
    // Compared without an early exit.
    let diff = v.mac.len() ^ mac.len()
        | usize::from(
            mac.iter()
                .zip(v.mac.iter())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b)),
        );
    if diff != 0 {
        return tampered(format!("it is not bound to audit record {seq}"));
    }
    let reg = super::view::registration_of_view(v.view)?;
    if reg.id != id {
        return tampered(format!("it holds registration {}", reg.id));
    }
    Ok(reg)
}

/// Moves a cursor: the new cursor, or [`Error::AckBeyondOutbox`] when `seq` is past `last`.
pub(crate) fn advance_cursor(name: &str, cursor: u64, seq: u64, last: u64) -> Result<u64> {
    if seq > last {
        return Err(Error::AckBeyondOutbox {
            consumer: name.to_string(),
            seq,
            last,
        });
    }
    Ok(cursor.max(seq))
}

#[derive(Default)]
struct Inner {
    regs: std::collections::BTreeMap<String, (Registration, Summary)>,
    numbers: HashMap<String, String>,
    cohorts: HashMap<CohortIndexKey, String>,
    id_numbers: HashMap<String, std::collections::BTreeSet<String>>,
    audit: Vec<AuditRecord>,
    events: Vec<(u64, Event)>,
    /// Failed online attempts: principal, number (compact form), when.
    attempts: Vec<(String, String, DateTime<Utc>)>,
    slots: Vec<String>,
    slot_of: HashMap<String, u64>,
    signers: std::collections::BTreeMap<(String, u32), DateTime<Utc>>,
    cursors: HashMap<String, u64>,
    sent: HashMap<(String, String), DateTime<Utc>>,
    /// The audit record that wrote each registration.
    written_by: HashMap<String, u64>,
}

/// A store in memory, for tests and short-lived tools.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    key: Option<AuditKey>,
    damaged: std::sync::atomic::AtomicBool,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store whose audit chain is keyed with `key` (HMAC-SHA256).
    pub fn with_audit_key(key: AuditKey) -> Self {
        MemoryStore {
            key: Some(key),
            ..Self::default()
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>> {
        self.inner
            .lock()
            .map_err(|_| Error::Storage("memory store poisoned by a panic".into()))
    }
}

/// The numbers a registration is found by: its verification numbers and, when registered, the
/// transfer number of its archive transfer (both in compact upper-case form).
pub(crate) fn indexed_numbers(reg: &Registration) -> Vec<String> {
    let mut out: Vec<String> = reg
        .authorizations
        .iter()
        .map(|a| a.number.as_compact().to_string())
        .collect();
    if let Some(t) = transfer_number_of(reg) {
        out.push(t.as_compact().to_string());
    }
    out
}

/// The key under which a store keeps a registration unique: ID number (upper case), graduation
/// year (0 when the graduation date is not well formed) and education level.
pub type CohortIndexKey = (String, i32, String);

/// The cohort index key of a registration with basic information.
pub fn cohort_index_key(reg: &Registration) -> Option<CohortIndexKey> {
    let b = reg.basic.as_deref()?;
    Some((
        b.id_number.to_ascii_uppercase(),
        b.graduation_year().unwrap_or(0),
        b.education_level.clone(),
    ))
}

/// The transfer number (转递编号) of a registration's archive transfer, when it has a valid one.
pub(crate) fn transfer_number_of(reg: &Registration) -> Option<crate::codes::TransferNumber> {
    reg.destination
        .as_ref()
        .and_then(|d| d.archive.as_ref())
        .and_then(|a| a.transfer_number.as_deref())
        .and_then(|t| crate::codes::TransferNumber::parse(t).ok())
}

/// Serializes an audit entry canonically (compact JSON, declaration order).
pub(crate) fn entry_json(entry: &AuditEntry) -> Result<String> {
    Ok(serde_json::to_string(entry)?)
}

/// The audit entry of the commit `cm`, written as audit record `seq`, and its events, as a
/// store writes them: the entry's canonical JSON (which the chain hashes), the entry's stored
/// form and the events' stored forms, each made by `put(text, place)` (the store's packed form,
/// or the text sealed to `place` under data keys).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn entry_and_events<T>(
    cm: &Commit<'_>,
    seq: u64,
    put: impl Fn(String, &dyn Fn() -> Vec<u8>) -> Result<T>,
) -> Result<(String, T, Vec<T>)> {
    use super::at_rest::{audit_place, row_place, EVENT_PLACE};
    let id = &cm.outcome.registration.id;
    let json = entry_json(&cm.outcome.audit)?;
    let entry = put(json.clone(), &|| audit_place(id, seq))?;
    let events = cm
        .outcome
        .events
        .iter()
        .map(|e| put(serde_json::to_string(e)?, &|| row_place(EVENT_PLACE, id)))
        .collect::<Result<Vec<_>>>()?;
    Ok((json, entry, events))
}

/// The batch size from which a store's commit prepares its rows' documents on several threads
/// ([`prepare_all`]): below it the threads would cost more than they save.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) const PREPARE_IN_PARALLEL_FROM: usize = 64;

/// The most threads [`prepare_all`] uses: the machine's parallelism, at most four.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
fn prepare_threads() -> usize {
    static N: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *N.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get().min(4)))
}

/// `prepare(i, &items[i])` for every item, in order: on the calling thread alone for fewer than
/// [`PREPARE_IN_PARALLEL_FROM`] items (or a one-core machine), else on up to four threads, each
/// taking a contiguous part (scoped: every thread has ended when this returns). A store's
/// commit uses it for the work of each row that does not depend on the rows before it — a
/// registration's JSON, its hash, the packed or sealed documents, the summary —, so that only
/// the audit chain's hashes and the SQL writes stay sequential. The first error in item order
/// is returned; a panic in a thread is resumed here.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn prepare_all<T: Sync, U: Send>(
    items: &[T],
    prepare: impl Fn(usize, &T) -> Result<U> + Sync,
) -> Result<Vec<U>> {
    let threads = prepare_threads();
    if threads < 2 || items.len() < PREPARE_IN_PARALLEL_FROM {
        return items
            .iter()
            .enumerate()
            .map(|(i, t)| prepare(i, t))
            .collect();
    }
    let part = items.len().div_ceil(threads);
    let prepare = &prepare;
    let run = move |k: usize, chunk: &[T]| -> Result<Vec<U>> {
        chunk
            .iter()
            .enumerate()
            .map(|(i, t)| prepare(k * part + i, t))
            .collect()
    };
    std::thread::scope(|s| {
        let mut chunks = items.chunks(part).enumerate();
        let first = chunks.next();
        let others: Vec<_> = chunks
            .map(|(k, chunk)| s.spawn(move || run(k, chunk)))
            .collect();
        let mut out = match first {
            Some((k, chunk)) => run(k, chunk),
            None => Ok(Vec::new()),
        };
        for h in others {
            let r = match h.join() {
                Ok(r) => r,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            // Every thread is joined; the first error in item order wins.
            if let Ok(done) = &mut out {
                match r {
                    Ok(more) => done.extend(more),
                    Err(e) => out = Err(e),
                }
            }
        }
        out
    })
}

impl Store for MemoryStore {
    fn load(&self, id: &str) -> Result<Option<Registration>> {
        Ok(self.lock()?.regs.get(id).map(|(r, _)| r.clone()))
    }

    fn commit(&self, batch: &[Commit<'_>]) -> Result<()> {
        if self.damaged() {
            return Err(Error::WritesRefused);
        }
        let mut g = self.lock()?;
        // Check everything first so that a failure leaves the store as it was.
        let mut ids_seen: HashMap<&str, u64> = HashMap::new();
        let mut cohorts_claimed: HashMap<CohortIndexKey, &str> = HashMap::new();
        let mut transfers_claimed: HashMap<String, &str> = HashMap::new();
        for c in batch {
            let reg = &c.outcome.registration;
            let found = match ids_seen.get(reg.id.as_str()) {
                Some(v) => *v,
                None => g.regs.get(&reg.id).map_or(0, |(r, _)| r.version),
            };
            if found != c.expected_version {
                return Err(Error::Conflict {
                    id: reg.id.clone(),
                    expected: c.expected_version,
                    found,
                });
            }
            ids_seen.insert(&reg.id, reg.version);
            if let Some(key) = cohort_index_key(reg) {
                let other = cohorts_claimed
                    .get(&key)
                    .map(|s| s.to_string())
                    .or_else(|| g.cohorts.get(&key).cloned());
                if let Some(other) = other.filter(|o| o != &reg.id) {
                    return Err(Error::DuplicateIdNumber { other });
                }
                cohorts_claimed.insert(key, &reg.id);
            }
            if let Some(t) = transfer_number_of(reg) {
                let key = t.as_compact().to_string();
                let holder = transfers_claimed
                    .get(&key)
                    .map(|s| s.to_string())
                    .or_else(|| g.numbers.get(&key).cloned());
                if let Some(holder) = holder.filter(|o| o != &reg.id) {
                    return Err(Error::DuplicateTransferNumber {
                        number: t.to_string(),
                        holder,
                    });
                }
                transfers_claimed.insert(key, &reg.id);
            }
        }
        let mut head = g
            .audit
            .last()
            .map(|r| (r.seq, r.hash))
            .unwrap_or((0, [0; 32]));
        let mut jsons = Vec::with_capacity(batch.len());
        for c in batch {
            jsons.push((
                entry_json(&c.outcome.audit)?,
                registration_hash(&serde_json::to_string(&c.outcome.registration)?),
            ));
        }
        for (c, (json, rh)) in batch.iter().zip(jsons) {
            let reg = &c.outcome.registration;
            let old = g
                .regs
                .get(&reg.id)
                .map(|(o, _)| (cohort_index_key(o), transfer_number_of(o)));
            if let Some((old_key, old_transfer)) = old {
                if let Some(key) = old_key {
                    if g.cohorts.get(&key) == Some(&reg.id) {
                        g.cohorts.remove(&key);
                    }
                    if let Some(set) = g.id_numbers.get_mut(&key.0) {
                        set.remove(&reg.id);
                        if set.is_empty() {
                            g.id_numbers.remove(&key.0);
                        }
                    }
                }
                if let Some(t) = old_transfer.filter(|t| Some(*t) != transfer_number_of(reg)) {
                    if g.numbers.get(t.as_compact()) == Some(&reg.id) {
                        g.numbers.remove(t.as_compact());
                    }
                }
            }
            if let Some(key) = cohort_index_key(reg) {
                g.id_numbers
                    .entry(key.0.clone())
                    .or_default()
                    .insert(reg.id.clone());
                g.cohorts.insert(key, reg.id.clone());
            }
            for n in indexed_numbers(reg) {
                g.numbers.insert(n, reg.id.clone());
            }
            let summary = Summary::of(reg, c.outcome.audit.at);
            g.regs.insert(reg.id.clone(), (reg.clone(), summary));
            let hash = record_hash(self.key.as_ref(), &head.1, &json, Some(&rh));
            g.audit.push(AuditRecord {
                seq: head.0 + 1,
                entry_json: json,
                prev_hash: head.1,
                hash,
                registration_hash: Some(rh),
            });
            head = (head.0 + 1, hash);
            g.written_by.insert(reg.id.clone(), head.0);
            for e in &c.outcome.events {
                let seq = g.events.len() as u64 + 1;
                g.events.push((seq, e.clone()));
            }
        }
        Ok(())
    }

    fn find_by_number(&self, number: &str) -> Result<Option<String>> {
        Ok(self.lock()?.numbers.get(number).cloned())
    }

    fn find_by_id_number(&self, id_number: &str) -> Result<Vec<String>> {
        Ok(self
            .lock()?
            .id_numbers
            .get(&id_number.to_ascii_uppercase())
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default())
    }

    fn summaries(&self, filter: &Filter) -> Result<Vec<Summary>> {
        Ok(self
            .lock()?
            .regs
            .values()
            .filter(|(_, s)| filter.matches(s))
            .map(|(_, s)| s.clone())
            .collect())
    }

    fn for_each(&self, f: &mut dyn FnMut(Registration) -> Result<()>) -> Result<()> {
        let regs: Vec<Registration> = self.lock()?.regs.values().map(|(r, _)| r.clone()).collect();
        for r in regs {
            f(r)?;
        }
        Ok(())
    }

    fn count(&self) -> Result<u64> {
        Ok(self.lock()?.regs.len() as u64)
    }

    fn audit(&self, registration_id: Option<&str>) -> Result<Vec<AuditRecord>> {
        let g = self.lock()?;
        let mut out = Vec::new();
        for r in &g.audit {
            if let Some(id) = registration_id {
                if r.entry()?.registration_id != id {
                    continue;
                }
            }
            out.push(r.clone());
        }
        Ok(out)
    }

    fn audit_head(&self) -> Result<ChainHead> {
        Ok(self
            .lock()?
            .audit
            .last()
            .map(|r| ChainHead {
                seq: r.seq,
                hash: r.hash,
            })
            .unwrap_or_default())
    }

    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<(u64, Event)>> {
        Ok(self
            .lock()?
            .events
            .iter()
            .filter(|(s, _)| *s > after)
            .take(limit)
            .cloned()
            .collect())
    }

    fn online_attempt(
        &self,
        key: &AttemptKey<'_>,
        judge: &mut dyn FnMut(&Failures, Candidate) -> bool,
    ) -> Result<()> {
        let mut inner = self.lock()?;
        let number = key.number.as_compact();
        let failures = count_failures(
            inner
                .attempts
                .iter()
                .filter(|(_, _, at)| *at >= key.since)
                .map(|(p, n, _)| (p.as_str(), n.as_str())),
            key.principal.as_str(),
            number,
        );
        // The same work on both paths: one index probe, then one registration cloned — the
        // holder of the number, or the first one stored as the decoy.
        let holder = inner.numbers.get(number);
        let found = holder.is_some();
        let id = holder.or_else(|| inner.regs.keys().next());
        let registration = id.and_then(|id| inner.regs.get(id)).map(|(r, _)| r.clone());
        let candidate = Candidate {
            found,
            registration,
        };
        if judge(&failures, candidate) {
            inner.attempts.push((
                key.principal.as_str().to_string(),
                number.to_string(),
                key.at,
            ));
        }
        Ok(())
    }

    fn record_token(&self, number: &str, key_id: u32, at: DateTime<Utc>) -> Result<u64> {
        let mut inner = self.lock()?;
        let inner = &mut *inner;
        inner
            .signers
            .entry((number.to_string(), key_id))
            .or_insert(at);
        if let Some(&slot) = inner.slot_of.get(number) {
            return Ok(slot);
        }
        let slot = inner.slots.len() as u64;
        inner.slots.push(number.to_string());
        inner.slot_of.insert(number.to_string(), slot);
        Ok(slot)
    }

    fn signing_keys(&self, number: &str) -> Result<Vec<(u32, DateTime<Utc>)>> {
        Ok(self
            .lock()?
            .signers
            .iter()
            .filter(|((n, _), _)| n == number)
            .map(|((_, k), at)| (*k, *at))
            .collect())
    }

    fn status_slots(&self) -> Result<Vec<(u64, String)>> {
        Ok(self
            .lock()?
            .slots
            .iter()
            .enumerate()
            .map(|(i, n)| (i as u64, n.clone()))
            .collect())
    }

    fn last_event_seq(&self) -> Result<u64> {
        Ok(self.lock()?.events.last().map_or(0, |(s, _)| *s))
    }

    fn consumer_cursor(&self, name: &str) -> Result<u64> {
        Ok(self.lock()?.cursors.get(name).copied().unwrap_or(0))
    }

    fn ack(&self, name: &str, seq: u64) -> Result<u64> {
        let mut g = self.lock()?;
        let last = g.events.last().map_or(0, |(s, _)| *s);
        let cursor = g.cursors.get(name).copied().unwrap_or(0);
        let next = advance_cursor(name, cursor, seq, last)?;
        g.cursors.insert(name.to_string(), next);
        Ok(next)
    }

    fn mark_sent(&self, consumer: &str, id: &str, at: DateTime<Utc>) -> Result<bool> {
        let mut g = self.lock()?;
        let key = (consumer.to_string(), id.to_string());
        if g.sent.contains_key(&key) {
            return Ok(false);
        }
        g.sent.insert(key, at);
        Ok(true)
    }

    fn sent_at(&self, consumer: &str, id: &str) -> Result<Option<DateTime<Utc>>> {
        Ok(self
            .lock()?
            .sent
            .get(&(consumer.to_string(), id.to_string()))
            .copied())
    }

    fn stored_rows(&self, f: &mut dyn FnMut(StoredRow) -> Result<()>) -> Result<()> {
        let rows: Vec<StoredRow> = {
            let g = self.lock()?;
            let mut rows = Vec::with_capacity(g.regs.len());
            for (id, (reg, _)) in &g.regs {
                rows.push(StoredRow {
                    id: id.clone(),
                    audit_seq: g.written_by.get(id).copied(),
                    data: serde_json::to_string(reg)?,
                });
            }
            rows
        };
        for r in rows {
            f(r)?;
        }
        Ok(())
    }

    fn number_index(&self) -> Result<Vec<(String, String)>> {
        let mut out: Vec<(String, String)> = self
            .lock()?
            .numbers
            .iter()
            .map(|(n, id)| (n.clone(), id.clone()))
            .collect();
        out.sort();
        Ok(out)
    }

    fn audit_key(&self) -> Option<AuditKey> {
        self.key.clone()
    }

    fn mark_damaged(&self) {
        self.damaged
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    fn damaged(&self) -> bool {
        self.damaged.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[cfg(all(test, any(feature = "sqlite", feature = "postgres")))]
mod tests {
    use super::*;

    /// Each item's result, in item order, whatever the batch's size (below the threshold, at
    /// it, and split over threads).
    #[test]
    fn prepare_all_keeps_the_order_of_the_items() {
        for n in [
            0,
            1,
            PREPARE_IN_PARALLEL_FROM - 1,
            PREPARE_IN_PARALLEL_FROM,
            PREPARE_IN_PARALLEL_FROM + 1,
            1_001,
        ] {
            let items: Vec<u64> = (0..n as u64).map(|i| i * 7 + 3).collect();
            let out = prepare_all(&items, |i, v| Ok((i, v * 2))).unwrap();
            let want: Vec<(usize, u64)> =
                items.iter().enumerate().map(|(i, v)| (i, v * 2)).collect();
            assert_eq!(out, want, "{n} items");
        }
    }

    /// The error of the first failing item in item order, even when a later part (on another
    /// thread) fails too.
    #[test]
    fn prepare_all_returns_the_first_error_in_item_order() {
        let items: Vec<usize> = (0..1_000).collect();
        for failing in [[3, 990], [600, 999], [999, 999]] {
            let e = prepare_all(&items, |i, _| {
                if failing.contains(&i) {
                    Err(Error::Storage(format!("item {i}").into()))
                } else {
                    Ok(i)
                }
            })
            .unwrap_err();
            assert_eq!(
                e.to_string(),
                Error::Storage(format!("item {}", failing[0]).into()).to_string()
            );
        }
    }
}
