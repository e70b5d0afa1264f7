//! Property tests of tokens, numbers and online verification.

use chrono::{DateTime, Duration, Utc};
use gradreg::codes::token::{
    base32_decode, base32_encode, issue_raw, split_prefix, QR_ALPHANUMERIC,
};
use gradreg::{
    decode_token, sample, verify_token, Actor, CodeTables, Disclosure, IssueOptions, Key, KeyId,
    KeyRing, Masking, MemoryAttemptLog, MemoryRegistry, OnlineVerifier, ScanOptions, Section,
    StatusAnswer, StatusSource, TransferNumber, Unavailable, VerdictKind, VerificationNumber,
};
use proptest::prelude::*;

const ISSUED: i64 = 1_780_000_000;

fn rings() -> [KeyRing; 2] {
    let mut h = KeyRing::new();
    h.add_active(Key::hmac(
        KeyId(3),
        &std::array::from_fn::<u8, 32, _>(|i| (i as u8) ^ 0x6b),
    ))
    .unwrap();
    let mut e = KeyRing::new();
    e.add_active(Key::ed25519_signing(
        KeyId(4),
        &std::array::from_fn(|i| (i as u8).wrapping_mul(7) ^ 0x11),
    ))
    .unwrap();
    [h, e]
}

fn base_disclosure(section: Section) -> (gradreg::Registration, Disclosure) {
    let reg = sample::authorized_registration(
        "p",
        DateTime::from_timestamp(ISSUED, 0).unwrap(),
        30,
        [0x19; 16],
        Some(TransferNumber::from_entropy(&[0x44; 16])),
    )
    .unwrap();
    let d = Disclosure::build(
        &reg,
        &reg.authorizations[0],
        section,
        CodeTables::builtin(),
        Masking::default(),
    )
    .unwrap();
    (reg, d)
}

fn some_tokens() -> Vec<String> {
    let mut out = Vec::new();
    for ring in rings() {
        for (section, embed) in [(Section::Archive, false), (Section::Hukou, true)] {
            let (reg, d) = base_disclosure(section);
            let a = &reg.authorizations[0];
            out.push(
                issue_raw(
                    &ring,
                    section,
                    &a.number,
                    a.issued_at,
                    a.valid_until,
                    &d,
                    &IssueOptions {
                        prefix: String::new(),
                        embed_disclosure: embed,
                        ..IssueOptions::default()
                    },
                )
                .unwrap(),
            );
        }
    }
    out
}

struct AlwaysActive;
impl StatusSource for AlwaysActive {
    fn status(
        &self,
        _: &VerificationNumber,
        _: Section,
        _: DateTime<Utc>,
    ) -> Result<StatusAnswer, Unavailable> {
        Ok(StatusAnswer::Known {
            status: gradreg::AuthStatus::Valid,
            disclosure: None,
        })
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Every token round-trips: the claims and the embedded disclosure come back as signed.
    #[test]
    fn tokens_round_trip(
        alg in 0usize..2,
        archive in any::<bool>(),
        embed in any::<bool>(),
        v2 in any::<bool>(),
        entropy in any::<[u8; 16]>(),
        issued in 0i64..(gradreg::codes::token::MAX_TIME as i64 - 180 * 86_400),
        validity in 1i64..(180 * 86_400),
        name in "\\PC{1,12}",
        prefix in prop_oneof![Just(String::new()), "[A-Z0-9.:]{1,20}/"],
    ) {
        let section = if archive { Section::Archive } else { Section::Hukou };
        let (_, mut d) = base_disclosure(section);
        d.identity.name = name;
        let ring = &rings()[alg];
        let number = VerificationNumber::from_entropy(&entropy);
        let (iat, exp) = (DateTime::from_timestamp(issued, 0).unwrap(), DateTime::from_timestamp(issued + validity, 0).unwrap());
        let version = if v2 { 2 } else { 1 };
        let opts = IssueOptions { prefix: prefix.clone(), embed_disclosure: embed, version, ..IssueOptions::default() };
        let tok = issue_raw(ring, section, &number, iat, exp, &d, &opts).unwrap();
        let tag = if v2 { "GR2." } else { "GR1." };
        prop_assert!(tok.contains(tag));
        prop_assert!(gradreg::codes::token::is_qr_alphanumeric(&tok));
        let got = decode_token(&tok, ring).unwrap();
        prop_assert_eq!(got.prefix, prefix);
        let c = got.claims;
        prop_assert_eq!((c.section, c.number, c.issued_at, c.expires_at, c.key_id), (section, number, iat, exp, ring.active().unwrap()));
        prop_assert_eq!(c.version, version);
        prop_assert_eq!(Some(c.digest), gradreg::codes::token::disclosure_digest_for(version, &d));
        prop_assert_eq!(got.disclosure, if embed { Some(d) } else { None });
    }

    /// Any single changed character of a token is rejected.
    #[test]
    fn any_changed_character_is_rejected(which in 0usize..4, pos in any::<prop::sample::Index>(), repl in any::<prop::sample::Index>()) {
        let tok = &some_tokens()[which];
        let ring = &rings()[which / 2];
        let i = pos.index(tok.len());
        let alphabet = QR_ALPHANUMERIC.as_bytes();
        let mut c = alphabet[repl.index(alphabet.len())];
        if c == tok.as_bytes()[i] {
            c = if c == b'A' { b'B' } else { b'A' };
        }
        let mut changed = tok.clone().into_bytes();
        changed[i] = c;
        let changed = String::from_utf8(changed).unwrap();
        prop_assert!(decode_token(&changed, ring).is_err(), "accepted {changed}");
        // With a pinned URL prefix, a change there is rejected too.
        let pinned = format!("HTTPS://V.EXAMPLE.CN/{tok}");
        let j = pos.index(pinned.len());
        let mut p = pinned.clone().into_bytes();
        p[j] = if p[j] == b'X' { b'Y' } else { b'X' };
        let p = String::from_utf8(p).unwrap();
        let opts = ScanOptions { required_prefix: Some("HTTPS://V.EXAMPLE.CN/".into()), ..ScanOptions::default() };
        let who = Actor::ArchiveDept { id: "a".into(), name: "a".into() };
        let now = DateTime::from_timestamp(ISSUED + 10, 0).unwrap();
        prop_assert!(verify_token(&pinned, ring, &who, now, &AlwaysActive, &opts).failed_at != Some(gradreg::Step::Prefix));
        prop_assert!(!verify_token(&p, ring, &who, now, &AlwaysActive, &opts).verdict.is_valid());
    }

    /// Any single flipped bit, of the text or of the encoded bytes, is rejected.
    #[test]
    fn any_flipped_bit_is_rejected(which in 0usize..4, pos in any::<prop::sample::Index>(), bit in 0u8..8) {
        let tok = &some_tokens()[which];
        let ring = &rings()[which / 2];
        let mut text = tok.clone().into_bytes();
        let i = pos.index(text.len());
        text[i] ^= 1 << (bit % 7);
        if let Ok(t) = String::from_utf8(text) {
            prop_assert!(decode_token(&t, ring).is_err());
        }
        let mut bytes = base32_decode(&split_prefix(tok).1[4..]).unwrap();
        let j = pos.index(bytes.len());
        bytes[j] ^= 1 << bit;
        let t = format!("GR1.{}", base32_encode(&bytes));
        prop_assert!(decode_token(&t, ring).is_err());
    }

    /// No input string of any length panics the decoder or the number parsers.
    #[test]
    fn no_input_panics(s in "\\PC{0,400}", body in "[A-Z2-7]{0,300}", raw in prop::collection::vec(any::<u8>(), 0..200)) {
        let ring = &rings()[0];
        let _ = decode_token(&s, ring);
        let _ = decode_token(&format!("GR1.{body}"), ring);
        let _ = decode_token(&format!("X/GR1.{}", base32_encode(&raw)), ring);
        let _ = VerificationNumber::parse(&s);
        let _ = TransferNumber::parse(&s);
        // Authentic bytes with arbitrary content after the header: the content step must cope.
        let mut m = vec![1u8, 1, 0, 0, 0, 3];
        m.extend_from_slice(&raw);
        if m.len() >= 66 {
            let (_, _, tag) = ring.sign(&m).unwrap();
            m.extend_from_slice(&tag);
            let r = decode_token(&format!("GR1.{}", base32_encode(&m)), ring);
            if let Err(e) = r {
                prop_assert_eq!(e.kind, VerdictKind::Malformed);
            }
        }
    }

    /// Online verification answers a wrong name exactly as an unknown number, and counts both.
    #[test]
    fn wrong_name_and_unknown_number_are_indistinguishable(name in "\\PC{0,10}", entropy in any::<[u8; 16]>()) {
        prop_assume!(!gradreg::codes::verify::names_match(&name, &sample::basic_info().name));
        let (reg, _) = base_disclosure(Section::Archive);
        let number = reg.authorizations[0].number;
        let unknown = VerificationNumber::from_entropy(&entropy);
        prop_assume!(unknown != number);
        let mut registry = MemoryRegistry::new();
        registry.insert(reg);
        let v = OnlineVerifier::new(CodeTables::builtin());
        let who = Actor::ArchiveDept { id: "a".into(), name: "a".into() };
        let now = DateTime::from_timestamp(ISSUED + 10, 0).unwrap();
        let log = MemoryAttemptLog::new();
        let wrong_name = v.verify(&principal_of(&who),&who, &name, &number.to_string(), now, &registry, &log);
        let after_first = log.failures(Some("archive_dept:a"), None, now - Duration::hours(1)).unwrap();
        let unknown_number = v.verify(&principal_of(&who),&who, &sample::basic_info().name, &unknown.to_string(), now, &registry, &log);
        let after_second = log.failures(Some("archive_dept:a"), None, now - Duration::hours(1)).unwrap();
        let both = v.verify(&principal_of(&who),&who, &name, &unknown.to_string(), now, &registry, &log);
        prop_assert_eq!(&wrong_name, &unknown_number);
        prop_assert_eq!(&wrong_name, &both);
        prop_assert_eq!(wrong_name.kind(), VerdictKind::NoMatch);
        prop_assert_eq!((after_first, after_second), (1, 2));
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
