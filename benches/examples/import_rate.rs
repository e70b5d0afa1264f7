//! Imports a generated roster of N rows (20,000 by default) into a fresh SQLite registry
//! through [`Registry::import_roster`] and prints the rows per second: the import of the
//! storage benchmark on its own, small enough to run under a profiler
//! (`valgrind --tool=callgrind`). Then it checks the audit chain and every stored row.
//!
//! `CARGO_PROFILE_RELEASE_DEBUG=true cargo run --release -p gradreg-benches --example import_rate -- [ROWS] [FILE]`

use std::time::Instant;

use chrono::{TimeZone, Utc};
use gradreg::cohort::{generate, roster_csv, CohortSpec, HeaderStyle};
use gradreg::roster::RosterOptions;
use gradreg::{Actor, ImportMode, Policy, Registry};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rows: usize = args
        .next()
        .map(|r| r.parse())
        .transpose()?
        .unwrap_or(20_000);
    let path = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::env::temp_dir().join(format!("gradreg-import-rate-{}.db", std::process::id()))
        });
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    let grads: Vec<_> = generate(&CohortSpec {
        size: rows,
        ..CohortSpec::default()
    })
    .collect();
    let csv = roster_csv(&grads, HeaderStyle::Chinese);
    let r = Registry::open(&path, Policy::jiangsu())?;
    let school = Actor::SchoolOffice {
        id: "bench".into(),
        school: "10327".into(),
    };
    let now = Utc
        .with_ymd_and_hms(2026, 3, 1, 2, 0, 0)
        .single()
        .ok_or("instant")?;
    let start = Instant::now();
    let rep = r.import_roster(
        csv.as_bytes(),
        &RosterOptions::default(),
        ImportMode::GoodRows,
        &school,
        now,
    )?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "import {rows} rows: {} created in {secs:.3} s, {:.0} rows/s",
        rep.created,
        rows as f64 / secs
    );
    // The import is only fast if it is also right: the whole chain and every row checked.
    let check = r.check_audit()?;
    if !check.intact() || check.records != rep.created as u64 {
        return Err(format!("audit check failed: {check:?}").into());
    }
    println!("audit check: {} records intact", check.records);
    Ok(())
}
