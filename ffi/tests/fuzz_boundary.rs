//! The C face under generated arguments: every exported `gradreg_*` function is called with
//! arguments drawn from a proptest-generated tape — NULL and `{NULL, n}` texts, bad UTF-8,
//! random JSON, the JSON examples of the header and hand-written records with extreme numbers,
//! instants and strings swapped in, forged handles, handles of the wrong kind, NULL outputs and
//! small buffers — and must never answer with an internal error (`GRADREG_ERR_PANIC` 990 or
//! `GRADREG_ERR_INTERNAL` 991): every failure is a typed code.
//!
//! The functions are enumerated from `include/gradreg.h`, so a new entry point without a caller
//! here fails `every_exported_function_is_fuzzed`. The number of cases per function is
//! `GRADREG_FUZZ_CASES` (default 96), which keeps the run to a minute or two in CI.
//!
//! Nothing is written outside the test's temporary folder (under the build's `CARGO_TARGET_TMPDIR`):
//! every path argument is one of a few names inside it (or a path that cannot be written), and
//! the webhook is only ever pointed at a registry without events.

use std::collections::BTreeSet;
use std::ffi::{c_char, c_int, CString};
use std::path::PathBuf;
use std::ptr::{null, null_mut};
use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::{json, Value};

use gradreg_ffi::args::{gradreg_bytes, gradreg_str, gradreg_str_from_c};
use gradreg_ffi::codes::*;
use gradreg_ffi::exchange::*;
use gradreg_ffi::forms::*;
use gradreg_ffi::keyring::*;
use gradreg_ffi::keys::*;
use gradreg_ffi::lifecycle::*;
use gradreg_ffi::limits::*;
use gradreg_ffi::lookups::*;
use gradreg_ffi::notify::*;
use gradreg_ffi::offline::*;
use gradreg_ffi::records::*;
use gradreg_ffi::registry::*;
use gradreg_ffi::roster::*;
use gradreg_ffi::verify::*;
use gradreg_ffi::worklists::*;

const PANIC: u32 = 990;
const INTERNAL: u32 = 991;

// ---- fixtures: live handles and templates, made once ----

/// A fresh temporary folder for this run.
fn temp_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // Under the build's own temporary folder; a run starts from an empty one.
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gradreg-fuzz");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("folder")).unwrap();
        dir
    })
}

fn s(text: &str) -> gradreg_str {
    gradreg_str {
        ptr: text.as_ptr().cast(),
        len: text.len(),
    }
}

fn b(data: &[u8]) -> gradreg_bytes {
    gradreg_bytes {
        ptr: data.as_ptr(),
        len: data.len(),
    }
}

const NOW: i64 = 1_777_600_800; // 2026-05-01T02:00:00Z

/// Live handles shared by all cases (they are never given to a free function).
struct Fixture {
    registry: usize,
    empty_registry: usize,
    keyring: usize,
    status_lists: usize,
    keystore: usize,
    renderer: usize,
    registration_json: String,
    number: String,
    templates: Vec<Value>,
    /// The record each kind of JSON argument expects, to mutate (see [`G::like`]).
    hints: std::collections::HashMap<&'static str, Value>,
}

// SAFETY of Send/Sync: the handles are plain tokens, usable from any thread.
fn fixture() -> &'static Fixture {
    static FIX: OnceLock<Fixture> = OnceLock::new();
    FIX.get_or_init(make_fixture)
}

fn make_fixture() -> Fixture {
    let mut registry: *mut gradreg_registry = null_mut();
    let mut empty: *mut gradreg_registry = null_mut();
    let mut keyring: *mut gradreg_keyring = null_mut();
    let mut lists: *mut gradreg_status_lists = null_mut();
    let mut keystore: *mut gradreg_keystore = null_mut();
    let mut renderer: *mut gradreg_renderer = null_mut();
    let store_path = temp_dir().join("fixture-keys.json");
    let store_path = store_path.to_str().unwrap().to_string();
    // SAFETY: valid arguments and writable outputs throughout.
    unsafe {
        assert_eq!(
            gradreg_registry_new_in_memory(s("\"jiangsu\""), &mut registry),
            0
        );
        assert_eq!(
            gradreg_registry_new_in_memory(s("\"jiangsu\""), &mut empty),
            0
        );
        assert_eq!(gradreg_keyring_new(1, &mut keyring), 0);
        assert_eq!(gradreg_keyring_add_hmac(keyring, 1, b(&[7u8; 32]), 1), 0);
        assert_eq!(gradreg_status_lists_new(&mut lists), 0);
        assert_eq!(
            gradreg_keystore_create(
                s(&store_path),
                s("gradreg-fuzz"),
                s("hmac-sha256"),
                NOW,
                &mut keystore
            ),
            0,
            "{}",
            last_error()
        );
        assert_eq!(
            gradreg_renderer_new(gradreg_str_from_c(null()), &mut renderer),
            0
        );
    }
    // One graduate walked to an authorization, stored in the registry.
    let now = chrono::DateTime::from_timestamp(NOW, 0).unwrap();
    let reg = gradreg::sample::authorized_registration("10327:2022010123", now, 30, [9; 16], None)
        .unwrap();
    let number = reg.authorizations[0].number.to_string();
    let basic = serde_json::to_value(reg.basic.as_deref().unwrap()).unwrap();
    let office = json!({"role":"school_office","id":"jyc01","school":"10327"});
    let upload = json!([{"id":"10327:2022010123","info":basic}]).to_string();
    let office_text = office.to_string();
    let mut out: *mut c_char = null_mut();
    // SAFETY: as above.
    unsafe {
        assert_eq!(
            gradreg_registry_upload_batch(registry, s(&upload), s(&office_text), NOW, 0, &mut out),
            0
        );
        gradreg_string_free(out);
    }
    let registration_json = serde_json::to_string(&reg).unwrap();
    let mut templates = header_examples();
    let chsi = serde_json::to_value(gradreg::sample::chsi_account()).unwrap();
    let dest = serde_json::to_value(gradreg::sample::destination_data()).unwrap();
    let reg_value: Value = serde_json::from_str(&registration_json).unwrap();
    templates.extend([
        reg_value.clone(),
        json!([reg_value.clone()]),
        basic.clone(),
        chsi,
        dest.clone(),
        office,
        json!({"role":"graduate","id_number":"320102200403151217"}),
        json!({"role":"archive_dept","id":"da01","name":"档案馆"}),
        json!({"role":"hukou_dept","id":"hk01","name":"派出所"}),
        json!({"command":"authorize","validity_days":30}),
        json!({"command":"extend_authorization","number":number,"validity_days":60}),
        json!({"command":"report_destination","data":dest}),
        json!({"command":"upload_basic_info","info":basic}),
        json!({"deadline_within_days":7,"unconfirmed_after_days":3,"expiring_within_days":3,
               "change_deadline_within_days":7}),
        json!({"awaiting_confirmation_days":3,"school":"10327","stages":["authorized"]}),
        json!([{"id":"10327:2022010123","expected_version":3,
                "actor":{"role":"graduate","id_number":"320102200403151217"},
                "command":{"command":"authorize","validity_days":30}}]),
        json!([{"id":"10327:2022010123","info":basic}]),
        json!(["10327:2022010123"]),
        json!([{"registration":reg_value,"number":number,"section":"archive"}]),
        json!({"timeout_ms":1,"max_attempts":1,"initial_backoff_ms":1,"max_backoff_ms":1}),
        json!({"prefix":"HTTPS://VERIFY.EXAMPLE.CN/V/","format":1,"leeway_seconds":300}),
        json!({"name":"x","registration_deadline":{"month":6,"day":15},
               "change_deadline":{"month":8,"day":15},
               "validity":{"min_days":1,"default_days":30,"max_days":180},
               "batches":[{"name":"winter","from_month":9,"to_month":12,
                           "registration_deadline":{"month":6,"day":15},
                           "change_deadline":{"month":8,"day":15},"year_offset":1}]}),
    ]);
    let graduate = json!({"role":"graduate","id_number":"320102200403151217"});
    let hints = std::collections::HashMap::from([
        (
            "reminder_options",
            json!({"deadline_within_days":7,"unconfirmed_after_days":3,
                   "expiring_within_days":3,"change_deadline_within_days":7}),
        ),
        (
            "query",
            json!({"awaiting_confirmation_days":3,"school":"10327","graduation_year":2026,
                   "stages":["authorized"],"late":false}),
        ),
        ("actor", graduate.clone()),
        (
            "office",
            json!({"role":"school_office","id":"jyc01","school":"10327"}),
        ),
        (
            "verifier",
            json!({"role":"archive_dept","id":"da01","name":"档案馆"}),
        ),
        (
            "command",
            json!({"command":"extend_authorization","number":number,"validity_days":60}),
        ),
        (
            "batch",
            json!([{"id":"10327:2022010123","expected_version":3,"actor":graduate,
                    "command":{"command":"authorize","validity_days":30}}]),
        ),
        ("upload", json!([{"id":"10327:2022010123","info":basic}])),
        (
            "scan_options",
            json!({"required_prefix":"HTTPS://V/","leeway_seconds":300,
                   "printed_number":number,"holder_name":"张明"}),
        ),
        (
            "token_options",
            json!({"prefix":"HTTPS://V/","embed_disclosure":true,"version":1,
                   "validity_days":30}),
        ),
        (
            "webhook_options",
            json!({"timeout_ms":1,"max_attempts":1,"initial_backoff_ms":1,"max_backoff_ms":1}),
        ),
    ]);
    Fixture {
        hints,
        registry: registry as usize,
        empty_registry: empty as usize,
        keyring: keyring as usize,
        status_lists: lists as usize,
        keystore: keystore as usize,
        renderer: renderer as usize,
        registration_json,
        number,
        templates,
    }
}

fn header_text() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../include/gradreg.h");
    std::fs::read_to_string(path).unwrap()
}

/// Every JSON example the header's documentation gives in backticks on one line.
fn header_examples() -> Vec<Value> {
    let text = header_text();
    let mut out = Vec::new();
    for line in text.lines() {
        for (i, piece) in line.split('`').enumerate() {
            if i % 2 == 1 && piece.starts_with(['{', '[']) {
                if let Ok(v) = serde_json::from_str::<Value>(piece) {
                    out.push(v);
                }
            }
        }
    }
    out
}

/// The exported functions the header declares.
fn header_functions() -> BTreeSet<String> {
    let text = header_text();
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with('*') || t.starts_with("/*") || t.starts_with("//") || t.starts_with('#') {
            continue;
        }
        // A declaration: the identifier right before the first `(` is the function's name.
        if let Some(end) = t.find('(') {
            let head = &t[..end];
            let name = head
                .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("");
            if name.starts_with("gradreg_") && head.len() > name.len() {
                out.insert(name.to_string());
            }
        }
    }
    out
}

fn last_error() -> String {
    let mut buf = vec![0u8; 4096];
    let mut needed = 0usize;
    // SAFETY: `buf` holds `buf.len()` writable bytes.
    unsafe { gradreg_last_error(buf.as_mut_ptr().cast(), buf.len(), &mut needed) };
    let end = buf.iter().position(|&c| c == 0).unwrap_or(0);
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

// ---- the generator ----

/// Draws arguments from a tape of random words; an exhausted tape gives zeros (the simplest
/// choices), so proptest shrinks a failure towards simple arguments. Texts it hands out live
/// as long as the generator.
struct G {
    tape: Vec<u64>,
    pos: usize,
    arena: Vec<Vec<u8>>,
    cstrings: Vec<CString>,
}

const EXTREME_I64: [i64; 14] = [
    0,
    -1,
    1,
    i64::MAX,
    i64::MIN,
    253_402_300_799,
    253_402_300_800,
    -62_135_596_800,
    -62_135_596_801,
    -62_167_219_200,
    100_000_000_000_000,
    1 << 62,
    NOW,
    4_102_444_800,
];

const WEIRD_STRINGS: [&str; 16] = [
    "",
    "\0",
    "a\0b",
    "line\nbreak",
    "\u{1b}[2J",
    "\u{7f}\u{85}\u{2028}",
    "=1+1",
    "'@x",
    "\u{202e}evil",
    "9999-12-31T23:59:59Z",
    "+10000-01-01T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "10000-01-01",
    "2026-02-30",
    "XXXX-XXXX-XXXX-XXXX",
    "ZD-0000-0000-0000",
];

impl G {
    fn new(tape: Vec<u64>) -> Self {
        G {
            tape,
            pos: 0,
            arena: Vec::new(),
            cstrings: Vec::new(),
        }
    }

    fn word(&mut self) -> u64 {
        let w = self.tape.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        w
    }

    fn pick(&mut self, n: usize) -> usize {
        (self.word() % n as u64) as usize
    }

    fn chance(&mut self, one_in: u64) -> bool {
        self.word() % one_in == 1
    }

    fn i64(&mut self) -> i64 {
        match self.pick(5) {
            // Near the fixture's instant: its authorization is valid from then for 30 days.
            0 | 1 => NOW + (self.word() % (40 * 86_400)) as i64,
            2 => self.word() as i64,
            _ => EXTREME_I64[self.pick(EXTREME_I64.len())],
        }
    }

    fn u32(&mut self) -> u32 {
        [0, 1, 72, 300, 600, u32::MAX, 65_536, self.word() as u32][self.pick(8)]
    }

    fn u64(&mut self) -> u64 {
        [0, 1, 3, u64::MAX, i64::MAX as u64, self.word()][self.pick(6)]
    }

    fn usize(&mut self) -> usize {
        [0, 1, 10, usize::MAX, 1 << 40][self.pick(5)]
    }

    fn int(&mut self) -> c_int {
        [0, 1, -1, c_int::MAX][self.pick(4)]
    }

    fn keep(&mut self, bytes: Vec<u8>) -> (*const u8, usize) {
        self.arena.push(bytes);
        let last = self.arena.last().unwrap();
        (last.as_ptr(), last.len())
    }

    /// Raw bytes for a text or binary argument (`None`: a NULL pointer with this length).
    fn raw(&mut self) -> (Option<Vec<u8>>, usize) {
        match self.pick(12) {
            0 => (None, 0),
            1 => (None, 1 + self.pick(8)),
            2 => (Some(b"\xff\xfe{\"a\":1}".to_vec()), 0),
            3 => (Some(Vec::new()), 0),
            4 => (Some(self.random_json().to_string().into_bytes()), 0),
            5 => (
                Some(
                    WEIRD_STRINGS[self.pick(WEIRD_STRINGS.len())]
                        .as_bytes()
                        .to_vec(),
                ),
                0,
            ),
            6 => {
                let deep = 1 + self.pick(5000);
                let mut t = "[".repeat(deep);
                t.push_str(&"]".repeat(deep));
                (Some(t.into_bytes()), 0)
            }
            7 => {
                let n = self.pick(64);
                let bytes = (0..n).map(|_| self.word() as u8).collect();
                (Some(bytes), 0)
            }
            8 => (Some(b"\"jiangsu\"".to_vec()), 0),
            _ => {
                let fix = fixture();
                let mut v = fix.templates[self.pick(fix.templates.len())].clone();
                self.mutate(&mut v, 0);
                (Some(v.to_string().into_bytes()), 0)
            }
        }
    }

    fn text(&mut self) -> gradreg_str {
        match self.raw() {
            (None, len) => gradreg_str { ptr: null(), len },
            (Some(bytes), _) => {
                let (ptr, len) = self.keep(bytes);
                gradreg_str {
                    ptr: ptr.cast(),
                    len,
                }
            }
        }
    }

    fn bytes(&mut self) -> gradreg_bytes {
        if self.chance(4) {
            // A small CSV roster or XLSX-looking bytes.
            let data = match self.pick(3) {
                0 => "姓名,身份证号,学号\n张明,320102200403151217,2022010123\n".into(),
                1 => b"PK\x03\x04\x14\x00\x00\x00".to_vec(),
                _ => vec![0u8; self.pick(4096)],
            };
            let (ptr, len) = self.keep(data);
            return gradreg_bytes { ptr, len };
        }
        match self.raw() {
            (None, len) => gradreg_bytes { ptr: null(), len },
            (Some(bytes), _) => {
                let (ptr, len) = self.keep(bytes);
                gradreg_bytes { ptr, len }
            }
        }
    }

    /// A text that is a real value most of the time (`good`), else any text.
    fn text_or(&mut self, good: &str) -> gradreg_str {
        if self.chance(8) {
            self.text()
        } else {
            let (ptr, len) = self.keep(good.as_bytes().to_vec());
            gradreg_str {
                ptr: ptr.cast(),
                len,
            }
        }
    }

    /// A JSON argument of the kind `hint` names (see [`Fixture::hints`]): mostly that record
    /// with extreme values swapped in, now and then any text.
    fn like(&mut self, hint: &str) -> gradreg_str {
        if self.chance(8) {
            return self.text();
        }
        let mut v = fixture().hints[hint].clone();
        self.mutate(&mut v, 0);
        let (ptr, len) = self.keep(v.to_string().into_bytes());
        gradreg_str {
            ptr: ptr.cast(),
            len,
        }
    }

    /// A path inside the temporary folder, or one that cannot be written.
    fn path(&mut self) -> gradreg_str {
        let dir = temp_dir();
        let choice = match self.pick(9) {
            0 => {
                return gradreg_str {
                    ptr: null(),
                    len: 0,
                }
            }
            // Invalid UTF-8: refused before any file is touched. (Never arbitrary text: a
            // relative path would land in the working folder.)
            1 => {
                let (ptr, len) = self.keep(b"db\xff.sqlite".to_vec());
                return gradreg_str {
                    ptr: ptr.cast(),
                    len,
                };
            }
            2 => dir.join("db.sqlite").display().to_string(),
            3 => dir.join("folder").display().to_string(),
            4 => dir.join("missing/sub/x").display().to_string(),
            5 => "/nonexistent-gradreg/x".to_string(),
            6 => format!("{}/a\0b", dir.display()),
            7 => dir.join("keys.json").display().to_string(),
            _ => dir.join("out.pdf").display().to_string(),
        };
        let (ptr, len) = self.keep(choice.into_bytes());
        gradreg_str {
            ptr: ptr.cast(),
            len,
        }
    }

    fn random_json(&mut self) -> Value {
        self.random_json_at(0)
    }

    fn random_json_at(&mut self, depth: usize) -> Value {
        const KEYS: [&str; 16] = [
            "command",
            "role",
            "id",
            "validity_days",
            "expiring_within_days",
            "number",
            "section",
            "format",
            "timeout_ms",
            "school",
            "month",
            "day",
            "stages",
            "info",
            "expected_version",
            "x",
        ];
        match self.pick(if depth > 3 { 4 } else { 7 }) {
            0 => Value::Null,
            1 => json!(EXTREME_I64[self.pick(EXTREME_I64.len())]),
            2 => json!(WEIRD_STRINGS[self.pick(WEIRD_STRINGS.len())]),
            3 => [json!(1e300), json!(-0.0), json!(u64::MAX)][self.pick(3)].clone(),
            4 => Value::Bool(self.chance(2)),
            5 => {
                let n = self.pick(4);
                Value::Array((0..n).map(|_| self.random_json_at(depth + 1)).collect())
            }
            _ => {
                let n = self.pick(5);
                Value::Object(
                    (0..n)
                        .map(|_| {
                            let k = KEYS[self.pick(KEYS.len())].to_string();
                            (k, self.random_json_at(depth + 1))
                        })
                        .collect(),
                )
            }
        }
    }

    /// Swaps extreme numbers, instants and strings into a template, and now and then drops or
    /// adds a member.
    fn mutate(&mut self, v: &mut Value, depth: usize) {
        if depth > 12 {
            return;
        }
        match v {
            Value::Number(_) if self.chance(3) => {
                *v = match self.pick(10) {
                    1 => json!([u64::MAX, 4_294_967_296u64, 1u64 << 53][self.pick(3)]),
                    2 => json!([1e300, -1.5, 1e14][self.pick(3)]),
                    _ => json!(EXTREME_I64[self.pick(EXTREME_I64.len())]),
                }
            }
            Value::String(_) if self.chance(4) => {
                *v = json!(WEIRD_STRINGS[self.pick(WEIRD_STRINGS.len())]);
            }
            Value::Array(items) => {
                for item in items.iter_mut() {
                    self.mutate(item, depth + 1);
                }
            }
            Value::Object(map) => {
                let keys: Vec<String> = map.keys().cloned().collect();
                for k in keys {
                    if self.chance(24) {
                        map.remove(&k);
                    } else if let Some(item) = map.get_mut(&k) {
                        self.mutate(item, depth + 1);
                    }
                }
                if self.chance(24) {
                    map.insert("unknown_member".into(), json!(1));
                }
            }
            _ => {}
        }
    }

    /// A handle argument: NULL, forged, a live one of the expected kind or of another.
    fn handle(&mut self, live: usize) -> usize {
        let fix = fixture();
        match self.pick(8) {
            0 => 0,
            1 => 16 * (1 + self.pick(64)),
            2 => self.word() as usize | 1,
            3 => [
                fix.registry,
                fix.keyring,
                fix.status_lists,
                fix.keystore,
                fix.renderer,
            ][self.pick(5)],
            _ => live,
        }
    }

    /// An output pointer: NULL now and then.
    fn out<T>(&mut self, slot: &mut T) -> *mut T {
        if self.chance(10) {
            null_mut()
        } else {
            slot
        }
    }

    fn c_string(&mut self) -> *const c_char {
        if self.chance(4) {
            return null();
        }
        let bytes: Vec<u8> = match self.raw() {
            (Some(b), _) => b.into_iter().filter(|&c| c != 0).collect(),
            (None, _) => Vec::new(),
        };
        self.cstrings.push(CString::new(bytes).unwrap());
        self.cstrings.last().unwrap().as_ptr()
    }
}

/// Frees a string the library returned, if any.
fn free_string(p: *mut c_char) {
    // SAFETY: NULL or a string this library returned.
    unsafe { gradreg_string_free(p) }
}

fn free_bytes(p: *mut u8, len: usize) {
    // SAFETY: NULL or a buffer this library returned with this length.
    unsafe { gradreg_bytes_free(p, len) }
}

// ---- the callers: one per exported function ----

type Caller = fn(&mut G) -> Option<u32>;

macro_rules! string_out {
    ($g:ident, |$out:ident| $call:expr) => {{
        let mut slot: *mut c_char = null_mut();
        let $out = $g.out(&mut slot);
        // SAFETY: every pointer argument is NULL, a live buffer of the generator, a token or
        // a writable output of this frame.
        let rc = unsafe { $call };
        free_string(slot);
        Some(rc)
    }};
}

macro_rules! bytes_out {
    ($g:ident, |$out:ident, $len:ident| $call:expr) => {{
        let mut slot: *mut u8 = null_mut();
        let mut n: usize = 0;
        let $out = $g.out(&mut slot);
        let $len = $g.out(&mut n);
        // SAFETY: as in `string_out`.
        let rc = unsafe { $call };
        free_bytes(slot, n);
        Some(rc)
    }};
}

fn reg(g: &mut G) -> *const gradreg_registry {
    let live = fixture().registry;
    g.handle(live) as *const gradreg_registry
}

fn ring(g: &mut G) -> *const gradreg_keyring {
    let live = fixture().keyring;
    g.handle(live) as *const gradreg_keyring
}

fn callers() -> Vec<(&'static str, Caller)> {
    vec![
        ("gradreg_str_from_c", |g| {
            let p = g.c_string();
            // SAFETY: NULL or a NUL-terminated string of the generator.
            let _ = unsafe { gradreg_str_from_c(p) };
            None
        }),
        ("gradreg_result_str", |g| {
            let code = [0, 1, 103, 502, 990, u32::MAX, g.u32()][g.pick(7)];
            let _ = gradreg_result_str(code);
            None
        }),
        ("gradreg_version", |_| {
            let _ = gradreg_version();
            None
        }),
        ("gradreg_last_error", |g| {
            let mut buf = vec![0u8; g.pick(64)];
            let len = buf.len().min(g.usize());
            let mut needed = 0usize;
            let p = if g.chance(5) {
                null_mut()
            } else {
                buf.as_mut_ptr().cast()
            };
            let needed_p = g.out(&mut needed);
            // SAFETY: `len` never exceeds the buffer.
            Some(unsafe { gradreg_last_error(p, len, needed_p) })
        }),
        ("gradreg_last_error_code", |_| {
            let _ = gradreg_last_error_code();
            None
        }),
        ("gradreg_string_free", |g| {
            let mut out: *mut c_char = null_mut();
            if g.chance(2) {
                // SAFETY: valid arguments.
                unsafe { gradreg_sample_record(s("basic_info"), &mut out) };
            }
            // SAFETY: NULL or a string of this library.
            unsafe { gradreg_string_free(out) };
            None
        }),
        ("gradreg_bytes_free", |g| {
            let mut out: *mut u8 = null_mut();
            let mut len = 0usize;
            if g.chance(2) {
                // SAFETY: valid arguments.
                unsafe {
                    gradreg_registry_export_csv(
                        fixture().registry as *const _,
                        gradreg_str_from_c(null()),
                        NOW,
                        &mut out,
                        &mut len,
                    )
                };
            }
            free_bytes(out, len);
            None
        }),
        ("gradreg_destinations_parse", |g| {
            let (bytes, options) = (g.bytes(), g.text());
            string_out!(g, |o| gradreg_destinations_parse(bytes, options, o))
        }),
        ("gradreg_registry_import_destinations", |g| {
            let (r, bytes, options, actor, now, all) =
                (reg(g), g.bytes(), g.text(), g.text(), g.i64(), g.int());
            string_out!(g, |o| gradreg_registry_import_destinations(
                r, bytes, options, actor, now, all, o
            ))
        }),
        ("gradreg_registry_export_records", |g| {
            let (r, q, f, now) = (reg(g), g.like("query"), g.text_or("csv"), g.i64());
            let mut count = 0u64;
            let c = g.out(&mut count);
            bytes_out!(g, |o, n| gradreg_registry_export_records(
                r, q, f, now, o, n, c
            ))
        }),
        ("gradreg_renderer_new", |g| {
            let p = g.path();
            let mut out: *mut gradreg_renderer = null_mut();
            let o = g.out(&mut out);
            // SAFETY: as in `string_out`.
            let rc = unsafe { gradreg_renderer_new(p, o) };
            // SAFETY: NULL or a renderer made just now.
            unsafe { gradreg_renderer_free(out) };
            Some(rc)
        }),
        ("gradreg_renderer_new_from_font", |g| {
            let font = g.bytes();
            let mut out: *mut gradreg_renderer = null_mut();
            let o = g.out(&mut out);
            // SAFETY: as in `string_out`.
            let rc = unsafe { gradreg_renderer_new_from_font(font, o) };
            // SAFETY: NULL or a renderer made just now.
            unsafe { gradreg_renderer_free(out) };
            Some(rc)
        }),
        ("gradreg_renderer_free", |g| {
            let h = [0, 16, 32, g.word() as usize | 1, fixture().registry][g.pick(5)];
            // SAFETY: never a live renderer of the fixture.
            unsafe { gradreg_renderer_free(h as *mut gradreg_renderer) };
            None
        }),
        ("gradreg_renderer_render", |g| {
            let h = g.handle(fixture().renderer) as *const gradreg_renderer;
            let fix = fixture();
            let regj = g.text_or(&fix.registration_json);
            let number = g.text_or(&fix.number);
            let section = g.text_or("archive");
            let token = g.text();
            let which = ["pdf", "png", "svg"][g.pick(3)];
            let format = g.text_or(which);
            let dpi = [72, 0, u32::MAX, 100_000, 96][g.pick(5)];
            let now = g.i64();
            bytes_out!(g, |o, n| gradreg_renderer_render(
                h, regj, number, section, token, format, dpi, now, o, n
            ))
        }),
        ("gradreg_renderer_render_class", |g| {
            let h = g.handle(fixture().renderer) as *const gradreg_renderer;
            let (items, format) = (g.text(), g.text_or("pdf"));
            let dpi = [72, 0, u32::MAX, 100_000][g.pick(4)];
            let now = g.i64();
            bytes_out!(g, |o, n| gradreg_renderer_render_class(
                h, items, format, dpi, now, o, n
            ))
        }),
        ("gradreg_renderer_write_class", |g| {
            let h = g.handle(fixture().renderer) as *const gradreg_renderer;
            let (items, format) = (g.text(), g.text_or("pdf"));
            let dpi = [72, 0, u32::MAX][g.pick(3)];
            let (now, path) = (g.i64(), g.path());
            let mut pages = 0usize;
            let p = g.out(&mut pages);
            // SAFETY: as in `string_out`.
            Some(unsafe { gradreg_renderer_write_class(h, items, format, dpi, now, path, p) })
        }),
        ("gradreg_keyring_new", |g| {
            let mode = g.int();
            let mut out: *mut gradreg_keyring = null_mut();
            let o = g.out(&mut out);
            // SAFETY: as in `string_out`.
            let rc = unsafe { gradreg_keyring_new(mode, o) };
            // SAFETY: NULL or a key ring made just now.
            unsafe { gradreg_keyring_free(out) };
            Some(rc)
        }),
        ("gradreg_keyring_free", |g| {
            let h = [0, 16, g.word() as usize | 1, fixture().registry][g.pick(4)];
            // SAFETY: never a live key ring of the fixture.
            unsafe { gradreg_keyring_free(h as *mut gradreg_keyring) };
            None
        }),
        ("gradreg_keyring_add_hmac", |g| {
            let (h, id, secret, active) = (fresh_ring(g), g.u32(), g.bytes(), g.int());
            // SAFETY: as in `string_out`.
            let rc = unsafe { gradreg_keyring_add_hmac(h, id, secret, active) };
            drop_ring(h);
            Some(rc)
        }),
        ("gradreg_keyring_add_ed25519", |g| {
            let (h, id, seed, active) = (fresh_ring(g), g.u32(), g.bytes(), g.int());
            // SAFETY: as in `string_out`.
            let rc = unsafe { gradreg_keyring_add_ed25519(h, id, seed, active) };
            drop_ring(h);
            Some(rc)
        }),
        ("gradreg_keyring_add_ed25519_public", |g| {
            let (h, id, key) = (fresh_ring(g), g.u32(), g.bytes());
            // SAFETY: as in `string_out`.
            let rc = unsafe { gradreg_keyring_add_ed25519_public(h, id, key) };
            drop_ring(h);
            Some(rc)
        }),
        ("gradreg_keyring_activate", |g| {
            let (h, id) = (fresh_ring(g), g.u32());
            // SAFETY: as in `string_out`.
            let rc = unsafe { gradreg_keyring_activate(h, id) };
            drop_ring(h);
            Some(rc)
        }),
        ("gradreg_keyring_remove", |g| {
            let (h, id) = (fresh_ring(g), g.u32());
            // SAFETY: as in `string_out`.
            let rc = unsafe { gradreg_keyring_remove(h, id) };
            drop_ring(h);
            Some(rc)
        }),
        ("gradreg_keyring_public_key", |g| {
            let (h, id) = (ring(g), g.u32());
            let mut buf = vec![0u8; g.pick(64)];
            let p = if g.chance(5) {
                null_mut()
            } else {
                buf.as_mut_ptr()
            };
            // SAFETY: the length never exceeds the buffer.
            Some(unsafe { gradreg_keyring_public_key(h, id, p, buf.len()) })
        }),
        ("gradreg_keyring_info", |g| {
            let h = ring(g);
            string_out!(g, |o| gradreg_keyring_info(h, o))
        }),
        ("gradreg_keystore_open", |g| {
            let p = g.path();
            let mut out: *mut gradreg_keystore = null_mut();
            let o = g.out(&mut out);
            // SAFETY: as in `string_out`.
            let rc = unsafe { gradreg_keystore_open(p, o) };
            // SAFETY: NULL or a key store made just now.
            unsafe { gradreg_keystore_free(out) };
            Some(rc)
        }),
        ("gradreg_keystore_create", |g| {
            let (p, issuer, alg, now) = (g.path(), g.text_or("x"), g.text_or("ed25519"), g.i64());
            let mut out: *mut gradreg_keystore = null_mut();
            let o = g.out(&mut out);
            // SAFETY: as in `string_out`.
            let rc = unsafe { gradreg_keystore_create(p, issuer, alg, now, o) };
            // SAFETY: NULL or a key store made just now.
            unsafe { gradreg_keystore_free(out) };
            Some(rc)
        }),
        ("gradreg_keystore_open_or_create", |g| {
            let (p, issuer, alg, now) =
                (g.path(), g.text_or("x"), g.text_or("hmac-sha256"), g.i64());
            let mut out: *mut gradreg_keystore = null_mut();
            let o = g.out(&mut out);
            // SAFETY: as in `string_out`.
            let rc = unsafe { gradreg_keystore_open_or_create(p, issuer, alg, now, o) };
            // SAFETY: NULL or a key store made just now.
            unsafe { gradreg_keystore_free(out) };
            Some(rc)
        }),
        ("gradreg_keystore_free", |g| {
            let h = [0, 16, g.word() as usize | 1, fixture().registry][g.pick(4)];
            // SAFETY: never a live key store of the fixture.
            unsafe { gradreg_keystore_free(h as *mut gradreg_keystore) };
            None
        }),
        ("gradreg_keystore_rotate", |g| {
            let h = g.handle(fixture().keystore) as *const gradreg_keystore;
            let (alg, now) = (g.text_or("hmac-sha256"), g.i64());
            let mut id = 0u32;
            let o = g.out(&mut id);
            // SAFETY: as in `string_out`.
            Some(unsafe { gradreg_keystore_rotate(h, alg, now, o) })
        }),
        ("gradreg_keystore_retire", |g| {
            let h = g.handle(fixture().keystore) as *const gradreg_keystore;
            let (id, now) = (g.u32(), g.i64());
            // SAFETY: as in `string_out`.
            Some(unsafe { gradreg_keystore_retire(h, id, now) })
        }),
        ("gradreg_keystore_keyring", |g| {
            let h = g.handle(fixture().keystore) as *const gradreg_keystore;
            let mut out: *mut gradreg_keyring = null_mut();
            let o = g.out(&mut out);
            // SAFETY: as in `string_out`.
            let rc = unsafe { gradreg_keystore_keyring(h, o) };
            // SAFETY: NULL or a key ring made just now.
            unsafe { gradreg_keyring_free(out) };
            Some(rc)
        }),
        ("gradreg_keystore_key_set_json", |g| {
            let h = g.handle(fixture().keystore) as *const gradreg_keystore;
            string_out!(g, |o| gradreg_keystore_key_set_json(h, o))
        }),
        ("gradreg_keystore_info", |g| {
            let h = g.handle(fixture().keystore) as *const gradreg_keystore;
            string_out!(g, |o| gradreg_keystore_info(h, o))
        }),
        ("gradreg_keyring_from_key_set", |g| {
            let (text, mode) = (g.text(), g.int());
            let mut out: *mut gradreg_keyring = null_mut();
            let o = g.out(&mut out);
            // SAFETY: as in `string_out`.
            let rc = unsafe { gradreg_keyring_from_key_set(text, mode, o) };
            // SAFETY: NULL or a key ring made just now.
            unsafe { gradreg_keyring_free(out) };
            Some(rc)
        }),
        ("gradreg_keyring_key_set_json", |g| {
            let (h, issuer) = (ring(g), g.text_or("issuer"));
            string_out!(g, |o| gradreg_keyring_key_set_json(h, issuer, o))
        }),
        ("gradreg_registration_new", |g| {
            let id = g.text_or("10327:1");
            string_out!(g, |o| gradreg_registration_new(id, o))
        }),
        ("gradreg_registration_apply", |g| {
            let fix = fixture();
            let regj = g.text_or(&fix.registration_json);
            let (actor, command) = (g.like("actor"), g.like("command"));
            let (policy, now) = (g.text_or("\"jiangsu\""), g.i64());
            string_out!(g, |o| gradreg_registration_apply(
                regj, actor, command, policy, now, o
            ))
        }),
        ("gradreg_registration_stage", |g| {
            let regj = g.text_or(&fixture().registration_json);
            let now = g.i64();
            let mut slot: *const c_char = null();
            let o = g.out(&mut slot);
            // SAFETY: as in `string_out`; the stage is a static string.
            Some(unsafe { gradreg_registration_stage(regj, now, o) })
        }),
        ("gradreg_reminders_compute", |g| {
            let fix = fixture();
            let regs = format!("[{}]", fix.registration_json);
            let (regs, policy, options, now) = (
                g.text_or(&regs),
                g.text_or("\"national\""),
                g.like("reminder_options"),
                g.i64(),
            );
            string_out!(g, |o| gradreg_reminders_compute(
                regs, policy, options, now, o
            ))
        }),
        ("gradreg_registry_find_by_id_number", |g| {
            let (r, id) = (reg(g), g.text_or("320102200403151217"));
            string_out!(g, |o| gradreg_registry_find_by_id_number(r, id, o))
        }),
        ("gradreg_registry_find_by_id_number_in", |g| {
            let (r, id, year, level) = (
                reg(g),
                g.text_or("320102200403151217"),
                [2026, 0, i32::MIN, i32::MAX, -1][g.pick(5)],
                g.text_or("31"),
            );
            string_out!(g, |o| gradreg_registry_find_by_id_number_in(
                r, id, year, level, o
            ))
        }),
        ("gradreg_transfer_number_random", |g| {
            string_out!(g, |o| gradreg_transfer_number_random(o))
        }),
        ("gradreg_transfer_number_from_entropy", |g| {
            let e = g.bytes();
            string_out!(g, |o| gradreg_transfer_number_from_entropy(e, o))
        }),
        ("gradreg_transfer_number_parse", |g| {
            let t = g.text();
            string_out!(g, |o| gradreg_transfer_number_parse(t, o))
        }),
        ("gradreg_registry_consumer_cursor", |g| {
            let (r, c) = (reg(g), g.text_or("mailer"));
            let mut cursor = 0u64;
            let o = g.out(&mut cursor);
            // SAFETY: as in `string_out`.
            Some(unsafe { gradreg_registry_consumer_cursor(r, c, o) })
        }),
        ("gradreg_registry_pending_events", |g| {
            let (r, c, limit) = (reg(g), g.text_or("mailer"), g.usize());
            string_out!(g, |o| gradreg_registry_pending_events(r, c, limit, o))
        }),
        ("gradreg_registry_ack_events", |g| {
            let (r, c, seq) = (reg(g), g.text_or("mailer"), g.u64());
            let mut cursor = 0u64;
            let o = g.out(&mut cursor);
            // SAFETY: as in `string_out`.
            Some(unsafe { gradreg_registry_ack_events(r, c, seq, o) })
        }),
        ("gradreg_registry_mark_sent", |g| {
            let (r, c, id, at) = (reg(g), g.text_or("mailer"), g.text(), g.i64());
            let mut sent: c_int = 0;
            let o = g.out(&mut sent);
            // SAFETY: as in `string_out`.
            Some(unsafe { gradreg_registry_mark_sent(r, c, id, at, o) })
        }),
        ("gradreg_registry_deliver_webhook", |g| {
            // Only ever a registry without events: nothing is sent anywhere.
            let r = g.handle(fixture().empty_registry);
            let r = if r == fixture().registry {
                fixture().empty_registry
            } else {
                r
            } as *const gradreg_registry;
            let url = g.text_or("http://127.0.0.1:9/hook");
            let (secret, c, limit) = (g.bytes(), g.text_or("hook"), g.usize());
            let options = g.like("webhook_options");
            string_out!(g, |o| gradreg_registry_deliver_webhook(
                r, url, secret, c, limit, options, o
            ))
        }),
        ("gradreg_status_lists_new", |g| {
            let mut out: *mut gradreg_status_lists = null_mut();
            let o = g.out(&mut out);
            // SAFETY: as in `string_out`.
            let rc = unsafe { gradreg_status_lists_new(o) };
            // SAFETY: NULL or lists made just now.
            unsafe { gradreg_status_lists_free(out) };
            Some(rc)
        }),
        ("gradreg_status_lists_free", |g| {
            let h = [0, 16, g.word() as usize | 1, fixture().registry][g.pick(4)];
            // SAFETY: never the fixture's live lists.
            unsafe { gradreg_status_lists_free(h as *mut gradreg_status_lists) };
            None
        }),
        ("gradreg_status_lists_add", |g| {
            let l = g.handle(fixture().status_lists) as *const gradreg_status_lists;
            let (k, t) = (ring(g), g.text());
            // SAFETY: as in `string_out`.
            Some(unsafe { gradreg_status_lists_add(l, k, t) })
        }),
        ("gradreg_status_lists_info", |g| {
            let l = g.handle(fixture().status_lists) as *const gradreg_status_lists;
            string_out!(g, |o| gradreg_status_lists_info(l, o))
        }),
        ("gradreg_token_verify_offline", |g| {
            let k = ring(g);
            let l = g.handle(fixture().status_lists) as *const gradreg_status_lists;
            let (t, v, opt, now) = (
                g.text(),
                g.like("verifier"),
                g.like("scan_options"),
                g.i64(),
            );
            let mut verdict = 0u32;
            let vo = g.out(&mut verdict);
            string_out!(g, |o| gradreg_token_verify_offline(
                k, l, t, v, opt, now, vo, o
            ))
        }),
        ("gradreg_registry_issue_token", |g| {
            let (r, k) = (reg(g), ring(g));
            let number = g.text_or(&fixture().number);
            let (section, opt, now) = (g.text_or("archive"), g.like("token_options"), g.i64());
            string_out!(g, |o| gradreg_registry_issue_token(
                r, k, number, section, opt, now, o
            ))
        }),
        ("gradreg_registry_status_lists", |g| {
            let (r, k, now, next) = (reg(g), ring(g), g.i64(), g.i64());
            string_out!(g, |o| gradreg_registry_status_lists(r, k, now, next, o))
        }),
        ("gradreg_registry_signing_keys", |g| {
            let (r, n) = (reg(g), g.text_or(&fixture().number));
            string_out!(g, |o| gradreg_registry_signing_keys(r, n, o))
        }),
        ("gradreg_basic_info_validate", |g| {
            let t = g.text();
            let mut n = 0usize;
            let c = g.out(&mut n);
            string_out!(g, |o| gradreg_basic_info_validate(t, o, c))
        }),
        ("gradreg_destination_validate", |g| {
            let t = g.text();
            let mut n = 0usize;
            let c = g.out(&mut n);
            string_out!(g, |o| gradreg_destination_validate(t, o, c))
        }),
        ("gradreg_chsi_account_validate", |g| {
            let t = g.text();
            let mut n = 0usize;
            let c = g.out(&mut n);
            string_out!(g, |o| gradreg_chsi_account_validate(t, o, c))
        }),
        ("gradreg_sample_record", |g| {
            let which = ["basic_info", "chsi_account", "destination_data"][g.pick(3)];
            let k = g.text_or(which);
            string_out!(g, |o| gradreg_sample_record(k, o))
        }),
        ("gradreg_registry_new", |g| {
            let (p, policy) = (g.path(), g.text_or("\"jiangsu\""));
            let mut out: *mut gradreg_registry = null_mut();
            let o = g.out(&mut out);
            // SAFETY: as in `string_out`.
            let rc = unsafe { gradreg_registry_new(p, policy, o) };
            // SAFETY: NULL or a registry made just now.
            unsafe { gradreg_registry_free(out) };
            Some(rc)
        }),
        ("gradreg_limits_set", |g| {
            // Generous limits or random text (refused, or taken as the defaults): other entry
            // points fuzzed at the same time must not meet limits tighter than the defaults.
            let l = g.text_or(r#"{"max_json_bytes": 134217728, "max_ratio": 400}"#);
            // SAFETY: as in `string_out`.
            let rc = unsafe { gradreg_limits_set(l) };
            if rc == 0 {
                let none = gradreg_str {
                    ptr: null(),
                    len: 0,
                };
                // SAFETY: `{NULL, 0}` restores the defaults (and leaves the last error at 0).
                assert_eq!(unsafe { gradreg_limits_set(none) }, 0);
            }
            Some(rc)
        }),
        ("gradreg_limits_get", |g| {
            string_out!(g, |o| gradreg_limits_get(o))
        }),
        ("gradreg_registry_open", |g| {
            let (p, policy, options) = (
                g.path(),
                g.text_or("\"jiangsu\""),
                g.text_or(
                    r#"{"data_keys":[{"id":1,"key":"1111111111111111111111111111111111111111111111111111111111111111"}]}"#,
                ),
            );
            let mut out: *mut gradreg_registry = null_mut();
            let o = g.out(&mut out);
            // SAFETY: as in `string_out`.
            let rc = unsafe { gradreg_registry_open(p, policy, options, o) };
            // SAFETY: NULL or a registry made just now.
            unsafe { gradreg_registry_free(out) };
            Some(rc)
        }),
        ("gradreg_registry_rotate_data_key", |g| {
            let (r, batch) = (reg(g), g.u64() as u32);
            let mut n = 0u64;
            let o = g.out(&mut n);
            // SAFETY: as in `string_out`.
            Some(unsafe { gradreg_registry_rotate_data_key(r, batch, o) })
        }),
        ("gradreg_registry_new_with_audit_key", |g| {
            let (p, policy, key) = (
                g.path(),
                g.text_or("\"jiangsu\""),
                g.text_or("000102030405060708090a0b0c0d0e0f"),
            );
            let mut out: *mut gradreg_registry = null_mut();
            let o = g.out(&mut out);
            // SAFETY: as in `string_out`.
            let rc = unsafe { gradreg_registry_new_with_audit_key(p, policy, key, o) };
            // SAFETY: NULL or a registry made just now.
            unsafe { gradreg_registry_free(out) };
            Some(rc)
        }),
        ("gradreg_registry_new_in_memory", |g| {
            let policy = g.text();
            let mut out: *mut gradreg_registry = null_mut();
            let o = g.out(&mut out);
            // SAFETY: as in `string_out`.
            let rc = unsafe { gradreg_registry_new_in_memory(policy, o) };
            // SAFETY: NULL or a registry made just now.
            unsafe { gradreg_registry_free(out) };
            Some(rc)
        }),
        ("gradreg_registry_free", |g| {
            let h = [0, 16, 32, g.word() as usize | 1, fixture().keyring][g.pick(5)];
            // SAFETY: never a live registry of the fixture.
            unsafe { gradreg_registry_free(h as *mut gradreg_registry) };
            None
        }),
        ("gradreg_registry_apply", |g| {
            let (r, id, actor, command, now) = (
                reg(g),
                g.text_or("10327:2022010123"),
                g.like("actor"),
                g.like("command"),
                g.i64(),
            );
            string_out!(g, |o| gradreg_registry_apply(r, id, actor, command, now, o))
        }),
        ("gradreg_registry_apply_at_version", |g| {
            let (r, id, v, actor, command, now) = (
                reg(g),
                g.text_or("10327:2022010123"),
                g.u64(),
                g.like("actor"),
                g.like("command"),
                g.i64(),
            );
            string_out!(g, |o| gradreg_registry_apply_at_version(
                r, id, v, actor, command, now, o
            ))
        }),
        ("gradreg_registry_apply_batch", |g| {
            let (r, cmds, now) = (reg(g), g.like("batch"), g.i64());
            string_out!(g, |o| gradreg_registry_apply_batch(r, cmds, now, o))
        }),
        ("gradreg_registry_upload_batch", |g| {
            let (r, recs, actor, now, all) =
                (reg(g), g.like("upload"), g.like("office"), g.i64(), g.int());
            string_out!(g, |o| gradreg_registry_upload_batch(
                r, recs, actor, now, all, o
            ))
        }),
        ("gradreg_registry_get", |g| {
            let (r, id) = (reg(g), g.text_or("10327:2022010123"));
            string_out!(g, |o| gradreg_registry_get(r, id, o))
        }),
        ("gradreg_registry_query", |g| {
            let (r, q, now) = (reg(g), g.like("query"), g.i64());
            string_out!(g, |o| gradreg_registry_query(r, q, now, o))
        }),
        ("gradreg_registry_statistics", |g| {
            let (r, now) = (reg(g), g.i64());
            string_out!(g, |o| gradreg_registry_statistics(r, now, o))
        }),
        ("gradreg_registry_reminders", |g| {
            let (r, opt, now) = (reg(g), g.like("reminder_options"), g.i64());
            string_out!(g, |o| gradreg_registry_reminders(r, opt, now, o))
        }),
        ("gradreg_registry_export_csv", |g| {
            let (r, q, now) = (reg(g), g.like("query"), g.i64());
            bytes_out!(g, |o, n| gradreg_registry_export_csv(r, q, now, o, n))
        }),
        ("gradreg_registry_check_audit", |g| {
            let r = reg(g);
            string_out!(g, |o| gradreg_registry_check_audit(r, o))
        }),
        ("gradreg_registry_audit_head", |g| {
            let r = reg(g);
            string_out!(g, |o| gradreg_registry_audit_head(r, o))
        }),
        ("gradreg_registry_check_audit_against", |g| {
            let (r, head) = (reg(g), g.text_or("gradreg-audit-head:1:0:0000000000000000000000000000000000000000000000000000000000000000"));
            string_out!(g, |o| gradreg_registry_check_audit_against(r, head, o))
        }),
        ("gradreg_registry_events_after", |g| {
            let (r, after, limit) = (reg(g), g.u64(), g.usize());
            string_out!(g, |o| gradreg_registry_events_after(r, after, limit, o))
        }),
        ("gradreg_registry_load_table", |g| {
            let r = g.handle(fixture().empty_registry) as *const gradreg_registry;
            let which = ["majors", "destinations", "regions"][g.pick(3)];
            let table = g.text_or(which);
            let (tsv, replace) = (g.text(), g.int());
            // SAFETY: as in `string_out`.
            Some(unsafe { gradreg_registry_load_table(r, table, tsv, replace) })
        }),
        ("gradreg_roster_parse", |g| {
            let (bytes, options) = (g.bytes(), g.text());
            string_out!(g, |o| gradreg_roster_parse(bytes, options, o))
        }),
        ("gradreg_roster_parse_with_aliases", |g| {
            let (bytes, options, aliases) = (g.bytes(), g.text(), g.text());
            string_out!(g, |o| gradreg_roster_parse_with_aliases(
                bytes, options, aliases, o
            ))
        }),
        ("gradreg_roster_preview_header", |g| {
            let (bytes, options, aliases) = (g.bytes(), g.text(), g.text());
            string_out!(g, |o| gradreg_roster_preview_header(
                bytes, options, aliases, o
            ))
        }),
        ("gradreg_registry_import_roster", |g| {
            let (r, bytes, options, actor, now, all) = (
                reg(g),
                g.bytes(),
                g.text(),
                g.like("office"),
                g.i64(),
                g.int(),
            );
            string_out!(g, |o| gradreg_registry_import_roster(
                r, bytes, options, actor, now, all, o
            ))
        }),
        ("gradreg_registry_preview_roster", |g| {
            let (r, bytes, options, actor, now, all) =
                (reg(g), g.bytes(), g.text(), g.text(), g.i64(), g.int());
            string_out!(g, |o| gradreg_registry_preview_roster(
                r, bytes, options, actor, now, all, o
            ))
        }),
        ("gradreg_registry_add_header_aliases", |g| {
            let r = g.handle(fixture().empty_registry) as *const gradreg_registry;
            let tsv = g.text();
            // SAFETY: as in `string_out`.
            Some(unsafe { gradreg_registry_add_header_aliases(r, tsv) })
        }),
        ("gradreg_registry_load_header_aliases_file", |g| {
            let r = g.handle(fixture().empty_registry) as *const gradreg_registry;
            let p = g.path();
            // SAFETY: as in `string_out`.
            Some(unsafe { gradreg_registry_load_header_aliases_file(r, p) })
        }),
        ("gradreg_token_issue", |g| {
            let k = ring(g);
            let fix = fixture();
            let regj = g.text_or(&fix.registration_json);
            let number = g.text_or(&fix.number);
            let (section, opt) = (g.text_or("hukou"), g.like("token_options"));
            string_out!(g, |o| gradreg_token_issue(k, regj, number, section, opt, o))
        }),
        ("gradreg_token_verify", |g| {
            let (k, r) = (ring(g), reg(g));
            let (t, v, opt, now) = (
                g.text(),
                g.like("verifier"),
                g.like("scan_options"),
                g.i64(),
            );
            let mut verdict = 0u32;
            let vo = g.out(&mut verdict);
            string_out!(g, |o| gradreg_token_verify(k, r, t, v, opt, now, vo, o))
        }),
        ("gradreg_registry_verify_online", |g| {
            let r = reg(g);
            let (p, v, name, number, now) = (
                g.text_or("archive-office-17"),
                g.like("verifier"),
                g.text_or("张明"),
                g.text_or(&fixture().number),
                g.i64(),
            );
            let mut verdict = 0u32;
            let vo = g.out(&mut verdict);
            string_out!(g, |o| gradreg_registry_verify_online(
                r, p, v, name, number, now, vo, o
            ))
        }),
        ("gradreg_registry_statistics_for", |g| {
            let (r, q, now) = (reg(g), g.like("query"), g.i64());
            string_out!(g, |o| gradreg_registry_statistics_for(r, q, now, o))
        }),
        ("gradreg_registry_pending_void_requests", |g| {
            let (r, a, now) = (reg(g), g.like("office"), g.i64());
            string_out!(g, |o| gradreg_registry_pending_void_requests(r, a, now, o))
        }),
        ("gradreg_registry_approve_void_requests", |g| {
            let (r, a, ids, note, now) = (reg(g), g.like("office"), g.text(), g.text(), g.i64());
            string_out!(g, |o| gradreg_registry_approve_void_requests(
                r, a, ids, note, now, o
            ))
        }),
        ("gradreg_registry_cannot_log_in", |g| {
            let (r, a, now) = (reg(g), g.like("office"), g.i64());
            string_out!(g, |o| gradreg_registry_cannot_log_in(r, a, now, o))
        }),
        ("gradreg_registry_unconfirmed", |g| {
            let (r, a, days, now) = (reg(g), g.like("office"), g.u32(), g.i64());
            string_out!(g, |o| gradreg_registry_unconfirmed(r, a, days, now, o))
        }),
    ]
}

/// A key ring of its own for the functions that change one (so the shared one stays usable),
/// or NULL / a forged / wrong handle.
fn fresh_ring(g: &mut G) -> *const gradreg_keyring {
    if g.chance(4) {
        return g.handle(0) as *const gradreg_keyring;
    }
    let mut out: *mut gradreg_keyring = null_mut();
    // SAFETY: a writable output.
    unsafe { gradreg_keyring_new(1, &mut out) };
    out
}

fn drop_ring(h: *const gradreg_keyring) {
    let fix = fixture();
    let token = h as usize;
    if token != fix.keyring {
        // SAFETY: NULL, a forged token (left alone) or a ring made by `fresh_ring`.
        unsafe { gradreg_keyring_free(h as *mut gradreg_keyring) };
    }
}

fn cases() -> u32 {
    std::env::var("GRADREG_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(96)
}

#[test]
fn every_exported_function_is_fuzzed() {
    let declared = header_functions();
    let covered: BTreeSet<String> = callers().iter().map(|(n, _)| n.to_string()).collect();
    let missing: Vec<&String> = declared.difference(&covered).collect();
    let stale: Vec<&String> = covered.difference(&declared).collect();
    assert!(
        missing.is_empty(),
        "exported functions without a fuzz caller in ffi/tests/fuzz_boundary.rs: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "fuzz callers of functions the header lacks: {stale:?}"
    );
    assert!(
        declared.len() > 80,
        "the header parse found {}",
        declared.len()
    );
}

/// The argument space of one function: proptest draws tapes, each tape one call.
fn fuzz(name: &str, call: Caller) {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let result = runner.run(&proptest::collection::vec(any::<u64>(), 0..256), |tape| {
        let mut g = G::new(tape);
        if let Some(rc) = call(&mut g) {
            let detail = if rc == 0 { String::new() } else { last_error() };
            prop_assert!(
                rc != PANIC && rc != INTERNAL,
                "{name} answered {rc}: {detail}"
            );
            // Every call but the reading of the last error records its own result.
            if name != "gradreg_last_error" {
                prop_assert_eq!(gradreg_last_error_code(), rc, "{}", name);
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
}

/// The names in the package folder (the tests' working folder).
fn working_folder() -> BTreeSet<std::ffi::OsString> {
    std::fs::read_dir(env!("CARGO_MANIFEST_DIR"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect()
}

#[test]
fn no_entry_point_answers_with_an_internal_error() {
    let _ = fixture();
    let before = working_folder();
    for (name, call) in callers() {
        fuzz(name, call);
    }
    let made: Vec<_> = working_folder().difference(&before).cloned().collect();
    assert!(
        made.is_empty(),
        "the fuzz run wrote into {}: {made:?}",
        env!("CARGO_MANIFEST_DIR")
    );
}

/// The inputs that panicked before they were checked at their root.
#[test]
fn the_known_panics_are_argument_errors() {
    let fix = fixture();
    let regs = format!("[{}]", fix.registration_json);
    let mut out: *mut c_char = null_mut();
    let huge = r#"{"deadline_within_days":7,"unconfirmed_after_days":3,"expiring_within_days":100000000000000}"#;
    // SAFETY: valid arguments throughout.
    unsafe {
        let rc = gradreg_reminders_compute(s(&regs), s("\"jiangsu\""), s(huge), NOW, &mut out);
        assert_eq!(rc, 103, "{}", last_error());
        let rc = gradreg_registry_reminders(fix.registry as *const _, s(huge), NOW, &mut out);
        assert_eq!(rc, 103, "{}", last_error());
        let q = r#"{"awaiting_confirmation_days":100000000000000}"#;
        let rc = gradreg_registry_query(fix.registry as *const _, s(q), NOW, &mut out);
        assert_eq!(rc, 0, "{}", last_error());
        gradreg_string_free(out);
    }
}
