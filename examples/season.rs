//! The main job: a whole registration season on the embedded SQLite registry.
//!
//! Creates a registry in `out/season/` (or the folder given as the first argument), imports the
//! generated rosters of two schools — 3,000 graduates of one (with a few damaged cells, reported)
//! and 600 of another — and a past cohort kept beside them (2024 bachelors, some of whom are 2026
//! masters at the second school: one ID number, two registrations), plays the season —
//! CHSI binding, logins, a basic-info correction, reports (some late), a dispute and its fix,
//! confirmations, authorizations, a void request approved by college and school and the change it
//! allows, a revocation, expiries — renders the forms of a few graduates, verifies them online
//! and by scanning (a superseded form must fail), and prints the statistics (split by school)
//! and the reminders due.
//!
//! The signing keys live in `keys.json` beside the registry (made on the first run, kept after,
//! readable by its owner only); the public key set and the signed status lists are published in
//! `published/`. At the end the registry and the keys are opened again, as after a restart, and
//! a form's QR code, read back from its PNG, verifies online, by scan, and offline from the
//! published files alone.
//!
//! `cargo run --release -p gradreg --example season`
//!
//! `--store URL` (or the environment variable `GRADREG_STORE`) runs the same season against
//! another store, named as [`Registry::open_url`] reads it: `memory:`, `sqlite:PATH` or
//! `postgres://user:password@host:port/database` (a build with the `postgres` feature). A store
//! so named must hold no registrations yet; the default, a SQLite file in the output folder, is
//! made anew on every run.
//!
//! `--token-prefix URL` prints that deployment prefix in the forms' QR codes (such as
//! `HTTP://127.0.0.1:8080/V/`): the verification service (`gradreg-server`) started on this
//! registry and its keys serves the page such a URL opens.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, TimeZone, Utc};
use gradreg::codes::{verify_token_offline, Algorithm, KeySet, KeyStore, StatusLists};
use gradreg::cohort::{generate, roster_csv, CohortSpec, Graduate, HeaderStyle};
use gradreg::forms::{FontSource, Form, FormOptions, Renderer, DEFAULT_DPI};
use gradreg::roster::RosterOptions;
use gradreg::{
    Actor, Command, ImportMode, IssueOptions, KeyRing, OnlineVerifier, OpenOptions, Policy,
    Principal, Registry, ReminderKind, ReminderOptions, ScanOptions, Section, Stage, StoreUrl,
};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const COHORT: usize = 3_000;
/// The second school of the province's registry, and its cohort size.
const SCHOOL_B: (&str, &str) = ("10284", "南京大学");
const COHORT_B: usize = 600;
/// The past cohort kept in the registry (2024 bachelors of the first school), and how many of
/// them are 2026 masters at the second school.
const PAST: usize = 200;
const MASTERS: usize = 20;

fn at(m: u32, d: u32, h: u32) -> DateTime<Utc> {
    gradreg::policy::cst()
        .with_ymd_and_hms(2026, m, d, h, 0, 0)
        .single()
        .expect("valid time")
        .with_timezone(&Utc)
}

/// Applies commands in batches of 500, drawing a progress bar when standard output is a terminal
/// (a log gets one plain line per step); returns how many were accepted.
fn run(
    r: &Registry,
    title: &str,
    cmds: Vec<(String, Actor, Command)>,
    now: DateTime<Utc>,
) -> Res<usize> {
    let total = cmds.len();
    let t = Instant::now();
    let bar_shown = std::io::stdout().is_terminal();
    let mut ok = 0;
    for (i, chunk) in cmds.chunks(500).enumerate() {
        ok += r
            .apply_batch(chunk, now)?
            .iter()
            .filter(|x| x.is_ok())
            .count();
        if bar_shown {
            let done = (i * 500 + chunk.len()).min(total);
            let bar = "#".repeat(done * 30 / total.max(1));
            print!("\r  {title:<34} [{bar:<30}] {done}/{total}");
            std::io::stdout().flush()?;
        }
    }
    if !bar_shown {
        print!("  {title:<34} {total}/{total}");
    }
    println!("  {ok} accepted, {:.2} s", t.elapsed().as_secs_f64());
    Ok(ok)
}

fn key(g: &Graduate) -> String {
    format!("{}:{}", g.basic.school_code, g.basic.student_number)
}

fn graduate(g: &Graduate) -> Actor {
    Actor::Graduate {
        id_number: g.basic.id_number.clone(),
    }
}

const USAGE: &str = "\
usage: season [OUT_DIR] [--store URL] [--token-prefix URL]

Plays a whole registration season and writes its files (keys, published lists, forms, export)
to OUT_DIR (default out/season).

options:
  --store URL   the registry's store (default: a new SQLite file OUT_DIR/registry.db, made
                anew on every run); also read from the environment variable GRADREG_STORE:
                  memory:                       in memory, gone at the end
                  sqlite:PATH                   a SQLite file (must hold no registrations yet)
                  postgres://USER:PASSWORD@HOST:PORT/DATABASE
                                                a PostgreSQL server (build with the `postgres`
                                                feature; the database must hold no registrations)
  --token-prefix URL
                the deployment URL prefix printed in the forms' QR codes, such as
                HTTP://127.0.0.1:8080/V/ for the verification service (gradreg-server)
                started on this registry; a phone that scans a QR code opens that page
                (default: none, the QR holds the bare token)
  -h, --help    this text
";

/// Where the season keeps its registry.
enum Store {
    /// The default: a SQLite file in the output folder, made anew on every run.
    Fresh(PathBuf),
    /// A store named by URL (`--store` or `GRADREG_STORE`).
    Url(String),
}

impl Store {
    fn open(&self) -> Res<Registry> {
        Ok(match self {
            Store::Fresh(db) => Registry::open(db, Policy::jiangsu())?,
            Store::Url(url) => Registry::open_url(url, Policy::jiangsu(), &OpenOptions::new())?,
        })
    }

    fn describe(&self) -> String {
        match self {
            Store::Fresh(db) => db.display().to_string(),
            // A password in the URL is not printed.
            Store::Url(url) => match url.split_once("://") {
                Some((scheme, rest)) if rest.contains('@') => {
                    let (user_info, host) = rest.rsplit_once('@').unwrap_or(("", rest));
                    let user = user_info.split(':').next().unwrap_or_default();
                    format!("{scheme}://{user}@{host}")
                }
                _ => url.clone(),
            },
        }
    }

    /// Whether the store lives only as long as its registry (a restart finds nothing).
    fn in_memory(&self) -> bool {
        matches!(self, Store::Url(url) if matches!(StoreUrl::parse(url), Ok(StoreUrl::Memory)))
    }
}

/// Reads the command line: the output folder, the store and the tokens' URL prefix.
fn arguments() -> Res<(PathBuf, Store, String)> {
    let mut prefix = String::new();
    let mut dir = None;
    let mut url = std::env::var("GRADREG_STORE")
        .ok()
        .filter(|u| !u.is_empty());
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            "--store" => url = Some(args.next().ok_or("--store needs a URL")?),
            _ if a.starts_with("--store=") => url = Some(a["--store=".len()..].to_string()),
            "--token-prefix" => prefix = args.next().ok_or("--token-prefix needs a URL")?,
            _ if a.starts_with('-') => return Err(format!("unknown option {a}\n\n{USAGE}").into()),
            _ if dir.is_none() => dir = Some(PathBuf::from(a)),
            _ => return Err(format!("one output folder only\n\n{USAGE}").into()),
        }
    }
    let dir = dir.unwrap_or_else(|| PathBuf::from("out/season"));
    let store = match url {
        Some(url) => {
            StoreUrl::parse(&url)?;
            Store::Url(url)
        }
        None => Store::Fresh(dir.join("registry.db")),
    };
    Ok((dir, store, prefix))
}

fn main() -> Res<()> {
    let (dir, store_at, prefix) = arguments()?;
    std::fs::create_dir_all(&dir)?;
    if let Store::Fresh(_) = store_at {
        for f in ["registry.db", "registry.db-wal", "registry.db-shm"] {
            let _ = std::fs::remove_file(dir.join(f));
        }
    }
    let started = Instant::now();
    let r = store_at.open()?;
    if r.store().count()? > 0 {
        return Err(format!(
            "the store {} already holds registrations: the season starts from an empty registry \
             (give a new database or file)",
            store_at.describe()
        )
        .into());
    }
    println!(
        "毕业去向登记 — one season on {} (policy {})",
        store_at.describe(),
        r.policy().name
    );

    // 1. The school's roster, with two cells a spreadsheet damaged.
    let grads: Vec<Graduate> = generate(&CohortSpec {
        size: COHORT,
        ..CohortSpec::default()
    })
    .collect();
    let mut csv = roster_csv(&grads, HeaderStyle::Chinese);
    csv = csv.replacen(&grads[10].basic.id_number, "3.20102E+17", 1);
    csv = csv.replacen(
        &format!(",{},", grads[20].basic.phone),
        &format!(",{}.0,", grads[20].basic.phone),
        1,
    );
    std::fs::write(dir.join("roster.csv"), &csv)?;
    let school = Actor::SchoolOffice {
        id: "jyc01".into(),
        school: "10327".into(),
    };
    let t = Instant::now();
    let rep = r.import_roster(
        csv.as_bytes(),
        &RosterOptions::default(),
        ImportMode::GoodRows,
        &school,
        at(3, 1, 9),
    )?;
    println!(
        "\n[1] roster import ({}, {}): {} rows, {} created, {} rejected, {:.2} s",
        rep.format,
        rep.encoding,
        rep.rows,
        rep.created,
        rep.rejected,
        t.elapsed().as_secs_f64()
    );
    for p in &rep.problems {
        println!(
            "    row {} column {}: [{}] {}",
            p.row,
            p.column,
            p.code.as_str(),
            p.message_zh
        );
    }
    // The second school of the same registry, imported by its own employment office. (The
    // generator draws ID numbers from one space for every school; a number it gave the first
    // school is left out here, as one person graduates once per cohort.)
    let taken: std::collections::HashSet<&str> =
        grads.iter().map(|g| g.basic.id_number.as_str()).collect();
    let grads_b: Vec<Graduate> = generate(&CohortSpec {
        seed: 2,
        size: COHORT_B,
        school_code: SCHOOL_B.0.into(),
        school_name: SCHOOL_B.1.into(),
        ..CohortSpec::default()
    })
    .filter(|g| !taken.contains(g.basic.id_number.as_str()))
    .collect();
    let office_b = Actor::SchoolOffice {
        id: "jyzx01".into(),
        school: SCHOOL_B.0.into(),
    };
    let rep_b = r.import_roster(
        roster_csv(&grads_b, HeaderStyle::Chinese).as_bytes(),
        &RosterOptions::default(),
        ImportMode::GoodRows,
        &office_b,
        at(3, 1, 10),
    )?;
    println!(
        "    second school {} {}: {} rows, {} created (its office only: the first school's office \
         may not upload them)",
        SCHOOL_B.0, SCHOOL_B.1, rep_b.rows, rep_b.created
    );
    past_cohorts(&r, &school, &office_b)?;
    let again = r.import_roster(
        csv.as_bytes(),
        &RosterOptions::default(),
        ImportMode::GoodRows,
        &school,
        at(3, 2, 9),
    )?;
    println!(
        "    re-import of the same file: {} unchanged, {} created",
        again.unchanged, again.created
    );
    // Both schools' graduates go through the season together, in an order that mixes them.
    let mut imported: Vec<&Graduate> = grads
        .iter()
        .chain(&grads_b)
        .filter(|g| r.find(&key(g)).ok().flatten().is_some())
        .collect();
    imported.sort_by(|a, b| a.basic.id_number.cmp(&b.basic.id_number));
    if imported[0].basic.school_code != school_of(&school) {
        // The correction below is made by a counselor of the first school.
        let first = imported
            .iter()
            .position(|g| g.basic.school_code == school_of(&school))
            .ok_or("no graduate of the first school")?;
        imported.swap(0, first);
    }

    // 2. CHSI accounts and logins; most confirm their basic info, one asks for a correction.
    println!("\n[2] login and basic information");
    let chsi = imported
        .iter()
        .map(|g| {
            let mut a = g.chsi.clone();
            a.student_record_bound = !key(g).len().is_multiple_of(29); // a few have not bound the record
            (
                key(g),
                Actor::Chsi,
                Command::UpdateChsiAccount {
                    account: Box::new(a),
                },
            )
        })
        .collect();
    run(&r, "CHSI accounts", chsi, at(3, 3, 9))?;
    let logins = imported
        .iter()
        .map(|g| (key(g), graduate(g), Command::Login))
        .collect();
    run(&r, "logins", logins, at(3, 5, 9))?;
    let fixer = imported[0];
    let confirms = imported[1..]
        .iter()
        .map(|g| (key(g), graduate(g), Command::ConfirmBasicInfo))
        .collect();
    run(&r, "basic info confirmed", confirms, at(3, 6, 9))?;
    let counselor = Actor::Counselor {
        id: "fdy07".into(),
        school: fixer.basic.school_code.clone(),
        college: fixer.basic.college.clone(),
    };
    r.apply(
        &key(fixer),
        &graduate(fixer),
        &Command::RequestBasicInfoCorrection {
            note: "专业名称有误".into(),
        },
        at(3, 6, 10),
    )?;
    let mut fixed = fixer.basic.clone();
    fixed.major_name.push_str("（卓越班）");
    r.apply(
        &key(fixer),
        &counselor,
        &Command::CorrectBasicInfo {
            info: Arc::new(fixed),
        },
        at(3, 7, 9),
    )?;
    r.apply(
        &key(fixer),
        &graduate(fixer),
        &Command::ConfirmBasicInfo,
        at(3, 7, 20),
    )?;
    println!(
        "  correction: requested, made by the counselor, confirmed again ({})",
        fixer.basic.name
    );

    // 3. The provincial platform reports destinations: most in time, some after 15 June.
    println!("\n[3] destinations reported on the provincial platform");
    let platform = Actor::ProvincialPlatform {
        id: "js24365".into(),
    };
    let n = imported.len();
    let report = |gs: &[&Graduate]| {
        gs.iter()
            .map(|g| {
                (
                    key(g),
                    platform.clone(),
                    Command::ReportDestination {
                        data: Arc::new(g.destination.clone()),
                    },
                )
            })
            .collect::<Vec<_>>()
    };
    run(
        &r,
        "reports before the deadline",
        report(&imported[..n * 85 / 100]),
        at(5, 20, 9),
    )?;

    // 4. Confirmation; one dispute fixed by the counselor.
    println!("\n[4] confirmation");
    let disputer = imported[1];
    r.apply(
        &key(disputer),
        &graduate(disputer),
        &Command::DisputeDestination {
            reason: "档案接收单位有误".into(),
        },
        at(5, 21, 9),
    )?;
    let mut corrected = disputer.destination.clone();
    if let Some(a) = corrected.archive.as_mut() {
        a.receiving_unit.push_str("（人事代理部）");
    }
    r.apply(
        &key(disputer),
        &platform,
        &Command::ReportDestination {
            data: Arc::new(corrected),
        },
        at(5, 22, 9),
    )?;
    println!(
        "  dispute: filed, fixed on the platform, back for confirmation ({})",
        disputer.basic.name
    );
    let confirms = imported[..n * 80 / 100]
        .iter()
        .map(|g| (key(g), graduate(g), Command::ConfirmDestination))
        .collect();
    run(&r, "destinations confirmed", confirms, at(6, 1, 9))?;

    // 5. Authorizations (核验授权) with the policy's default validity or a short one.
    println!("\n[5] authorization");
    let auths = imported[..n * 70 / 100]
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let days = if i % 10 == 0 { 14 } else { 60 };
            (
                key(g),
                graduate(g),
                Command::Authorize {
                    validity_days: Some(days),
                },
            )
        })
        .collect();
    run(&r, "authorizations", auths, at(6, 10, 9))?;

    // Statistics and reminders three days before the registration deadline.
    let stats_day = at(6, 12, 9);
    let st = r.statistics(stats_day)?;
    println!(
        "\n[6] statistics on 12 June: {} graduates, {} late",
        st.total, st.late
    );
    for stage in Stage::ALL {
        if let Some(c) = st.by_stage.get(&stage) {
            println!("  {:<12} {c}", stage.name_zh());
        }
    }
    println!(
        "  落实率 overall {:.1}% ({} of {})",
        st.overall.rate * 100.0,
        st.overall.placed,
        st.overall.graduates
    );
    for p in &st.by_college {
        println!(
            "  {} {:<14} {:>5.1}%  ({}/{})",
            p.school,
            p.key,
            p.rate * 100.0,
            p.placed,
            p.graduates
        );
    }
    by_school(&r, stats_day)?;
    let due = r.reminders(stats_day, &ReminderOptions::default())?;
    let count = |f: fn(&ReminderKind) -> bool| due.iter().filter(|x| f(&x.kind)).count();
    println!(
        "  reminders due: {} deadline in ≤ 7 days, {} unconfirmed, {} expiring; e.g. “{}”",
        count(|k| matches!(k, ReminderKind::DeadlineApproaching { .. })),
        count(|k| matches!(k, ReminderKind::Unconfirmed { .. })),
        count(|k| matches!(k, ReminderKind::AuthorizationExpiring { .. })),
        due.first().map(|x| x.message_zh.as_str()).unwrap_or("")
    );
    println!("\n[7] late reports");
    run(
        &r,
        "reports after 15 June (late)",
        report(&imported[n * 85 / 100..n * 93 / 100]),
        at(6, 18, 9),
    )?;
    // Keys: the school's key store, made on the first run and kept after (owner-only file).
    let keys_path = dir.join("keys.json");
    let store = KeyStore::open_or_create(&keys_path, ISSUER, Algorithm::Ed25519, at(6, 10, 9))?;
    let ring = store.ring()?;
    let published = dir.join("published");
    std::fs::create_dir_all(&published)?;
    std::fs::write(published.join("keyset.json"), store.key_set()?.to_json())?;
    println!(
        "\n  keys: {} (active key {}), public key set in {}",
        keys_path.display(),
        store.active().map_or("none".into(), |k| k.to_string()),
        published.join("keyset.json").display()
    );

    // 6. Forms for a few graduates, and their tokens.
    println!("\n[8] forms");
    let renderer = Renderer::new(FontSource::Auto)?;
    // The forms of this run only: a folder left by an earlier run is emptied first (the registry
    // is new each run, so its forms would not verify against it).
    let forms_dir = dir.join("forms");
    if forms_dir.is_dir() {
        std::fs::remove_dir_all(&forms_dir)?;
    }
    std::fs::create_dir_all(&forms_dir)?;
    let chosen: Vec<&Graduate> = imported[2..n * 70 / 100]
        .iter()
        .step_by(700)
        .copied()
        .take(3)
        .collect();
    let mut tokens = Vec::new();
    for g in &chosen {
        let reg = r.get(&key(g))?;
        let auth = reg.authorizations.last().cloned().ok_or("not authorized")?;
        for section in [Section::Archive, Section::Hukou] {
            if !auth.sections.has(section) {
                continue;
            }
            // Format 2: the disclosure embedded in compact form and a pointer into the
            // school's status list, so that an office can verify offline.
            let token = r.issue_token(
                &ring,
                &auth.number,
                section,
                &IssueOptions {
                    prefix: prefix.clone(),
                    ..IssueOptions::v2_embedded()
                },
                at(6, 10, 10),
            )?;
            let form = Form::build(
                &reg,
                &auth,
                section,
                &token,
                at(6, 10, 10),
                r.tables(),
                FormOptions::default(),
            )?;
            let out = renderer.render(&form, DEFAULT_DPI)?;
            let stem = forms_dir.join(format!("{}-{}", g.basic.student_number, section.as_str()));
            std::fs::write(stem.with_extension("pdf"), &out.pdf)?;
            std::fs::write(stem.with_extension("png"), &out.png)?;
            std::fs::write(stem.with_extension("svg"), &out.svg)?;
            tokens.push(((*g).clone(), auth.number, section, token));
        }
        println!(
            "  {} {}: forms written to {}",
            g.basic.name,
            auth.number,
            forms_dir.display()
        );
    }

    // 7. Verification by the departments, online and by scanning.
    println!("\n[9] verification");
    let archive = Actor::ArchiveDept {
        id: "nj-rc".into(),
        name: "南京市人才服务中心".into(),
    };
    let hukou = Actor::HukouDept {
        id: "nj-gl".into(),
        name: "宁海路派出所".into(),
    };
    let online = OnlineVerifier::new(r.tables());
    let now = at(6, 20, 10);
    publish_status(&r, &ring, &published, at(6, 20, 9))?;
    let offline = OfflineVerifier::from_published(&published)?;
    for (g, number, section, token) in &tokens {
        let dept = if *section == Section::Archive {
            &archive
        } else {
            &hukou
        };
        let v = r.verify_online(
            &online,
            &principal_of(dept),
            dept,
            &g.basic.name,
            &number.to_string(),
            now,
        );
        let s = r.verify_token(token, &ring, dept, now, &ScanOptions::default());
        println!(
            "  {} {:<7} online: {:<13} scan: {:<13} offline: {} ({} characters, key {})",
            g.basic.name,
            section.as_str(),
            v.kind().as_str(),
            s.verdict.kind().as_str(),
            offline.verdict(token, dept, now),
            token.len(),
            r.signing_keys(number)?
                .iter()
                .map(|(k, _)| k.to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
    }
    let (g, number, _, _) = &tokens[0];
    println!(
        "  wrong name:   {}",
        r.verify_online(
            &online,
            &principal_of(&archive),
            &archive,
            "李四",
            &number.to_string(),
            now
        )
        .kind()
        .as_str()
    );
    let v = r.verify_online(
        &online,
        &principal_of(&hukou),
        &hukou,
        &g.basic.name,
        &number.to_string(),
        now,
    );
    println!(
        "  hukou office: {} (sees the hukou section only: archive shown = {})",
        v.kind().as_str(),
        v.disclosure().is_some_and(|d| d.archive.is_some())
    );

    // 8. A change after confirmation: void request, college, school, change; the old form fails.
    println!("\n[10] change after confirmation");
    let (g, number, section, token) = tokens[0].clone();
    let gk = key(&g);
    let counselor = Actor::Counselor {
        id: "fdy07".into(),
        school: g.basic.school_code.clone(),
        college: g.basic.college.clone(),
    };
    r.apply(
        &gk,
        &graduate(&g),
        &Command::FileVoidRequest {
            reason: "更换用人单位".into(),
        },
        at(7, 1, 9),
    )?;
    r.apply(
        &gk,
        &counselor,
        &Command::ApproveVoidRequest {
            note: "情况属实".into(),
        },
        at(7, 2, 9),
    )?;
    // The employment office of the graduate's own school decides.
    let office = if g.basic.school_code == school_of(&school) {
        &school
    } else {
        &office_b
    };
    r.apply(
        &gk,
        office,
        &Command::ApproveVoidRequest {
            note: String::new(),
        },
        at(7, 3, 9),
    )?;
    let mut changed = g.destination.clone();
    if let Some(a) = changed.archive.as_mut() {
        a.receiving_unit = "苏州市人才服务中心".into();
        a.address = "江苏省苏州市姑苏区三香路 120 号".into();
        a.postal_code = "215004".into();
    }
    r.apply(
        &gk,
        &platform,
        &Command::ReportDestination {
            data: Arc::new(changed),
        },
        at(7, 4, 9),
    )?;
    let dept = if section == Section::Archive {
        &archive
    } else {
        &hukou
    };
    let s = r.verify_token(&token, &ring, dept, at(7, 5, 9), &ScanOptions::default());
    let v = r.verify_online(
        &online,
        &principal_of(dept),
        dept,
        &g.basic.name,
        &number.to_string(),
        at(7, 5, 9),
    );
    println!(
        "  old form after the change — scan: {}, online: {} (must not be valid)",
        s.verdict.kind().as_str(),
        v.kind().as_str()
    );
    assert!(
        !s.verdict.is_valid() && !v.is_valid(),
        "a superseded form verified"
    );

    // 9. A revocation, and time passing: short authorizations expire.
    let (g2, number2, _, _) = tokens.last().cloned().ok_or("no tokens")?;
    r.apply(
        &key(&g2),
        &graduate(&g2),
        &Command::RevokeAuthorization { number: number2 },
        at(7, 6, 9),
    )?;
    let later = at(8, 1, 9);
    let v = r.verify_online(
        &online,
        &principal_of(&archive),
        &archive,
        &g2.basic.name,
        &number2.to_string(),
        later,
    );
    publish_status(&r, &ring, &published, at(7, 6, 10))?;
    let offline = OfflineVerifier::from_published(&published)?;
    let (_, _, revoked_section, revoked_token) = tokens.last().ok_or("no tokens")?;
    let revoked_dept = if *revoked_section == Section::Archive {
        &archive
    } else {
        &hukou
    };
    println!(
        "\n[11] revoked form: {} online, {} offline with the list of 6 July; on 1 August, 14-day authorizations have expired",
        v.kind().as_str(),
        offline.verdict(revoked_token, revoked_dept, at(7, 6, 11)),
    );

    let st = r.statistics(later)?;
    println!(
        "\n[12] on 1 August: {} graduates, {} reported late, 落实率 {:.1}%",
        st.total,
        st.late,
        st.overall.rate * 100.0
    );
    println!(
        "  on 1 August: {} authorized, {} confirmed without a valid authorization",
        st.by_stage.get(&Stage::Authorized).unwrap_or(&0),
        st.by_stage.get(&Stage::Confirmed).unwrap_or(&0)
    );
    let mut out = std::fs::File::create(dir.join("registrations.csv"))?;
    let rows = r.export_csv(&gradreg::Query::default(), later, &mut out)?;
    let chain = r.check_audit()?;

    // 10. A restart: the registry and the keys opened again from their files, and the second
    // graduate's archive form read back from its PNG.
    // (A registry in memory has nothing to reopen: the same one goes on.)
    let r = if store_at.in_memory() {
        println!("\n  (memory: store — nothing to reopen, the same registry goes on)");
        r
    } else {
        drop(r);
        store_at.open()?
    };
    let ring = KeyStore::open(&keys_path)?.ring()?;
    let (g, number, _, _) = tokens
        .iter()
        .find(|(g, _, s, _)| *s == Section::Archive && g.basic.name != tokens[0].0.basic.name)
        .ok_or("no second archive form")?;
    let png = forms_dir.join(format!("{}-archive.png", g.basic.student_number));
    let token = read_qr(&png)?;
    let when = at(7, 6, 11);
    let s = r.verify_token(&token, &ring, &archive, when, &ScanOptions::default());
    let v = r.verify_online(
        &online_after(&r),
        &principal_of(&archive),
        &archive,
        &g.basic.name,
        &number.to_string(),
        when,
    );
    let o = offline.verdict(&token, &archive, when);
    println!(
        "\n[13] after a restart, {}'s archive form read from {}: scan {}, online {}, offline {}",
        g.basic.name,
        png.display(),
        s.verdict.kind().as_str(),
        v.kind().as_str(),
        o
    );
    if !s.verdict.is_valid() || !v.is_valid() || o != "valid_offline" {
        return Err("a form did not verify after a restart".into());
    }
    println!(
        "\naudit log: {} records, chain {}; CSV export: {rows} rows; finished in {:.1} s",
        chain.records,
        if chain.intact() { "intact" } else { "BROKEN" },
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Who issues the season's tokens (named in the published key set).
const ISSUER: &str = "示例大学就业指导中心";

/// The school an office acts for.
fn school_of(actor: &Actor) -> &str {
    actor.school().unwrap_or_default()
}

/// The past cohort: 2024 bachelors of the first school, kept beside this year's, and some of them
/// this year's masters at the second school — one ID number, a registration per cohort.
fn past_cohorts(r: &Registry, office_a: &Actor, office_b: &Actor) -> Res<()> {
    let past: Vec<Graduate> = generate(&CohortSpec {
        seed: 3,
        size: PAST,
        graduation_year: 2024,
        ..CohortSpec::default()
    })
    .collect();
    let records: Vec<(String, Arc<gradreg::BasicInfo>)> = past
        .iter()
        .map(|g| (key(g), Arc::new(g.basic.clone())))
        .collect();
    let kept = r.upload_batch(&records, office_a, at(3, 1, 11), true)?;
    let masters: Vec<(String, Arc<gradreg::BasicInfo>)> = past
        .iter()
        .take(MASTERS)
        .enumerate()
        .map(|(i, g)| {
            let mut b = g.basic.clone();
            b.school_code = SCHOOL_B.0.into();
            b.school_name = SCHOOL_B.1.into();
            b.student_number = format!("MG24{:05}", i + 1);
            b.exam_number.clear();
            b.education_level = "11".into(); // 硕士生毕业
            b.schooling_length = "2".into();
            b.enrolment_date = "2024-09-01".into();
            b.graduation_date = "2026-06-30".into();
            (
                format!("{}:{}", b.school_code, b.student_number),
                Arc::new(b),
            )
        })
        .collect();
    let made = r.upload_batch(&masters, office_b, at(3, 1, 12), true)?;
    let one = &past[0].basic.id_number;
    let held: Vec<String> = r
        .find_by_id_number(one)?
        .iter()
        .filter_map(|reg| {
            let c = reg.cohort()?;
            let school = reg.basic.as_ref().map(|b| b.school_code.clone())?;
            Some(format!(
                "{} {} at {school} ({})",
                c.graduation_year,
                r.tables()
                    .name(gradreg::tables::Table::EducationLevels, &c.education_level)
                    .unwrap_or(&c.education_level),
                reg.id
            ))
        })
        .collect();
    println!(
        "    past cohort 2024: {} registrations kept; {} of them are 2026 masters at {}: ID {} holds {}",
        kept.len(),
        made.len(),
        SCHOOL_B.0,
        gradreg::disclosure::Masking::default().apply(one),
        held.join(" and ")
    );
    if held.len() != 2 {
        return Err("an ID number should hold one registration per cohort".into());
    }
    Ok(())
}

/// This year's statistics split by school: each school's share adds up to the whole cohort.
fn by_school(r: &Registry, now: DateTime<Utc>) -> Res<()> {
    let cohort = gradreg::Query {
        graduation_year: Some(2026),
        ..gradreg::Query::default()
    };
    let all = r.statistics_for(&cohort, now)?;
    println!("  by school (2026 cohort, {} graduates):", all.total);
    let mut sum = 0;
    for p in &all.by_school {
        let st = r.statistics_for(
            &gradreg::Query {
                school: Some(p.school.clone()),
                ..cohort.clone()
            },
            now,
        )?;
        sum += st.total;
        let top = st
            .by_destination_category
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(c, n)| format!("most often {c} ({n})"))
            .unwrap_or_default();
        println!(
            "  {:<22} {:>5} graduates, {:>5} reported, 落实率 {:>5.1}%, {} late; {top}",
            p.key,
            st.total,
            st.overall.reported,
            p.rate * 100.0,
            st.late
        );
    }
    if sum != all.total {
        return Err("the schools' statistics do not add up to the cohort's".into());
    }
    let by_year: Vec<String> = r
        .statistics(now)?
        .by_graduation_year
        .iter()
        .map(|(y, n)| format!("{y}: {n}"))
        .collect();
    println!("  registrations by graduation year: {}", by_year.join(", "));
    Ok(())
}

/// The principal the host authenticated for the office speaking as `dept`. A real host takes it
/// from its own login (never from the request); here each department's office logs in under its
/// department id.
fn principal_of(dept: &Actor) -> Principal {
    let id = match dept {
        Actor::ArchiveDept { id, .. } | Actor::HukouDept { id, .. } => id.as_str(),
        _ => "office",
    };
    Principal::new(id).expect("a department id is a valid principal")
}

fn online_after(r: &Registry) -> OnlineVerifier<'_> {
    OnlineVerifier::new(r.tables())
}

/// Writes the signed status lists of `r` as of `now` (next update a day later) to
/// `published/status-<list>.txt`.
fn publish_status(
    r: &Registry,
    ring: &KeyRing,
    published: &std::path::Path,
    now: DateTime<Utc>,
) -> Res<()> {
    let lists = r.status_lists(ring, now, now + chrono::Duration::days(1))?;
    for l in &lists {
        std::fs::write(published.join(format!("status-{}.txt", l.list)), &l.text)?;
    }
    println!(
        "  status lists published: {} ({} entries not in force), next update in a day",
        lists.len(),
        lists.iter().map(|l| l.not_in_force).sum::<u64>()
    );
    Ok(())
}

/// A verifier that knows only what the school publishes: its key set and its status lists.
struct OfflineVerifier {
    ring: KeyRing,
    lists: StatusLists,
}

impl OfflineVerifier {
    fn from_published(dir: &std::path::Path) -> Res<OfflineVerifier> {
        let ring = KeySet::from_json(&std::fs::read_to_string(dir.join("keyset.json"))?)?.ring()?;
        let mut lists = StatusLists::new();
        for e in std::fs::read_dir(dir)? {
            let path = e?.path();
            if path.extension().is_some_and(|x| x == "txt") {
                lists.add_signed(&std::fs::read_to_string(&path)?, &ring)?;
            }
        }
        Ok(OfflineVerifier { ring, lists })
    }

    fn verdict(&self, token: &str, dept: &Actor, now: DateTime<Utc>) -> &'static str {
        verify_token_offline(
            token,
            &self.ring,
            dept,
            now,
            &self.lists,
            &ScanOptions::default(),
        )
        .verdict
        .kind()
        .as_str()
    }
}

/// The text of the QR code in a PNG (read with rqrr, a decoder we did not write).
fn read_qr(path: &std::path::Path) -> Res<String> {
    let img = image::open(path)?.to_luma8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        img.get_pixel(x as u32, y as u32)[0]
    });
    let grids = prepared.detect_grids();
    let grid = grids.first().ok_or("no QR code found in the form")?;
    let (_, text) = grid.decode()?;
    Ok(text)
}
