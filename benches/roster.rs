//! Roster import: parsing and validating a generated 100,000-row CSV roster. The registry's budget
//! (docs/architecture.md, "Performance budgets") is ≥ 50,000 rows/s into SQLite, so parsing and
//! validation should stay well under 10 µs per row.
//!
//! `cargo bench -p gradreg-benches --bench roster`

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use gradreg::cohort::{generate, roster_csv, CohortSpec, HeaderStyle};
use gradreg::roster::{parse_roster, RosterOptions};
use gradreg::CodeTables;

/// Rows of the roster: 100,000 when benchmarking (`cargo bench`), a few thousand when
/// `cargo test` runs the benchmark once as a test.
fn rows() -> usize {
    if std::env::args().any(|a| a == "--bench") {
        100_000
    } else {
        2_000
    }
}

/// CPU time of the current thread in nanoseconds (Linux), which other processes competing for the
/// machine do not inflate the way they inflate wall-clock time.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn bench(c: &mut Criterion) {
    let rows = rows();
    let spec = CohortSpec {
        size: rows,
        ..CohortSpec::default()
    };
    let t0 = Instant::now();
    let graduates: Vec<_> = generate(&spec).collect();
    let generated = t0.elapsed();
    let csv = roster_csv(&graduates, HeaderStyle::Chinese);
    let (gb, _, _) = encoding_rs::GB18030.encode(&csv);
    let tables = CodeTables::builtin();
    let opts = RosterOptions::default();

    // One plain timing first, so the figure is printed even with criterion's output filtered.
    let (t0, c0) = (Instant::now(), cpu_ns());
    let parsed = parse_roster(csv.as_bytes(), &opts, tables).expect("roster parses");
    let secs = t0.elapsed().as_secs_f64();
    if let (Some(c0), Some(c1)) = (c0, cpu_ns()) {
        println!(
            "roster: CPU time of this thread (independent of other load on the machine): {:.2} µs/row",
            (c1 - c0) as f64 / 1e3 / rows as f64
        );
    }
    assert_eq!(parsed.rows.len(), rows);
    assert!(parsed.problems.is_empty());
    println!(
        "roster: generated {rows} graduates in {:.2} s; parsed + validated {rows} rows ({:.1} MB UTF-8 CSV) in {:.3} s = {:.0} rows/s ({:.2} µs/row)",
        generated.as_secs_f64(),
        csv.len() as f64 / 1e6,
        secs,
        rows as f64 / secs,
        secs * 1e6 / rows as f64
    );

    // The share of validation alone, on the same records.
    let (t0, c0) = (Instant::now(), cpu_ns());
    let n: usize = graduates
        .iter()
        .map(|g| gradreg::Validate::problems(black_box(&g.basic), tables).len())
        .sum();
    let vsecs = t0.elapsed().as_secs_f64();
    assert_eq!(n, 0);
    println!(
        "roster: BasicInfo validation alone: {:.2} µs/row",
        vsecs * 1e6 / rows as f64
    );
    if let (Some(c0), Some(c1)) = (c0, cpu_ns()) {
        println!(
            "roster: BasicInfo validation alone, CPU time: {:.2} µs/row",
            (c1 - c0) as f64 / 1e3 / rows as f64
        );
    }

    let mut group = c.benchmark_group("roster");
    group.sample_size(10);
    group.throughput(Throughput::Elements(rows as u64));
    group.bench_function(format!("parse {rows}-row UTF-8 CSV"), |b| {
        b.iter(|| parse_roster(black_box(csv.as_bytes()), &opts, tables).expect("parses"))
    });
    group.bench_function(format!("parse {rows}-row GB18030 CSV"), |b| {
        b.iter(|| parse_roster(black_box(&gb), &opts, tables).expect("parses"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
