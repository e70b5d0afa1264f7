//! Runs every published test vector (`docs/vectors/*.json`) through the library, dispatching on
//! its `kind`: a token (online or offline: the result of every step, the verdict, the claims,
//! the disclosure and the offline findings), a typed number, a key set or a status list. Checks
//! that the files are what the generator (`cargo run -p gradreg --example make_vectors`) writes
//! today, and that every case derives from a published base case.

#[allow(dead_code)]
#[path = "../../examples/vectors_gen.rs"]
mod vectors_gen;

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Duration};
use gradreg::codes::keyset::KeySet;
use gradreg::codes::status_list::{StatusList, StatusLists};
use gradreg::codes::token::{disclosure_digest_for, hex};
use gradreg::codes::verify::{verify_token_with, StatusCheck};
use gradreg::{Disclosure, Error, ScanOptions, Step, TransferNumber, Verdict, VerificationNumber};
use serde_json::{json, Value};
use vectors_gen::{department, key_set_ring, ring_from_json, Status, VectorStatus};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/vectors")
}

fn load() -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir()).expect("docs/vectors") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).expect("read");
            let v: Value = serde_json::from_str(&text).expect("vector JSON");
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("")
                .to_string();
            assert_eq!(v["name"], stem.as_str(), "file name matches vector name");
            out.insert(stem, v);
        }
    }
    out
}

fn str_of<'a>(v: &'a Value, field: &str) -> Option<&'a str> {
    v[field].as_str()
}

fn run_token(name: &str, v: &Value) {
    let opts = ScanOptions {
        required_prefix: str_of(v, "required_prefix").map(str::to_string),
        leeway: Duration::seconds(v["leeway_seconds"].as_i64().expect("leeway")),
        printed_number: str_of(v, "printed_number")
            .map(|n| VerificationNumber::parse(n).expect("printed number")),
        holder_name: str_of(v, "holder_name").map(str::to_string),
    };
    let now = DateTime::from_timestamp(v["now_unix"].as_i64().expect("now"), 0).expect("now");
    assert_eq!(
        v["now"].as_str(),
        Some(
            now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                .as_str()
        ),
        "{name}"
    );
    let who = department(str_of(v, "verifier_department").unwrap_or(""));
    let token = str_of(v, "token").expect("token");
    let o = match str_of(v, "status_mode") {
        Some("online") => {
            let disclosure = str_of(v, "status_disclosure_canonical").map(|canonical| {
                let d: Disclosure = serde_json::from_str(canonical).expect("disclosure");
                assert_eq!(
                    d.canonical_bytes(),
                    canonical.as_bytes(),
                    "{name}: canonical form"
                );
                assert_eq!(
                    v["status_disclosure"],
                    serde_json::to_value(&d).expect("json"),
                    "{name}"
                );
                d
            });
            let source = VectorStatus {
                status: Status::parse(str_of(v, "status").unwrap_or("")).expect("status"),
                disclosure,
            };
            assert!(
                v["key_set"].is_null() && v["status_lists"].is_null(),
                "{name}"
            );
            let ring = ring_from_json(&v["keys"]);
            verify_token_with(token, &ring, &who, now, StatusCheck::Online(&source), &opts)
        }
        Some("offline") => {
            assert!(
                v["status"].is_null(),
                "{name}: offline has no status answer"
            );
            let ring = key_set_ring(&v["key_set"]);
            let mut lists = StatusLists::new();
            for l in v["status_lists"].as_array().expect("status_lists") {
                lists
                    .add_signed(l.as_str().expect("list text"), &ring)
                    .expect("list");
            }
            verify_token_with(token, &ring, &who, now, StatusCheck::Offline(&lists), &opts)
        }
        other => panic!("{name}: status_mode {other:?}"),
    };

    // Every step, by name.
    let steps = v["steps"].as_object().expect("steps");
    assert_eq!(steps.len(), Step::ALL.len(), "{name}");
    for (step, result) in o.steps() {
        let got = match result {
            Some(Ok(())) => "pass",
            Some(Err(k)) => k.as_str(),
            None => "not_reached",
        };
        assert_eq!(steps[step.as_str()], got, "{name}: step {}", step.as_str());
    }
    assert_eq!(v["verdict"], o.verdict.kind().as_str(), "{name}");
    assert_eq!(v["verdict_code"], o.verdict.code(), "{name}");
    let claims = o
        .token
        .as_ref()
        .map(|t| serde_json::to_value(&t.claims).expect("claims"));
    assert_eq!(v["claims"], claims.unwrap_or(Value::Null), "{name}: claims");
    assert_eq!(
        v["embedded_disclosure"],
        json!(o.token.as_ref().map(|t| t.disclosure.is_some())),
        "{name}"
    );
    match o.verdict.disclosure() {
        Some(d) => {
            assert_eq!(
                v["disclosure"],
                serde_json::to_value(d).expect("json"),
                "{name}"
            );
            // The signed digest is SHA-256 of the disclosure's bytes in the token's format.
            let version = v["claims"]["version"].as_u64().expect("version") as u8;
            let digest = disclosure_digest_for(version, d).map(|d| hex(&d));
            assert_eq!(v["claims"]["digest"], json!(digest), "{name}: digest");
        }
        None => assert!(v["disclosure"].is_null(), "{name}"),
    }
    let finding = match &o.verdict {
        Verdict::ValidOffline(f) | Verdict::Unchecked(f) => Some(f),
        _ => None,
    };
    assert_eq!(
        v["status_as_of"],
        json!(finding.and_then(|f| f.status_as_of)),
        "{name}"
    );
    assert_eq!(
        v["status_next_update"],
        json!(finding.and_then(|f| f.status_next_update)),
        "{name}"
    );
    assert_eq!(
        v["unchecked_reason"],
        json!(finding.and_then(|f| f.reason).map(|r| r.as_str())),
        "{name}"
    );
}

fn run_number(name: &str, v: &Value) {
    let input = str_of(v, "input").expect("input");
    let (kind, parsed) = if TransferNumber::looks_like(input) {
        (
            "transfer",
            TransferNumber::parse(input).map(|n| n.to_string()),
        )
    } else {
        (
            "verification",
            VerificationNumber::parse(input).map(|n| n.to_string()),
        )
    };
    assert_eq!(v["number_kind"], kind, "{name}");
    let (result, shown) = match parsed {
        Ok(s) => ("ok", Some(s)),
        Err(Error::NumberTypo | Error::TransferNumberTypo) => ("typo", None),
        Err(Error::NumberMalformed(_) | Error::TransferNumberMalformed(_)) => ("malformed", None),
        Err(e) => panic!("{name}: {e}"),
    };
    assert_eq!(v["result"], result, "{name}");
    assert_eq!(v["parsed"], json!(shown), "{name}");
}

fn run_key_set(name: &str, v: &Value) {
    let text = str_of(v, "key_set_text").expect("key_set_text");
    let mode = str_of(v, "mode").expect("mode");
    let ring = KeySet::from_json(text).and_then(|s| match mode {
        "production" => s.ring(),
        "test" => s.ring_test_mode(),
        other => panic!("{name}: mode {other}"),
    });
    match ring {
        Ok(r) => {
            assert_eq!(v["result"], "ok", "{name}");
            assert!(v["error_code"].is_null(), "{name}");
            let ids: Vec<u32> = r.ids().map(|k| k.0).collect();
            assert_eq!(v["key_ids"], json!(ids), "{name}");
        }
        Err(e) => {
            assert_eq!(v["result"], e.code().name(), "{name}");
            assert_eq!(v["error_code"], e.code() as u32, "{name}");
            assert!(
                matches!(e, Error::KeySetInvalid(_) | Error::KeyRefused(_)),
                "{name}: {e}"
            );
        }
    }
}

fn run_status_list(name: &str, v: &Value) {
    let text = str_of(v, "status_list_text").expect("status_list_text");
    match StatusList::decode(text, &key_set_ring(&v["key_set"])) {
        Ok(l) => {
            assert_eq!(v["result"], "ok", "{name}");
            assert!(v["error_code"].is_null(), "{name}");
            assert_eq!(v["list"], l.id(), "{name}");
            assert_eq!(v["entries"], l.len(), "{name}");
            assert_eq!(v["issued_at"], json!(l.issued_at()), "{name}");
            assert_eq!(v["next_update"], json!(l.next_update()), "{name}");
            let probe = v["probe"].as_array().expect("probe");
            assert!(probe.len() >= 4, "{name}");
            let mut set = 0;
            for p in probe {
                let i = p[0]
                    .as_u64()
                    .and_then(|i| u32::try_from(i).ok())
                    .expect("index");
                assert_eq!(p[1], json!(l.get(i)), "{name}: entry {i}");
                set += usize::from(p[1] != "in_force");
            }
            assert!(set >= 2, "{name}: the probe includes set entries");
        }
        Err(e) => {
            assert!(matches!(e, Error::StatusListInvalid(_)), "{name}: {e}");
            assert_eq!(v["result"], e.code().name(), "{name}");
            assert_eq!(v["error_code"], e.code() as u32, "{name}");
        }
    }
}

#[test]
fn every_vector_gives_its_result_through_the_library() {
    let vectors = load();
    assert!(vectors.len() >= 45, "{}", vectors.len());
    for (name, v) in &vectors {
        match str_of(v, "kind") {
            Some("token") => run_token(name, v),
            Some("number") => run_number(name, v),
            Some("key_set") => run_key_set(name, v),
            Some("status_list") => run_status_list(name, v),
            other => panic!("{name}: kind {other:?}"),
        }
    }
}

#[test]
fn every_case_derives_from_a_published_base_with_one_stated_change() {
    let vectors = load();
    for (name, v) in &vectors {
        match str_of(v, "base") {
            None => assert!(
                v["change"].is_null(),
                "{name}: a base case states no change"
            ),
            Some(base) => {
                let b = vectors
                    .get(base)
                    .unwrap_or_else(|| panic!("{name}: base {base}"));
                assert_eq!(b["kind"], v["kind"], "{name}: base of the same kind");
                let change = str_of(v, "change").expect("change");
                assert!(
                    change.ends_with('.') && change.len() > 10,
                    "{name}: {change}"
                );
            }
        }
    }
}

#[test]
fn the_required_cases_are_published() {
    let vectors = load();
    let expect = [
        ("valid-hmac", "valid"),
        ("valid-ed25519", "valid"),
        ("tampered-content", "bad_signature"),
        ("flipped-signature-bit", "bad_signature"),
        ("wrong-key", "bad_signature"),
        ("unknown-key-id", "unknown_key"),
        ("expired", "expired"),
        ("not-yet-valid", "not_yet_valid"),
        ("wrong-section", "wrong_section"),
        ("revoked", "revoked"),
        ("superseded", "superseded"),
        ("bad-prefix", "malformed"),
        ("bad-encoding", "malformed"),
        ("truncated", "malformed"),
        ("format1-body-under-gr2", "malformed"),
        ("format2-valid-offline", "valid_offline"),
        ("format2-no-list", "unchecked"),
        ("format2-printed-number-mismatch", "holder_mismatch"),
    ];
    for (name, verdict) in expect {
        assert_eq!(
            vectors.get(name).map(|v| &v["verdict"]),
            Some(&Value::from(verdict)),
            "{name}"
        );
    }
    let count = |kind: &str| vectors.values().filter(|v| v["kind"] == kind).count();
    assert!(count("number") >= 6 && count("key_set") >= 6 && count("status_list") >= 4);
    // Every key a token vector publishes is marked as a test key.
    for v in vectors.values().filter(|v| v["kind"] == "token") {
        for k in v["keys"].as_array().expect("keys") {
            assert_eq!(k["test"], true);
        }
    }
}

#[test]
fn the_files_are_what_the_generator_writes() {
    let files = load();
    let list = vectors_gen::vectors();
    assert_eq!(
        std::fs::read_to_string(dir().join("README.md")).ok(),
        Some(vectors_gen::readme(&list)),
        "docs/vectors/README.md is stale: run `cargo run -p gradreg --example make_vectors`"
    );
    let generated: BTreeMap<String, Value> = list.into_iter().collect();
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        generated.keys().collect::<Vec<_>>(),
        "run `cargo run -p gradreg --example make_vectors`"
    );
    for (name, v) in &generated {
        assert_eq!(
            &files[name], v,
            "{name} is stale: run `cargo run -p gradreg --example make_vectors`"
        );
    }
}
