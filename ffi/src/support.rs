//! Plumbing shared by every entry point: the panic guard, the thread-local last error, argument
//! checks, output slots and the handle table. Nothing here is exported to C.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Once, RwLock};

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

use gradreg::ErrorCode;

use crate::args::{gradreg_bytes, gradreg_str};
use crate::codes::GRADREG_OK;

/// Why an entry point failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// An error of the core, reported with its own code.
    Core(gradreg::Error),
    /// An error of the C face itself (null pointer, bad UTF-8, handle, buffer size, internal).
    Ffi { code: ErrorCode, message: String },
}

impl From<gradreg::Error> for Failure {
    fn from(e: gradreg::Error) -> Self {
        Failure::Core(e)
    }
}

impl Failure {
    pub(crate) fn ffi(code: ErrorCode, message: impl Into<String>) -> Self {
        Failure::Ffi {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn code_and_message(&self) -> (ErrorCode, String) {
        match self {
            Failure::Core(e) => (e.code(), e.to_string()),
            Failure::Ffi { code, message } => (*code, message.clone()),
        }
    }
}

/// Result type of the entry points' bodies.
pub(crate) type FfiResult<T = ()> = Result<T, Failure>;

thread_local! {
    static LAST_ERROR: RefCell<Option<(u32, CString)>> = const { RefCell::new(None) };
}

fn set_last_error(code: u32, message: &str) {
    // A message may quote caller input that holds NUL bytes; keep it printable as a C string.
    let cleaned: String = message
        .chars()
        .map(|c| if c == '\0' { '\u{fffd}' } else { c })
        .collect();
    let text = CString::new(format!("[{code}] {cleaned}")).unwrap_or_default();
    LAST_ERROR.with(|slot| *slot.borrow_mut() = Some((code, text)));
}

fn clear_last_error() {
    LAST_ERROR.with(|slot| *slot.borrow_mut() = None);
}

/// Gives `f` this thread's last error (code and detail), if the last call failed.
pub(crate) fn with_last_error<R>(f: impl FnOnce(Option<&(u32, CString)>) -> R) -> R {
    LAST_ERROR.with(|slot| f(slot.borrow().as_ref()))
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".to_string()
    }
}

thread_local! {
    /// How deep this thread is inside [`guard`] or [`guard_void`]: a panic there is caught and
    /// reported as a code, so the panic hook stays silent.
    static GUARD_DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Installs, once per process, a panic hook that is silent for panics inside our guards (they
/// are caught and become `GRADREG_ERR_PANIC` with their detail in the last error) and hands
/// every other panic to the hook that was there before (the host's, or the default one).
fn install_quiet_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let inside = GUARD_DEPTH.try_with(|d| d.get() > 0).unwrap_or(false);
            if !inside {
                previous(info);
            }
        }));
    });
}

/// Runs `f` under `catch_unwind` with this thread marked as inside a guard.
fn caught<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    install_quiet_hook();
    struct Depth;
    impl Drop for Depth {
        fn drop(&mut self) {
            let _ = GUARD_DEPTH.try_with(|d| d.set(d.get().saturating_sub(1)));
        }
    }
    let _ = GUARD_DEPTH.try_with(|d| d.set(d.get().saturating_add(1)));
    let _depth = Depth;
    catch_unwind(AssertUnwindSafe(f))
}

/// The guard of every entry point that returns a result code: clears the thread's last error,
/// runs the body under `catch_unwind`, and turns an error or a panic into its code and detail.
/// A caught panic prints nothing to the host's standard error.
pub(crate) fn guard(body: impl FnOnce() -> FfiResult) -> u32 {
    clear_last_error();
    match caught(body) {
        Ok(Ok(())) => GRADREG_OK,
        Ok(Err(failure)) => {
            let (code, message) = failure.code_and_message();
            set_last_error(code.get(), &message);
            code.get()
        }
        Err(payload) => {
            let message = format!(
                "内部错误（已捕获）/ internal panic caught: {}",
                panic_message(payload.as_ref())
            );
            // Formatting the payload cannot panic again in a way that escapes: it is plain data.
            set_last_error(ErrorCode::Panic.get(), &message);
            ErrorCode::Panic.get()
        }
    }
}

/// The guard of entry points that return nothing (the free functions): panics are swallowed.
pub(crate) fn guard_void(body: impl FnOnce()) {
    let _ = caught(body);
}

// ---- arguments ----

/// Borrows a required text argument: `{NULL, 0}` (no text) and `{NULL, len > 0}` are
/// `GRADREG_ERR_NULL_ARGUMENT`.
///
/// # Safety
/// When not NULL, `text.ptr` must point to `text.len` readable bytes that stay valid for the call.
pub(crate) unsafe fn str_arg<'a>(text: gradreg_str, name: &str) -> FfiResult<&'a str> {
    // SAFETY: forwarded.
    unsafe { opt_str_arg(text, name) }?.ok_or_else(|| null_argument(name))
}

/// Borrows an optional text argument: `{NULL, 0}` is absent (`None`); `{NULL, len > 0}` is
/// `GRADREG_ERR_NULL_ARGUMENT`.
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn opt_str_arg<'a>(text: gradreg_str, name: &str) -> FfiResult<Option<&'a str>> {
    // SAFETY: forwarded.
    let Some(bytes) = (unsafe { opt_slice(text.ptr.cast(), text.len, name) })? else {
        return Ok(None);
    };
    std::str::from_utf8(bytes).map(Some).map_err(|e| {
        Failure::ffi(
            ErrorCode::InvalidUtf8,
            format!(
                "参数 {name} 不是有效的 UTF-8 / argument `{name}` is not valid UTF-8 (at byte {})",
                e.valid_up_to()
            ),
        )
    })
}

/// Borrows a required binary argument: a NULL pointer is `GRADREG_ERR_NULL_ARGUMENT`.
///
/// # Safety
/// When not NULL, `data.ptr` must point to `data.len` readable bytes that stay valid for the call.
pub(crate) unsafe fn bytes_arg<'a>(data: gradreg_bytes, name: &str) -> FfiResult<&'a [u8]> {
    // SAFETY: forwarded.
    unsafe { opt_slice(data.ptr, data.len, name) }?.ok_or_else(|| null_argument(name))
}

/// `None` for `{NULL, 0}`; an error for `{NULL, len > 0}` and for a length no buffer can have.
///
/// # Safety
/// As [`bytes_arg`].
unsafe fn opt_slice<'a>(ptr: *const u8, len: usize, name: &str) -> FfiResult<Option<&'a [u8]>> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(None)
        } else {
            Err(Failure::ffi(
                ErrorCode::NullArgument,
                format!("参数 {name} 为空指针 / argument `{name}` is NULL with length {len}"),
            ))
        };
    }
    if len > isize::MAX as usize {
        return Err(
            gradreg::Error::InvalidArgument(format!("length of `{name}` is too large")).into(),
        );
    }
    if len == 0 {
        return Ok(Some(&[]));
    }
    // SAFETY: the caller promises `len` readable bytes at `ptr`; both were checked above.
    Ok(Some(unsafe { std::slice::from_raw_parts(ptr, len) }))
}

/// Parses JSON text into `T`, naming the argument in the error. A record (a Rust struct or a
/// tagged enum) must be a JSON object: serde would also read a struct from an array of its
/// fields in order, which no caller means.
pub(crate) fn json_arg<T: DeserializeOwned>(text: &str, name: &str) -> FfiResult<T> {
    json_any(text, name)
}

/// Parses a JSON object into `T` (see [`json_arg`]).
pub(crate) fn json_object<T: DeserializeOwned>(text: &str, name: &str) -> FfiResult<T> {
    if !text.trim_start().starts_with('{') {
        return Err(gradreg::Error::MalformedJson(format!(
            "argument `{name}`: expected a JSON object"
        ))
        .into());
    }
    json_any(text, name)
}

/// Parses JSON text, refusing first a document larger than the process's `max_json_bytes`.
fn json_any<T: DeserializeOwned>(text: &str, name: &str) -> FfiResult<T> {
    gradreg::Limits::process_default().check_json(name, text.len())?;
    serde_json::from_str(text)
        .map_err(|e| gradreg::Error::MalformedJson(format!("argument `{name}`: {e}")).into())
}

/// 0000-01-01T00:00:00Z: the first instant whose RFC 3339 text (the JSON form of every instant)
/// has a four-digit year and reads back.
const FIRST_INSTANT: i64 = -62_167_219_200;

/// The instant given as seconds since 1970-01-01T00:00:00Z, between the years 0 and 9999 (the
/// last instant is the core's [`gradreg::LAST_INSTANT_UNIX`]). Reads accept the year 0; every
/// command the core applies needs the years 0001 to 9999 ([`gradreg::check_instant`]).
pub(crate) fn instant_arg(unix_seconds: i64) -> FfiResult<DateTime<Utc>> {
    (FIRST_INSTANT..=gradreg::LAST_INSTANT_UNIX)
        .contains(&unix_seconds)
        .then(|| DateTime::from_timestamp(unix_seconds, 0))
        .flatten()
        .ok_or_else(|| {
            gradreg::Error::InvalidArgument(format!(
                "instant {unix_seconds} is outside the years 0000 to 9999"
            ))
            .into()
        })
}

/// A policy argument: `"jiangsu"`, `"national"` or a full policy object.
pub(crate) fn policy_arg(text: &str, name: &str) -> FfiResult<gradreg::Policy> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum PolicyArg {
        Preset(String),
        Full(gradreg::Policy),
    }
    let policy = match json_arg::<PolicyArg>(text, name)? {
        PolicyArg::Preset(p) if p == "jiangsu" => gradreg::Policy::jiangsu(),
        PolicyArg::Preset(p) if p == "national" => gradreg::Policy::national(),
        PolicyArg::Preset(p) => {
            return Err(gradreg::Error::InvalidPolicy(format!(
                "unknown preset {p:?} (use \"jiangsu\", \"national\" or a policy object)"
            ))
            .into())
        }
        PolicyArg::Full(p) => p,
    };
    policy.check()?;
    Ok(policy)
}

pub(crate) fn null_argument(name: &str) -> Failure {
    Failure::ffi(
        ErrorCode::NullArgument,
        format!("参数 {name} 为空指针 / argument `{name}` is NULL"),
    )
}

// ---- outputs ----

/// An output pointer, checked for NULL before any work is done and written only on success.
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    /// Checks `ptr` (it must not be NULL).
    pub(crate) fn new(ptr: *mut T, name: &str) -> FfiResult<Self> {
        if ptr.is_null() {
            Err(null_argument(name))
        } else {
            Ok(Out(ptr))
        }
    }

    /// Writes the value.
    pub(crate) fn write(self, value: T) {
        // SAFETY: checked non-NULL in `new`; the caller promises it points to writable memory.
        unsafe { self.0.write_unaligned(value) }
    }
}

/// Serializes `value` as JSON into a NUL-terminated string the caller frees with
/// `gradreg_string_free`.
pub(crate) fn json_string<T: Serialize + ?Sized>(value: &T) -> FfiResult<*mut c_char> {
    let text = serde_json::to_string(value)
        .map_err(|e| Failure::ffi(ErrorCode::Internal, format!("cannot serialize result: {e}")))?;
    owned_c_string(text)
}

/// Moves a string into a C string the caller frees with `gradreg_string_free`.
pub(crate) fn owned_c_string(text: String) -> FfiResult<*mut c_char> {
    CString::new(text)
        .map(CString::into_raw)
        .map_err(|_| Failure::ffi(ErrorCode::Internal, "result holds a NUL byte"))
}

/// Moves bytes into a buffer the caller frees with `gradreg_bytes_free(ptr, len)`.
pub(crate) fn owned_bytes(bytes: Vec<u8>) -> (*mut u8, usize) {
    let boxed = bytes.into_boxed_slice();
    let len = boxed.len();
    (Box::into_raw(boxed).cast::<u8>(), len)
}

/// Copies `text` and its terminating NUL into a caller's buffer, reporting the size needed.
///
/// # Safety
/// When not NULL, `buf` must point to `buf_len` writable bytes.
pub(crate) unsafe fn copy_out(
    text: &[u8],
    buf: *mut c_char,
    buf_len: usize,
    needed_out: *mut usize,
) -> FfiResult {
    let needed = text.len() + 1;
    if !needed_out.is_null() {
        // SAFETY: non-NULL, and the caller promises it is writable.
        unsafe { needed_out.write(needed) };
    }
    if buf_len < needed {
        return Err(Failure::ffi(
            ErrorCode::BufferTooSmall,
            format!("缓冲区太小 / buffer too small: {needed} bytes needed, {buf_len} given"),
        ));
    }
    if buf.is_null() {
        return Err(null_argument("buf"));
    }
    // SAFETY: `buf` holds at least `needed` writable bytes (checked above).
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), text.len());
        buf.add(text.len()).write(0);
    }
    Ok(())
}

// ---- handles ----

/// What a handle refers to. Calls clone the `Arc` out of the table, so a handle freed while
/// another thread is inside a call stays alive until that call returns.
#[derive(Clone)]
pub(crate) enum Object {
    /// A registry; changing its header table or code tables writes it.
    Registry(Arc<RwLock<gradreg::Registry>>),
    /// A key ring; adding and removing keys write it.
    KeyRing(Arc<RwLock<gradreg::KeyRing>>),
    /// A form renderer.
    Renderer(Arc<gradreg::forms::Renderer>),
    /// A key store (its file); rotating and retiring keys write it.
    KeyStore(Arc<RwLock<gradreg::codes::KeyStore>>),
    /// The signed status lists a verifier holds; adding a list writes them.
    StatusLists(Arc<RwLock<gradreg::codes::StatusLists>>),
}

impl Object {
    fn kind(&self) -> &'static str {
        match self {
            Object::Registry(_) => "gradreg_registry",
            Object::KeyRing(_) => "gradreg_keyring",
            Object::Renderer(_) => "gradreg_renderer",
            Object::KeyStore(_) => "gradreg_keystore",
            Object::StatusLists(_) => "gradreg_status_lists",
        }
    }
}

/// Live handles by token. A handle given to C is a token, never a real address: it is never
/// dereferenced, a stale or forged one is simply not found, and tokens are never reused.
static HANDLES: LazyLock<RwLock<BTreeMap<usize, Object>>> =
    LazyLock::new(|| RwLock::new(BTreeMap::new()));

/// How many tokens were handed out so far (the counter the tokens are made from).
static NEXT_TOKEN: AtomicU64 = AtomicU64::new(0);

/// The process's secret for tokens, drawn once from the operating system's random source (or,
/// should it fail, from the standard library's randomly keyed hasher).
static TOKEN_KEY: LazyLock<[u64; 4]> = LazyLock::new(|| {
    let mut bytes = [0u8; 32];
    let mut key = [0u64; 4];
    if gradreg::Context::os_entropy()
        .and_then(|a| gradreg::Context::os_entropy().map(|b| (a, b)))
        .map(|(a, b)| {
            bytes[..16].copy_from_slice(&a);
            bytes[16..].copy_from_slice(&b);
        })
        .is_ok()
    {
        for (k, chunk) in key.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            *k = u64::from_le_bytes(word);
        }
    } else {
        use std::hash::{BuildHasher, Hasher};
        for (i, k) in key.iter_mut().enumerate() {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_usize(i);
            *k = h.finish();
        }
    }
    key
});

/// One round function of the token permutation: a keyed hash of half a token.
fn round(key: u64, round: u64, half: u64) -> u64 {
    use std::hash::{DefaultHasher, Hasher};
    let mut h = DefaultHasher::new();
    h.write_u64(key);
    h.write_u64(round);
    h.write_u64(half);
    h.finish()
}

/// The token of the `n`th handle: a keyed permutation (a four-round Feistel network over the
/// bits of a pointer, keyed by [`TOKEN_KEY`]) of the counter. Distinct counters give distinct
/// tokens, so tokens are never reused, and without the key the next or any live token cannot be
/// told from the ones seen: a made-up handle is almost surely not live.
fn token_of(n: u64) -> usize {
    let bits = usize::BITS / 2;
    let mask = (1u64 << bits) - 1;
    let (mut left, mut right) = ((n >> bits) & mask, n & mask);
    for (r, k) in TOKEN_KEY.iter().enumerate() {
        let next = left ^ (round(*k, r as u64, right) & mask);
        left = right;
        right = next;
    }
    // At most 2^(usize::BITS) counters exist, and `register` stops before they run out.
    usize::try_from((left << bits) | right).unwrap_or(0)
}

/// Registers an object and returns its token: never 0 and never a small number (so never NULL
/// and no likely forgery), never one given before in this process.
pub(crate) fn register(object: Object) -> FfiResult<usize> {
    let limit = if usize::BITS >= 64 {
        u64::MAX
    } else {
        (1u64 << usize::BITS) - 1
    };
    let token = loop {
        let n = NEXT_TOKEN.fetch_add(1, Ordering::Relaxed);
        if n >= limit {
            return Err(Failure::ffi(ErrorCode::Internal, "handle tokens exhausted"));
        }
        let token = token_of(n);
        if token >= 0x1_0000 {
            break token;
        }
    };
    HANDLES
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(token, object);
    Ok(token)
}

/// Looks up a handle, checking its kind with `pick`.
pub(crate) fn lookup<T>(
    token: usize,
    name: &str,
    expected: &str,
    pick: impl FnOnce(&Object) -> Option<T>,
) -> FfiResult<T> {
    if token == 0 {
        return Err(null_argument(name));
    }
    let table = HANDLES.read().unwrap_or_else(|e| e.into_inner());
    let Some(object) = table.get(&token) else {
        return Err(Failure::ffi(ErrorCode::InvalidHandle,
            format!(
                "句柄无效（已释放或不是本库创建的）/ `{name}` is not a live handle (freed, or not made by this library)"
            ),
        ));
    };
    pick(object).ok_or_else(|| {
        Failure::ffi(
            ErrorCode::WrongHandle,
            format!(
                "句柄类型错误 / `{name}` is a {} handle, a {expected} was expected",
                object.kind()
            ),
        )
    })
}

/// Removes a handle when it is of the expected kind; anything else is left alone.
pub(crate) fn release(token: usize, is_kind: impl FnOnce(&Object) -> bool) {
    if token == 0 {
        return;
    }
    let removed = {
        let mut table = HANDLES.write().unwrap_or_else(|e| e.into_inner());
        match table.get(&token) {
            Some(o) if is_kind(o) => table.remove(&token),
            _ => None,
        }
    };
    // Dropped outside the lock: closing a database may take a moment.
    drop(removed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_turns_a_panic_into_a_code_and_detail() {
        let code = guard(|| panic!("boom"));
        assert_eq!(code, ErrorCode::Panic.get());
        with_last_error(|e| {
            let (c, text) = e.expect("detail");
            assert_eq!(*c, ErrorCode::Panic.get());
            assert!(text.to_str().unwrap().contains("boom"));
        });
        assert_eq!(guard(|| Ok(())), GRADREG_OK);
        with_last_error(|e| assert!(e.is_none()));
    }

    #[test]
    fn tokens_are_distinct_large_and_not_in_order() {
        let tokens: Vec<usize> = (0..4096).map(token_of).collect();
        let distinct: std::collections::BTreeSet<usize> = tokens.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            tokens.len(),
            "a keyed permutation never repeats"
        );
        // Not the counting pattern of before (16, 32, 48 …) nor any fixed step.
        let steps: std::collections::BTreeSet<usize> =
            tokens.windows(2).map(|w| w[1].wrapping_sub(w[0])).collect();
        assert!(
            steps.len() > 4000,
            "tokens follow a pattern: {}",
            steps.len()
        );
        let reg = gradreg::Registry::in_memory(gradreg::Policy::jiangsu()).unwrap();
        let live = register(Object::Registry(Arc::new(RwLock::new(reg)))).unwrap();
        assert!(live >= 0x1_0000);
        // The handles of the old scheme, and the neighbours of a live one, are not live.
        for forged in (1..=64)
            .map(|i| i * 16)
            .chain([live + 16, live - 16, live + 1])
        {
            if forged == live {
                continue;
            }
            let err = lookup(forged, "h", "gradreg_registry", |_| Some(()))
                .err()
                .unwrap();
            assert_eq!(err.code_and_message().0, ErrorCode::InvalidHandle);
        }
        release(live, |o| matches!(o, Object::Registry(_)));
    }

    /// Run in a child process by `a_caught_panic_prints_nothing_to_stderr`: panics inside a
    /// guard, then outside one.
    #[test]
    fn panic_child() {
        if std::env::var_os("GRADREG_PANIC_CHILD").is_none() {
            return;
        }
        assert_eq!(guard(|| panic!("inside-the-guard")), ErrorCode::Panic.get());
        guard_void(|| panic!("inside-the-void-guard"));
        let outside = std::thread::spawn(|| panic!("outside-the-guard")).join();
        assert!(outside.is_err());
    }

    #[test]
    fn a_caught_panic_prints_nothing_to_stderr() {
        let exe = std::env::current_exe().unwrap();
        let out = std::process::Command::new(exe)
            .args([
                "support::tests::panic_child",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("GRADREG_PANIC_CHILD", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}\n{stderr}");
        assert!(stdout.contains("1 passed"), "{stdout}");
        assert!(!stderr.contains("inside-the-guard"), "{stderr}");
        assert!(!stderr.contains("inside-the-void-guard"), "{stderr}");
        // Panics outside our guards still reach the hook that was there before.
        assert!(stderr.contains("outside-the-guard"), "{stderr}");
    }

    #[test]
    fn handles_are_checked_by_kind_and_liveness() {
        let reg = gradreg::Registry::in_memory(gradreg::Policy::jiangsu()).unwrap();
        let t = register(Object::Registry(Arc::new(RwLock::new(reg)))).unwrap();
        assert!(lookup(t, "h", "gradreg_registry", |o| match o {
            Object::Registry(r) => Some(r.clone()),
            _ => None,
        })
        .is_ok());
        let err = lookup(t, "h", "gradreg_keyring", |o| match o {
            Object::KeyRing(r) => Some(r.clone()),
            _ => None,
        })
        .err()
        .unwrap();
        assert_eq!(err.code_and_message().0, ErrorCode::WrongHandle);
        release(t, |o| matches!(o, Object::Registry(_)));
        let err = lookup(t, "h", "gradreg_registry", |_| Some(()))
            .err()
            .unwrap();
        assert_eq!(err.code_and_message().0, ErrorCode::InvalidHandle);
    }
}
