//! Forms: QR matrix, form → SVG, → PDF (one page, and per page of a 40-page class document, with
//! the system font and the bundled one), → PNG (the default 240 dpi, and 150 dpi), PNG on one
//! thread vs two.
//!
//! Budgets: QR matrix ≤ fast_qr's time for the same payload; SVG ≤ 100 µs; PDF ≤ 5 ms a page;
//! PNG at 150 dpi ≤ 17 ms; two threads ≥ 1.9× one.
//!
//! `cargo bench -p gradreg-benches --bench forms`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use gradreg::forms::{FontSource, Form, FormOptions, PdfOptions, QrMatrix, Renderer, DEFAULT_DPI};
use gradreg::{CodeTables, Section};
use gradreg_benches::{authorized_sample, cst};

/// A token of 150 characters, as the signed tokens are: QR-alphanumeric upper-case base32.
fn token() -> String {
    let body = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43UOV3HO6DZPIYTEMZUGU3DOOBZ";
    let mut t = String::from("GR1:");
    while t.len() < 150 {
        t.push_str(body);
    }
    t.truncate(150);
    t
}

fn form() -> Form {
    let (reg, auth) = authorized_sample();
    Form::build(
        &reg,
        &auth,
        Section::Archive,
        &token(),
        cst(6, 20, 10),
        CodeTables::builtin(),
        FormOptions::default(),
    )
    .expect("form")
}

fn bench_qr(c: &mut Criterion) {
    let t = token();
    let mut g = c.benchmark_group("forms/qr_matrix_150B_level_M");
    g.bench_function("gradreg QrMatrix::encode", |b| {
        b.iter(|| QrMatrix::encode(black_box(&t)).expect("qr"))
    });
    g.bench_function("fast_qr direct (budget anchor)", |b| {
        b.iter(|| {
            fast_qr::QRBuilder::new(black_box(t.as_bytes()))
                .ecl(fast_qr::ECL::M)
                .build()
                .expect("qr")
        })
    });
    g.bench_function("qrcode direct (peer)", |b| {
        b.iter(|| {
            qrcode::QrCode::with_error_correction_level(black_box(t.as_bytes()), qrcode::EcLevel::M)
                .expect("qr")
        })
    });
    g.finish();
}

fn bench_render(c: &mut Criterion) {
    let renderer = match Renderer::new(FontSource::Auto) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("skipping the rendering benchmarks: {e}");
            return;
        }
    };
    let form = form();
    let mut g = c.benchmark_group("forms/render");
    g.bench_function("form to SVG (QR matrix included)", |b| {
        b.iter(|| renderer.svg(black_box(&form)).expect("svg"))
    });
    let qr = QrMatrix::encode(&form.token).expect("qr");
    g.bench_function("form to SVG (QR matrix given)", |b| {
        b.iter(|| renderer.svg_with_qr(black_box(&form), &qr).expect("svg"))
    });
    g.sample_size(30);
    g.bench_function("form to PDF", |b| {
        b.iter(|| renderer.pdf(black_box(&form)).expect("pdf"))
    });
    g.bench_function(format!("form to PNG {DEFAULT_DPI} dpi (default)"), |b| {
        b.iter(|| renderer.png(black_box(&form), DEFAULT_DPI).expect("png"))
    });
    g.bench_function("form to PNG 150 dpi", |b| {
        b.iter(|| renderer.png(black_box(&form), 150).expect("png"))
    });
    // The same without the bundled fallback font: what the fallback costs.
    let alone = Renderer::with_font(renderer.font().clone()).expect("renderer");
    g.bench_function("form to PNG 150 dpi, page font alone", |b| {
        b.iter(|| alone.png(black_box(&form), 150).expect("png"))
    });
    g.finish();

    // PDF: one page, and a class of 40 in one document (per page: the time divided by 40), with
    // the font of the system and with the bundled one.
    let class: Vec<Form> = (0..40).map(|_| form.clone()).collect();
    let bundled = Renderer::new(FontSource::Bundled).expect("bundled font");
    for (font, r) in [("system font", &renderer), ("bundled font", &bundled)] {
        let mut g = c.benchmark_group(format!("forms/pdf ({font}: {})", r.font().family()));
        g.sample_size(20);
        g.bench_function("one form, one document", |b| {
            b.iter(|| r.pdf(black_box(&form)).expect("pdf"))
        });
        g.throughput(Throughput::Elements(class.len() as u64));
        g.bench_function("40 forms, one document (per page: divide by 40)", |b| {
            b.iter(|| {
                r.class_pdf(black_box(&class), &PdfOptions::default())
                    .expect("pdf")
            })
        });
        g.finish();
    }

    // Throughput of one renderer shared by two threads against one thread, same work.
    let pages = if measuring() { 16 } else { 2 };
    let one = |n: usize| {
        for _ in 0..n {
            black_box(renderer.png(&form, DEFAULT_DPI).expect("png"));
        }
    };
    let mut g = c.benchmark_group("forms/png_threads");
    g.sample_size(10);
    g.bench_function(format!("{pages} pages, 1 thread"), |b| {
        b.iter(|| one(pages))
    });
    g.bench_function(format!("{pages} pages, 2 threads"), |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                let h = s.spawn(|| one(pages / 2));
                one(pages / 2);
                h.join().expect("thread");
            })
        })
    });
    g.finish();

    // The ratio, from medians of a few timed rounds (criterion reports each side above).
    if !measuring() {
        return;
    }
    let time = |threads: usize| -> (Duration, Option<Duration>) {
        let mut runs: Vec<(Duration, Option<Duration>)> = (0..5)
            .map(|_| {
                let cpu0 = process_cpu();
                let start = Instant::now();
                std::thread::scope(|s| {
                    for _ in 1..threads {
                        s.spawn(|| one(pages / threads));
                    }
                    one(pages / threads);
                });
                let wall = start.elapsed();
                let cpu = cpu0.zip(process_cpu()).map(|(a, b)| b.saturating_sub(a));
                (wall, cpu)
            })
            .collect();
        runs.sort();
        runs[runs.len() / 2]
    };
    let ((t1, c1), (t2, c2)) = (time(1), time(2));
    let per_page = |d: Duration| d.as_secs_f64() * 1e3 / pages as f64;
    println!(
        "forms/png_threads: 1 thread {:.1} ms/page, 2 threads {:.1} ms/page, throughput ratio {:.2}× (budget ≥ 1.9×)",
        per_page(t1),
        per_page(t2),
        t1.as_secs_f64() / t2.as_secs_f64()
    );
    if let (Some(c1), Some(c2)) = (c1, c2) {
        // Equal CPU per page on one and two threads means no lock or shared state serialises
        // the threads: the throughput then scales with the cores the machine actually gives.
        println!(
            "forms/png_threads: CPU per page {:.1} ms on 1 thread, {:.1} ms on 2 threads; load average {}",
            per_page(c1),
            per_page(c2),
            std::fs::read_to_string("/proc/loadavg")
                .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
                .unwrap_or_default()
        );
    }
}

/// CPU time of the whole process, user and system (Linux `/proc/self/stat`, 100 ticks a second).
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses: utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// On-CPU time of the calling thread (Linux `schedstat`), to tell work from waiting for a core
/// when the machine is shared.
fn thread_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// Prints the on-CPU time per call of `f` (median of 5 rounds of `n` calls).
fn cpu_per_call(name: &str, n: u32, mut f: impl FnMut()) {
    let mut rounds = Vec::new();
    for _ in 0..5 {
        let (Some(a), wall) = (thread_cpu(), Instant::now()) else {
            return;
        };
        for _ in 0..n {
            f();
        }
        let (Some(b), wall) = (thread_cpu(), wall.elapsed()) else {
            return;
        };
        rounds.push(((b - a) / n, wall / n));
    }
    rounds.sort();
    let (cpu, wall) = rounds[rounds.len() / 2];
    println!("{name}: on-CPU {cpu:.2?} per call (wall {wall:.2?})");
}

/// Whether this is a measuring run (`cargo bench`), not `cargo test`'s quick pass over the
/// benchmarks, which runs unoptimised and must not time hundreds of pages.
fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn bench_cpu_time(_: &mut Criterion) {
    if !measuring() {
        return;
    }
    let Ok(renderer) = Renderer::new(FontSource::Auto) else {
        return;
    };
    let form = form();
    let t = token();
    let qr = QrMatrix::encode(&form.token).expect("qr");
    cpu_per_call("cpu/qr_matrix gradreg", 200, || {
        black_box(QrMatrix::encode(&t).expect("qr"));
    });
    cpu_per_call("cpu/qr_matrix fast_qr", 200, || {
        black_box(
            fast_qr::QRBuilder::new(t.as_bytes())
                .ecl(fast_qr::ECL::M)
                .build()
                .expect("qr"),
        );
    });
    cpu_per_call("cpu/svg (QR given)", 500, || {
        black_box(renderer.svg_with_qr(&form, &qr).expect("svg"));
    });
    cpu_per_call("cpu/svg (QR included)", 200, || {
        black_box(renderer.svg(&form).expect("svg"));
    });
    cpu_per_call("cpu/pdf", 10, || {
        black_box(renderer.pdf(&form).expect("pdf"));
    });
    let class: Vec<Form> = (0..40).map(|_| form.clone()).collect();
    cpu_per_call("cpu/pdf 40-page class document (whole document)", 3, || {
        black_box(
            renderer
                .class_pdf(&class, &PdfOptions::default())
                .expect("pdf"),
        );
    });
    cpu_per_call("cpu/png 240 dpi (default)", 10, || {
        black_box(renderer.png(&form, DEFAULT_DPI).expect("png"));
    });
    cpu_per_call("cpu/png 150 dpi", 10, || {
        black_box(renderer.png(&form, 150).expect("png"));
    });
}

criterion_group!(benches, bench_qr, bench_render, bench_cpu_time);
criterion_main!(benches);
