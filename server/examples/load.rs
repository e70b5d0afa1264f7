//! A bounded load run of the verification service on localhost: online checks per second and
//! their p50/p99 latency through HTTP, with writes going on at the same time.
//!
//! ```sh
//! cargo run --release -p gradreg-server --example load -- --graduates 1000000 --seconds 20
//! cargo run --release -p gradreg-server --example load -- --store postgres://gradreg@127.0.0.1:55515/gradreg
//! ```
//!
//! Fills a store (a new SQLite file by default, or `--store URL`, which must be empty) with
//! `--graduates` authorized graduates (copies of one walked through the commands, written in
//! batches), starts the service on 127.0.0.1:0, and runs `--clients` HTTP clients (reqwest, one
//! connection each, keep-alive) posting valid checks of random graduates to `/api/v1/verify` for
//! `--seconds`, while one writer records checks by a hukou office on random registrations (the
//! writes a valid check makes) as fast as it can. Every valid check is itself a write (the check is recorded). Prints checks per
//! second, p50/p99/max latency, and the writes done.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gradreg::codes::{Algorithm, KeyStore};
use gradreg::{Actor, Command, OpenOptions, Policy, Registry, Section};
use gradreg_benches::{authorized_template, cst, number_of, synthetic_basic, write_authorized};
use gradreg_server::auth::{ApiKeys, Department};
use gradreg_server::{AppState, FileConfig};
use sha2::{Digest, Sha256};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

struct Args {
    graduates: u32,
    seconds: u64,
    clients: usize,
    store: Option<String>,
}

fn args() -> Res<Args> {
    let mut a = Args {
        graduates: 100_000,
        seconds: 10,
        clients: 8,
        store: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().ok_or_else(|| format!("{k} needs a value"));
        match k.as_str() {
            "--graduates" => a.graduates = v()?.parse()?,
            "--seconds" => a.seconds = v()?.parse::<u64>()?.clamp(1, 600),
            "--clients" => a.clients = v()?.parse::<usize>()?.clamp(1, 256),
            "--store" => a.store = Some(v()?),
            "-h" | "--help" => {
                println!("usage: load [--graduates N] [--seconds S] [--clients C] [--store URL]");
                std::process::exit(0);
            }
            _ => return Err(format!("unknown option {k}").into()),
        }
    }
    Ok(a)
}

fn main() -> Res<()> {
    let a = args()?;
    let dir = std::env::temp_dir().join(format!("gradreg-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = a
        .store
        .clone()
        .unwrap_or_else(|| format!("sqlite:{}", dir.join("registry.db").display()));
    let registry = Registry::open_url(&url, Policy::jiangsu(), &OpenOptions::new())?;
    if registry.store().count()? > 0 {
        return Err("the store already holds registrations: give an empty one".into());
    }
    let t = Instant::now();
    write_authorized(
        registry.store(),
        &authorized_template(),
        0..a.graduates,
        7,
        false,
    );
    println!(
        "store {}: {} authorized graduates written in {:.1} s",
        if a.store.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        a.graduates,
        t.elapsed().as_secs_f64()
    );
    let keys = KeyStore::create(
        dir.join("keys.json"),
        "负载测试",
        Algorithm::Ed25519,
        cst(4, 1, 9),
    )?;
    let mut config = FileConfig {
        store: Some(url),
        keys: Some(dir.join("keys.json")),
        clock: Some(cst(6, 20, 10)),
        // Valid checks only: the failure limits are not what is measured.
        ..FileConfig::default()
    }
    .resolve()?;
    let mut offices = ApiKeys::default();
    offices.add(
        Sha256::digest(b"load-key").into(),
        "archive:load",
        Department::Archive,
        "负载测试档案馆",
    )?;
    config.api_keys = offices;
    let t = Instant::now();
    let state = Arc::new(AppState::from_parts(config, registry, &keys)?);
    println!(
        "service state (first status lists) built in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let name = gradreg::sample::basic_info().name;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // The last handle on the registry is dropped here, outside the runtime: the synchronous
    // PostgreSQL client may not be dropped on an async thread.
    let keep = Arc::clone(&state);
    rt.block_on(run(a, state, name))?;
    drop(rt);
    drop(keep);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

async fn run(a: Args, state: Arc<AppState>, name: String) -> Res<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(gradreg_server::serve(listener, Arc::clone(&state), async {
        let _ = stop_rx.await;
    }));
    // The writer: a hukou office's check recorded on random registrations (an audit record and
    // an event each, as every valid check writes), on its own thread.
    let stop = Arc::new(AtomicBool::new(false));
    let writes = Arc::new(AtomicU64::new(0));
    let writer = {
        let (stop, writes, reg, n) = (
            Arc::clone(&stop),
            Arc::clone(&writes),
            Arc::clone(state.registry()),
            a.graduates,
        );
        std::thread::spawn(move || {
            let dept = Actor::HukouDept {
                id: "hukou:writer".into(),
                name: "负载测试派出所".into(),
            };
            let mut k: u32 = 12_345;
            while !stop.load(Ordering::Relaxed) {
                k = k.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let (id, _) = synthetic_basic(k % n);
                let cmd = Command::RecordVerification {
                    number: number_of(k % n, 7),
                    section: Section::Hukou,
                };
                if reg.apply(&id, &dept, &cmd, cst(6, 20, 10)).is_ok() {
                    writes.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(a.seconds);
    let mut tasks = Vec::new();
    for c in 0..a.clients {
        let (base, name, n) = (base.clone(), name.clone(), a.graduates);
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()?;
            let mut lat = Vec::new();
            let mut other = 0u64;
            let mut k = 7_919u32.wrapping_mul(c as u32 + 1);
            while Instant::now() < deadline {
                k = k.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let number = number_of(k % n, 7).to_string();
                let t = Instant::now();
                let r = client
                    .post(format!("{base}/api/v1/verify"))
                    .bearer_auth("load-key")
                    .json(&serde_json::json!({ "name": name, "number": number }))
                    .send()
                    .await?;
                let v: serde_json::Value = r.json().await?;
                lat.push(t.elapsed());
                if v["verdict"] != "valid" {
                    other += 1;
                }
            }
            Ok::<_, reqwest::Error>((lat, other))
        }));
    }
    let mut lat = Vec::new();
    let mut other = 0;
    for t in tasks {
        let (l, o) = t.await??;
        lat.extend(l);
        other += o;
    }
    stop.store(true, Ordering::Relaxed);
    let _ = writer.join();
    let _ = stop_tx.send(());
    let _ = server.await;
    if lat.is_empty() {
        return Err("no check finished".into());
    }
    lat.sort();
    let q = |p: f64| lat[((lat.len() - 1) as f64 * p) as usize];
    println!(
        "{} clients, {} s: {} checks ({:.0}/s), {} not valid; p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; \
         {} writes beside them ({:.0}/s)",
        a.clients,
        a.seconds,
        lat.len(),
        lat.len() as f64 / a.seconds as f64,
        other,
        q(0.50).as_secs_f64() * 1e3,
        q(0.99).as_secs_f64() * 1e3,
        lat.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
        writes.load(Ordering::Relaxed),
        writes.load(Ordering::Relaxed) as f64 / a.seconds as f64
    );
    Ok(())
}
