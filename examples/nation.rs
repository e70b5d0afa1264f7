//! The national season, simulated on a sample and extrapolated to the 12.7 million graduates of
//! 2026.
//!
//! A cohort of `--graduates N` (default 20,000), split into schools the size of a real
//! employment office's roster, goes through the season against one store:
//!
//! 1. **import** — each school's office imports its roster (CSV with Chinese headers, made by the
//!    project's cohort generator: valid ID numbers, real region, major and employer codes);
//! 2. **login** — CHSI binds each account, then each graduate logs in;
//! 3. **confirm basic info** — each graduate confirms what the school uploaded;
//! 4. **report** — the provincial platform reports destinations (most graduates before the peak);
//! 5. **confirm** — graduates confirm their destinations;
//! 6. **authorize** — graduates authorize verification (核验授权);
//! 7. **token issue** — the school issues the signed token of each authorized form;
//! 8. **online verification, quiet** — `--readers M` threads verify forms online, nothing else
//!    running;
//! 9. **peak days** — the last three days before the 30 June deadline of the national policy: `--writers K` threads
//!    apply, one command per transaction as separate clients do, the reports, confirmations and
//!    authorizations of the graduates held back until then, with disputes and their corrections,
//!    while the M reader threads keep verifying online; throughput and p50/p99 latency of the
//!    verifications under that write load.
//!
//! The batch phases go through [`Registry::apply_batch`] 500 commands at a time, as an office's
//! or the platform's upload does. At the end the store's size is measured (the SQLite file, or
//! `pg_database_size` read with `psql` for PostgreSQL), per graduate and for the nation, and a
//! closing paragraph says what one machine holds and what the distributed layout needs, from
//! the measured figures.
//!
//! `cargo run --release -p gradreg --example nation -- --graduates 20000`
//!
//! `--store URL` (or `GRADREG_STORE`) names the store as [`Registry::open_url`] reads it; the
//! default is a new SQLite file in the temporary folder, removed at the end (`--keep` keeps it).
//! A store so named must hold no registrations yet.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, TimeZone, Utc};
use gradreg::codes::{Key, KeyId, KeyRing};
use gradreg::cohort::{generate, roster_csv, CohortSpec, Graduate, HeaderStyle};
use gradreg::roster::RosterOptions;
use gradreg::{
    Actor, Command, ImportMode, IssueOptions, OnlineVerifier, OpenOptions, Policy, Principal,
    Registry, Section, StoreUrl, VerificationNumber,
};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// Graduates of the 2026 cohort, nationwide (Ministry of Education, November 2025).
const NATION: f64 = 12_700_000.0;
/// Commands per batch in the batch phases (an office's or the platform's upload).
const BATCH: usize = 500;
/// The share of the cohort (per thousand) whose report, confirmation and authorization wait for
/// the last three days before the deadline.
const PEAK_SHARE: usize = 200;
/// Of those, one in this many disputes the reported destination, which the platform corrects.
const DISPUTE_EVERY: usize = 10;

const USAGE: &str = "\
usage: nation [--graduates N] [--store URL] [options]

Runs a sample cohort through a whole season against one store and extrapolates the figures to
the 12.7 million graduates of 2026.

options:
  --graduates N     graduates in the sample (default 20000)
  --school-size N   graduates per school roster (default 4000; the last school takes the rest)
  --store URL       the store (default: a new SQLite file in the temporary folder, removed at
                    the end); also the environment variable GRADREG_STORE:
                      sqlite:PATH   a SQLite file (must hold no registrations yet)
                      postgres://USER:PASSWORD@HOST:PORT/DATABASE  (build with the `postgres`
                                    feature; an empty database)
                      memory:       in memory (no size figure)
  --writers K       writer threads on the peak days (default 4)
  --readers M       online-verification threads (default 2)
  --node-disk-gb G  the disk one node may fill, for the closing estimate (default 2000)
  --keep            keep the default SQLite file
  -h, --help        this text
";

/// The command line.
struct Args {
    graduates: usize,
    school_size: usize,
    store: Option<String>,
    writers: usize,
    readers: usize,
    node_disk_gb: f64,
    keep: bool,
}

fn arguments() -> Res<Args> {
    let mut a = Args {
        graduates: 20_000,
        school_size: 4_000,
        store: std::env::var("GRADREG_STORE")
            .ok()
            .filter(|u| !u.is_empty()),
        writers: 4,
        readers: 2,
        node_disk_gb: 2000.0,
        keep: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| -> Res<String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{what} needs a value").into())
        };
        let count = |text: String, what: &str| -> Res<usize> {
            text.replace('_', "")
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{what}: a positive whole number, not {text:?}").into())
        };
        match name.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            "--graduates" => a.graduates = count(value(&name)?, &name)?,
            "--school-size" => a.school_size = count(value(&name)?, &name)?,
            "--writers" => a.writers = count(value(&name)?, &name)?,
            "--readers" => a.readers = count(value(&name)?, &name)?,
            "--node-disk-gb" => {
                let v = value(&name)?;
                a.node_disk_gb = v
                    .parse::<f64>()
                    .ok()
                    .filter(|g| *g > 0.0)
                    .ok_or_else(|| format!("--node-disk-gb: a positive number, not {v:?}"))?;
            }
            "--store" => a.store = Some(value(&name)?),
            "--keep" => a.keep = true,
            _ => return Err(format!("unknown argument {arg}\n\n{USAGE}").into()),
        }
    }
    Ok(a)
}

/// An instant of 2026 in China Standard Time.
fn at(m: u32, d: u32, h: u32) -> DateTime<Utc> {
    gradreg::policy::cst()
        .with_ymd_and_hms(2026, m, d, h, 0, 0)
        .single()
        .expect("valid time")
        .with_timezone(&Utc)
}

fn key(g: &Graduate) -> String {
    format!("{}:{}", g.basic.school_code, g.basic.student_number)
}

fn graduate(g: &Graduate) -> Actor {
    Actor::Graduate {
        id_number: g.basic.id_number.clone(),
    }
}

/// One school: its office and its graduates.
struct School {
    office: Actor,
    graduates: Vec<Graduate>,
}

/// The schools of the sample: rosters of `school_size` (the last one takes the rest), each from
/// its own seed and school code; a graduate whose ID number the generator already gave another
/// school is left out and the next one taken (one person graduates once per cohort and level).
fn schools(total: usize, school_size: usize) -> Vec<School> {
    let mut taken = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut left = total;
    let mut i = 0u64;
    while left > 0 {
        let size = left.min(school_size);
        let code = format!("1{:04}", 1000 + i);
        // The generator is lazy: up to twice as many are drawn, so that the school still has
        // `size` graduates once repeated ID numbers are left out.
        let graduates: Vec<Graduate> = generate(&CohortSpec {
            seed: 100 + i,
            size: size * 2,
            school_code: code.clone(),
            school_name: format!("示例大学{}", i + 1),
            ..CohortSpec::default()
        })
        .filter(|g| taken.insert(g.basic.id_number.clone()))
        .take(size)
        .collect();
        left -= size;
        out.push(School {
            office: Actor::SchoolOffice {
                id: format!("jy{code}"),
                school: code,
            },
            graduates,
        });
        i += 1;
    }
    out
}

/// One measured phase.
struct Phase {
    name: &'static str,
    /// What was counted: rows, commands, tokens, verifications.
    unit: &'static str,
    items: usize,
    accepted: usize,
    seconds: f64,
}

impl Phase {
    fn rate(&self) -> f64 {
        self.items as f64 / self.seconds.max(1e-9)
    }
}

/// Applies commands in batches of [`BATCH`]; returns the phase.
fn batch_phase(
    r: &Registry,
    name: &'static str,
    cmds: Vec<(String, Actor, Command)>,
    now: DateTime<Utc>,
) -> Res<Phase> {
    let t = Instant::now();
    let mut accepted = 0;
    for chunk in cmds.chunks(BATCH) {
        accepted += r
            .apply_batch(chunk, now)?
            .iter()
            .filter(|x| x.is_ok())
            .count();
    }
    let p = Phase {
        name,
        unit: "commands",
        items: cmds.len(),
        accepted,
        seconds: t.elapsed().as_secs_f64(),
    };
    progress(&p);
    Ok(p)
}

fn progress(p: &Phase) {
    println!(
        "  {:<28} {:>8} {:<13} {:>8} accepted {:>7.2} s {:>9.0}/s",
        p.name,
        p.items,
        p.unit,
        p.accepted,
        p.seconds,
        p.rate()
    );
}

/// A form to verify: the graduate's name, the authorization number, and the department that
/// may see its section.
#[derive(Clone)]
struct Form {
    name: String,
    number: VerificationNumber,
    dept: Actor,
}

/// The department that verifies `section`.
fn department(section: Section, reader: usize) -> Actor {
    match section {
        Section::Archive => Actor::ArchiveDept {
            id: format!("archive-{reader}"),
            name: "人才服务中心".into(),
        },
        _ => Actor::HukouDept {
            id: format!("hukou-{reader}"),
            name: "派出所".into(),
        },
    }
}

/// Latencies of online verifications and how many were valid.
#[derive(Default)]
struct Reads {
    micros: Vec<u32>,
    valid: usize,
}

impl Reads {
    fn merge(&mut self, other: Reads) {
        self.micros.extend(other.micros);
        self.valid += other.valid;
    }

    fn percentile(&mut self, p: f64) -> f64 {
        if self.micros.is_empty() {
            return f64::NAN;
        }
        self.micros.sort_unstable();
        let i = ((self.micros.len() - 1) as f64 * p).round() as usize;
        f64::from(self.micros[i]) / 1000.0
    }
}

/// One reader thread: verifies forms online, picked by a small seeded generator, until `stop` is
/// set or `limit` verifications are done.
fn reader(
    r: &Registry,
    forms: &[Form],
    seed: u64,
    now: DateTime<Utc>,
    stop: &AtomicBool,
    limit: usize,
) -> Reads {
    let online = OnlineVerifier::new(r.tables());
    let mut rng = gradreg::cohort::SplitMix64::new(seed);
    let mut out = Reads::default();
    let principal = Principal::new(&format!("office-{seed}")).expect("a valid principal");
    while !stop.load(Ordering::Relaxed) && out.micros.len() < limit && !forms.is_empty() {
        let f = &forms[rng.below(forms.len() as u64) as usize];
        let t = Instant::now();
        let v = r.verify_online(
            &online,
            &principal,
            &f.dept,
            &f.name,
            &f.number.to_string(),
            now,
        );
        out.micros
            .push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
        out.valid += usize::from(v.is_valid());
    }
    out
}

/// Runs `readers` reader threads; returns their verifications and the wall time.
fn read_while(
    r: &Registry,
    forms: &[Form],
    readers: usize,
    limit_each: usize,
    now: DateTime<Utc>,
    stop: &AtomicBool,
) -> Reads {
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..readers)
            .map(|i| s.spawn(move || reader(r, forms, 7 + i as u64, now, stop, limit_each)))
            .collect();
        let mut all = Reads::default();
        for h in handles {
            if let Ok(reads) = h.join() {
                all.merge(reads);
            }
        }
        all
    })
}

/// The peak days: each writer applies its share of the held-back graduates' commands one per
/// transaction; returns (commands, accepted, per-command latencies in µs).
fn peak_writes(r: &Registry, held: &[&Graduate], writers: usize) -> (usize, usize, Vec<u32>) {
    let platform = Actor::ProvincialPlatform {
        id: "platform".into(),
    };
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                let platform = platform.clone();
                s.spawn(move || {
                    let mut done = (0usize, 0usize, Vec::new());
                    for (i, g) in held.iter().enumerate().skip(w).step_by(writers) {
                        let day = 27 + (i % 3) as u32; // 27–29 June: the deadline is the 30th
                        let k = key(g);
                        let me = graduate(g);
                        let mut cmds: Vec<(Actor, Command, DateTime<Utc>)> = vec![(
                            platform.clone(),
                            Command::ReportDestination {
                                data: Arc::new(g.destination.clone()),
                            },
                            at(6, day, 9),
                        )];
                        if i % DISPUTE_EVERY == 0 {
                            let mut fixed = g.destination.clone();
                            if let Some(a) = fixed.archive.as_mut() {
                                a.receiving_unit.push_str("（更正）");
                            }
                            cmds.push((
                                me.clone(),
                                Command::DisputeDestination {
                                    reason: "接收单位有误".into(),
                                },
                                at(6, day, 10),
                            ));
                            cmds.push((
                                platform.clone(),
                                Command::ReportDestination {
                                    data: Arc::new(fixed),
                                },
                                at(6, day, 11),
                            ));
                        }
                        cmds.push((me.clone(), Command::ConfirmDestination, at(6, day, 12)));
                        cmds.push((
                            me,
                            Command::Authorize {
                                validity_days: Some(60),
                            },
                            at(6, day, 13),
                        ));
                        for (actor, cmd, now) in cmds {
                            let t = Instant::now();
                            let ok = r.apply(&k, &actor, &cmd, now).is_ok();
                            done.2
                                .push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
                            done.0 += 1;
                            done.1 += usize::from(ok);
                        }
                    }
                    done
                })
            })
            .collect();
        let mut all = (0, 0, Vec::new());
        for h in handles {
            if let Ok((n, ok, lat)) = h.join() {
                all.0 += n;
                all.1 += ok;
                all.2.extend(lat);
            }
        }
        all
    })
}

/// The store's size in bytes: the SQLite file with its journal, or the PostgreSQL database
/// (`pg_database_size`, read with `psql`); `None` in memory or when it cannot be read.
fn store_size(url: &StoreUrl, text: &str) -> Option<u64> {
    match url {
        StoreUrl::Sqlite(path) => {
            let file = gradreg::database_path(path).ok()?;
            let mut total = 0;
            for suffix in ["", "-wal", "-shm"] {
                let mut name = file.clone().into_os_string();
                name.push(suffix);
                total += std::fs::metadata(PathBuf::from(name)).map_or(0, |m| m.len());
            }
            Some(total)
        }
        StoreUrl::Postgres(_) => {
            let out = std::process::Command::new("psql")
                .arg(text)
                .args(["-Atqc", "select pg_database_size(current_database())"])
                .output()
                .ok()?;
            String::from_utf8_lossy(&out.stdout).trim().parse().ok()
        }
        _ => None,
    }
}

/// The URL with any password left out, for printing.
fn shown(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) if rest.contains('@') => {
            let (user_info, host) = rest.rsplit_once('@').unwrap_or(("", rest));
            let user = user_info.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}@{host}")
        }
        _ => url.to_string(),
    }
}

fn hours(items: f64, per_second: f64) -> f64 {
    items / per_second.max(1e-9) / 3600.0
}

fn main() -> Res<()> {
    let args = arguments()?;
    let (url, temp) = match &args.store {
        Some(u) => (u.clone(), None),
        None => {
            let dir = std::env::temp_dir().join(format!("gradreg-nation-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            let db = dir.join("registry.db");
            (format!("sqlite:{}", db.display()), Some(dir))
        }
    };
    let parsed = StoreUrl::parse(&url)?;
    let policy = Policy::national();
    let started = Instant::now();
    let r = Registry::open_url(&url, policy.clone(), &OpenOptions::new())?;
    if r.store().count()? > 0 {
        return Err(format!(
            "the store {} already holds registrations: the simulation starts from an empty \
             registry (give a new database or file)",
            shown(&url)
        )
        .into());
    }
    let empty_size = store_size(&parsed, &url);
    println!(
        "national season, simulated: {} graduates on {} ({} writers, {} readers on the peak days)",
        args.graduates,
        shown(&url),
        args.writers,
        args.readers
    );

    // The rosters, as the offices' systems export them.
    let t = Instant::now();
    let schools = schools(args.graduates, args.school_size);
    let rosters: Vec<String> = schools
        .iter()
        .map(|s| roster_csv(&s.graduates, HeaderStyle::Chinese))
        .collect();
    let made: usize = schools.iter().map(|s| s.graduates.len()).sum();
    println!(
        "  {} rosters of {} graduates generated in {:.1} s (not counted below){}\n",
        schools.len(),
        made,
        t.elapsed().as_secs_f64(),
        if made < args.graduates {
            " — fewer than asked: the generator ran short of distinct ID numbers"
        } else {
            ""
        }
    );
    let mut phases = Vec::new();

    // 1. Import.
    let t = Instant::now();
    let (mut rows, mut created) = (0, 0);
    for (s, csv) in schools.iter().zip(&rosters) {
        let rep = r.import_roster(
            csv.as_bytes(),
            &RosterOptions::default(),
            ImportMode::GoodRows,
            &s.office,
            at(3, 1, 9),
        )?;
        rows += rep.rows;
        created += rep.created;
    }
    let p = Phase {
        name: "import (roster CSV)",
        unit: "rows",
        items: rows,
        accepted: created,
        seconds: t.elapsed().as_secs_f64(),
    };
    progress(&p);
    phases.push(p);
    drop(rosters);

    let all: Vec<&Graduate> = schools.iter().flat_map(|s| &s.graduates).collect();
    let n = all.len();
    let main_n = n - n * PEAK_SHARE / 1000;
    let (early, held) = all.split_at(main_n);

    // 2. Login: CHSI binds the account, the graduate logs in.
    let mut login: Vec<(String, Actor, Command)> = Vec::with_capacity(2 * n);
    for g in &all {
        login.push((
            key(g),
            Actor::Chsi,
            Command::UpdateChsiAccount {
                account: Box::new(g.chsi.clone()),
            },
        ));
    }
    for g in &all {
        login.push((key(g), graduate(g), Command::Login));
    }
    phases.push(batch_phase(&r, "login (CHSI + login)", login, at(3, 5, 9))?);
    let confirm_basic = all
        .iter()
        .map(|g| (key(g), graduate(g), Command::ConfirmBasicInfo))
        .collect();
    phases.push(batch_phase(
        &r,
        "confirm basic info",
        confirm_basic,
        at(3, 6, 9),
    )?);
    let platform = Actor::ProvincialPlatform {
        id: "platform".into(),
    };
    let reports = early
        .iter()
        .map(|g| {
            (
                key(g),
                platform.clone(),
                Command::ReportDestination {
                    data: Arc::new(g.destination.clone()),
                },
            )
        })
        .collect();
    phases.push(batch_phase(
        &r,
        "report destination",
        reports,
        at(5, 20, 9),
    )?);
    let confirms = early
        .iter()
        .map(|g| (key(g), graduate(g), Command::ConfirmDestination))
        .collect();
    phases.push(batch_phase(
        &r,
        "confirm destination",
        confirms,
        at(6, 1, 9),
    )?);

    // 6. Authorizations; the numbers come back with the outcomes.
    let t = Instant::now();
    let mut forms: Vec<Form> = Vec::new();
    let mut accepted = 0;
    let auths: Vec<(String, Actor, Command)> = early
        .iter()
        .map(|g| {
            (
                key(g),
                graduate(g),
                Command::Authorize {
                    validity_days: Some(60),
                },
            )
        })
        .collect();
    for chunk in auths.chunks(BATCH) {
        for out in r.apply_batch(chunk, at(6, 10, 9))?.into_iter().flatten() {
            accepted += 1;
            let reg = &out.registration;
            let (Some(auth), Some(basic)) = (reg.authorizations.last(), reg.basic.as_ref()) else {
                continue;
            };
            let section = if auth.sections.has(Section::Archive) {
                Section::Archive
            } else {
                Section::Hukou
            };
            if auth.sections.has(section) {
                forms.push(Form {
                    name: basic.name.clone(),
                    number: auth.number,
                    dept: department(section, 0),
                });
            }
        }
    }
    let p = Phase {
        name: "authorize",
        unit: "commands",
        items: auths.len(),
        accepted,
        seconds: t.elapsed().as_secs_f64(),
    };
    progress(&p);
    phases.push(p);

    // 7. Tokens, signed with a key made for this run.
    let mut ring = KeyRing::new();
    ring.add_active(Key::generate_ed25519(KeyId(1))?)?;
    let t = Instant::now();
    let mut issued = 0;
    for f in &forms {
        let section = match f.dept {
            Actor::ArchiveDept { .. } => Section::Archive,
            _ => Section::Hukou,
        };
        if r.issue_token(
            &ring,
            &f.number,
            section,
            &IssueOptions::v2_embedded(),
            at(6, 10, 10),
        )
        .is_ok()
        {
            issued += 1;
        }
    }
    let p = Phase {
        name: "token issue",
        unit: "tokens",
        items: forms.len(),
        accepted: issued,
        seconds: t.elapsed().as_secs_f64(),
    };
    progress(&p);
    phases.push(p);

    // 8. Online verification with nothing else running.
    let stop = AtomicBool::new(false);
    let quiet_each = (forms.len() / args.readers).clamp(1, 5_000);
    let t = Instant::now();
    let mut quiet = read_while(&r, &forms, args.readers, quiet_each, at(6, 11, 10), &stop);
    let p = Phase {
        name: "verify online, quiet",
        unit: "verifications",
        items: quiet.micros.len(),
        accepted: quiet.valid,
        seconds: t.elapsed().as_secs_f64(),
    };
    progress(&p);
    phases.push(p);

    // 9. The peak days: writers and readers at once.
    println!(
        "\n  peak days (27–29 June): {} graduates held back, {} writer and {} reader threads",
        held.len(),
        args.writers,
        args.readers
    );
    let t = Instant::now();
    let (writes, mut peak_reads) = std::thread::scope(|s| {
        let w = s.spawn(|| {
            let out = peak_writes(&r, held, args.writers);
            stop.store(true, Ordering::Relaxed);
            (out, t.elapsed())
        });
        let reads = read_while(&r, &forms, args.readers, usize::MAX, at(6, 28, 12), &stop);
        (w.join(), reads)
    });
    let peak_seconds = t.elapsed().as_secs_f64();
    let ((peak_cmds, peak_ok, mut write_lat), write_time) =
        writes.map_err(|_| "a writer thread panicked")?;
    write_lat.sort_unstable();
    let write_p99 = write_lat
        .get(((write_lat.len().max(1) - 1) as f64 * 0.99).round() as usize)
        .map_or(f64::NAN, |m| f64::from(*m) / 1000.0);
    let p = Phase {
        name: "peak: writes",
        unit: "commands",
        items: peak_cmds,
        accepted: peak_ok,
        seconds: write_time.as_secs_f64(),
    };
    progress(&p);
    phases.push(p);
    let p = Phase {
        name: "peak: verify online",
        unit: "verifications",
        items: peak_reads.micros.len(),
        accepted: peak_reads.valid,
        seconds: peak_seconds,
    };
    progress(&p);
    phases.push(p);

    // Size, with the registry closed (SQLite folds its journal into the file).
    let count = r.store().count()?;
    drop(r);
    let size = store_size(&parsed, &url);

    // The table.
    println!(
        "\n{:<28} {:>10} {:>12} {:>14}",
        "phase", "per second", "per graduate", "hours for 12.7 M"
    );
    let mut season_items = 0.0;
    for p in &phases {
        // Verifications are asked for, not owed per graduate: no national total for them.
        if p.unit == "verifications" {
            println!("{:<28} {:>10.0} {:>12} {:>14}", p.name, p.rate(), "—", "—");
            continue;
        }
        season_items += p.seconds;
        let per_grad = p.items as f64 / n.max(1) as f64;
        println!(
            "{:<28} {:>10.0} {:>12.2} {:>14.2}",
            p.name,
            p.rate(),
            per_grad,
            hours(per_grad * NATION, p.rate())
        );
    }
    let write_seconds_per_grad = season_items / n.max(1) as f64;
    let (qp50, qp99) = (quiet.percentile(0.5), quiet.percentile(0.99));
    let (pp50, pp99) = (peak_reads.percentile(0.5), peak_reads.percentile(0.99));
    println!(
        "\nonline verification latency: quiet p50 {qp50:.3} ms, p99 {qp99:.3} ms; under the peak \
         write load p50 {pp50:.3} ms, p99 {pp99:.3} ms (writes p99 {write_p99:.3} ms)"
    );
    let grown = match (empty_size, size) {
        (Some(e), Some(s)) => Some(s.saturating_sub(e)),
        _ => None,
    };
    let per_grad = grown.map(|b| b as f64 / count.max(1) as f64);
    match (size, per_grad) {
        (Some(s), Some(b)) => println!(
            "store size: {:.1} MB for {count} registrations ({:.0} bytes per graduate after the \
             season) — {:.1} GB for 12.7 million",
            s as f64 / 1e6,
            b,
            b * NATION / 1e9
        ),
        _ => println!("store size: not measured for this store"),
    }

    // The closing paragraph, from the figures above.
    let import_rate = phases[0].rate();
    let import_h = hours(NATION, import_rate);
    let season_h = write_seconds_per_grad * NATION / 3600.0;
    let peak_rate = phases
        .iter()
        .find(|p| p.name == "peak: writes")
        .map_or(0.0, Phase::rate);
    // National demand on the peak days: the held-back share of the nation, each with the
    // commands the sample's held-back graduates needed, over three days of ten busy hours,
    // with the busiest hour at three times the average.
    let peak_cmds_per_grad = peak_cmds as f64 / held.len().max(1) as f64;
    let peak_need =
        NATION * PEAK_SHARE as f64 / 1000.0 * peak_cmds_per_grad / (3.0 * 10.0 * 3600.0) * 3.0;
    let disk_gb = per_grad.map(|b| b * NATION / 1e9);
    let by_disk = disk_gb.map_or(1.0, |d| (d / args.node_disk_gb).ceil());
    let by_peak = (peak_need / peak_rate.max(1e-9)).ceil();
    // The national import done overnight (eight hours).
    let by_import = (import_h / 8.0).ceil();
    let nodes = by_disk.max(by_peak).max(by_import).max(1.0);
    println!();
    println!(
        "One machine like this one ({}) holds the national registry {}: importing the 12.7 \
         million rosters takes {:.1} h at the measured {:.0} rows/s, and the season's writes \
         (import through the peak days, one after another) {:.1} h of store time in all. The peak days need \
         about {:.0} commands/s in the busiest hour ({}% of the nation held back to the last \
         three days, {:.1} commands each, ten busy hours a day, the busiest at three times \
         the average) against the {:.0}/s measured with {} writers while {} readers verified \
         at p99 {:.2} ms. The distributed layout shards by school code (every table carries \
         it; a school's graduates live on one node, a province's schools spread over its \
         nodes): at the measured per-node rates the national figure needs {} node(s) — {} for \
         disk at {} GB each, {} for the peak write rate, {} for an overnight (8 h) import — \
         and verification by number, the one lookup that does not carry the school, is routed \
         by a small number-to-school index or sent to every shard. The rates were measured \
         at {} graduates: a store of 12.7 million outgrows the page cache, so read the hours as \
         lower bounds and the node counts as the least the layout needs.",
        match parsed {
            StoreUrl::Postgres(_) => "PostgreSQL",
            StoreUrl::Memory => "in memory",
            _ => "SQLite",
        },
        match disk_gb {
            Some(d) if d <= args.node_disk_gb => {
                format!("in {d:.0} GB of disk (within the {} GB assumed)", args.node_disk_gb)
            }
            Some(d) => format!(
                "only in part: it needs {d:.0} GB of disk, more than the {} GB assumed",
                args.node_disk_gb
            ),
            None => "(size not measured)".into(),
        },
        import_h,
        import_rate,
        season_h,
        peak_need,
        PEAK_SHARE / 10,
        peak_cmds_per_grad,
        peak_rate,
        args.writers,
        args.readers,
        pp99,
        nodes,
        by_disk,
        args.node_disk_gb,
        by_peak,
        by_import,
        n,
    );
    println!(
        "\nfinished in {:.1} s (policy {}).",
        started.elapsed().as_secs_f64(),
        policy.name
    );
    if let Some(dir) = temp {
        if args.keep {
            println!("kept: {}", dir.display());
        } else {
            std::fs::remove_dir_all(&dir)?;
        }
    }
    Ok(())
}
