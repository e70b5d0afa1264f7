//! # gradreg
//!
//! The core of China's graduate destination registration (高校毕业生毕业去向登记): records and
//! their validation, the registration state machine, verification and transfer numbers,
//! signed tokens and their verification, reminders, the registry, and the registration forms
//! (SVG, PDF and PNG with the `render` feature).
//!
//! The state machine is a pure function ([`lifecycle::apply`]): time, policy and randomness are
//! passed in, so every step is deterministic and testable.
//!
//! ```
//! use gradreg::{apply, Actor, Command, Context, Policy, Registration};
//! use chrono::TimeZone;
//!
//! let policy = Policy::jiangsu();
//! let now = chrono::Utc.with_ymd_and_hms(2026, 5, 1, 2, 0, 0).unwrap();
//! let ctx = Context::new(now, &policy);
//! let reg = Registration::new("10284:2022001");
//! // A graduate cannot act before the school uploads basic information.
//! let err = apply(&reg, &Actor::Graduate { id_number: "x".into() }, &Command::Login, &ctx).unwrap_err();
//! assert_eq!(err.code(), 202);
//! ```
#![deny(missing_docs)]

mod access;
pub mod codes;
pub mod cohort;
pub mod disclosure;
pub mod error;
pub mod error_code;
pub mod files;
pub mod forms;
pub mod lifecycle;
pub mod limits;
pub mod names;
pub mod notify;
pub mod policy;
mod problem;
pub mod records;
pub mod registry;
pub mod reminders;
pub mod roster;
pub mod sample;
#[cfg(feature = "schema")]
pub mod schema;
pub mod tables;
pub mod validate;

pub use codes::{
    decode_token, issue_token, verify_token, verify_token_offline, Algorithm, AttemptKey,
    AttemptLog, Candidate, DecodedToken, EntryStatus, Failures, Finding, IssueOptions, Key, KeyId,
    KeyRing, KeySet, KeyStore, LookupAttempts, MemoryAttemptLog, MemoryRegistry, OfflineFinding,
    OnlineNumber, OnlineVerifier, Principal, RegistryLookup, RegistryStatus, ScanOptions,
    ScanOutcome, StatusAnswer, StatusCheck, StatusList, StatusLists, StatusPointer, StatusSource,
    Step, TokenClaims, TransferNumber, Unavailable, UncheckedReason, Verdict, VerdictKind,
    VerificationNumber,
};
pub use cohort::{generate, roster_csv, Cohort, CohortSpec, Graduate};
pub use disclosure::{Disclosure, Masking};
pub use error::{Cause, Error, Result};
pub use error_code::ErrorCode;
pub use lifecycle::{
    apply, Actor, AuditEntry, AuthState, AuthStatus, Authorization, BasicStatus, Command, Context,
    DestinationStatus, Event, EventKind, LoginReason, Outcome, Recipient, Registration, Role,
    Section, Sections, Stage, VoidRequest, VoidStage,
};
pub use lifecycle::{
    check_instant, check_registration_id, CohortKey, FIRST_INSTANT_UNIX, LAST_INSTANT_UNIX,
    MAX_REGISTRATION_ID_BYTES,
};
pub use limits::Limits;
pub use policy::{Batch, Deadlines, MonthDay, Policy, ValidityBounds};
pub use records::{
    Abroad, AgreementStatus, ArchiveMethod, ArchiveTransfer, BasicInfo, ChsiAccount, Destination,
    DestinationData, Employer, Enterprise, HukouMigration, HukouReason, Study,
};
pub use registry::{
    database_path, DestinationImportReport, ImportMode, ImportReport, OpenOptions, Query, Registry,
    Statistics, StoreUrl, UploadResult,
};
pub use reminders::{
    reminders, reminders_for, Reminder, ReminderKind, ReminderOptions, MAX_REMINDER_DAYS,
};
pub use roster::{
    parse_destinations, parse_roster, parse_roster_file, preview_header, scan_roster, CellProblem,
    ColumnUse, ColumnUseKind, Encoding, Format, HeaderAliases, HeaderPreview, HeaderRole,
    HeaderStyle, ParsedRoster, RosterNotice, RosterOptions, RosterRow, RosterScan,
};
pub use tables::{Category, CodeTables, RegionPeriod, Table};
pub use validate::{Notice, NoticeCode, Problem, ProblemCode, Validate};
