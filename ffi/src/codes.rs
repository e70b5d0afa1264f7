//! Result codes, their static descriptions, the thread-local last error, and the free functions.

use std::ffi::{c_char, CStr, CString};

use crate::support::{copy_out, guard_void, with_last_error};

// ---- result codes ----
//
// Every code the library returns. 0 is success; the rest are grouped by hundreds and never reused.
// The core's codes (`gradreg::Error::code`) are returned as they are; the C face adds 190–199
// (its own argument checks) and 990–999 (internal).

/// Success.
pub const GRADREG_OK: u32 = 0;

/// 101: a record failed validation; the last error lists every problem.
pub const GRADREG_ERR_INVALID_RECORD: u32 = 101;
/// 102: a JSON argument could not be parsed into the expected record (the detail names the
/// argument and the position).
pub const GRADREG_ERR_MALFORMED_JSON: u32 = 102;
/// 103: an argument is outside its allowed domain (for example an out-of-range instant).
pub const GRADREG_ERR_INVALID_ARGUMENT: u32 = 103;
/// 104: a policy is inconsistent (an unknown preset, 30 February, unordered bounds).
pub const GRADREG_ERR_INVALID_POLICY: u32 = 104;
/// 105: a code table could not be read.
pub const GRADREG_ERR_INVALID_CODE_TABLE: u32 = 105;
/// 106: a roster file is empty.
pub const GRADREG_ERR_ROSTER_EMPTY: u32 = 106;
/// 107: no header row was found in a roster.
pub const GRADREG_ERR_ROSTER_NO_HEADER: u32 = 107;
/// 108: required columns are missing from a roster (the detail names every one).
pub const GRADREG_ERR_ROSTER_MISSING_COLUMNS: u32 = 108;
/// 109: several header cells of a roster name the same field.
pub const GRADREG_ERR_ROSTER_DUPLICATE_COLUMNS: u32 = 109;
/// 110: a CSV roster cannot be decoded in its encoding (the detail gives the line).
pub const GRADREG_ERR_ROSTER_ENCODING: u32 = 110;
/// 111: an XLSX roster is corrupt or truncated.
pub const GRADREG_ERR_ROSTER_XLSX: u32 = 111;
/// 112: an XLSX roster has no worksheet.
pub const GRADREG_ERR_ROSTER_NO_SHEET: u32 = 112;
/// 113: a roster file could not be read.
pub const GRADREG_ERR_ROSTER_IO: u32 = 113;
/// 114: a roster is in a format that cannot be read (legacy `.xls`, encrypted, UTF-16).
pub const GRADREG_ERR_ROSTER_UNSUPPORTED_FORMAT: u32 = 114;
/// 190: a required pointer argument is NULL.
pub const GRADREG_ERR_NULL_ARGUMENT: u32 = 190;
/// 191: a text argument is not valid UTF-8.
pub const GRADREG_ERR_INVALID_UTF8: u32 = 191;
/// 192: a caller's buffer is too small; the size needed was written to `needed_out`.
pub const GRADREG_ERR_BUFFER_TOO_SMALL: u32 = 192;
/// 193: a handle of another kind was passed (for example a key ring where a registry is
/// expected).
pub const GRADREG_ERR_WRONG_HANDLE: u32 = 193;
/// 194: the handle is not live: already freed, or not made by this library.
pub const GRADREG_ERR_INVALID_HANDLE: u32 = 194;

/// 201: the actor's role may not perform this command on this registration.
pub const GRADREG_ERR_FORBIDDEN: u32 = 201;
/// 202: the graduate cannot log in; the detail lists every reason with its remedy.
pub const GRADREG_ERR_LOGIN_REFUSED: u32 = 202;
/// 203: the graduate has not logged in yet.
pub const GRADREG_ERR_NOT_LOGGED_IN: u32 = 203;
/// 204: the school has not uploaded basic information.
pub const GRADREG_ERR_BASIC_INFO_MISSING: u32 = 204;
/// 205: basic information is already uploaded and differs: use a correction.
pub const GRADREG_ERR_BASIC_INFO_ALREADY_UPLOADED: u32 = 205;
/// 206: the graduate has not confirmed basic information.
pub const GRADREG_ERR_BASIC_INFO_NOT_CONFIRMED: u32 = 206;
/// 207: basic information is not awaiting the graduate's review.
pub const GRADREG_ERR_BASIC_INFO_NOT_UNDER_REVIEW: u32 = 207;
/// 208: no destination has been reported.
pub const GRADREG_ERR_DESTINATION_NOT_REPORTED: u32 = 208;
/// 209: the destination is not awaiting confirmation.
pub const GRADREG_ERR_NOT_AWAITING_CONFIRMATION: u32 = 209;
/// 210: authorization needs a confirmed destination.
pub const GRADREG_ERR_DESTINATION_NOT_CONFIRMED: u32 = 210;
/// 211: the confirmation does not match the current data.
pub const GRADREG_ERR_CONFIRMATION_OUTDATED: u32 = 211;
/// 212: the destination is confirmed: a change needs an approved void request.
pub const GRADREG_ERR_CHANGE_NEEDS_VOID_REQUEST: u32 = 212;
/// 213: a void request is already open.
pub const GRADREG_ERR_VOID_REQUEST_OPEN: u32 = 213;
/// 214: no void request is at the stage the command needs.
pub const GRADREG_ERR_VOID_REQUEST_WRONG_STAGE: u32 = 214;
/// 215: the change deadline has passed and no SchoolOffice override is in force.
pub const GRADREG_ERR_CHANGE_DEADLINE_PASSED: u32 = 215;
/// 216: the requested validity period is outside the policy's bounds.
pub const GRADREG_ERR_VALIDITY_OUT_OF_BOUNDS: u32 = 216;
/// 217: no authorization with that verification number.
pub const GRADREG_ERR_AUTHORIZATION_NOT_FOUND: u32 = 217;
/// 218: the authorization was revoked or superseded.
pub const GRADREG_ERR_AUTHORIZATION_NOT_ACTIVE: u32 = 218;
/// 219: the authorization has expired.
pub const GRADREG_ERR_AUTHORIZATION_EXPIRED: u32 = 219;
/// 220: an extension must end later than the current end.
pub const GRADREG_ERR_EXTENSION_NOT_LATER: u32 = 220;
/// 221: the section was not registered when the authorization was issued.
pub const GRADREG_ERR_SECTION_NOT_REGISTERED: u32 = 221;
/// 222: a reason or note is required and was empty.
pub const GRADREG_ERR_REASON_REQUIRED: u32 = 222;

/// 301: a verification number is not 16 symbols of Crockford base32.
pub const GRADREG_ERR_NUMBER_MALFORMED: u32 = 301;
/// 302: a verification number has a wrong check symbol (a typo).
pub const GRADREG_ERR_NUMBER_TYPO: u32 = 302;

/// 303: a transfer number is not `ZD` followed by 12 Crockford base32 symbols.
pub const GRADREG_ERR_TRANSFER_NUMBER_MALFORMED: u32 = 303;
/// 304: a transfer number has a wrong check symbol (a typo).
pub const GRADREG_ERR_TRANSFER_NUMBER_TYPO: u32 = 304;
/// 305: a key was refused (empty, too short, weak or a test key in a production ring, or a
/// public key where a signing key is needed).
pub const GRADREG_ERR_KEY_REFUSED: u32 = 305;
/// 306: a key with this id is already in the ring.
pub const GRADREG_ERR_DUPLICATE_KEY_ID: u32 = 306;
/// 307: no key with this id is in the ring.
pub const GRADREG_ERR_KEY_NOT_FOUND: u32 = 307;
/// 308: the ring has no active signing key.
pub const GRADREG_ERR_NO_ACTIVE_KEY: u32 = 308;
/// 309: a token cannot be issued as asked (a prefix outside the QR alphanumeric set, a
/// disclosure too large to embed).
pub const GRADREG_ERR_TOKEN_ISSUE: u32 = 309;

/// 401: no usable CJK font was found.
pub const GRADREG_ERR_FONT_NOT_FOUND: u32 = 401;
/// 402: a font could not be read or used.
pub const GRADREG_ERR_FONT_INVALID: u32 = 402;
/// 403: the font has no glyph for a character of the form (the detail names it).
pub const GRADREG_ERR_MISSING_GLYPH: u32 = 403;
/// 404: a field is too long to fit its box on the form.
pub const GRADREG_ERR_FIELD_TOO_LONG: u32 = 404;
/// 405: a size or resolution is out of range (PNG: 72 to 600 dpi).
pub const GRADREG_ERR_INVALID_RENDER_SIZE: u32 = 405;
/// 406: the QR payload is empty, not printable ASCII, or too long.
pub const GRADREG_ERR_QR_PAYLOAD_INVALID: u32 = 406;
/// 407: the form's content does not fit on one A4 page.
pub const GRADREG_ERR_FORM_OVERFLOW: u32 = 407;
/// 408: a rendering step failed.
pub const GRADREG_ERR_RENDER_FAILED: u32 = 408;

/// 501: the store failed.
pub const GRADREG_ERR_STORAGE: u32 = 501;
/// 502: another writer changed the registration first; reload and apply again.
pub const GRADREG_ERR_CONFLICT: u32 = 502;
/// 503: no registration with that id.
pub const GRADREG_ERR_NOT_FOUND: u32 = 503;
/// 504: the database is busy or locked.
pub const GRADREG_ERR_BUSY: u32 = 504;
/// 505: the database file is corrupt or not a database.
pub const GRADREG_ERR_CORRUPT: u32 = 505;
/// 506: the disk is full.
pub const GRADREG_ERR_DISK_FULL: u32 = 506;
/// 507: a file could not be read or written.
pub const GRADREG_ERR_IO: u32 = 507;
/// 508: the ID number is already registered under another key.
pub const GRADREG_ERR_DUPLICATE_ID_NUMBER: u32 = 508;

/// 990: the library panicked inside a call; the panic was caught and the call had no effect
/// on handles beyond what it had already committed. Please report it.
pub const GRADREG_ERR_PANIC: u32 = 990;
/// 991: an internal error (for example a result that could not be serialized).
pub const GRADREG_ERR_INTERNAL: u32 = 991;

// ---- verdicts ----
//
// A verification's answer (`verdict_out` of `gradreg_token_verify` and
// `gradreg_registry_verify_online`): not a result code; those calls return `GRADREG_OK` whatever
// the verdict.

/// In force; the verdict JSON carries what the department may see.
pub const GRADREG_VERDICT_VALID: u32 = 0;
/// Past its validity.
pub const GRADREG_VERDICT_EXPIRED: u32 = 1;
/// Before its issue time.
pub const GRADREG_VERDICT_NOT_YET_VALID: u32 = 2;
/// Revoked by the graduate.
pub const GRADREG_VERDICT_REVOKED: u32 = 3;
/// The data changed after it was issued: never accept such a form.
pub const GRADREG_VERDICT_SUPERSEDED: u32 = 4;
/// No such number, or the name does not match (indistinguishable on purpose).
pub const GRADREG_VERDICT_NO_MATCH: u32 = 5;
/// Not a token or number of this format.
pub const GRADREG_VERDICT_MALFORMED: u32 = 6;
/// The MAC or signature does not verify.
pub const GRADREG_VERDICT_BAD_SIGNATURE: u32 = 7;
/// No key with the token's key id and algorithm.
pub const GRADREG_VERDICT_UNKNOWN_KEY: u32 = 8;
/// Not the verifier's section (an archive department scanning a hukou form …).
pub const GRADREG_VERDICT_WRONG_SECTION: u32 = 9;
/// A typed number's check symbol is wrong: ask for it again.
pub const GRADREG_VERDICT_TYPO: u32 = 10;
/// Too many failed attempts by this verifier.
pub const GRADREG_VERDICT_RATE_LIMITED: u32 = 11;
/// The status could not be learned: neither valid nor invalid, try again.
pub const GRADREG_VERDICT_INDETERMINATE: u32 = 12;

/// The static description of a code.
fn describe(code: u32) -> &'static CStr {
    match code {
        GRADREG_OK => c"ok: 成功 / success",
        GRADREG_ERR_INVALID_RECORD => c"invalid_record: 记录校验未通过 / record failed validation",
        GRADREG_ERR_MALFORMED_JSON => c"malformed_json: JSON 格式错误 / malformed JSON",
        GRADREG_ERR_INVALID_ARGUMENT => c"invalid_argument: 参数无效 / invalid argument",
        GRADREG_ERR_INVALID_POLICY => c"invalid_policy: 政策配置无效 / invalid policy",
        GRADREG_ERR_INVALID_CODE_TABLE => c"invalid_code_table: 代码表无效 / invalid code table",
        GRADREG_ERR_ROSTER_EMPTY => c"roster_empty: 名单文件为空 / roster is empty",
        GRADREG_ERR_ROSTER_NO_HEADER => c"roster_no_header: 名单没有表头 / roster has no header row",
        GRADREG_ERR_ROSTER_MISSING_COLUMNS => {
            c"roster_missing_columns: 名单缺少必需列 / roster lacks required columns"
        }
        GRADREG_ERR_ROSTER_DUPLICATE_COLUMNS => {
            c"roster_duplicate_columns: 名单有重复列 / roster names a field twice"
        }
        GRADREG_ERR_ROSTER_ENCODING => c"roster_encoding: 名单编码无法识别 / roster encoding error",
        GRADREG_ERR_ROSTER_XLSX => c"roster_xlsx: XLSX 文件损坏 / corrupt XLSX roster",
        GRADREG_ERR_ROSTER_NO_SHEET => c"roster_no_sheet: XLSX 没有工作表 / XLSX has no sheet",
        GRADREG_ERR_ROSTER_IO => c"roster_io: 名单文件读取失败 / roster cannot be read",
        GRADREG_ERR_ROSTER_UNSUPPORTED_FORMAT => {
            c"roster_unsupported_format: 不支持的名单格式 / unsupported roster format"
        }
        GRADREG_ERR_NULL_ARGUMENT => c"null_argument: 参数为空指针 / a required pointer is NULL",
        GRADREG_ERR_INVALID_UTF8 => c"invalid_utf8: 文本不是有效的 UTF-8 / text is not valid UTF-8",
        GRADREG_ERR_BUFFER_TOO_SMALL => c"buffer_too_small: 缓冲区太小 / buffer too small",
        GRADREG_ERR_WRONG_HANDLE => c"wrong_handle: 句柄类型错误 / handle of the wrong kind",
        GRADREG_ERR_INVALID_HANDLE => {
            c"invalid_handle: 句柄无效或已释放 / handle is freed or not from this library"
        }
        GRADREG_ERR_FORBIDDEN => c"forbidden: 无权执行该操作 / the actor may not do this",
        GRADREG_ERR_LOGIN_REFUSED => c"login_refused: 无法登录 / login refused",
        GRADREG_ERR_NOT_LOGGED_IN => c"not_logged_in: 毕业生尚未登录 / graduate has not logged in",
        GRADREG_ERR_BASIC_INFO_MISSING => {
            c"basic_info_missing: 学校尚未上传生源信息 / basic information not uploaded"
        }
        GRADREG_ERR_BASIC_INFO_ALREADY_UPLOADED => {
            c"basic_info_already_uploaded: 生源信息已上传，请更正 / already uploaded: use a correction"
        }
        GRADREG_ERR_BASIC_INFO_NOT_CONFIRMED => {
            c"basic_info_not_confirmed: 基本信息未确认 / basic information not confirmed"
        }
        GRADREG_ERR_BASIC_INFO_NOT_UNDER_REVIEW => {
            c"basic_info_not_under_review: 基本信息不在待核对状态 / basic information not awaiting review"
        }
        GRADREG_ERR_DESTINATION_NOT_REPORTED => {
            c"destination_not_reported: 尚未上报毕业去向 / no destination reported"
        }
        GRADREG_ERR_NOT_AWAITING_CONFIRMATION => {
            c"not_awaiting_confirmation: 去向不在待确认状态 / destination not awaiting confirmation"
        }
        GRADREG_ERR_DESTINATION_NOT_CONFIRMED => {
            c"destination_not_confirmed: 去向尚未确认 / destination not confirmed"
        }
        GRADREG_ERR_CONFIRMATION_OUTDATED => {
            c"confirmation_outdated: 确认与当前数据不一致 / confirmation is outdated"
        }
        GRADREG_ERR_CHANGE_NEEDS_VOID_REQUEST => {
            c"change_needs_void_request: 变更需先提交作废申请 / a change needs an approved void request"
        }
        GRADREG_ERR_VOID_REQUEST_OPEN => c"void_request_open: 已有待审核的作废申请 / a void request is open",
        GRADREG_ERR_VOID_REQUEST_WRONG_STAGE => {
            c"void_request_wrong_stage: 作废申请不在该审核阶段 / no void request at that stage"
        }
        GRADREG_ERR_CHANGE_DEADLINE_PASSED => {
            c"change_deadline_passed: 已过变更截止时间 / change deadline passed"
        }
        GRADREG_ERR_VALIDITY_OUT_OF_BOUNDS => {
            c"validity_out_of_bounds: 有效期超出范围 / validity out of bounds"
        }
        GRADREG_ERR_AUTHORIZATION_NOT_FOUND => {
            c"authorization_not_found: 没有该核验编号的授权 / no such authorization"
        }
        GRADREG_ERR_AUTHORIZATION_NOT_ACTIVE => {
            c"authorization_not_active: 授权已撤销或失效 / authorization revoked or superseded"
        }
        GRADREG_ERR_AUTHORIZATION_EXPIRED => c"authorization_expired: 授权已过期 / authorization expired",
        GRADREG_ERR_EXTENSION_NOT_LATER => {
            c"extension_not_later: 延长后的有效期须更晚 / the new end must be later"
        }
        GRADREG_ERR_SECTION_NOT_REGISTERED => {
            c"section_not_registered: 授权时未登记该部分 / section not registered at authorization"
        }
        GRADREG_ERR_REASON_REQUIRED => c"reason_required: 必须填写原因 / a reason is required",
        GRADREG_ERR_NUMBER_MALFORMED => c"number_malformed: 核验编号格式错误 / malformed verification number",
        GRADREG_ERR_NUMBER_TYPO => c"number_typo: 核验编号校验位不符 / verification number typo",
        GRADREG_ERR_TRANSFER_NUMBER_MALFORMED => {
            c"transfer_number_malformed: 转递编号格式错误 / malformed transfer number"
        }
        GRADREG_ERR_TRANSFER_NUMBER_TYPO => {
            c"transfer_number_typo: 转递编号校验位不符 / transfer number typo"
        }
        GRADREG_ERR_KEY_REFUSED => c"key_refused: 密钥被拒绝 / key refused",
        GRADREG_ERR_DUPLICATE_KEY_ID => c"duplicate_key_id: 密钥编号已存在 / key id already in the ring",
        GRADREG_ERR_KEY_NOT_FOUND => c"key_not_found: 没有该密钥 / no such key",
        GRADREG_ERR_NO_ACTIVE_KEY => c"no_active_key: 没有可用的签名密钥 / no active signing key",
        GRADREG_ERR_TOKEN_ISSUE => c"token_issue: 无法生成核验码 / cannot issue token",
        GRADREG_ERR_FONT_NOT_FOUND => c"font_not_found: 找不到中文字体 / no CJK font found",
        GRADREG_ERR_FONT_INVALID => c"font_invalid: 字体无法使用 / font cannot be used",
        GRADREG_ERR_MISSING_GLYPH => c"missing_glyph: 字体缺少字符 / font lacks a character",
        GRADREG_ERR_FIELD_TOO_LONG => c"field_too_long: 字段过长 / field too long for the form",
        GRADREG_ERR_INVALID_RENDER_SIZE => c"invalid_render_size: 尺寸或分辨率无效 / invalid size or dpi",
        GRADREG_ERR_QR_PAYLOAD_INVALID => c"qr_payload_invalid: 二维码内容无效 / invalid QR payload",
        GRADREG_ERR_FORM_OVERFLOW => c"form_overflow: 内容超出一页 / form does not fit one page",
        GRADREG_ERR_RENDER_FAILED => c"render_failed: 渲染失败 / rendering failed",
        GRADREG_ERR_STORAGE => c"storage: 存储错误 / storage error",
        GRADREG_ERR_CONFLICT => c"conflict: 登记已被其他操作修改 / concurrent change, retry",
        GRADREG_ERR_NOT_FOUND => c"not_found: 没有该登记 / no such registration",
        GRADREG_ERR_BUSY => c"busy: 数据库被占用 / database busy or locked",
        GRADREG_ERR_CORRUPT => c"corrupt: 数据库文件损坏 / database file corrupt",
        GRADREG_ERR_DISK_FULL => c"disk_full: 磁盘已满 / disk full",
        GRADREG_ERR_IO => c"io: 文件读写错误 / I/O error",
        GRADREG_ERR_DUPLICATE_ID_NUMBER => {
            c"duplicate_id_number: 身份证号已在其他登记中使用 / ID number already registered"
        }
        GRADREG_ERR_PANIC => c"panic: 内部错误（已捕获）/ internal panic caught",
        GRADREG_ERR_INTERNAL => c"internal: 内部错误 / internal error",
        _ => c"unknown: 未知结果码 / unknown result code",
    }
}

/// Describes a result code: a static, NUL-terminated UTF-8 string of the form
/// `"name: 中文 / English"`, for example `"malformed_json: JSON 格式错误 / malformed JSON"`.
///
/// Never returns NULL; an unknown code gives `"unknown: …"`. The string lives as long as the
/// program: do not free it. Thread-safe.
#[no_mangle]
pub extern "C" fn gradreg_result_str(code: u32) -> *const c_char {
    describe(code).as_ptr()
}

/// The library's version, a static NUL-terminated string such as `"0.1.0"`. Do not free it.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn gradreg_version() -> *const c_char {
    const VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => c"unknown",
        };
    VERSION.as_ptr()
}

/// Copies the detail of this thread's last failed call into `buf`.
///
/// The detail is a NUL-terminated UTF-8 string that starts with the code in brackets, for
/// example `"[102] JSON 格式错误 / malformed JSON: argument `actor_json`: expected value at line 1
/// column 1"`. Every entry point that returns a result code clears it when it starts, so it
/// describes the most recent call on the calling thread; other threads have their own. This
/// function, `gradreg_last_error_code`, `gradreg_result_str` and the free functions leave it
/// alone.
///
/// - `buf`: where to copy, `buf_len` bytes long; may be NULL when `buf_len` is 0 (to ask only for
///   the size).
/// - `needed_out`: may be NULL; when not, receives the bytes needed including the NUL, on
///   success and on `GRADREG_ERR_BUFFER_TOO_SMALL` alike (the one output written on an error).
///
/// When the last call succeeded the detail is the empty string. Returns `GRADREG_OK`, or
/// `GRADREG_ERR_BUFFER_TOO_SMALL` (nothing copied) when `buf_len` is less than needed.
///
/// # Safety
/// `buf`, when not NULL, must point to `buf_len` writable bytes; `needed_out`, when not NULL, to a
/// writable `size_t`.
#[no_mangle]
pub unsafe extern "C" fn gradreg_last_error(
    buf: *mut c_char,
    buf_len: usize,
    needed_out: *mut usize,
) -> u32 {
    // Not through `guard`: that would clear the very detail being asked for.
    let detail = with_last_error(|e| e.map(|(_, t)| t.clone()).unwrap_or_default());
    let result = std::panic::catch_unwind(|| {
        // SAFETY: the caller's promises about `buf` and `needed_out`, forwarded.
        unsafe { copy_out(detail.as_bytes(), buf, buf_len, needed_out) }
    });
    match result {
        Ok(Ok(())) => GRADREG_OK,
        Ok(Err(failure)) => failure.code_and_message().0,
        Err(_) => GRADREG_ERR_PANIC,
    }
}

/// The code of this thread's last failed call, or `GRADREG_OK` when the last call succeeded.
/// Thread-safe; leaves the detail alone.
#[no_mangle]
pub extern "C" fn gradreg_last_error_code() -> u32 {
    with_last_error(|e| e.map(|(c, _)| *c).unwrap_or(GRADREG_OK))
}

/// Frees a string the library returned through a `char **…_out` argument. NULL is a no-op.
///
/// Only pass strings from this library, once; never pass them to `free()`. Thread-safe.
///
/// # Safety
/// `s` must be NULL or a string this library returned that has not been freed yet.
#[no_mangle]
pub unsafe extern "C" fn gradreg_string_free(s: *mut c_char) {
    guard_void(|| {
        if !s.is_null() {
            // SAFETY: the caller promises `s` came from `CString::into_raw` in this library.
            drop(unsafe { CString::from_raw(s) });
        }
    });
}

/// Frees a byte buffer the library returned through a `uint8_t **…_out` argument, with the
/// length it returned beside it. NULL is a no-op.
///
/// Only pass buffers from this library, once, with their own length; never pass them to
/// `free()`. Thread-safe.
///
/// # Safety
/// `bytes` must be NULL or a buffer this library returned, not freed yet, and `len` its length.
#[no_mangle]
pub unsafe extern "C" fn gradreg_bytes_free(bytes: *mut u8, len: usize) {
    guard_void(|| {
        if !bytes.is_null() {
            let slice = std::ptr::slice_from_raw_parts_mut(bytes, len);
            // SAFETY: the caller promises this is a boxed slice of `len` bytes from this library.
            drop(unsafe { Box::from_raw(slice) });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradreg::Error;

    /// Each named constant equals the core's code for that error, and every code has its own
    /// description.
    #[test]
    fn constants_match_the_core() {
        let s = String::new;
        let pairs = [
            (
                GRADREG_ERR_INVALID_RECORD,
                Error::InvalidRecord { problems: vec![] },
            ),
            (GRADREG_ERR_MALFORMED_JSON, Error::MalformedJson(s())),
            (GRADREG_ERR_INVALID_ARGUMENT, Error::InvalidArgument(s())),
            (GRADREG_ERR_INVALID_POLICY, Error::InvalidPolicy(s())),
            (GRADREG_ERR_INVALID_CODE_TABLE, Error::InvalidCodeTable(s())),
            (GRADREG_ERR_ROSTER_EMPTY, Error::RosterEmpty),
            (GRADREG_ERR_ROSTER_NO_HEADER, Error::RosterNoHeader),
            (
                GRADREG_ERR_ROSTER_MISSING_COLUMNS,
                Error::RosterMissingColumns { columns: vec![] },
            ),
            (
                GRADREG_ERR_ROSTER_DUPLICATE_COLUMNS,
                Error::RosterDuplicateColumns { columns: vec![] },
            ),
            (
                GRADREG_ERR_ROSTER_ENCODING,
                Error::RosterEncoding {
                    encoding: s(),
                    offset: 0,
                    line: 1,
                },
            ),
            (GRADREG_ERR_ROSTER_XLSX, Error::RosterXlsx(s())),
            (GRADREG_ERR_ROSTER_NO_SHEET, Error::RosterNoSheet),
            (
                GRADREG_ERR_ROSTER_IO,
                Error::RosterIo {
                    path: s(),
                    message: s(),
                },
            ),
            (
                GRADREG_ERR_ROSTER_UNSUPPORTED_FORMAT,
                Error::RosterUnsupportedFormat(s()),
            ),
            (
                GRADREG_ERR_FORBIDDEN,
                Error::Forbidden {
                    role: gradreg::Role::Graduate,
                    command: s(),
                    why: s(),
                },
            ),
            (
                GRADREG_ERR_LOGIN_REFUSED,
                Error::LoginRefused { reasons: vec![] },
            ),
            (GRADREG_ERR_NOT_LOGGED_IN, Error::NotLoggedIn),
            (GRADREG_ERR_BASIC_INFO_MISSING, Error::BasicInfoMissing),
            (
                GRADREG_ERR_BASIC_INFO_ALREADY_UPLOADED,
                Error::BasicInfoAlreadyUploaded,
            ),
            (
                GRADREG_ERR_BASIC_INFO_NOT_CONFIRMED,
                Error::BasicInfoNotConfirmed,
            ),
            (
                GRADREG_ERR_BASIC_INFO_NOT_UNDER_REVIEW,
                Error::BasicInfoNotUnderReview(s()),
            ),
            (
                GRADREG_ERR_DESTINATION_NOT_REPORTED,
                Error::DestinationNotReported,
            ),
            (
                GRADREG_ERR_NOT_AWAITING_CONFIRMATION,
                Error::NotAwaitingConfirmation(s()),
            ),
            (
                GRADREG_ERR_DESTINATION_NOT_CONFIRMED,
                Error::DestinationNotConfirmed,
            ),
            (
                GRADREG_ERR_CONFIRMATION_OUTDATED,
                Error::ConfirmationOutdated {
                    confirmed: 1,
                    current: 2,
                },
            ),
            (
                GRADREG_ERR_CHANGE_NEEDS_VOID_REQUEST,
                Error::ChangeNeedsVoidRequest,
            ),
            (GRADREG_ERR_VOID_REQUEST_OPEN, Error::VoidRequestOpen),
            (
                GRADREG_ERR_VOID_REQUEST_WRONG_STAGE,
                Error::VoidRequestWrongStage(s()),
            ),
            (
                GRADREG_ERR_CHANGE_DEADLINE_PASSED,
                Error::ChangeDeadlinePassed { deadline: s() },
            ),
            (
                GRADREG_ERR_VALIDITY_OUT_OF_BOUNDS,
                Error::ValidityOutOfBounds {
                    requested: 0,
                    min: 1,
                    max: 2,
                },
            ),
            (
                GRADREG_ERR_AUTHORIZATION_NOT_FOUND,
                Error::AuthorizationNotFound(s()),
            ),
            (
                GRADREG_ERR_AUTHORIZATION_NOT_ACTIVE,
                Error::AuthorizationNotActive {
                    state: gradreg::AuthState::Revoked,
                },
            ),
            (
                GRADREG_ERR_AUTHORIZATION_EXPIRED,
                Error::AuthorizationExpired,
            ),
            (GRADREG_ERR_EXTENSION_NOT_LATER, Error::ExtensionNotLater),
            (
                GRADREG_ERR_SECTION_NOT_REGISTERED,
                Error::SectionNotRegistered(s()),
            ),
            (GRADREG_ERR_REASON_REQUIRED, Error::ReasonRequired),
            (GRADREG_ERR_NUMBER_MALFORMED, Error::NumberMalformed(s())),
            (GRADREG_ERR_NUMBER_TYPO, Error::NumberTypo),
            (
                GRADREG_ERR_TRANSFER_NUMBER_MALFORMED,
                Error::TransferNumberMalformed(s()),
            ),
            (GRADREG_ERR_TRANSFER_NUMBER_TYPO, Error::TransferNumberTypo),
            (GRADREG_ERR_KEY_REFUSED, Error::KeyRefused(s())),
            (GRADREG_ERR_DUPLICATE_KEY_ID, Error::DuplicateKeyId(1)),
            (GRADREG_ERR_KEY_NOT_FOUND, Error::KeyNotFound(1)),
            (GRADREG_ERR_NO_ACTIVE_KEY, Error::NoActiveKey),
            (GRADREG_ERR_TOKEN_ISSUE, Error::TokenIssue(s())),
            (
                GRADREG_ERR_FONT_NOT_FOUND,
                Error::FontNotFound { searched: s() },
            ),
            (
                GRADREG_ERR_FONT_INVALID,
                Error::FontInvalid {
                    origin: s(),
                    reason: s(),
                },
            ),
            (
                GRADREG_ERR_MISSING_GLYPH,
                Error::MissingGlyph {
                    character: 'x',
                    field: s(),
                },
            ),
            (
                GRADREG_ERR_FIELD_TOO_LONG,
                Error::FieldTooLong {
                    field: s(),
                    chars: 0,
                },
            ),
            (
                GRADREG_ERR_INVALID_RENDER_SIZE,
                Error::InvalidRenderSize(s()),
            ),
            (GRADREG_ERR_QR_PAYLOAD_INVALID, Error::QrPayloadInvalid(s())),
            (
                GRADREG_ERR_FORM_OVERFLOW,
                Error::FormOverflow { needed_mm: 0 },
            ),
            (GRADREG_ERR_RENDER_FAILED, Error::RenderFailed(s())),
            (GRADREG_ERR_STORAGE, Error::Storage(s())),
            (
                GRADREG_ERR_CONFLICT,
                Error::Conflict {
                    id: s(),
                    expected: 0,
                    found: 1,
                },
            ),
            (GRADREG_ERR_NOT_FOUND, Error::NotFound(s())),
            (GRADREG_ERR_BUSY, Error::Busy(s())),
            (GRADREG_ERR_CORRUPT, Error::Corrupt(s())),
            (GRADREG_ERR_DISK_FULL, Error::DiskFull(s())),
            (GRADREG_ERR_IO, Error::Io(s())),
            (
                GRADREG_ERR_DUPLICATE_ID_NUMBER,
                Error::DuplicateIdNumber { other: s() },
            ),
        ];
        let mut seen = std::collections::BTreeSet::new();
        for (constant, error) in &pairs {
            assert_eq!(*constant, error.code().get(), "{error:?}");
            assert!(seen.insert(*constant));
            let text = describe(*constant).to_str().unwrap();
            assert!(
                !text.starts_with("unknown"),
                "{constant} has no description"
            );
        }
        let verdicts = [
            ("valid", GRADREG_VERDICT_VALID),
            ("expired", GRADREG_VERDICT_EXPIRED),
            ("not_yet_valid", GRADREG_VERDICT_NOT_YET_VALID),
            ("revoked", GRADREG_VERDICT_REVOKED),
            ("superseded", GRADREG_VERDICT_SUPERSEDED),
            ("no_match", GRADREG_VERDICT_NO_MATCH),
            ("malformed", GRADREG_VERDICT_MALFORMED),
            ("bad_signature", GRADREG_VERDICT_BAD_SIGNATURE),
            ("unknown_key", GRADREG_VERDICT_UNKNOWN_KEY),
            ("wrong_section", GRADREG_VERDICT_WRONG_SECTION),
            ("typo", GRADREG_VERDICT_TYPO),
            ("rate_limited", GRADREG_VERDICT_RATE_LIMITED),
            ("indeterminate", GRADREG_VERDICT_INDETERMINATE),
        ];
        assert_eq!(verdicts.len(), gradreg::VerdictKind::ALL.len());
        for kind in gradreg::VerdictKind::ALL {
            let constant = verdicts
                .iter()
                .find(|(n, _)| *n == kind.as_str())
                .map(|v| v.1);
            assert_eq!(constant, Some(kind.code()), "{}", kind.as_str());
        }
        let pc = include_str!("../../include/gradreg.pc");
        let version = format!("Version: {}", env!("CARGO_PKG_VERSION"));
        assert!(
            pc.lines().any(|l| l == version),
            "include/gradreg.pc: {version}"
        );
        for ffi_only in [
            GRADREG_ERR_NULL_ARGUMENT,
            GRADREG_ERR_INVALID_UTF8,
            GRADREG_ERR_BUFFER_TOO_SMALL,
            GRADREG_ERR_WRONG_HANDLE,
            GRADREG_ERR_INVALID_HANDLE,
            GRADREG_ERR_PANIC,
            GRADREG_ERR_INTERNAL,
        ] {
            assert!(
                seen.insert(ffi_only),
                "{ffi_only} collides with a core code"
            );
            assert!(!describe(ffi_only).to_str().unwrap().starts_with("unknown"));
        }
    }
}
