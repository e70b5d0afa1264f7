//! Tokens, key rings and verification, end to end over registrations walked through the state
//! machine.

use std::cell::Cell;

use chrono::{DateTime, Duration, Utc};
use gradreg::codes::token::{base32_decode, base32_encode, issue_raw, split_prefix};
use gradreg::codes::verify::{department_section, names_match};
use gradreg::{
    apply, decode_token, issue_token, sample, verify_token, Actor, AuthState, AuthStatus,
    CodeTables, Command, Context, Disclosure, IssueOptions, Key, KeyId, KeyRing, Masking,
    MemoryAttemptLog, MemoryRegistry, OnlineVerifier, Policy, Registration, RegistryLookup,
    RegistryStatus, ScanOptions, Section, StatusAnswer, StatusSource, Step, TransferNumber,
    Unavailable, VerdictKind, VerificationNumber,
};

fn t(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap()
}

const ISSUED: i64 = 1_780_000_000;

fn archive_dept() -> Actor {
    Actor::ArchiveDept {
        id: "a1".into(),
        name: "南京市人才服务中心".into(),
    }
}

fn hukou_dept() -> Actor {
    Actor::HukouDept {
        id: "h1".into(),
        name: "宁海路派出所".into(),
    }
}

fn hmac_ring() -> KeyRing {
    let mut r = KeyRing::new();
    r.add_active(Key::hmac(
        KeyId(7),
        &std::array::from_fn::<u8, 32, _>(|i| i as u8 * 3 + 1),
    ))
    .unwrap();
    r
}

fn ed_ring() -> KeyRing {
    let mut r = KeyRing::new();
    r.add_active(Key::ed25519_signing(
        KeyId(9),
        &std::array::from_fn(|i| (i as u8).wrapping_mul(11) ^ 0x5c),
    ))
    .unwrap();
    r
}

struct Fixture {
    registry: MemoryRegistry,
    reg: Registration,
    transfer: TransferNumber,
}

fn fixture() -> Fixture {
    let transfer = TransferNumber::from_entropy(&[0x33; 16]);
    let reg =
        sample::authorized_registration("g1", t(ISSUED), 30, [0x21; 16], Some(transfer)).unwrap();
    let mut registry = MemoryRegistry::new();
    registry.insert(reg.clone());
    Fixture {
        registry,
        reg,
        transfer,
    }
}

fn disclosure(reg: &Registration, section: Section) -> Disclosure {
    Disclosure::build(
        reg,
        &reg.authorizations[0],
        section,
        CodeTables::builtin(),
        Masking::default(),
    )
    .unwrap()
}

fn token(ring: &KeyRing, reg: &Registration, section: Section, embed: bool) -> String {
    issue_token(
        ring,
        &reg.authorizations[0],
        &disclosure(reg, section),
        &IssueOptions {
            prefix: String::new(),
            embed_disclosure: embed,
            ..IssueOptions::default()
        },
    )
    .unwrap()
}

fn status(reg: &MemoryRegistry) -> RegistryStatus<'_, MemoryRegistry> {
    RegistryStatus {
        lookup: reg,
        tables: CodeTables::builtin(),
        masking: Masking::default(),
    }
}

fn scan(
    tok: &str,
    ring: &KeyRing,
    who: &Actor,
    now: i64,
    f: &Fixture,
) -> (VerdictKind, Option<Step>) {
    let o = verify_token(
        tok,
        ring,
        who,
        t(now),
        &status(&f.registry),
        &ScanOptions::default(),
    );
    (o.verdict.kind(), o.failed_at)
}

#[test]
fn valid_tokens_verify_with_the_sections_disclosure() {
    let f = fixture();
    for ring in [hmac_ring(), ed_ring()] {
        for embed in [false, true] {
            for (section, who) in [
                (Section::Archive, archive_dept()),
                (Section::Hukou, hukou_dept()),
            ] {
                let tok = token(&ring, &f.reg, section, embed);
                assert!(tok.starts_with("GR1."));
                assert!(gradreg::codes::token::is_qr_alphanumeric(&tok));
                let o = verify_token(
                    &tok,
                    &ring,
                    &who,
                    t(ISSUED + 3600),
                    &status(&f.registry),
                    &ScanOptions::default(),
                );
                assert_eq!(o.failed_at, None);
                let d = o.verdict.disclosure().expect("valid");
                assert_eq!(d, &disclosure(&f.reg, section));
                assert_eq!(d.section, section);
                assert_eq!(d.archive.is_some(), section == Section::Archive);
                assert_eq!(d.hukou.is_some(), section == Section::Hukou);
                let id = sample::basic_info().id_number;
                assert_eq!(
                    d.identity.id_number_masked,
                    format!("{}********{}", &id[..6], &id[14..])
                );
                let claims = o.token.unwrap().claims;
                assert_eq!(claims.number, f.reg.authorizations[0].number);
                assert_eq!(claims.issued_at, t(ISSUED));
                assert_eq!(claims.expires_at, t(ISSUED) + Duration::days(30));
            }
        }
    }
}

#[test]
fn embedded_disclosure_never_carries_private_fields() {
    let f = fixture();
    let b = sample::basic_info();
    for section in [Section::Archive, Section::Hukou] {
        let tok = token(&hmac_ring(), &f.reg, section, true);
        let bytes = base32_decode(split_prefix(&tok).1.strip_prefix("GR1.").unwrap()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains(&b.name));
        assert!(!text.contains(&b.id_number));
        assert!(!text.contains(&b.phone));
        assert!(!text.contains(&b.email));
        assert!(!text.contains("ethnicity") && !text.contains("political"));
        // Offline: the disclosure comes from the token itself even when the source has none.
        struct NoContent;
        impl StatusSource for NoContent {
            fn status(
                &self,
                _: &VerificationNumber,
                _: Section,
                _: DateTime<Utc>,
            ) -> Result<StatusAnswer, Unavailable> {
                Ok(StatusAnswer::Known {
                    status: AuthStatus::Valid,
                    disclosure: None,
                })
            }
        }
        let who = if section == Section::Archive {
            archive_dept()
        } else {
            hukou_dept()
        };
        let o = verify_token(
            &tok,
            &hmac_ring(),
            &who,
            t(ISSUED + 1),
            &NoContent,
            &ScanOptions::default(),
        );
        assert!(o.verdict.is_valid());
        // Without an embedded disclosure and none from the source, nothing can be shown.
        let bare = token(&hmac_ring(), &f.reg, section, false);
        let o = verify_token(
            &bare,
            &hmac_ring(),
            &who,
            t(ISSUED + 1),
            &NoContent,
            &ScanOptions::default(),
        );
        assert_eq!(
            (o.verdict.kind(), o.failed_at),
            (VerdictKind::Indeterminate, Some(Step::Status))
        );
    }
}

#[test]
fn every_failing_step_gives_its_verdict() {
    let f = fixture();
    let ring = hmac_ring();
    let tok = token(&ring, &f.reg, Section::Archive, false);
    let now = ISSUED + 60;
    let a = archive_dept();
    // Time window: expiry is exclusive; the leeway tolerates a slow clock of 5 minutes.
    let end = ISSUED + 30 * 86_400;
    assert_eq!(scan(&tok, &ring, &a, end - 1, &f).0, VerdictKind::Valid);
    assert_eq!(
        scan(&tok, &ring, &a, end, &f),
        (VerdictKind::Expired, Some(Step::TimeWindow))
    );
    assert_eq!(
        scan(&tok, &ring, &a, ISSUED - 300, &f).1,
        Some(Step::Status)
    );
    assert_eq!(
        scan(&tok, &ring, &a, ISSUED - 301, &f),
        (VerdictKind::NotYetValid, Some(Step::TimeWindow))
    );
    // Section against department.
    assert_eq!(
        scan(&tok, &ring, &hukou_dept(), now, &f),
        (VerdictKind::WrongSection, Some(Step::Section))
    );
    assert_eq!(
        scan(
            &tok,
            &ring,
            &Actor::SchoolOffice {
                id: "s".into(),
                school: "10327".into(),
            },
            now,
            &f
        ),
        (VerdictKind::WrongSection, Some(Step::Section))
    );
    // Prefix, decoding, key id, signature.
    assert_eq!(
        scan(&tok.replacen("GR1.", "GR3.", 1), &ring, &a, now, &f),
        (VerdictKind::Malformed, Some(Step::Prefix))
    );
    // A format-1 body under the format-2 tag: the version byte disagrees with the tag.
    assert_eq!(
        scan(&tok.replacen("GR1.", "GR2.", 1), &ring, &a, now, &f),
        (VerdictKind::Malformed, Some(Step::Decoding))
    );
    assert_eq!(
        scan(&tok.to_lowercase(), &ring, &a, now, &f),
        (VerdictKind::Malformed, Some(Step::Prefix))
    );
    assert_eq!(
        scan(&format!("{tok}1"), &ring, &a, now, &f),
        (VerdictKind::Malformed, Some(Step::Decoding))
    );
    assert_eq!(
        scan(&tok[..60], &ring, &a, now, &f),
        (VerdictKind::Malformed, Some(Step::Decoding))
    );
    assert_eq!(
        scan(&tok, &ed_ring(), &a, now, &f),
        (VerdictKind::UnknownKey, Some(Step::KeyId))
    );
    let mut other = KeyRing::new();
    other
        .add_active(Key::hmac(KeyId(7), &[0x42u8, 0x43].repeat(16)))
        .unwrap();
    assert_eq!(
        scan(&tok, &other, &a, now, &f),
        (VerdictKind::BadSignature, Some(Step::Signature))
    );
    // A changed field is a bad signature, never read as content: flip the section byte.
    let (_, body) = split_prefix(&tok);
    let mut bytes = base32_decode(&body[4..]).unwrap();
    bytes[7] = 2;
    let forged = format!("GR1.{}", base32_encode(&bytes));
    assert_eq!(
        scan(&forged, &ring, &hukou_dept(), now, &f),
        (VerdictKind::BadSignature, Some(Step::Signature))
    );
    // Unreachable status: indeterminate, never valid.
    struct Down;
    impl StatusSource for Down {
        fn status(
            &self,
            _: &VerificationNumber,
            _: Section,
            _: DateTime<Utc>,
        ) -> Result<StatusAnswer, Unavailable> {
            Err(Unavailable)
        }
    }
    let o = verify_token(&tok, &ring, &a, t(now), &Down, &ScanOptions::default());
    assert_eq!(
        (o.verdict.kind(), o.failed_at),
        (VerdictKind::Indeterminate, Some(Step::Status))
    );
    // Unknown to the registry.
    let empty = MemoryRegistry::new();
    let o = verify_token(
        &tok,
        &ring,
        &a,
        t(now),
        &status(&empty),
        &ScanOptions::default(),
    );
    assert_eq!(o.verdict.kind(), VerdictKind::NoMatch);
    // Required prefix.
    let opts = ScanOptions {
        required_prefix: Some("HTTPS://V.EXAMPLE.CN/".into()),
        ..ScanOptions::default()
    };
    let o = verify_token(&tok, &ring, &a, t(now), &status(&f.registry), &opts);
    assert_eq!(
        (o.verdict.kind(), o.failed_at),
        (VerdictKind::Malformed, Some(Step::Prefix))
    );
    let o = verify_token(
        &format!("HTTPS://V.EXAMPLE.CN/{tok}"),
        &ring,
        &a,
        t(now),
        &status(&f.registry),
        &opts,
    );
    assert!(o.verdict.is_valid());
}

#[test]
fn revoked_and_superseded_authorizations_never_verify() {
    let f = fixture();
    let ring = ed_ring();
    let tok = token(&ring, &f.reg, Section::Archive, true);
    let number = f.reg.authorizations[0].number;
    // Revoked through the state machine.
    let policy = Policy::national();
    let ctx = Context::new(t(ISSUED + 100), &policy);
    let graduate = Actor::Graduate {
        id_number: sample::basic_info().id_number,
    };
    let revoked = apply(
        &f.reg,
        &graduate,
        &Command::RevokeAuthorization { number },
        &ctx,
    )
    .unwrap()
    .registration;
    let mut registry = MemoryRegistry::new();
    registry.insert(revoked);
    let o = verify_token(
        &tok,
        &ring,
        &archive_dept(),
        t(ISSUED + 200),
        &status(&registry),
        &ScanOptions::default(),
    );
    assert_eq!(
        (o.verdict.kind(), o.failed_at),
        (VerdictKind::Revoked, Some(Step::Status))
    );
    // Superseded state.
    let mut sup = f.reg.clone();
    sup.authorizations[0].state = AuthState::Superseded;
    registry.insert(sup);
    let o = verify_token(
        &tok,
        &ring,
        &archive_dept(),
        t(ISSUED + 200),
        &status(&registry),
        &ScanOptions::default(),
    );
    assert_eq!(o.verdict.kind(), VerdictKind::Superseded);
    // Data changed under an active authorization: the registry's content no longer matches.
    let mut changed = f.reg.clone();
    changed.data_version += 1;
    registry.insert(changed);
    let o = verify_token(
        &tok,
        &ring,
        &archive_dept(),
        t(ISSUED + 200),
        &status(&registry),
        &ScanOptions::default(),
    );
    assert_eq!(o.verdict.kind(), VerdictKind::Superseded);
    // Content on record differing from the signed digest is superseded too.
    struct Other(Disclosure);
    impl StatusSource for Other {
        fn status(
            &self,
            _: &VerificationNumber,
            _: Section,
            _: DateTime<Utc>,
        ) -> Result<StatusAnswer, Unavailable> {
            Ok(StatusAnswer::Known {
                status: AuthStatus::Valid,
                disclosure: Some(Box::new(self.0.clone())),
            })
        }
    }
    let mut d = disclosure(&f.reg, Section::Archive);
    d.identity.name = "李四".into();
    let o = verify_token(
        &tok,
        &ring,
        &archive_dept(),
        t(ISSUED + 200),
        &Other(d),
        &ScanOptions::default(),
    );
    assert_eq!(o.verdict.kind(), VerdictKind::Superseded);
}

#[test]
fn rotation_and_public_verification() {
    let f = fixture();
    let mut ring = hmac_ring();
    let old = token(&ring, &f.reg, Section::Archive, false);
    ring.add_active(Key::ed25519_signing(
        KeyId(8),
        &std::array::from_fn(|i| i as u8 ^ 0xa7),
    ))
    .unwrap();
    let new = token(&ring, &f.reg, Section::Archive, false);
    let now = ISSUED + 10;
    assert_eq!(
        scan(&old, &ring, &archive_dept(), now, &f).0,
        VerdictKind::Valid
    );
    assert_eq!(
        scan(&new, &ring, &archive_dept(), now, &f).0,
        VerdictKind::Valid
    );
    // A third party with only the public key verifies the Ed25519 token, not the HMAC one.
    let public = ring.public_only();
    assert_eq!(
        scan(&new, &public, &archive_dept(), now, &f).0,
        VerdictKind::Valid
    );
    assert_eq!(
        scan(&old, &public, &archive_dept(), now, &f).0,
        VerdictKind::UnknownKey
    );
    // The key id in the token is the signer's.
    assert_eq!(decode_token(&old, &ring).unwrap().claims.key_id, KeyId(7));
    assert_eq!(decode_token(&new, &ring).unwrap().claims.key_id, KeyId(8));
}

#[test]
fn issuing_refuses_what_cannot_be_encoded() {
    let f = fixture();
    let ring = hmac_ring();
    let d = disclosure(&f.reg, Section::Archive);
    let auth = &f.reg.authorizations[0];
    for prefix in [
        "https://v.example.cn/",
        "HTTPS://V.EXAMPLE.CN",
        "HTTPS://V.EXAMPLE.CN/?A=",
    ] {
        let opts = IssueOptions {
            prefix: prefix.into(),
            embed_disclosure: false,
            ..IssueOptions::default()
        };
        assert_eq!(
            issue_token(&ring, auth, &d, &opts).unwrap_err().code(),
            309,
            "{prefix}"
        );
    }
    let opts = IssueOptions {
        prefix: "HTTPS://V.EXAMPLE.CN/V/".into(),
        embed_disclosure: false,
        ..IssueOptions::default()
    };
    let tok = issue_token(&ring, auth, &d, &opts).unwrap();
    assert!(tok.starts_with("HTTPS://V.EXAMPLE.CN/V/GR1."));
    assert_eq!(
        decode_token(&tok, &ring).unwrap().prefix,
        "HTTPS://V.EXAMPLE.CN/V/"
    );
    // A section not registered at authorization time cannot be issued.
    let mut no_hukou = auth.clone();
    no_hukou.sections.hukou = false;
    let dh = disclosure(&f.reg, Section::Hukou);
    assert_eq!(
        issue_token(&ring, &no_hukou, &dh, &IssueOptions::default())
            .unwrap_err()
            .code(),
        221
    );
    // No active key; times before 1970; expiry not after issue.
    assert_eq!(
        issue_token(&KeyRing::new(), auth, &d, &IssueOptions::default())
            .unwrap_err()
            .code(),
        308
    );
    let n = auth.number;
    let o = IssueOptions::default();
    assert_eq!(
        issue_raw(&ring, Section::Archive, &n, t(-5), t(10), &d, &o)
            .unwrap_err()
            .code(),
        309
    );
    assert_eq!(
        issue_raw(&ring, Section::Archive, &n, t(10), t(10), &d, &o)
            .unwrap_err()
            .code(),
        309
    );
    assert_eq!(
        issue_raw(&ring, Section::Hukou, &n, t(1), t(10), &d, &o)
            .unwrap_err()
            .code(),
        309
    );
}

/// A lookup that counts how often it is asked.
struct Spy<'a> {
    inner: &'a MemoryRegistry,
    calls: Cell<u32>,
    down: bool,
}

impl RegistryLookup for Spy<'_> {
    fn by_verification_number(
        &self,
        n: &VerificationNumber,
    ) -> Result<Option<Registration>, Unavailable> {
        self.calls.set(self.calls.get() + 1);
        if self.down {
            return Err(Unavailable);
        }
        self.inner.by_verification_number(n)
    }
    fn by_transfer_number(&self, n: &TransferNumber) -> Result<Option<Registration>, Unavailable> {
        self.calls.set(self.calls.get() + 1);
        if self.down {
            return Err(Unavailable);
        }
        self.inner.by_transfer_number(n)
    }
}

#[test]
fn online_verification_by_name_and_number() {
    let f = fixture();
    let v = OnlineVerifier::new(CodeTables::builtin());
    let log = MemoryAttemptLog::new();
    let spy = Spy {
        inner: &f.registry,
        calls: Cell::new(0),
        down: false,
    };
    let name = sample::basic_info().name;
    let number = f.reg.authorizations[0].number;
    let now = t(ISSUED + 3600);
    let shown = number.to_string().to_lowercase();
    let r = v.verify(
        &principal_of(&archive_dept()),
        &archive_dept(),
        &name,
        &shown,
        now,
        &spy,
        &log,
    );
    assert_eq!(r.disclosure(), Some(&disclosure(&f.reg, Section::Archive)));
    let r = v.verify(
        &principal_of(&hukou_dept()),
        &hukou_dept(),
        " 张 明",
        number.as_compact(),
        now,
        &spy,
        &log,
    );
    assert_eq!(r.disclosure(), Some(&disclosure(&f.reg, Section::Hukou)));
    // By transfer number.
    let r = v.verify(
        &principal_of(&archive_dept()),
        &archive_dept(),
        &name,
        &f.transfer.to_string(),
        now,
        &spy,
        &log,
    );
    assert_eq!(r.disclosure(), Some(&disclosure(&f.reg, Section::Archive)));
    assert_eq!(spy.calls.get(), 3);
    // A typo is caught before any lookup and not counted.
    let mut typo = number.as_compact().to_string();
    let c = if typo.starts_with('0') { "1" } else { "0" };
    typo.replace_range(0..1, c);
    assert_eq!(
        v.verify(
            &principal_of(&archive_dept()),
            &archive_dept(),
            &name,
            &typo,
            now,
            &spy,
            &log
        )
        .kind(),
        VerdictKind::Typo
    );
    let mut ttypo = f.transfer.as_compact().to_string();
    let c = if ttypo[5..6] == *"0" { "1" } else { "0" };
    ttypo.replace_range(5..6, c);
    assert_eq!(
        v.verify(
            &principal_of(&archive_dept()),
            &archive_dept(),
            &name,
            &ttypo,
            now,
            &spy,
            &log
        )
        .kind(),
        VerdictKind::Typo
    );
    assert_eq!(
        v.verify(
            &principal_of(&archive_dept()),
            &archive_dept(),
            &name,
            "12-34",
            now,
            &spy,
            &log
        )
        .kind(),
        VerdictKind::Malformed
    );
    assert_eq!(spy.calls.get(), 3);
    assert_eq!(
        log.failures(Some("archive_dept:a1"), None, t(0)).unwrap(),
        0
    );
    // Wrong name and unknown number: the same verdict, one failure each.
    let unknown = VerificationNumber::from_entropy(&[0x77; 16]);
    assert_eq!(
        v.verify(
            &principal_of(&archive_dept()),
            &archive_dept(),
            "张敏",
            &number.to_string(),
            now,
            &spy,
            &log
        )
        .kind(),
        VerdictKind::NoMatch
    );
    assert_eq!(
        v.verify(
            &principal_of(&archive_dept()),
            &archive_dept(),
            &name,
            &unknown.to_string(),
            now,
            &spy,
            &log
        )
        .kind(),
        VerdictKind::NoMatch
    );
    assert_eq!(
        log.failures(Some("archive_dept:a1"), None, t(0)).unwrap(),
        2
    );
    // Statuses.
    assert_eq!(
        v.verify(
            &principal_of(&archive_dept()),
            &archive_dept(),
            &name,
            &shown,
            t(ISSUED + 31 * 86_400),
            &spy,
            &log
        )
        .kind(),
        VerdictKind::Expired
    );
    assert_eq!(
        v.verify(
            &principal_of(&archive_dept()),
            &archive_dept(),
            &name,
            &shown,
            t(ISSUED - 1),
            &spy,
            &log
        )
        .kind(),
        VerdictKind::NotYetValid
    );
    assert_eq!(
        v.verify(
            &principal_of(&Actor::Chsi),
            &Actor::Chsi,
            &name,
            &shown,
            now,
            &spy,
            &log
        )
        .kind(),
        VerdictKind::WrongSection
    );
    let down = Spy {
        inner: &f.registry,
        calls: Cell::new(0),
        down: true,
    };
    assert_eq!(
        v.verify(
            &principal_of(&archive_dept()),
            &archive_dept(),
            &name,
            &shown,
            now,
            &down,
            &log
        )
        .kind(),
        VerdictKind::Indeterminate
    );
    let mut reg = f.reg.clone();
    reg.authorizations[0].state = AuthState::Revoked;
    let mut registry = MemoryRegistry::new();
    registry.insert(reg.clone());
    assert_eq!(
        v.verify(
            &principal_of(&archive_dept()),
            &archive_dept(),
            &name,
            &shown,
            now,
            &registry,
            &log
        )
        .kind(),
        VerdictKind::Revoked
    );
    reg.authorizations[0].state = AuthState::Active;
    reg.authorizations[0].sections.hukou = false;
    registry.insert(reg);
    assert_eq!(
        v.verify(
            &principal_of(&hukou_dept()),
            &hukou_dept(),
            &name,
            &shown,
            now,
            &registry,
            &log
        )
        .kind(),
        VerdictKind::WrongSection
    );
}

#[test]
fn failures_are_limited_per_verifier_within_the_window() {
    let f = fixture();
    let mut v = OnlineVerifier::new(CodeTables::builtin());
    v.limit = 3;
    v.window = Duration::minutes(10);
    let log = MemoryAttemptLog::new();
    let name = sample::basic_info().name;
    let number = f.reg.authorizations[0].number.to_string();
    let now = t(ISSUED + 60);
    for _ in 0..3 {
        assert_eq!(
            v.verify(
                &principal_of(&archive_dept()),
                &archive_dept(),
                "王五",
                &number,
                now,
                &f.registry,
                &log
            )
            .kind(),
            VerdictKind::NoMatch
        );
    }
    // Past the limit even the right name is refused, for this verifier only.
    assert_eq!(
        v.verify(
            &principal_of(&archive_dept()),
            &archive_dept(),
            &name,
            &number,
            now,
            &f.registry,
            &log
        )
        .kind(),
        VerdictKind::RateLimited
    );
    assert!(v
        .verify(
            &principal_of(&hukou_dept()),
            &hukou_dept(),
            &name,
            &number,
            now,
            &f.registry,
            &log
        )
        .is_valid());
    let other_archive = Actor::ArchiveDept {
        id: "a2".into(),
        name: "x".into(),
    };
    assert!(v
        .verify(
            &principal_of(&other_archive),
            &other_archive,
            &name,
            &number,
            now,
            &f.registry,
            &log
        )
        .is_valid());
    // The window passes.
    let later = now + Duration::minutes(10) + Duration::seconds(1);
    assert!(v
        .verify(
            &principal_of(&archive_dept()),
            &archive_dept(),
            &name,
            &number,
            later,
            &f.registry,
            &log
        )
        .is_valid());
}

#[test]
fn department_sections_and_name_rules() {
    assert_eq!(department_section(&archive_dept()), Some(Section::Archive));
    assert_eq!(department_section(&hukou_dept()), Some(Section::Hukou));
    assert_eq!(department_section(&Actor::Chsi), None);
    assert!(names_match("艾力·买买提", "艾力・买买提"));
}

/// The QR version (level M, alphanumeric mode) each kind of token needs. Run with
/// `cargo test -p gradreg --test codes qr_versions -- --nocapture` to see the figures.
#[test]
fn qr_versions_at_level_m() {
    use gradreg::codes::qr::version_for_alphanumeric_m;
    let f = fixture();
    let mut table = Vec::new();
    for (alg, ring) in [("hmac-sha256", hmac_ring()), ("ed25519", ed_ring())] {
        for prefix in ["", "HTTPS://VERIFY.EXAMPLE.CN/V/"] {
            for embed in [false, true] {
                let tok = issue_token(
                    &ring,
                    &f.reg.authorizations[0],
                    &disclosure(&f.reg, Section::Archive),
                    &IssueOptions {
                        prefix: prefix.into(),
                        embed_disclosure: embed,
                        ..IssueOptions::default()
                    },
                )
                .unwrap();
                let v = version_for_alphanumeric_m(&tok).expect("fits in a QR code");
                println!(
                    "{alg:12} prefix={:5} embedded={:5} chars={:5} version={v}",
                    !prefix.is_empty(),
                    embed,
                    tok.len()
                );
                table.push((alg, !prefix.is_empty(), embed, tok.len(), v));
            }
        }
    }
    // Without the disclosure the token has a fixed length: 66 signed bytes plus the tag.
    let bare: Vec<_> = table.iter().filter(|r| !r.1 && !r.2).collect();
    assert_eq!(bare[0].3, 4 + ((66usize + 32) * 8).div_ceil(5));
    assert_eq!(bare[1].3, 4 + ((66usize + 64) * 8).div_ceil(5));
    // Embedding the disclosure costs many versions; it must still fit.
    for r in &table {
        let without = table
            .iter()
            .find(|o| o.0 == r.0 && o.1 == r.1 && !o.2)
            .unwrap()
            .4;
        if r.2 {
            assert!(r.4 > without + 5, "{r:?}");
        }
    }
}

#[test]
fn extreme_clocks_and_windows_do_not_panic() {
    let f = fixture();
    let ring = hmac_ring();
    let tok = token(&ring, &f.reg, Section::Archive, false);
    let opts = ScanOptions {
        required_prefix: None,
        leeway: Duration::MAX,
        ..ScanOptions::default()
    };
    for now in [DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::MIN_UTC] {
        let o = verify_token(
            &tok,
            &ring,
            &archive_dept(),
            now,
            &status(&f.registry),
            &opts,
        );
        assert!(!o.verdict.is_valid());
        let mut v = OnlineVerifier::new(CodeTables::builtin());
        v.window = Duration::MAX;
        let log = MemoryAttemptLog::new();
        let r = v.verify(
            &principal_of(&archive_dept()),
            &archive_dept(),
            "张明",
            &f.transfer.to_string(),
            now,
            &f.registry,
            &log,
        );
        assert!(!r.is_valid());
    }
}

/// The principal a host would have authenticated for the office speaking as department `a`.
fn principal_of(a: &Actor) -> gradreg::Principal {
    let id = match a {
        Actor::ArchiveDept { id, .. } => format!("archive_dept:{id}"),
        Actor::HukouDept { id, .. } => format!("hukou_dept:{id}"),
        other => format!("{other:?}"),
    };
    gradreg::Principal::new(&id).expect("a principal")
}
