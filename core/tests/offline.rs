//! Verification by third parties: keys kept in a key store, the published key set, signed status
//! lists, format-2 tokens issued through the registry (both stores), offline verdicts, the swap
//! of a genuine QR onto another graduate's form, and the size of a format-2 QR code.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use gradreg::codes::compact;
use gradreg::codes::qr::version_for_alphanumeric_m;
use gradreg::codes::status_list::MIN_ENTRIES;
use gradreg::codes::token::{decode, IssueOptions};
use gradreg::registry::sqlite::SqliteStore;
use gradreg::registry::Registry;
use gradreg::{
    sample, verify_token_offline, Actor, Algorithm, CodeTables, Command, Disclosure, EntryStatus,
    Error, Key, KeyId, KeyRing, KeySet, KeyStore, Masking, Policy, ScanOptions, Section,
    StatusList, StatusLists, UncheckedReason, Verdict, VerdictKind, VerificationNumber,
};
use proptest::prelude::*;

fn registries() -> Vec<(&'static str, Registry)> {
    vec![
        ("memory", Registry::in_memory(Policy::jiangsu()).unwrap()),
        (
            "sqlite",
            Registry::with_store(
                Box::new(SqliteStore::open_in_memory().unwrap()),
                Policy::jiangsu(),
            )
            .unwrap(),
        ),
    ]
}

/// Walks graduate `seq` (named `name`) to an authorization on 1 May; returns its id, actor and
/// verification number.
fn authorized(r: &Registry, seq: u32, name: &str) -> (String, Actor, VerificationNumber) {
    let mut b = sample::basic_info();
    b.student_number = format!("s{seq}");
    b.name = name.into();
    b.id_number = sample::id_number("320102", "20040315", seq, true).unwrap();
    let (id, number) = authorize_for(r, &b, 60);
    let g = Actor::Graduate {
        id_number: b.id_number,
    };
    (id, g, number)
}

fn ed_ring(kid: u32, seed: u8) -> KeyRing {
    let mut ring = KeyRing::new();
    let seed: [u8; 32] =
        std::array::from_fn(|i| seed.wrapping_add(i as u8).wrapping_mul(29) ^ 0x3c);
    ring.add_active(Key::ed25519_signing(KeyId(kid), &seed))
        .unwrap();
    ring
}

/// What a third party holds: a ring from the key set's JSON alone, and the lists' texts.
fn third_party(set_json: &str, lists: &[String]) -> (KeyRing, StatusLists) {
    let ring = KeySet::from_json(set_json).unwrap().ring().unwrap();
    let mut held = StatusLists::new();
    for l in lists {
        held.add_signed(l, &ring).unwrap();
    }
    (ring, held)
}

fn publish(r: &Registry, ring: &KeyRing, at: DateTime<Utc>) -> Vec<String> {
    r.status_lists(ring, at, at + Duration::days(2))
        .unwrap()
        .into_iter()
        .map(|l| l.text)
        .collect()
}

#[test]
fn registry_tokens_verify_offline_from_published_material_on_both_stores() {
    for (store, r) in registries() {
        let ring = ed_ring(7, 1);
        let (id_a, g_a, n_a) = authorized(&r, 1, "张三");
        let (_, _, n_b) = authorized(&r, 2, "李四");
        let opts = IssueOptions::v2_embedded();
        let tok_a = r
            .issue_token(&ring, &n_a, Section::Archive, &opts, day(5, 2))
            .unwrap();
        let tok_b = r
            .issue_token(&ring, &n_b, Section::Hukou, &opts, day(5, 2))
            .unwrap();
        // The registry remembers which key signed and gives each authorization its own entry.
        assert_eq!(
            r.signing_keys(&n_a).unwrap(),
            vec![(KeyId(7), day(5, 2))],
            "{store}"
        );
        let claims = |t: &str| decode(t, &ring).unwrap().claims;
        let (pa, pb) = (
            claims(&tok_a).status.unwrap(),
            claims(&tok_b).status.unwrap(),
        );
        assert_eq!((pa.list, pa.index, pb.index), (0, 0, 1), "{store}");
        // A second token of the same authorization keeps its entry.
        let again = r
            .issue_token(&ring, &n_a, Section::Hukou, &opts, day(5, 3))
            .unwrap();
        assert_eq!(claims(&again).status, Some(pa), "{store}");

        let set = KeySet::from_ring("示例大学", &ring).to_json();
        let lists = publish(&r, &ring, day(5, 3));
        assert_eq!(lists.len(), 1);
        let (vring, held) = third_party(&set, &lists);
        let now = day(5, 4);
        let o = verify_token_offline(
            &tok_a,
            &vring,
            &archive_dept(),
            now,
            &held,
            &ScanOptions::default(),
        );
        let Verdict::ValidOffline(f) = &o.verdict else {
            panic!("{store}: {:?}", o.verdict)
        };
        assert_eq!(f.status_as_of, Some(day(5, 3)));
        assert_eq!(f.disclosure.as_ref().unwrap().identity.name, "张三");
        assert_eq!(o.failed_at, None);

        // Revoked: no new token, and the next list says so offline.
        r.apply(
            &id_a,
            &g_a,
            &Command::RevokeAuthorization { number: n_a },
            day(5, 5),
        )
        .unwrap();
        assert!(matches!(
            r.issue_token(&ring, &n_a, Section::Archive, &opts, day(5, 5)),
            Err(Error::AuthorizationNotActive { .. })
        ));
        let lists = publish(&r, &ring, day(5, 5));
        let (vring, held) = third_party(&set, &lists);
        let v = |t: &str, who: &Actor, at| {
            verify_token_offline(t, &vring, who, at, &held, &ScanOptions::default())
                .verdict
                .kind()
        };
        assert_eq!(
            v(&tok_a, &archive_dept(), day(5, 6)),
            VerdictKind::Revoked,
            "{store}"
        );
        assert_eq!(
            v(&tok_b, &hukou_dept(), day(5, 6)),
            VerdictKind::ValidOffline,
            "{store}"
        );
        // Stale list: authentic, status not checked, the disclosure still shown.
        let o = verify_token_offline(
            &tok_b,
            &vring,
            &hukou_dept(),
            day(5, 7),
            &held,
            &ScanOptions::default(),
        );
        let Verdict::Unchecked(f) = &o.verdict else {
            panic!("{store}: {:?}", o.verdict)
        };
        assert_eq!(f.reason, Some(UncheckedReason::StaleStatusList));
        assert!(f.disclosure.is_some());
        assert!(!o.verdict.is_accepted());
        // No list at all.
        let none = StatusLists::new();
        let o = verify_token_offline(
            &tok_b,
            &vring,
            &hukou_dept(),
            day(5, 6),
            &none,
            &ScanOptions::default(),
        );
        assert_eq!(o.verdict.kind(), VerdictKind::Unchecked);
        // A list signed with another issuer's key is refused.
        let other = ed_ring(7, 9);
        let forged = publish(&r, &other, day(5, 5));
        assert!(matches!(
            StatusList::decode(&forged[0], &vring),
            Err(Error::StatusListInvalid(_))
        ));
    }
}

#[test]
fn a_data_change_supersedes_the_offline_entry() {
    let r = Registry::in_memory(Policy::jiangsu()).unwrap();
    let ring = ed_ring(1, 3);
    let (id, g, n) = authorized(&r, 1, "王五");
    let tok = r
        .issue_token(
            &ring,
            &n,
            Section::Archive,
            &IssueOptions::v2_embedded(),
            day(5, 2),
        )
        .unwrap();
    change_after_void(&r, &id, &g, day(5, 3));
    let lists = publish(&r, &ring, day(5, 6));
    let (vring, held) = third_party(&KeySet::from_ring("x", &ring).to_json(), &lists);
    let o = verify_token_offline(
        &tok,
        &vring,
        &archive_dept(),
        day(5, 6),
        &held,
        &ScanOptions::default(),
    );
    assert_eq!(o.verdict.kind(), VerdictKind::Superseded);
}

#[test]
fn keys_survive_a_restart_and_rotation() {
    let dir = std::env::temp_dir().join(format!("gradreg-offline-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (db, keys) = (dir.join("r.db"), dir.join("keys.json"));
    let (tok1, tok2, n1);
    {
        let r = Registry::open(&db, Policy::jiangsu()).unwrap();
        let mut ks = KeyStore::create(&keys, "示例大学", Algorithm::Ed25519, day(4, 1)).unwrap();
        let (_, _, n) = authorized(&r, 1, "赵六");
        n1 = n;
        tok1 = r
            .issue_token(
                &ks.ring().unwrap(),
                &n,
                Section::Archive,
                &IssueOptions::v2_embedded(),
                day(5, 2),
            )
            .unwrap();
        assert_eq!(ks.rotate(Algorithm::Ed25519, day(5, 3)).unwrap(), KeyId(2));
        tok2 = r
            .issue_token(
                &ks.ring().unwrap(),
                &n,
                Section::Hukou,
                &IssueOptions::v2_embedded(),
                day(5, 4),
            )
            .unwrap();
    }
    // After a restart: the same files, nothing else.
    let r = Registry::open(&db, Policy::jiangsu()).unwrap();
    let mut ks = KeyStore::open(&keys).unwrap();
    let ring = ks.ring().unwrap();
    let now = day(5, 5);
    let s1 = r.verify_token(&tok1, &ring, &archive_dept(), now, &ScanOptions::default());
    let s2 = r.verify_token(&tok2, &ring, &hukou_dept(), now, &ScanOptions::default());
    assert!(
        s1.verdict.is_valid() && s2.verdict.is_valid(),
        "{s1:?} {s2:?}"
    );
    let keys_used: Vec<u32> = r
        .signing_keys(&n1)
        .unwrap()
        .iter()
        .map(|(k, _)| k.0)
        .collect();
    assert_eq!(keys_used, vec![1, 2]);
    let set = ks.key_set().unwrap();
    assert_eq!(set.keys.len(), 2);
    assert_eq!(set.keys[0].valid_to, Some(day(5, 3)));
    assert_eq!(set.keys[1].valid_from, day(5, 3));
    ks.retire(KeyId(1), day(5, 6)).unwrap();
    let ring = KeyStore::open(&keys).unwrap().ring().unwrap();
    let s1 = r.verify_token(&tok1, &ring, &archive_dept(), now, &ScanOptions::default());
    assert_eq!(s1.verdict.kind(), VerdictKind::UnknownKey);
    // Retired: key 1's tokens no longer verify. A key store file readable by others is refused.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert!(matches!(KeyStore::open(&keys), Err(Error::KeyStore(_))));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_list_from_a_rotated_out_key_is_refused() {
    let dir = std::env::temp_dir().join(format!("gradreg-rot-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let keys = dir.join("keys.json");
    let mut ks = KeyStore::create(&keys, "示例大学", Algorithm::Ed25519, day(4, 1)).unwrap();
    let first = ks.ring().unwrap();
    ks.rotate(Algorithm::Ed25519, day(5, 1)).unwrap();
    let set = ks.key_set().unwrap();
    let verifier = set.ring().unwrap();
    // Key 1 signed until 1 May: a list it signs on 2 May is refused, one of 30 April accepted.
    let list = |at| {
        StatusList::new(0, 0, at, at + Duration::days(1))
            .unwrap()
            .sign(&first)
            .unwrap()
    };
    assert!(StatusList::decode(&list(day(5, 2)), &verifier).is_err());
    assert!(StatusList::decode(&list(day(4, 30)), &verifier).is_ok());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_genuine_qr_on_another_graduates_form_is_caught() {
    let r = Registry::in_memory(Policy::jiangsu()).unwrap();
    let ring = ed_ring(1, 4);
    let (_, _, n_a) = authorized(&r, 1, "阿依古丽·买买提");
    let (_, _, n_c) = authorized(&r, 2, "陈七");
    let tok_c = r
        .issue_token(
            &ring,
            &n_c,
            Section::Archive,
            &IssueOptions::v2_embedded(),
            day(5, 2),
        )
        .unwrap();
    let tok_a = r
        .issue_token(
            &ring,
            &n_a,
            Section::Archive,
            &IssueOptions::v2_embedded(),
            day(5, 2),
        )
        .unwrap();
    let lists = publish(&r, &ring, day(5, 3));
    let (vring, held) = third_party(&KeySet::from_ring("x", &ring).to_json(), &lists);
    let scan = |t: &str, printed: Option<VerificationNumber>, name: Option<&str>| {
        let opts = ScanOptions {
            printed_number: printed,
            holder_name: name.map(str::to_string),
            ..ScanOptions::default()
        };
        let o = verify_token_offline(t, &vring, &archive_dept(), day(5, 4), &held, &opts);
        (o.verdict.kind(), o.failed_at)
    };
    // C's token on A's form: A's number printed, or A's name given.
    assert_eq!(
        scan(&tok_c, Some(n_a), None),
        (VerdictKind::HolderMismatch, Some(gradreg::Step::Holder))
    );
    assert_eq!(
        scan(&tok_c, None, Some("阿依古丽·买买提")).0,
        VerdictKind::HolderMismatch
    );
    // The right holder passes, whatever middle dot is typed.
    assert_eq!(
        scan(&tok_a, Some(n_a), Some("阿依古丽•买买提")).0,
        VerdictKind::ValidOffline
    );
    assert_eq!(
        scan(&tok_c, Some(n_c), Some(" 陈七 ")).0,
        VerdictKind::ValidOffline
    );
    // Online too.
    let opts = ScanOptions {
        printed_number: Some(n_a),
        ..ScanOptions::default()
    };
    let o = r.verify_token(&tok_c, &ring, &archive_dept(), day(5, 4), &opts);
    assert_eq!(o.verdict.kind(), VerdictKind::HolderMismatch);
}

#[test]
fn issue_token_refuses_a_revoked_authorization_like_the_forms() {
    let issued = day(5, 1);
    let mut reg = sample::authorized_registration("g", issued, 30, [9; 16], None).unwrap();
    let d = Disclosure::build(
        &reg,
        &reg.authorizations[0],
        Section::Archive,
        CodeTables::builtin(),
        Masking::default(),
    )
    .unwrap();
    let ring = ed_ring(1, 5);
    assert!(
        gradreg::issue_token(&ring, &reg.authorizations[0], &d, &IssueOptions::default()).is_ok()
    );
    reg.authorizations[0].state = gradreg::AuthState::Revoked;
    let err = gradreg::issue_token(&ring, &reg.authorizations[0], &d, &IssueOptions::default())
        .unwrap_err();
    assert_eq!(err.code().get(), 218);
}

/// The sample graduate's token sizes and QR versions (level M): format 1 with the JSON
/// disclosure does not fit the forms' limit with Ed25519; format 2 does, with room.
#[test]
fn format_2_embedded_fits_a_phone_qr() {
    let reg = sample::authorized_registration("g", day(5, 1), 30, [9; 16], None).unwrap();
    let ring = ed_ring(1, 6);
    let prefix = "HTTPS://VERIFY.EXAMPLE.CN/V/";
    for section in [Section::Archive, Section::Hukou] {
        let d = Disclosure::build(
            &reg,
            &reg.authorizations[0],
            section,
            CodeTables::builtin(),
            Masking::default(),
        )
        .unwrap();
        let v1 = gradreg::issue_token(
            &ring,
            &reg.authorizations[0],
            &d,
            &IssueOptions {
                embed_disclosure: true,
                prefix: prefix.into(),
                ..IssueOptions::default()
            },
        )
        .unwrap();
        let mut o2 = IssueOptions::v2_embedded();
        o2.prefix = prefix.into();
        o2.status = Some(gradreg::StatusPointer {
            list: 3,
            index: 131_071,
        });
        let v2 = gradreg::issue_token(&ring, &reg.authorizations[0], &d, &o2).unwrap();
        let (q1, q2) = (
            version_for_alphanumeric_m(&v1),
            version_for_alphanumeric_m(&v2).unwrap(),
        );
        println!(
            "{section:?}: format 1 {} chars (version {q1:?}), format 2 {} chars (version {q2})",
            v1.len(),
            v2.len()
        );
        assert!(
            v2.len() * 2 < v1.len() + 200,
            "format 2 is not much smaller"
        );
        assert!(
            v2.len() <= 900 && q2 <= 20,
            "{} characters, version {q2}",
            v2.len()
        );
        let (c, j) = (
            compact::encode(&d).unwrap().len(),
            d.canonical_bytes().len(),
        );
        println!("{section:?}: disclosure {c} bytes compact, {j} bytes as JSON");
        assert!(c * 2 < j + 40, "{c} vs {j}");
    }
}

fn arb_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "\\PC{0,40}",
        Just("x".repeat(200)),
        Just("男".into())
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Any disclosure round-trips through the compact form, and the bytes re-encode to
    /// themselves; any changed byte either fails to decode or decodes to another disclosure
    /// whose bytes are the changed ones (the form is canonical).
    #[test]
    fn compact_disclosure_round_trips_and_is_canonical(
        name in arb_text(), employer in proptest::option::of(arb_text()), archive in any::<bool>(),
        gender in prop_oneof![Just("男".to_string()), Just("女".to_string()), arb_text()],
        pos in any::<prop::sample::Index>(), xor in 1u8..=255,
    ) {
        let reg = sample::authorized_registration("g", day(5, 1), 30, [9; 16], None).unwrap();
        let section = if archive { Section::Archive } else { Section::Hukou };
        let mut d = Disclosure::build(&reg, &reg.authorizations[0], section, CodeTables::builtin(), Masking::default()).unwrap();
        d.identity.name = name;
        d.identity.gender = gender;
        d.destination.employer = employer;
        let bytes = compact::encode(&d).unwrap();
        prop_assert_eq!(compact::decode(&bytes).unwrap(), d);
        let mut changed = bytes.clone();
        let i = pos.index(changed.len());
        changed[i] ^= xor;
        if let Ok(other) = compact::decode(&changed) {
            prop_assert_eq!(compact::encode(&other).unwrap(), changed);
        }
    }

    /// A status list round-trips any set of entries; one flipped bit of its text is refused.
    #[test]
    fn status_lists_round_trip_and_refuse_tampering(
        set in proptest::collection::vec((0u32..MIN_ENTRIES, 1u8..3), 0..40),
        pos in any::<prop::sample::Index>(),
    ) {
        let ring = ed_ring(2, 7);
        let mut l = StatusList::new(5, 0, day(5, 1), day(5, 2)).unwrap();
        let mut want = std::collections::BTreeMap::new();
        for (i, v) in &set {
            let s = if *v == 1 { EntryStatus::Revoked } else { EntryStatus::Superseded };
            l.set(*i, s).unwrap();
            want.insert(*i, s);
        }
        let text = l.sign(&ring).unwrap();
        let back = StatusList::decode(&text, &ring.public_only()).unwrap();
        for (i, s) in &want {
            prop_assert_eq!(back.get(*i), Some(*s));
        }
        prop_assert_eq!(back.count_not_in_force(), want.len() as u64);
        let j = 4 + pos.index(text.len() - 4);
        let mut t = text.into_bytes();
        t[j] = if t[j] == b'A' { b'B' } else { b'A' };
        let t = String::from_utf8(t).unwrap();
        prop_assert!(StatusList::decode(&t, &ring).is_err());
    }
}

/// The key store's Ed25519 keys are standard PKCS#8: OpenSSL reads them and derives the same
/// public key the key set publishes (scripts/test.sh installs openssl when missing).
#[test]
fn openssl_reads_the_key_store_pem() {
    let dir = std::env::temp_dir().join(format!("gradreg-pem-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let keys = dir.join("keys.json");
    KeyStore::create(&keys, "示例大学", Algorithm::Ed25519, day(4, 1)).unwrap();
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&keys).unwrap()).unwrap();
    let pem = file["keys"][0]["private_key_pem"].as_str().unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    let pem_path = dir.join("k.pem");
    std::fs::write(&pem_path, pem).unwrap();
    let out = std::process::Command::new("openssl")
        .args(["pkey", "-in"])
        .arg(&pem_path)
        .args(["-pubout", "-outform", "DER"])
        .output()
        .expect("openssl is installed (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // SubjectPublicKeyInfo of Ed25519: a 12-byte header, then the 32-byte key.
    assert_eq!(out.stdout.len(), 44);
    let set = KeyStore::open(&keys).unwrap().key_set().unwrap();
    let hex: String = out.stdout[12..]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(set.keys[0].public_key, hex);
    let _ = std::fs::remove_dir_all(&dir);
}
