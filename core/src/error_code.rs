//! Every stable numeric code of the library, in one place.
//!
//! [`ErrorCode`] is the one list: the core's [`Error::code`](crate::Error::code) returns it, the C
//! header exports it (as `GRADREG_ERR_*`, generated from this file), and the Python package reads
//! the table from its native module. Codes are grouped by hundreds and **never reused**: a code
//! that is retired stays here as a comment, so no later error can take its number.
//!
//! | range | group |
//! |---|---|
//! | 100–199 | arguments: malformed records, JSON, parameters, rosters (190–199: the C library's own checks) |
//! | 200–299 | the registration state machine |
//! | 300–399 | numbers, tokens, keys and verification |
//! | 400–499 | rendering and fonts |
//! | 500–599 | storage |
//! | 900–999 | internal errors |
//!
//! Retired codes (never to be given again):
//! - 901: used by the Python package before 0.2 for a caught panic; a caught panic is 990 in
//!   every face.
//!
//! This file is also read by cbindgen to write the C header: keep it a plain `enum` with explicit
//! discriminants and doc comments (no macros).

/// A stable numeric error code (the C result code, Python's `.code`). `0` is success in C and
/// is not an error, so it is not a variant here.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorCode {
    // ---- 1xx arguments: malformed records, JSON, parameters, rosters; 190–199 the C library's own argument checks ----
    /// A record failed validation; its detail lists every problem.
    InvalidRecord = 101,
    /// A JSON argument could not be parsed into the expected record (the detail names the
    /// argument and the position).
    MalformedJson = 102,
    /// An argument is outside its allowed domain (for example an out-of-range instant).
    InvalidArgument = 103,
    /// A policy is inconsistent (an unknown preset, 30 February, unordered bounds).
    InvalidPolicy = 104,
    /// A code table could not be read.
    InvalidCodeTable = 105,
    /// A roster file is empty.
    RosterEmpty = 106,
    /// No header row was found in a roster.
    RosterNoHeader = 107,
    /// Required columns are missing from a roster (the detail names every one).
    RosterMissingColumns = 108,
    /// Several header cells of a roster name the same field.
    RosterDuplicateColumns = 109,
    /// A CSV roster cannot be decoded in its encoding (the detail gives the line).
    RosterEncoding = 110,
    /// An XLSX roster is corrupt or truncated.
    RosterXlsx = 111,
    /// An XLSX roster has no worksheet.
    RosterNoSheet = 112,
    /// A roster file could not be read.
    RosterIo = 113,
    /// A roster is in a format that cannot be read (legacy `.xls`, encrypted, UTF-16).
    RosterUnsupportedFormat = 114,
    /// A roster has a header but no data row.
    RosterNoRows = 115,
    /// A roster does not read as the encoding the caller forced.
    RosterImplausibleText = 116,
    /// A file or a JSON document is larger than its byte limit (the detail names the setting
    /// of `Limits` that raises it).
    InputTooLarge = 117,
    /// A workbook's zip archive passes a limit: entries, inflated size, compression ratio.
    ArchiveLimit = 118,
    /// A file holds more than a limit allows: rows, cells, columns, shared strings, line length.
    ContentLimit = 119,
    /// A webhook cannot be set up as asked (a URL that is not `http://` or `https://`, an empty
    /// secret, a zero timeout or attempt count).
    InvalidWebhook = 130,
    /// A data key (personal data at rest) cannot be used: not 32 bytes, not 64 hexadecimal
    /// digits or base64, or id 0.
    DataKeyInvalid = 131,
    /// A data key ring is empty or names one key id twice.
    DataKeyRingInvalid = 132,
    /// A required pointer argument is NULL.
    NullArgument = 190,
    /// A text argument is not valid UTF-8.
    InvalidUtf8 = 191,
    /// A caller's buffer is too small; the size needed was written to `needed_out`.
    BufferTooSmall = 192,
    /// A handle of another kind was passed (for example a key ring where a registry is
    /// expected).
    WrongHandle = 193,
    /// The handle is not live: already freed, or not made by this library.
    InvalidHandle = 194,

    // ---- 2xx the registration state machine ----
    /// The actor's role may not perform this command on this registration.
    Forbidden = 201,
    /// The graduate cannot log in; the detail lists every reason with its remedy.
    LoginRefused = 202,
    /// The graduate has not logged in yet.
    NotLoggedIn = 203,
    /// The school has not uploaded basic information.
    BasicInfoMissing = 204,
    /// Basic information is already uploaded and differs: use a correction.
    BasicInfoAlreadyUploaded = 205,
    /// The graduate has not confirmed basic information.
    BasicInfoNotConfirmed = 206,
    /// Basic information is not awaiting the graduate's review.
    BasicInfoNotUnderReview = 207,
    /// No destination has been reported.
    DestinationNotReported = 208,
    /// The destination is not awaiting confirmation.
    NotAwaitingConfirmation = 209,
    /// Authorization needs a confirmed destination.
    DestinationNotConfirmed = 210,
    /// The confirmation does not match the current data.
    ConfirmationOutdated = 211,
    /// The destination is confirmed: a change needs an approved void request.
    ChangeNeedsVoidRequest = 212,
    /// A void request is already open.
    VoidRequestOpen = 213,
    /// No void request is at the stage the command needs.
    VoidRequestWrongStage = 214,
    /// The change deadline has passed and no SchoolOffice override is in force.
    ChangeDeadlinePassed = 215,
    /// The requested validity period is outside the policy's bounds.
    ValidityOutOfBounds = 216,
    /// No authorization with that verification number.
    AuthorizationNotFound = 217,
    /// The authorization was revoked or superseded.
    AuthorizationNotActive = 218,
    /// The authorization has expired.
    AuthorizationExpired = 219,
    /// An extension must end later than the current end.
    ExtensionNotLater = 220,
    /// The section was not registered when the authorization was issued.
    SectionNotRegistered = 221,
    /// A reason or note is required and was empty.
    ReasonRequired = 222,

    // ---- 3xx numbers, tokens, keys and verification ----
    /// A verification number is not 16 symbols of Crockford base32.
    NumberMalformed = 301,
    /// A verification number has a wrong check symbol (a typo).
    NumberTypo = 302,
    /// A transfer number is not `ZD` followed by 12 Crockford base32 symbols.
    TransferNumberMalformed = 303,
    /// A transfer number has a wrong check symbol (a typo).
    TransferNumberTypo = 304,
    /// A key was refused (empty, too short, weak or a test key in a production ring, or a
    /// public key where a signing key is needed).
    KeyRefused = 305,
    /// A key with this id is already in the ring.
    DuplicateKeyId = 306,
    /// No key with this id is in the ring.
    KeyNotFound = 307,
    /// The ring has no active signing key.
    NoActiveKey = 308,
    /// A token cannot be issued as asked (a prefix outside the QR alphanumeric set, a
    /// disclosure too large to embed).
    TokenIssue = 309,
    /// A key store file cannot be used (unreadable, readable by others, malformed, a key that
    /// does not load).
    KeyStore = 310,
    /// A published key set is not valid (format, version, repeated key id, bad public key).
    KeySetInvalid = 311,
    /// A status list is not valid (signature, layout, size, key outside its signing period).
    StatusListInvalid = 312,

    // ---- 4xx rendering and fonts ----
    /// No usable CJK font was found.
    FontNotFound = 401,
    /// A font could not be read or used.
    FontInvalid = 402,
    /// The font has no glyph for a character of the form (the detail names it).
    MissingGlyph = 403,
    /// A field is too long to fit its box on the form.
    FieldTooLong = 404,
    /// A size or resolution is out of range (PNG: 72 to 600 dpi).
    InvalidRenderSize = 405,
    /// The QR payload is empty, not printable ASCII, or too long.
    QrPayloadInvalid = 406,
    /// The form's content does not fit on one A4 page.
    FormOverflow = 407,
    /// A rendering step failed.
    RenderFailed = 408,

    // ---- 5xx storage ----
    /// The store failed.
    Storage = 501,
    /// Another writer changed the registration first; reload and apply again.
    Conflict = 502,
    /// No registration with that id.
    NotFound = 503,
    /// The database is busy or locked.
    Busy = 504,
    /// The database file is corrupt or not a database.
    Corrupt = 505,
    /// The disk is full.
    DiskFull = 506,
    /// A file could not be read or written.
    Io = 507,
    /// The ID number is already registered under another key for the same cohort (graduation
    /// year and education level); other cohorts of one ID number are allowed.
    DuplicateIdNumber = 508,
    /// The transfer number (转递编号) is already held by another registration, named in the
    /// error; numbers are unique and a duplicate never replaces the holder's.
    DuplicateTransferNumber = 509,
    /// A notification consumer acknowledged an event past the newest one in the outbox.
    AckBeyondOutbox = 513,
    /// A stored registration does not match the audit record that wrote it (edited, rolled back
    /// or deleted behind the library's back), or a record's keyed hash does not verify: the
    /// registration is not served.
    Tampered = 514,
    /// The audit key does not fit the registry: a keyed registry opened without its key or with
    /// another, or a key given to a registry whose audit log was started without one.
    AuditKey = 515,
    /// This handle found the store damaged or tampered with and refuses to write through it;
    /// repair the file (or restore a backup) and open it again.
    WritesRefused = 516,
    /// The registry file's personal data is encrypted and the registry was opened without data
    /// keys.
    DataKeyMissing = 518,
    /// No key of the given data key ring opens the registry file or a value in it.
    DataKeyWrong = 519,
    /// A sealed value in the store fails to decrypt: tampered with, damaged, moved to another
    /// row, or replaced by clear text.
    Undecryptable = 520,
    /// The store's database server cannot be reached or refuses the connection (down,
    /// unreachable, login refused, no such database, connection broken).
    StoreUnreachable = 521,
    /// The store URL demands TLS and the database server does not offer it.
    StoreTlsUnavailable = 522,
    /// The TLS certificate of the store's database server was refused (untrusted, expired, or
    /// not naming the host), or the server refused the client's certificate.
    StoreCertificateRejected = 523,

    // ---- 9xx internal errors ----
    /// The library panicked inside a call; the panic was caught and the call had no effect
    /// on handles beyond what it had already committed. Please report it.
    Panic = 990,
    /// An internal error (for example a result that could not be serialized).
    Internal = 991,
}

impl ErrorCode {
    /// Every code, in numeric order.
    pub const ALL: [ErrorCode; 90] = [
        ErrorCode::InvalidRecord,
        ErrorCode::MalformedJson,
        ErrorCode::InvalidArgument,
        ErrorCode::InvalidPolicy,
        ErrorCode::InvalidCodeTable,
        ErrorCode::RosterEmpty,
        ErrorCode::RosterNoHeader,
        ErrorCode::RosterMissingColumns,
        ErrorCode::RosterDuplicateColumns,
        ErrorCode::RosterEncoding,
        ErrorCode::RosterXlsx,
        ErrorCode::RosterNoSheet,
        ErrorCode::RosterIo,
        ErrorCode::RosterUnsupportedFormat,
        ErrorCode::RosterNoRows,
        ErrorCode::RosterImplausibleText,
        ErrorCode::InputTooLarge,
        ErrorCode::ArchiveLimit,
        ErrorCode::ContentLimit,
        ErrorCode::InvalidWebhook,
        ErrorCode::DataKeyInvalid,
        ErrorCode::DataKeyRingInvalid,
        ErrorCode::NullArgument,
        ErrorCode::InvalidUtf8,
        ErrorCode::BufferTooSmall,
        ErrorCode::WrongHandle,
        ErrorCode::InvalidHandle,
        ErrorCode::Forbidden,
        ErrorCode::LoginRefused,
        ErrorCode::NotLoggedIn,
        ErrorCode::BasicInfoMissing,
        ErrorCode::BasicInfoAlreadyUploaded,
        ErrorCode::BasicInfoNotConfirmed,
        ErrorCode::BasicInfoNotUnderReview,
        ErrorCode::DestinationNotReported,
        ErrorCode::NotAwaitingConfirmation,
        ErrorCode::DestinationNotConfirmed,
        ErrorCode::ConfirmationOutdated,
        ErrorCode::ChangeNeedsVoidRequest,
        ErrorCode::VoidRequestOpen,
        ErrorCode::VoidRequestWrongStage,
        ErrorCode::ChangeDeadlinePassed,
        ErrorCode::ValidityOutOfBounds,
        ErrorCode::AuthorizationNotFound,
        ErrorCode::AuthorizationNotActive,
        ErrorCode::AuthorizationExpired,
        ErrorCode::ExtensionNotLater,
        ErrorCode::SectionNotRegistered,
        ErrorCode::ReasonRequired,
        ErrorCode::NumberMalformed,
        ErrorCode::NumberTypo,
        ErrorCode::TransferNumberMalformed,
        ErrorCode::TransferNumberTypo,
        ErrorCode::KeyRefused,
        ErrorCode::DuplicateKeyId,
        ErrorCode::KeyNotFound,
        ErrorCode::NoActiveKey,
        ErrorCode::TokenIssue,
        ErrorCode::KeyStore,
        ErrorCode::KeySetInvalid,
        ErrorCode::StatusListInvalid,
        ErrorCode::FontNotFound,
        ErrorCode::FontInvalid,
        ErrorCode::MissingGlyph,
        ErrorCode::FieldTooLong,
        ErrorCode::InvalidRenderSize,
        ErrorCode::QrPayloadInvalid,
        ErrorCode::FormOverflow,
        ErrorCode::RenderFailed,
        ErrorCode::Storage,
        ErrorCode::Conflict,
        ErrorCode::NotFound,
        ErrorCode::Busy,
        ErrorCode::Corrupt,
        ErrorCode::DiskFull,
        ErrorCode::Io,
        ErrorCode::DuplicateIdNumber,
        ErrorCode::DuplicateTransferNumber,
        ErrorCode::AckBeyondOutbox,
        ErrorCode::Tampered,
        ErrorCode::AuditKey,
        ErrorCode::WritesRefused,
        ErrorCode::DataKeyMissing,
        ErrorCode::DataKeyWrong,
        ErrorCode::Undecryptable,
        ErrorCode::StoreUnreachable,
        ErrorCode::StoreTlsUnavailable,
        ErrorCode::StoreCertificateRejected,
        ErrorCode::Panic,
        ErrorCode::Internal,
    ];

    /// The number (what C returns and Python's `.code` holds).
    pub const fn get(self) -> u32 {
        self as u32
    }

    /// The code for a number, if the number is a code.
    pub fn from_u32(code: u32) -> Option<ErrorCode> {
        Self::ALL.iter().copied().find(|c| c.get() == code)
    }

    /// The code's name, Chinese message and English message. Longer than 150 lines on purpose:
    /// it is a table, one arm per code, kept in one match so that the compiler checks every code
    /// has its texts.
    fn texts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::InvalidRecord => (
                "invalid_record",
                "记录校验未通过",
                "record failed validation",
            ),
            Self::MalformedJson => ("malformed_json", "JSON 格式错误", "malformed JSON"),
            Self::InvalidArgument => ("invalid_argument", "参数无效", "invalid argument"),
            Self::InvalidPolicy => ("invalid_policy", "政策配置无效", "invalid policy"),
            Self::InvalidCodeTable => ("invalid_code_table", "代码表无效", "invalid code table"),
            Self::RosterEmpty => ("roster_empty", "名单文件为空", "roster is empty"),
            Self::RosterNoHeader => (
                "roster_no_header",
                "名单没有表头",
                "roster has no header row",
            ),
            Self::RosterMissingColumns => (
                "roster_missing_columns",
                "名单缺少必需列",
                "roster lacks required columns",
            ),
            Self::RosterDuplicateColumns => (
                "roster_duplicate_columns",
                "名单有重复列",
                "roster names a field twice",
            ),
            Self::RosterEncoding => (
                "roster_encoding",
                "名单编码无法识别",
                "roster encoding error",
            ),
            Self::RosterXlsx => ("roster_xlsx", "XLSX 文件损坏", "corrupt XLSX roster"),
            Self::RosterNoSheet => ("roster_no_sheet", "XLSX 没有工作表", "XLSX has no sheet"),
            Self::RosterIo => ("roster_io", "名单文件读取失败", "roster cannot be read"),
            Self::RosterUnsupportedFormat => (
                "roster_unsupported_format",
                "不支持的名单格式",
                "unsupported roster format",
            ),
            Self::RosterNoRows => (
                "roster_no_rows",
                "名单没有数据行",
                "roster has no data rows",
            ),
            Self::RosterImplausibleText => (
                "roster_implausible_text",
                "名单按指定编码读出乱码",
                "roster does not read as the declared encoding",
            ),
            Self::InputTooLarge => ("input_too_large", "输入超出大小限制", "input too large"),
            Self::ArchiveLimit => (
                "archive_limit",
                "XLSX 压缩包超出限制",
                "XLSX archive passes a limit",
            ),
            Self::ContentLimit => (
                "content_limit",
                "文件内容超出限制",
                "file holds more than a limit allows",
            ),
            Self::InvalidWebhook => ("invalid_webhook", "推送地址或参数无效", "invalid webhook"),
            Self::DataKeyInvalid => ("data_key_invalid", "数据密钥无效", "invalid data key"),
            Self::DataKeyRingInvalid => (
                "data_key_ring_invalid",
                "数据密钥环无效",
                "invalid data key ring",
            ),
            Self::NullArgument => (
                "null_argument",
                "参数为空指针",
                "a required pointer is NULL",
            ),
            Self::InvalidUtf8 => (
                "invalid_utf8",
                "文本不是有效的 UTF-8",
                "text is not valid UTF-8",
            ),
            Self::BufferTooSmall => ("buffer_too_small", "缓冲区太小", "buffer too small"),
            Self::WrongHandle => ("wrong_handle", "句柄类型错误", "handle of the wrong kind"),
            Self::InvalidHandle => (
                "invalid_handle",
                "句柄无效或已释放",
                "handle is freed or not from this library",
            ),
            Self::Forbidden => ("forbidden", "无权执行该操作", "the actor may not do this"),
            Self::LoginRefused => ("login_refused", "无法登录", "login refused"),
            Self::NotLoggedIn => (
                "not_logged_in",
                "毕业生尚未登录",
                "graduate has not logged in",
            ),
            Self::BasicInfoMissing => (
                "basic_info_missing",
                "学校尚未上传生源信息",
                "basic information not uploaded",
            ),
            Self::BasicInfoAlreadyUploaded => (
                "basic_info_already_uploaded",
                "生源信息已上传，请更正",
                "already uploaded: use a correction",
            ),
            Self::BasicInfoNotConfirmed => (
                "basic_info_not_confirmed",
                "基本信息未确认",
                "basic information not confirmed",
            ),
            Self::BasicInfoNotUnderReview => (
                "basic_info_not_under_review",
                "基本信息不在待核对状态",
                "basic information not awaiting review",
            ),
            Self::DestinationNotReported => (
                "destination_not_reported",
                "尚未上报毕业去向",
                "no destination reported",
            ),
            Self::NotAwaitingConfirmation => (
                "not_awaiting_confirmation",
                "去向不在待确认状态",
                "destination not awaiting confirmation",
            ),
            Self::DestinationNotConfirmed => (
                "destination_not_confirmed",
                "去向尚未确认",
                "destination not confirmed",
            ),
            Self::ConfirmationOutdated => (
                "confirmation_outdated",
                "确认与当前数据不一致",
                "confirmation is outdated",
            ),
            Self::ChangeNeedsVoidRequest => (
                "change_needs_void_request",
                "变更需先提交作废申请",
                "a change needs an approved void request",
            ),
            Self::VoidRequestOpen => (
                "void_request_open",
                "已有待审核的作废申请",
                "a void request is open",
            ),
            Self::VoidRequestWrongStage => (
                "void_request_wrong_stage",
                "作废申请不在该审核阶段",
                "no void request at that stage",
            ),
            Self::ChangeDeadlinePassed => (
                "change_deadline_passed",
                "已过变更截止时间",
                "change deadline passed",
            ),
            Self::ValidityOutOfBounds => (
                "validity_out_of_bounds",
                "有效期超出范围",
                "validity out of bounds",
            ),
            Self::AuthorizationNotFound => (
                "authorization_not_found",
                "没有该核验编号的授权",
                "no such authorization",
            ),
            Self::AuthorizationNotActive => (
                "authorization_not_active",
                "授权已撤销或失效",
                "authorization revoked or superseded",
            ),
            Self::AuthorizationExpired => (
                "authorization_expired",
                "授权已过期",
                "authorization expired",
            ),
            Self::ExtensionNotLater => (
                "extension_not_later",
                "延长后的有效期须更晚",
                "the new end must be later",
            ),
            Self::SectionNotRegistered => (
                "section_not_registered",
                "授权时未登记该部分",
                "section not registered at authorization",
            ),
            Self::ReasonRequired => ("reason_required", "必须填写原因", "a reason is required"),
            Self::NumberMalformed => (
                "number_malformed",
                "核验编号格式错误",
                "malformed verification number",
            ),
            Self::NumberTypo => (
                "number_typo",
                "核验编号校验位不符",
                "verification number typo",
            ),
            Self::TransferNumberMalformed => (
                "transfer_number_malformed",
                "转递编号格式错误",
                "malformed transfer number",
            ),
            Self::TransferNumberTypo => (
                "transfer_number_typo",
                "转递编号校验位不符",
                "transfer number typo",
            ),
            Self::KeyRefused => ("key_refused", "密钥被拒绝", "key refused"),
            Self::DuplicateKeyId => (
                "duplicate_key_id",
                "密钥编号已存在",
                "key id already in the ring",
            ),
            Self::KeyNotFound => ("key_not_found", "没有该密钥", "no such key"),
            Self::NoActiveKey => (
                "no_active_key",
                "没有可用的签名密钥",
                "no active signing key",
            ),
            Self::TokenIssue => ("token_issue", "无法生成核验码", "cannot issue token"),
            Self::KeyStore => ("key_store", "密钥库不可用", "key store unusable"),
            Self::KeySetInvalid => ("key_set_invalid", "公钥集无效", "invalid key set"),
            Self::StatusListInvalid => {
                ("status_list_invalid", "状态列表无效", "invalid status list")
            }
            Self::FontNotFound => ("font_not_found", "找不到中文字体", "no CJK font found"),
            Self::FontInvalid => ("font_invalid", "字体无法使用", "font cannot be used"),
            Self::MissingGlyph => ("missing_glyph", "字体缺少字符", "font lacks a character"),
            Self::FieldTooLong => ("field_too_long", "字段过长", "field too long for the form"),
            Self::InvalidRenderSize => (
                "invalid_render_size",
                "尺寸或分辨率无效",
                "invalid size or dpi",
            ),
            Self::QrPayloadInvalid => {
                ("qr_payload_invalid", "二维码内容无效", "invalid QR payload")
            }
            Self::FormOverflow => (
                "form_overflow",
                "内容超出一页",
                "form does not fit one page",
            ),
            Self::RenderFailed => ("render_failed", "渲染失败", "rendering failed"),
            Self::Storage => ("storage", "存储错误", "storage error"),
            Self::Conflict => (
                "conflict",
                "登记已被其他操作修改",
                "concurrent change, retry",
            ),
            Self::NotFound => ("not_found", "没有该登记", "no such registration"),
            Self::Busy => ("busy", "数据库被占用", "database busy or locked"),
            Self::Corrupt => ("corrupt", "数据库文件损坏", "database file corrupt"),
            Self::DiskFull => ("disk_full", "磁盘已满", "disk full"),
            Self::Io => ("io", "文件读写错误", "I/O error"),
            Self::DuplicateIdNumber => (
                "duplicate_id_number",
                "身份证号已在其他登记中使用",
                "ID number already registered",
            ),
            Self::DuplicateTransferNumber => (
                "duplicate_transfer_number",
                "转递编号已被其他登记使用",
                "transfer number already held",
            ),
            Self::AckBeyondOutbox => (
                "ack_beyond_outbox",
                "确认的消息序号超出消息队列",
                "acknowledged past the newest event",
            ),
            Self::Tampered => (
                "tampered",
                "存储的数据与审计记录不符（被篡改）",
                "stored data does not match its audit record",
            ),
            Self::AuditKey => (
                "audit_key",
                "审计密钥与登记库不符",
                "audit key does not fit the registry",
            ),
            Self::WritesRefused => (
                "writes_refused",
                "登记库已发现损坏，拒绝写入",
                "writes refused: damage was found",
            ),
            Self::DataKeyMissing => (
                "data_key_missing",
                "登记库已加密，须提供数据密钥",
                "registry encrypted: data key needed",
            ),
            Self::DataKeyWrong => ("data_key_wrong", "数据密钥不符", "wrong data key"),
            Self::Undecryptable => (
                "undecryptable",
                "加密数据无法解密",
                "sealed value cannot be decrypted",
            ),
            Self::StoreUnreachable => (
                "store_unreachable",
                "无法连接登记库服务器",
                "store server unreachable",
            ),
            Self::StoreTlsUnavailable => (
                "store_tls_unavailable",
                "登记库服务器不支持 TLS 加密连接",
                "store server offers no TLS",
            ),
            Self::StoreCertificateRejected => (
                "store_certificate_rejected",
                "登记库服务器证书未通过验证",
                "store server certificate rejected",
            ),
            Self::Panic => ("panic", "内部错误（已捕获）", "internal panic caught"),
            Self::Internal => ("internal", "内部错误", "internal error"),
        }
    }

    /// The code's stable snake_case name, such as `malformed_json`.
    pub fn name(self) -> &'static str {
        self.texts().0
    }

    /// A short Chinese description, such as `JSON 格式错误`.
    pub fn describe_zh(self) -> &'static str {
        self.texts().1
    }

    /// A short English description, such as `malformed JSON`.
    pub fn describe_en(self) -> &'static str {
        self.texts().2
    }

    /// The group of the code: `arguments`, `state`, `verification`, `render`, `storage` or
    /// `internal`.
    pub fn group(self) -> &'static str {
        match self.get() / 100 {
            1 => "arguments",
            2 => "state",
            3 => "verification",
            4 => "render",
            5 => "storage",
            _ => "internal",
        }
    }

    /// Whether only the faces report this code (the C library's own argument checks 190–199 and
    /// the internal 9xx codes): the core's [`Error`](crate::Error) never returns it.
    pub fn is_face_only(self) -> bool {
        matches!(self.get(), 190..=199 | 900..=999)
    }
}

impl From<ErrorCode> for u32 {
    fn from(code: ErrorCode) -> u32 {
        code.get()
    }
}

impl PartialEq<u32> for ErrorCode {
    fn eq(&self, other: &u32) -> bool {
        self.get() == *other
    }
}

impl PartialEq<ErrorCode> for u32 {
    fn eq(&self, other: &ErrorCode) -> bool {
        *self == other.get()
    }
}

impl PartialOrd<u32> for ErrorCode {
    fn partial_cmp(&self, other: &u32) -> Option<std::cmp::Ordering> {
        self.get().partial_cmp(other)
    }
}

impl PartialOrd<ErrorCode> for u32 {
    fn partial_cmp(&self, other: &ErrorCode) -> Option<std::cmp::Ordering> {
        self.partial_cmp(&other.get())
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_complete_sorted_and_unique() {
        let numbers: Vec<u32> = ErrorCode::ALL.iter().map(|c| c.get()).collect();
        let mut sorted = numbers.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            numbers, sorted,
            "ALL must be in numeric order without repeats"
        );
        for c in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_u32(c.get()), Some(c));
            assert!((100..1000).contains(&c.get()));
            assert!(!c.describe_zh().is_empty() && !c.describe_en().is_empty());
        }
        // Retired numbers are never codes again.
        assert_eq!(ErrorCode::from_u32(901), None);
        assert_eq!(ErrorCode::from_u32(0), None);
        let mut names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorCode::ALL.len(), "names are unique");
    }

    #[test]
    fn every_code_is_recorded_in_the_changelog() {
        // Codes are a promise never to reuse a number: CHANGELOG.md records each one.
        let changelog = include_str!("../../CHANGELOG.md");
        for c in ErrorCode::ALL {
            let row = format!("| {} | `{}` |", c.get(), c.name());
            assert!(changelog.contains(&row), "CHANGELOG.md lacks the row {row}");
        }
    }

    #[test]
    fn names_match_the_variants() {
        // The snake_case name is the variant's name: what C readers see as GRADREG_ERR_<NAME>.
        for c in ErrorCode::ALL {
            let debug = format!("{c:?}");
            let snake: String = debug
                .chars()
                .enumerate()
                .flat_map(|(i, ch)| {
                    let lower = ch.to_ascii_lowercase();
                    if ch.is_ascii_uppercase() && i > 0 {
                        vec!['_', lower]
                    } else {
                        vec![lower]
                    }
                })
                .collect();
            assert_eq!(c.name(), snake);
        }
    }
}
