//! Writes the documents a registry stores, in their clear form, one file each: the samples
//! from which `scripts/train-dictionary.sh` trains a dictionary for the stores' packed form
//! (core/src/registry/stored.rs).
//!
//! `cargo run --release -p gradreg-benches --example dictionary_samples -- REGISTRY.db OUT_DIR`
//!
//! Every registration (as the store keeps its JSON), every audit entry and every event of the
//! registry, through the store's public interface.

use gradreg::registry::sqlite::SqliteStore;
use gradreg::registry::Store;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: dictionary_samples REGISTRY.db OUT_DIR";
    let db = args.next().ok_or(usage)?;
    let out = std::path::PathBuf::from(args.next().ok_or(usage)?);
    std::fs::create_dir_all(&out)?;
    let store = SqliteStore::open(&db)?;
    let mut n = 0usize;
    let mut write = |kind: &str, text: &str| -> std::io::Result<()> {
        n += 1;
        std::fs::write(out.join(format!("{kind}-{n}.json")), text)
    };
    store.for_each(&mut |reg| {
        let text = serde_json::to_string(&reg)?;
        Ok(write("registration", &text)?)
    })?;
    for rec in store.audit(None)? {
        write("audit", &rec.entry_json)?;
    }
    let mut after = 0;
    loop {
        let events = store.events_after(after, 10_000)?;
        let Some((last, _)) = events.last() else {
            break;
        };
        after = *last;
        for (_, event) in &events {
            write("event", &serde_json::to_string(event)?)?;
        }
    }
    println!("{n} documents in {}", out.display());
    Ok(())
}
