//! Notifications a host can deliver: event ids and instants, consumer cursors over the outbox on
//! every store (memory, SQLite, and PostgreSQL when `GRADREG_TEST_PG_URL` is set), reminders sent
//! once, and the HTTP webhook sender against a local server.

mod common;

use std::sync::Arc;

use common::*;
use gradreg::registry::sqlite::SqliteStore;
use gradreg::registry::Registry;
use gradreg::{sample, Actor, Command, Error, ErrorCode, Policy};

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "gradreg-notify-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Uploads graduate number `n` and logs them in: two commands, three events (uploaded to the
/// graduate, then the login reminder to review).
fn seed(r: &Registry, n: u32) -> String {
    let mut b = sample::basic_info();
    b.student_number = format!("2022{n:04}");
    b.id_number = sample::id_number("320102", "20040315", n, true).unwrap();
    let id = upload(r, &b).unwrap();
    let mut acct = sample::chsi_account();
    acct.id_number = b.id_number.clone();
    r.apply(
        &id,
        &Actor::Chsi,
        &Command::UpdateChsiAccount {
            account: Box::new(acct),
        },
        day(3, 2),
    )
    .unwrap();
    let g = Actor::Graduate {
        id_number: b.id_number.clone(),
    };
    r.apply(&id, &g, &Command::Login, day(3, 3)).unwrap();
    id
}

#[test]
fn events_carry_their_instant_and_a_stable_unique_id() {
    let mut ids_by_store = Vec::new();
    for kind in stores() {
        let _on = kind.label();
        let (r, _store) = kind.open_default();
        let name = kind.name();
        let a = seed(&r, 1);
        let b = seed(&r, 2);
        let events = r.events_after(0, 1000).unwrap();
        assert!(events.len() >= 4, "{name}");
        let mut ids = std::collections::BTreeSet::new();
        for (_, e) in &events {
            assert!(ids.insert(e.id.clone()), "{name}: repeated id {}", e.id);
            let (reg, rest) = e.id.rsplit_once('#').unwrap();
            assert_eq!(reg, e.registration_id, "{name}");
            let (version, index) = rest.split_once('.').unwrap();
            let version: u64 = version.parse().unwrap();
            let _: usize = index.parse().unwrap();
            // The version the command produced: the audit entry of that version has the
            // event's instant.
            let audit = r.audit(Some(&e.registration_id)).unwrap();
            let entry = audit
                .iter()
                .map(|a| a.entry().unwrap())
                .find(|a| a.version_after == version)
                .unwrap();
            assert_eq!(entry.at, e.at, "{name}: {}", e.id);
        }
        assert!(ids.iter().any(|i| i.starts_with(&format!("{a}#1."))));
        assert!(ids.iter().any(|i| i.starts_with(&format!("{b}#"))));
        assert_eq!(events[0].1.at, day(3, 1));
        assert_eq!(
            events[0].1.address(),
            format!("graduate:{}", events[0].1.registration_id)
        );
        ids_by_store.push(ids);
    }
    // The same commands give the same ids in every store.
    assert_eq!(ids_by_store[0], ids_by_store[1]);
}

#[test]
fn consumers_read_the_outbox_independently_and_lose_nothing() {
    for kind in stores() {
        let _on = kind.label();
        let (r, _store) = kind.open_default();
        let name = kind.name();
        seed(&r, 1);
        seed(&r, 2);
        let last = r.last_event_seq().unwrap();
        assert!(last >= 4, "{name}");
        assert_eq!(r.consumer_cursor("wechat").unwrap(), 0);
        // Not acknowledged: delivered again.
        let first = r.pending_events("wechat", 2).unwrap();
        assert_eq!(first.len(), 2);
        assert_eq!(r.pending_events("wechat", 2).unwrap(), first);
        assert_eq!(first[0].0, 1);
        assert_eq!(r.ack_events("wechat", first[1].0).unwrap(), first[1].0);
        let next = r.pending_events("wechat", 100).unwrap();
        assert_eq!(next.first().map(|p| p.0), Some(first[1].0 + 1), "{name}");
        assert_eq!(next.last().map(|p| p.0), Some(last));
        // Another consumer is untouched.
        assert_eq!(r.consumer_cursor("sms").unwrap(), 0);
        assert_eq!(r.pending_events("sms", 100).unwrap().len() as u64, last);
        // Backwards (or the same) changes nothing.
        assert_eq!(r.ack_events("wechat", 1).unwrap(), first[1].0);
        assert_eq!(r.consumer_cursor("wechat").unwrap(), first[1].0);
        // Past the newest event: refused, cursor kept.
        match r.ack_events("wechat", last + 1) {
            Err(e @ Error::AckBeyondOutbox { .. }) => {
                assert_eq!(e.code(), ErrorCode::AckBeyondOutbox);
                assert_eq!(e.code().get(), 513);
            }
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(r.consumer_cursor("wechat").unwrap(), first[1].0);
        assert_eq!(r.ack_events("wechat", last).unwrap(), last);
        assert!(r.pending_events("wechat", 100).unwrap().is_empty());
        // New events after the cursor are pending.
        seed(&r, 3);
        let fresh = r.pending_events("wechat", 100).unwrap();
        assert_eq!(fresh.first().map(|p| p.0), Some(last + 1), "{name}");
        // Bad names.
        for bad in ["", "a\nb", &"x".repeat(201)] {
            assert_eq!(
                r.consumer_cursor(bad).unwrap_err().code(),
                ErrorCode::InvalidArgument
            );
        }
    }
}

#[test]
fn an_empty_outbox_takes_no_acknowledgement_but_zero() {
    for kind in stores() {
        let _on = kind.label();
        let (r, _store) = kind.open_default();
        let name = kind.name();
        assert_eq!(r.ack_events("c", 0).unwrap(), 0, "{name}");
        assert!(r.ack_events("c", 1).is_err(), "{name}");
    }
}

#[test]
fn reminders_are_marked_sent_once_per_consumer() {
    for kind in stores() {
        let _on = kind.label();
        let (r, _store) = kind.open_default();
        let name = kind.name();
        let at = day(6, 1);
        assert_eq!(r.sent_at("wechat", "rem-1").unwrap(), None);
        assert!(r.mark_sent("wechat", "rem-1", at).unwrap(), "{name}");
        assert!(
            !r.mark_sent("wechat", "rem-1", day(6, 2)).unwrap(),
            "{name}"
        );
        assert_eq!(r.sent_at("wechat", "rem-1").unwrap(), Some(at), "{name}");
        assert!(r.mark_sent("sms", "rem-1", at).unwrap(), "{name}");
        assert!(r.mark_sent("wechat", "rem-2", at).unwrap(), "{name}");
        assert!(r.mark_sent("wechat", "", at).is_err());
    }
}

/// On every store that outlives its registry: consumer cursors and sent records survive a
/// restart.
#[test]
fn cursors_and_sent_records_survive_a_restart() {
    for kind in persistent_stores() {
        let _on = kind.label();
        let name = kind.name();
        let store = kind.fresh();
        let last = {
            let r = store.reopen_default();
            seed(&r, 1);
            let last = r.last_event_seq().unwrap();
            r.ack_events("wechat", 2).unwrap();
            r.mark_sent("wechat", "rem-1", day(6, 1)).unwrap();
            last
        };
        let r = store.reopen_default();
        assert_eq!(r.consumer_cursor("wechat").unwrap(), 2, "{name}");
        assert_eq!(r.pending_events("wechat", 100).unwrap()[0].0, 3, "{name}");
        assert_eq!(r.last_event_seq().unwrap(), last, "{name}");
        assert!(
            !r.mark_sent("wechat", "rem-1", day(6, 2)).unwrap(),
            "{name}"
        );
    }
}

/// SQLite only (a file written by an earlier release): a file without the consumer tables gains
/// them, and an event stored before events had ids and instants gets both.
#[test]
fn cursors_and_sent_records_survive_a_restart_and_old_files_gain_the_tables() {
    let dir = tempdir();
    let path = dir.join("reg.sqlite3");
    let last = {
        let r = Registry::open(&path, Policy::jiangsu()).unwrap();
        seed(&r, 1);
        let last = r.last_event_seq().unwrap();
        r.ack_events("wechat", 2).unwrap();
        r.mark_sent("wechat", "rem-1", day(6, 1)).unwrap();
        last
    };
    {
        let r = Registry::open(&path, Policy::jiangsu()).unwrap();
        assert_eq!(r.consumer_cursor("wechat").unwrap(), 2);
        assert_eq!(r.pending_events("wechat", 100).unwrap()[0].0, 3);
        assert_eq!(r.last_event_seq().unwrap(), last);
        assert!(!r.mark_sent("wechat", "rem-1", day(6, 2)).unwrap());
    }
    // A file written before the consumer tables existed, with an event stored before events
    // had ids and instants.
    let raw = SqliteStore::open(&path).unwrap();
    raw.execute_raw(
        "DROP TABLE consumer_cursors; DROP TABLE sent_notifications; \
         INSERT INTO events(registration_id, event) VALUES('old-1', \
         '{\"kind\":\"logged_in\",\"recipient\":{\"to\":\"graduate\"},\"registration_id\":\"old-1\",\"message_zh\":\"z\",\"message_en\":\"e\"}');",
    )
    .unwrap();
    drop(raw);
    let r = Registry::open(&path, Policy::jiangsu()).unwrap();
    assert_eq!(r.consumer_cursor("wechat").unwrap(), 0);
    let all = r.pending_events("wechat", 100).unwrap();
    let (seq, old) = all.last().unwrap();
    assert_eq!(*seq, last + 1);
    assert_eq!(old.id, format!("old-1#outbox.{seq}"));
    assert_eq!(old.at, chrono::DateTime::<chrono::Utc>::default());
    assert!(r.mark_sent("wechat", "rem-1", day(6, 2)).unwrap());
    drop(r);
    std::fs::remove_dir_all(dir).ok();
}

#[cfg(feature = "webhook")]
mod webhook {
    use super::*;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::Mutex;
    use std::time::Duration;

    use gradreg::notify::webhook::{Webhook, WebhookOptions};
    use hmac::{KeyInit, Mac};

    const SECRET: &[u8] = b"a shared secret of the host";

    /// One request as the server saw it.
    #[derive(Debug, Clone)]
    struct Seen {
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    }

    impl Seen {
        fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }
        fn json(&self) -> serde_json::Value {
            serde_json::from_slice(&self.body).unwrap()
        }
    }

    /// A local HTTP server answering with `script` in turn (then 200), one connection per
    /// request, recording what it received.
    struct Server {
        url: String,
        seen: Arc<Mutex<Vec<Seen>>>,
    }

    impl Server {
        fn start(script: Vec<(u16, Option<u64>)>) -> Server {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let url = format!("http://{}/hook", listener.local_addr().unwrap());
            let seen = Arc::new(Mutex::new(Vec::new()));
            let log = seen.clone();
            std::thread::spawn(move || {
                let mut script = script.into_iter();
                for stream in listener.incoming() {
                    let Ok(mut stream) = stream else { return };
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut headers = Vec::new();
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                            break;
                        }
                        if let Some((k, v)) = line.trim_end().split_once(':') {
                            headers.push((k.trim().to_string(), v.trim().to_string()));
                        }
                    }
                    let len: usize = headers
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                        .map(|(_, v)| v.parse().unwrap())
                        .unwrap_or(0);
                    let mut body = vec![0; len];
                    reader.read_exact(&mut body).unwrap();
                    log.lock().unwrap().push(Seen { headers, body });
                    let (status, retry_after) = script.next().unwrap_or((200, None));
                    let extra =
                        retry_after.map_or(String::new(), |s| format!("Retry-After: {s}\r\n"));
                    let answer = format!(
                        "HTTP/1.1 {status} X\r\n{extra}Content-Length: 2\r\nConnection: close\r\n\r\nok"
                    );
                    stream.write_all(answer.as_bytes()).ok();
                }
            });
            Server { url, seen }
        }

        fn seen(&self) -> Vec<Seen> {
            self.seen.lock().unwrap().clone()
        }
    }

    /// A webhook with a fixed clock and a sleeper that records the waits.
    fn hook(url: &str) -> (Webhook, Arc<Mutex<Vec<Duration>>>) {
        let sleeps = Arc::new(Mutex::new(Vec::new()));
        let log = sleeps.clone();
        let w = Webhook::new(
            url,
            SECRET,
            WebhookOptions {
                timeout: Duration::from_secs(5),
                max_attempts: 4,
                initial_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(1),
            },
        )
        .unwrap()
        .with_sleeper(Arc::new(move |d| log.lock().unwrap().push(d)))
        .with_clock(Arc::new(|| day(6, 1)));
        (w, sleeps)
    }

    fn my_signature(timestamp: &str, body: &[u8]) -> String {
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET).unwrap();
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        let bytes = mac.finalize().into_bytes();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("v1={hex}")
    }

    #[test]
    fn delivers_signed_events_and_moves_the_cursor() {
        let r = Registry::in_memory(Policy::jiangsu()).unwrap();
        seed(&r, 1);
        let last = r.last_event_seq().unwrap();
        let server = Server::start(vec![]);
        let (w, sleeps) = hook(&server.url);
        let report = w.deliver_events(&r, "wechat", 100).unwrap();
        assert!(report.ok(), "{report:?}");
        assert_eq!(report.delivered.len() as u64, last);
        assert_eq!(report.cursor, last);
        assert_eq!(r.consumer_cursor("wechat").unwrap(), last);
        assert!(sleeps.lock().unwrap().is_empty());
        let seen = server.seen();
        assert_eq!(seen.len() as u64, last);
        let events = r.events_after(0, 100).unwrap();
        for (s, (seq, e)) in seen.iter().zip(&events) {
            let ts = s.header("Gradreg-Timestamp").unwrap();
            assert_eq!(ts, day(6, 1).timestamp().to_string());
            assert_eq!(
                s.header("Gradreg-Signature").unwrap(),
                my_signature(ts, &s.body)
            );
            // A tampered body does not verify.
            let mut forged = s.body.clone();
            forged[0] ^= 1;
            assert_ne!(
                s.header("Gradreg-Signature").unwrap(),
                my_signature(ts, &forged)
            );
            assert_eq!(s.header("Idempotency-Key"), Some(e.id.as_str()));
            assert_eq!(s.header("Gradreg-Id"), Some(e.id.as_str()));
            assert_eq!(s.header("Content-Type"), Some("application/json"));
            let j = s.json();
            assert_eq!(j["type"], "event");
            assert_eq!(j["id"], e.id.as_str());
            assert_eq!(j["seq"], *seq);
            assert_eq!(j["address"], e.address());
            assert_eq!(j["event"]["message_zh"], e.message_zh.as_str());
        }
        // Nothing pending: a second run sends nothing.
        let again = w.deliver_events(&r, "wechat", 100).unwrap();
        assert!(again.delivered.is_empty() && again.failed.is_empty());
        assert_eq!(server.seen().len() as u64, last);
    }

    #[test]
    fn retries_a_500_then_succeeds() {
        let r = Registry::in_memory(Policy::jiangsu()).unwrap();
        seed(&r, 1);
        let server = Server::start(vec![(500, None), (503, None)]);
        let (w, sleeps) = hook(&server.url);
        let report = w.deliver_events(&r, "wechat", 1).unwrap();
        assert!(report.ok(), "{report:?}");
        assert_eq!(report.delivered[0].attempts, 3);
        assert_eq!(report.cursor, 1);
        assert_eq!(
            *sleeps.lock().unwrap(),
            vec![Duration::from_millis(100), Duration::from_millis(200)]
        );
        // The three requests carry the same id.
        let seen = server.seen();
        assert_eq!(seen.len(), 3);
        assert!(seen
            .iter()
            .all(|s| s.header("Idempotency-Key") == seen[0].header("Idempotency-Key")));
    }

    #[test]
    fn backs_off_on_429_as_the_server_asks_within_the_cap() {
        let r = Registry::in_memory(Policy::jiangsu()).unwrap();
        seed(&r, 1);
        let server = Server::start(vec![(429, None), (429, Some(7))]);
        let (w, sleeps) = hook(&server.url);
        let report = w.deliver_events(&r, "wechat", 1).unwrap();
        assert!(report.ok(), "{report:?}");
        assert_eq!(report.delivered[0].attempts, 3);
        // First wait: the backoff; second: Retry-After 7 s, capped at 1 s.
        assert_eq!(
            *sleeps.lock().unwrap(),
            vec![Duration::from_millis(100), Duration::from_secs(1)]
        );
    }

    #[test]
    fn a_400_is_permanent_and_stops_the_run_before_the_event() {
        let r = Registry::in_memory(Policy::jiangsu()).unwrap();
        seed(&r, 1);
        let server = Server::start(vec![(200, None), (400, None)]);
        let (w, sleeps) = hook(&server.url);
        let report = w.deliver_events(&r, "wechat", 100).unwrap();
        assert_eq!(report.delivered.len(), 1);
        assert_eq!(report.failed.len(), 1);
        let f = &report.failed[0];
        assert!(f.permanent);
        assert_eq!(f.status, Some(400));
        assert_eq!(f.attempts, 1);
        assert_eq!(f.seq, Some(2));
        assert_eq!(report.cursor, 1);
        assert_eq!(r.consumer_cursor("wechat").unwrap(), 1);
        assert!(sleeps.lock().unwrap().is_empty());
        // Only two requests: the run stopped at the refused event, which is still pending.
        assert_eq!(server.seen().len(), 2);
        assert_eq!(r.pending_events("wechat", 1).unwrap()[0].0, 2);
    }

    #[test]
    fn a_dead_port_is_retried_then_reported_and_nothing_moves() {
        let r = Registry::in_memory(Policy::jiangsu()).unwrap();
        seed(&r, 1);
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let (w, sleeps) = hook(&format!("http://127.0.0.1:{port}/hook"));
        let report = w.deliver_events(&r, "wechat", 100).unwrap();
        assert!(report.delivered.is_empty());
        let f = &report.failed[0];
        assert!(!f.permanent);
        assert_eq!(f.status, None);
        assert_eq!(f.attempts, 4);
        assert_eq!(f.seq, Some(1));
        assert_eq!(sleeps.lock().unwrap().len(), 3);
        assert_eq!(r.consumer_cursor("wechat").unwrap(), 0);
    }

    #[test]
    fn a_restart_resumes_at_the_cursor() {
        for kind in persistent_stores() {
            let _on = kind.label();
            restart_resumes_on(kind);
        }
    }

    fn restart_resumes_on(kind: StoreKind) {
        let store = kind.fresh();
        let server = Server::start(vec![]);
        let last = {
            let r = store.reopen_default();
            seed(&r, 1);
            seed(&r, 2);
            let (w, _) = hook(&server.url);
            let report = w.deliver_events(&r, "wechat", 2).unwrap();
            assert_eq!(report.cursor, 2);
            r.last_event_seq().unwrap()
        };
        let r = store.reopen_default();
        let (w, _) = hook(&server.url);
        let report = w.deliver_events(&r, "wechat", 100).unwrap();
        assert!(report.ok());
        assert_eq!(report.delivered.first().and_then(|d| d.seq), Some(3));
        assert_eq!(report.cursor, last);
        // Every event reached the receiver exactly once.
        let ids: Vec<String> = server
            .seen()
            .iter()
            .map(|s| s.json()["id"].as_str().unwrap().to_string())
            .collect();
        let unique: std::collections::BTreeSet<_> = ids.iter().collect();
        assert_eq!(ids.len() as u64, last);
        assert_eq!(unique.len(), ids.len());
        drop(r);
    }

    #[test]
    fn reminders_are_sent_once() {
        let r = Registry::in_memory(Policy::jiangsu()).unwrap();
        seed(&r, 1);
        let reminders = r
            .reminders(day(8, 28), &gradreg::ReminderOptions::default())
            .unwrap();
        assert!(!reminders.is_empty());
        // Computed again, the same reminders have the same ids: the sent record finds them.
        let again = r
            .reminders(day(8, 28), &gradreg::ReminderOptions::default())
            .unwrap();
        assert_eq!(
            reminders.iter().map(|x| &x.id).collect::<Vec<_>>(),
            again.iter().map(|x| &x.id).collect::<Vec<_>>()
        );
        let items = reminders;
        let server = Server::start(vec![(400, None)]);
        let (w, _) = hook(&server.url);
        let first = w.deliver_reminders(&r, "wechat", &items).unwrap();
        // The first is refused, the rest go through.
        assert_eq!(first.failed.len(), 1);
        assert!(first.failed[0].permanent);
        assert_eq!(first.delivered.len(), items.len() - 1);
        let second = w.deliver_reminders(&r, "wechat", &again).unwrap();
        assert_eq!(second.skipped.len(), items.len() - 1);
        assert_eq!(second.delivered.len(), 1);
        assert_eq!(second.delivered[0].id, items[0].id);
        assert_eq!(server.seen().len(), items.len() + 1);
        let j = server.seen()[1].json();
        assert_eq!(j["type"], "reminder");
        assert!(r.sent_at("wechat", &items[0].id).unwrap().is_some());
    }
}
