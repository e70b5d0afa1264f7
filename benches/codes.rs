//! Codes: issuing and verifying tokens, parsing numbers, beside one bare HMAC-SHA256 of the same
//! bytes measured in the same run (budget in docs/architecture.md: token sign or verify with HMAC ≤ 1 µs).
//!
//! Offline verification beside them: a format-2 Ed25519 token against a held status list, the
//! compact disclosure, and reading a signed status list of 131,072 entries.
//!
//! `cargo bench -p gradreg-benches --bench codes`

use chrono::{DateTime, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use gradreg::codes::token::{base32_decode, disclosure_digest, sign_claims, split_prefix};
use gradreg::{
    decode_token, issue_token, sample, verify_token, Actor, AuthStatus, CodeTables, Disclosure,
    IssueOptions, Key, KeyId, KeyRing, Masking, ScanOptions, Section, StatusAnswer, StatusSource,
    TransferNumber, Unavailable, VerificationNumber,
};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::hint::black_box;

/// A status source that answers at once: the cost measured is the token's, not a registry's.
struct Active;
impl StatusSource for Active {
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

/// A status source that supplies the current disclosure, as a registry does.
struct Supplies(Disclosure);
impl StatusSource for Supplies {
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

fn bench(c: &mut Criterion) {
    let issued = DateTime::from_timestamp(1_780_000_000, 0).unwrap();
    let now = DateTime::from_timestamp(1_780_003_600, 0).unwrap();
    let reg = sample::authorized_registration("bench", issued, 30, [7; 16], None).unwrap();
    let auth = &reg.authorizations[0];
    let d = Disclosure::build(
        &reg,
        auth,
        Section::Archive,
        CodeTables::builtin(),
        Masking::default(),
    )
    .unwrap();
    let digest = disclosure_digest(&d);
    let secret: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(29) ^ 0x3c);
    let mut hmac_ring = KeyRing::new();
    hmac_ring.add_active(Key::hmac(KeyId(1), &secret)).unwrap();
    let mut ed_ring = KeyRing::new();
    ed_ring
        .add_active(Key::ed25519_signing(
            KeyId(2),
            &std::array::from_fn(|i| i as u8 ^ 0x77),
        ))
        .unwrap();
    let ed_public = ed_ring.public_only();
    let embed = IssueOptions {
        prefix: String::new(),
        embed_disclosure: true,
        ..IssueOptions::default()
    };
    let hmac_tok = issue_token(&hmac_ring, auth, &d, &embed).unwrap();
    let ed_tok = issue_token(&ed_ring, auth, &d, &embed).unwrap();
    let bare_tok = issue_token(&hmac_ring, auth, &d, &IssueOptions::default()).unwrap();
    let bare_ed = issue_token(&ed_ring, auth, &d, &IssueOptions::default()).unwrap();
    let who = Actor::ArchiveDept {
        id: "a".into(),
        name: "a".into(),
    };
    let opts = ScanOptions::default();
    // The bytes an HMAC token signs (66 without the disclosure).
    let signed = {
        let b = base32_decode(&split_prefix(&bare_tok).1[4..]).unwrap();
        b[..b.len() - 32].to_vec()
    };

    let mut g = c.benchmark_group("codes");
    g.bench_function(
        "bare HMAC-SHA256 of the 66 signed bytes (key set up each time)",
        |b| {
            b.iter(|| {
                let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(&secret).unwrap();
                m.update(black_box(&signed));
                m.finalize().into_bytes()
            })
        },
    );
    let keyed = <Hmac<Sha256> as KeyInit>::new_from_slice(&secret).unwrap();
    g.bench_function("bare HMAC-SHA256 of the 66 signed bytes (pre-keyed)", |b| {
        b.iter(|| {
            let mut m = keyed.clone();
            m.update(black_box(&signed));
            m.finalize().into_bytes()
        })
    });
    g.bench_function("sign token HMAC (digest known)", |b| {
        b.iter(|| {
            sign_claims(
                &hmac_ring,
                Section::Archive,
                &auth.number,
                auth.issued_at,
                auth.valid_until,
                black_box(&digest),
                None,
                "",
            )
            .unwrap()
        })
    });
    g.bench_function("sign token Ed25519 (digest known)", |b| {
        b.iter(|| {
            sign_claims(
                &ed_ring,
                Section::Archive,
                &auth.number,
                auth.issued_at,
                auth.valid_until,
                black_box(&digest),
                None,
                "",
            )
            .unwrap()
        })
    });
    g.bench_function("issue token HMAC (canonical JSON + SHA-256 + sign)", |b| {
        b.iter(|| issue_token(&hmac_ring, auth, black_box(&d), &IssueOptions::default()).unwrap())
    });
    g.bench_function("decode token HMAC (signature + fields)", |b| {
        b.iter(|| decode_token(black_box(&bare_tok), &hmac_ring).unwrap())
    });
    g.bench_function("decode token Ed25519 (public key)", |b| {
        b.iter(|| decode_token(black_box(&bare_ed), &ed_public).unwrap())
    });
    g.bench_function("verify token HMAC, embedded disclosure", |b| {
        b.iter(|| verify_token(black_box(&hmac_tok), &hmac_ring, &who, now, &Active, &opts))
    });
    g.bench_function("verify token Ed25519, embedded disclosure", |b| {
        b.iter(|| verify_token(black_box(&ed_tok), &ed_public, &who, now, &Active, &opts))
    });
    let supplied = Supplies(d.clone());
    g.bench_function(
        "verify token HMAC, disclosure from the status source (digest recomputed)",
        |b| {
            b.iter(|| {
                verify_token(
                    black_box(&bare_tok),
                    &hmac_ring,
                    &who,
                    now,
                    &supplied,
                    &opts,
                )
            })
        },
    );
    let shown = auth.number.to_string();
    g.bench_function("parse verification number", |b| {
        b.iter(|| VerificationNumber::parse(black_box(&shown)).unwrap())
    });
    let transfer = TransferNumber::from_entropy(&[9; 16]).to_string();
    g.bench_function("parse transfer number", |b| {
        b.iter(|| TransferNumber::parse(black_box(&transfer)).unwrap())
    });
    g.finish();

    // Offline: format 2, a status list of the minimum size with a few revocations.
    let mut v2 = IssueOptions::v2_embedded();
    v2.status = Some(gradreg::StatusPointer {
        list: 0,
        index: 4242,
    });
    let v2_tok = issue_token(&ed_ring, auth, &d, &v2).unwrap();
    let mut list = gradreg::StatusList::new(0, 0, issued, now + chrono::Duration::days(1)).unwrap();
    for i in (0..131_072).step_by(97) {
        list.set(i, gradreg::EntryStatus::Revoked).unwrap();
    }
    let list_text = list.sign(&ed_ring).unwrap();
    let mut held = gradreg::StatusLists::new();
    held.add_signed(&list_text, &ed_public).unwrap();
    let compact = gradreg::codes::compact::encode(&d).unwrap();
    let mut g = c.benchmark_group("offline");
    g.bench_function("verify token format 2 Ed25519 offline (held list)", |b| {
        b.iter(|| {
            gradreg::verify_token_offline(black_box(&v2_tok), &ed_public, &who, now, &held, &opts)
        })
    });
    g.bench_function("compact disclosure encode", |b| {
        b.iter(|| gradreg::codes::compact::encode(black_box(&d)).unwrap())
    });
    g.bench_function("compact disclosure decode", |b| {
        b.iter(|| gradreg::codes::compact::decode(black_box(&compact)).unwrap())
    });
    g.bench_function("status list of 131072 entries: check and inflate", |b| {
        b.iter(|| gradreg::StatusList::decode(black_box(&list_text), &ed_public).unwrap())
    });
    g.bench_function("status list of 131072 entries: deflate and sign", |b| {
        b.iter(|| black_box(&list).sign(&ed_ring).unwrap())
    });
    g.finish();
    println!(
        "format 2 token: {} characters; status list with {} revocations: {} characters",
        v2_tok.len(),
        list.count_not_in_force(),
        list_text.len()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
