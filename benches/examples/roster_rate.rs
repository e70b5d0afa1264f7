//! Parses a roster file with the core, as `parse_roster` does from Python, and prints the rows
//! per second: the Rust side of `python/bench/bench_speed.py`'s side-by-side figure.
//!
//! `cargo run --release -p gradreg-benches --example roster_rate -- FILE [ROUNDS]`

use std::time::Instant;

use gradreg::roster::{parse_roster_with, HeaderAliases, RosterOptions};
use gradreg::CodeTables;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: roster_rate FILE [ROUNDS]")?;
    let rounds: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(5);
    let data = std::fs::read(&path)?;
    let opts = RosterOptions::default();
    let mut best = f64::INFINITY;
    let mut rows = 0;
    for _ in 0..rounds.max(1) {
        let start = Instant::now();
        let parsed = parse_roster_with(
            &data,
            &opts,
            CodeTables::builtin(),
            HeaderAliases::builtin(),
        )?;
        best = best.min(start.elapsed().as_secs_f64());
        rows = parsed.rows.len();
        std::hint::black_box(parsed);
    }
    println!(
        "rust parse_roster: {rows} rows, best of {rounds}: {:.3} s, {:.0} rows/s",
        best,
        rows as f64 / best
    );
    Ok(())
}
