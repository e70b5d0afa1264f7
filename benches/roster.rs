//! Roster import: parsing and validating a generated 100,000-row roster, as our own writer
//! writes it and as real exports write it (template headers, 男/女, 汉族, 中共党员, YYYYMMDD
//! dates: every row draws notices), in CSV and XLSX. Budgets (docs/architecture.md,
//! "Performance budgets"): parse + validate ≥ 250,000 rows/s for CSV, ≥ 20,000 rows/s for XLSX,
//! peak memory ≤ 3× the file's size. Peak memory is counted by this binary's allocator.
//!
//! `cargo bench -p gradreg-benches --bench roster`

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = IN_USE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(p, l) };
        IN_USE.fetch_sub(l.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's pointer, layout and size.
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            if new >= l.size() {
                let now = IN_USE.fetch_add(new - l.size(), Ordering::Relaxed) + new - l.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                IN_USE.fetch_sub(l.size() - new, Ordering::Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f` and returns its result with the peak of bytes allocated above what was in use
/// before it.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = IN_USE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed) - base)
}

/// The roster as a campus system exports it: template headers with notes and markers, genders
/// and coded fields by name, dates as YYYYMMDD — every row rewritten on reading.
fn as_offices_write_it(csv: &str) -> String {
    let mut out = String::with_capacity(csv.len() + csv.len() / 4);
    let mut lines = csv.lines();
    let header = lines.next().unwrap_or_default();
    let renamed: Vec<&str> = header
        .split(',')
        .map(|h| match h {
            "姓名" => "姓名（必填）",
            "性别代码" => "性别",
            "身份证号" => "*身份证件号码",
            "学历代码" => "学历层次",
            "学院" => "所在院系",
            "入学日期" => "入学时间",
            "毕业日期" => "毕业时间(格式:YYYYMMDD)",
            "生源地代码" => "生源地区代码",
            "民族代码" => "民族",
            "政治面貌代码" => "政治面貌",
            "手机号码" => "联系电话",
            other => other,
        })
        .collect();
    out.push_str(&renamed.join(","));
    out.push_str("\r\n");
    let tables = CodeTables::builtin();
    let col = |name: &str| header.split(',').position(|h| h == name);
    let (g, e, p, d1, d2) = (
        col("性别代码"),
        col("民族代码"),
        col("政治面貌代码"),
        col("入学日期"),
        col("毕业日期"),
    );
    for line in lines {
        let cells: Vec<String> = line
            .split(',')
            .enumerate()
            .map(|(i, c)| {
                let i = Some(i);
                if i == g {
                    if c == "1" { "男" } else { "女" }.to_string()
                } else if i == e {
                    tables.name(Table::Ethnicities, c).unwrap_or(c).to_string()
                } else if i == p {
                    tables
                        .name(Table::PoliticalStatuses, c)
                        .unwrap_or(c)
                        .to_string()
                } else if i == d1 || i == d2 {
                    c.replace('-', "")
                } else {
                    c.to_string()
                }
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The CSV roster as an XLSX workbook with one sheet of text cells.
fn xlsx_of(csv: &str) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, line) in csv.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            ws.write_string(r as u32, c as u16, cell)
                .expect("cell written");
        }
    }
    wb.save_to_buffer().expect("workbook written")
}

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use gradreg::cohort::{generate, roster_csv, CohortSpec, HeaderStyle};
use gradreg::roster::{parse_roster, scan_roster, HeaderAliases, RosterOptions};
use gradreg::{CodeTables, Table};

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

    // Real-shaped: every row rewritten (about five notices a row).
    let real = as_offices_write_it(&csv);
    let (t0, c0) = (Instant::now(), cpu_ns());
    let parsed = parse_roster(real.as_bytes(), &opts, tables).expect("real-shaped roster parses");
    let secs = t0.elapsed().as_secs_f64();
    assert_eq!(parsed.rows.len(), rows);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems.first());
    println!(
        "roster: real-shaped CSV (template headers, 男/女, names for codes, YYYYMMDD): {rows} rows, {} notices, in {secs:.3} s = {:.0} rows/s ({:.2} µs/row{})",
        parsed.notices.len(),
        rows as f64 / secs,
        secs * 1e6 / rows as f64,
        match (c0, cpu_ns()) {
            (Some(a), Some(b)) => format!(", CPU {:.2} µs/row", (b - a) as f64 / 1e3 / rows as f64),
            _ => String::new(),
        }
    );
    drop(parsed);

    // Peak memory of parse + validate, against the file's size: reading row by row
    // (`scan_roster`, what a check of a file needs), and keeping every record (`parse_roster`).
    // "With the file" adds the file's own bytes: what the process holds at its peak.
    let (gb_real, _, _) = encoding_rs::GB18030.encode(&real);
    for (what, bytes) in [
        ("our UTF-8 CSV", csv.as_bytes()),
        ("real-shaped UTF-8 CSV", real.as_bytes()),
        ("real-shaped GB18030 CSV", &gb_real[..]),
    ] {
        let file = bytes.len() as f64;
        let ((scan, bad), peak) = peak_of(|| {
            let mut bad = 0usize;
            let s = scan_roster(bytes, &opts, tables, HeaderAliases::builtin(), |r, _| {
                bad += usize::from(!r.ok)
            })
            .expect("scans");
            (s, bad)
        });
        assert_eq!((scan.rows, bad), (rows, 0));
        let (parsed, kept) = peak_of(|| parse_roster(bytes, &opts, tables).expect("parses"));
        drop(parsed);
        println!(
            "roster: peak memory with the {:.1} MB {what}: row by row {:.1} MB = {:.2}× the file ({:.2}× with the file); every record kept {:.1} MB = {:.2}× ({:.2}× with the file)",
            file / 1e6,
            peak as f64 / 1e6,
            peak as f64 / file,
            (peak as f64 + file) / file,
            kept as f64 / 1e6,
            kept as f64 / file,
            (kept as f64 + file) / file,
        );
    }

    // XLSX.
    let book = xlsx_of(&real);
    let (t0, c0) = (Instant::now(), cpu_ns());
    let (parsed, peak) = peak_of(|| parse_roster(&book, &opts, tables).expect("workbook parses"));
    let secs = t0.elapsed().as_secs_f64();
    assert_eq!(parsed.rows.len(), rows);
    println!(
        "roster: XLSX ({:.1} MB) {rows} rows in {secs:.3} s = {:.0} rows/s ({:.2} µs/row{}); peak memory {:.1} MB",
        book.len() as f64 / 1e6,
        rows as f64 / secs,
        secs * 1e6 / rows as f64,
        match (c0, cpu_ns()) {
            (Some(a), Some(b)) => format!(", CPU {:.2} µs/row", (b - a) as f64 / 1e3 / rows as f64),
            _ => String::new(),
        },
        peak as f64 / 1e6
    );
    drop(parsed);

    let mut group = c.benchmark_group("roster");
    group.sample_size(10);
    group.throughput(Throughput::Elements(rows as u64));
    group.bench_function(format!("parse {rows}-row UTF-8 CSV"), |b| {
        b.iter(|| parse_roster(black_box(csv.as_bytes()), &opts, tables).expect("parses"))
    });
    group.bench_function(format!("scan {rows}-row UTF-8 CSV row by row"), |b| {
        b.iter(|| {
            scan_roster(
                black_box(csv.as_bytes()),
                &opts,
                tables,
                HeaderAliases::builtin(),
                |r, _| {
                    black_box(r);
                },
            )
            .expect("scans")
        })
    });
    group.bench_function(format!("parse {rows}-row real-shaped CSV"), |b| {
        b.iter(|| parse_roster(black_box(real.as_bytes()), &opts, tables).expect("parses"))
    });
    group.bench_function(format!("parse {rows}-row GB18030 CSV"), |b| {
        b.iter(|| parse_roster(black_box(&gb), &opts, tables).expect("parses"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
