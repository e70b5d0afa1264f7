//! Runs every published token test vector (`docs/vectors/*.json`) and checks the result of every
//! step, the verdict, the claims and the disclosure; checks the files are what the generator
//! (`cargo run -p gradreg --example make_vectors`) writes today.

#[allow(dead_code)]
#[path = "../../examples/vectors_gen.rs"]
mod vectors_gen;

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Duration};
use gradreg::codes::token::hex;
use gradreg::{verify_token, Disclosure, ScanOptions, Step};
use serde_json::Value;
use sha2::{Digest, Sha256};
use vectors_gen::{department, ring_from_json, Status, VectorStatus};

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

#[test]
fn every_vector_gives_its_verdict_at_every_step() {
    let vectors = load();
    assert!(vectors.len() >= 14);
    for (name, v) in &vectors {
        let ring = ring_from_json(&v["keys"]);
        let canonical = v["status_disclosure_canonical"]
            .as_str()
            .expect("canonical");
        let disclosure: Disclosure = serde_json::from_str(canonical).expect("disclosure");
        assert_eq!(
            disclosure.canonical_bytes(),
            canonical.as_bytes(),
            "{name}: canonical form"
        );
        let source = VectorStatus {
            status: Status::parse(v["status"].as_str().unwrap_or("")).expect("status"),
            disclosure,
        };
        let opts = ScanOptions {
            required_prefix: v["required_prefix"].as_str().map(str::to_string),
            leeway: Duration::seconds(v["leeway_seconds"].as_i64().expect("leeway")),
            ..ScanOptions::default()
        };
        let now = DateTime::from_timestamp(v["now_unix"].as_i64().expect("now"), 0).expect("now");
        assert_eq!(
            v["now"].as_str(),
            Some(
                now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    .as_str()
            )
        );
        let who = department(v["verifier_department"].as_str().unwrap_or(""));
        let token = v["token"].as_str().expect("token");
        let o = verify_token(token, &ring, &who, now, &source, &opts);

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
        match o.verdict.disclosure() {
            Some(d) => {
                assert_eq!(
                    v["disclosure"],
                    serde_json::to_value(d).expect("json"),
                    "{name}"
                );
                // The signed digest is SHA-256 of the canonical bytes.
                let digest = hex(&Sha256::digest(d.canonical_bytes()));
                assert_eq!(v["claims"]["digest"], digest.as_str(), "{name}: digest");
            }
            None => assert!(v["disclosure"].is_null(), "{name}"),
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
    ];
    for (name, verdict) in expect {
        assert_eq!(
            vectors.get(name).map(|v| &v["verdict"]),
            Some(&Value::from(verdict)),
            "{name}"
        );
    }
    // The Ed25519 vector publishes only what a third party needs besides the seed it was made
    // from, and the keys are marked as test keys.
    for v in vectors.values() {
        for k in v["keys"].as_array().expect("keys") {
            assert_eq!(k["test"], true);
        }
    }
}

#[test]
fn the_files_are_what_the_generator_writes() {
    let files = load();
    let generated: BTreeMap<String, Value> = vectors_gen::vectors().into_iter().collect();
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
