//! The crate's one error type. [`Error::code`] gives each variant's stable [`ErrorCode`]: the
//! numbers, their names and descriptions are listed once, in [`crate::error_code`], grouped by
//! hundreds and never reused. The C library returns these numbers as its result codes and the
//! Python package exposes them as `.code` on its exceptions; the faces' own codes (190–199, 9xx)
//! are never given to a variant here.

use crate::access::{AuthState, LoginReason, Role};
pub use crate::error_code::ErrorCode;
use crate::problem::Problem;
use std::sync::Arc;

/// Result type of the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every error the crate reports. Messages are Chinese first, then English.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- 1xx arguments ----
    /// A record failed validation; `problems` lists every problem found, not just the first.
    #[error("记录有 {} 处错误 / record has {} problem(s): {}", problems.len(), problems.len(), summary(problems))]
    InvalidRecord {
        /// Every problem of the record.
        problems: Vec<Problem>,
    },
    /// JSON text could not be parsed into the expected record.
    #[error("JSON 格式错误 / malformed JSON: {0}")]
    MalformedJson(String),
    /// A parameter is out of its allowed domain.
    #[error("参数无效 / invalid argument: {0}")]
    InvalidArgument(String),
    /// A policy is inconsistent (for example 30 February as a deadline).
    #[error("政策配置无效 / invalid policy: {0}")]
    InvalidPolicy(String),
    /// A code table could not be read.
    #[error("代码表无效 / invalid code table: {0}")]
    InvalidCodeTable(String),
    /// A roster file is empty (no bytes, or only blank lines or empty cells).
    #[error("名单文件为空 / the roster file is empty")]
    RosterEmpty,
    /// No header row was found: none of the first rows names a known column.
    #[error("名单文件没有可识别的表头行（如“姓名”“身份证号”或 xm、sfzh）/ the roster has no recognisable header row (such as 姓名, 身份证号 or xm, sfzh)")]
    RosterNoHeader,
    /// Required columns are missing from the header; every missing column is named.
    #[error("名单缺少必需的列：{} / the roster lacks required columns: {}", columns.join("、"), columns.join(", "))]
    RosterMissingColumns {
        /// The missing columns, each as its Chinese header and field name, such as `身份证号 (id_number)`.
        columns: Vec<String>,
    },
    /// Several header cells name the same field; every such group is named.
    #[error("名单表头有重复的列：{} / the roster header repeats columns: {}", columns.join("；"), columns.join("; "))]
    RosterDuplicateColumns {
        /// Each group of header texts (as written) that name one field, such as `身份证号 = sfzh (id_number)`.
        columns: Vec<String>,
    },
    /// The bytes of a CSV roster cannot be decoded in the declared or detected encoding.
    #[error("名单文件无法按 {encoding} 解码（第 {line} 行，第 {offset} 字节）：请另存为“CSV UTF-8”或 GB18030 编码 / the roster cannot be decoded as {encoding} (line {line}, byte {offset}): save it as CSV UTF-8 or GB18030")]
    RosterEncoding {
        /// The encoding tried, such as `utf-8` or `gb18030`.
        encoding: String,
        /// Byte offset of the first undecodable byte (0-based).
        offset: usize,
        /// Line of that byte (1-based).
        line: usize,
    },
    /// The roster has a header but not a single data row.
    #[error("名单只有表头（第 {header_row} 行），没有数据行 / the roster holds a header (row {header_row}) but no data rows")]
    RosterNoRows {
        /// 1-based row of the header.
        header_row: usize,
    },
    /// The caller forced an encoding and the text does not read as that encoding (a UTF-8 file
    /// forced to GB18030 decodes, but to nonsense).
    #[error("名单文件按指定的 {encoding} 编码读出的是乱码：请改为自动识别编码，或另存为“CSV UTF-8” / the roster does not read as the {encoding} it was declared to be: let the encoding be detected, or save it as CSV UTF-8")]
    RosterImplausibleText {
        /// The encoding the caller forced.
        encoding: String,
    },
    /// A file or a JSON document is larger than its byte limit ([`crate::Limits`]); nothing
    /// of it was read.
    #[error("输入超出大小限制：{what} 有 {size} 字节，上限 {limit}（可调高 limits.{setting}）/ input too large: the {what} has {size} bytes, over the limit of {limit} (raise limits.{setting})")]
    InputTooLarge {
        /// What was too large, such as `file` or ``JSON document `commands` ``.
        what: String,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
        /// The [`crate::Limits`] field that sets the limit, such as `max_input_bytes`.
        setting: String,
    },
    /// A workbook's zip archive passes a limit ([`crate::Limits`]): too many entries, an entry
    /// that inflates too far or at too high a ratio, or too many inflated bytes in all. Reading
    /// stopped there.
    #[error("XLSX 压缩包超出限制：{entry} 的{what}超过 {limit}（可调高 limits.{setting}）/ the XLSX archive passes a limit: {what} of {entry} is over {limit} (raise limits.{setting})")]
    ArchiveLimit {
        /// The zip entry (such as `xl/worksheets/sheet1.xml`), or `archive` for the whole.
        entry: String,
        /// What passed the limit, such as `inflated bytes` or `compression ratio`.
        what: String,
        /// The limit.
        limit: u64,
        /// The [`crate::Limits`] field that sets the limit, such as `max_entry_bytes`.
        setting: String,
    },
    /// A file holds more than a limit allows ([`crate::Limits`]): rows, cells, columns, shared
    /// strings, a CSV line or a piece of workbook XML too long. Reading stopped there.
    #[error("名单内容超出限制：{part} 的{what}超过 {limit}（可调高 limits.{setting}）/ the file holds too much: {what} of {part} is over {limit} (raise limits.{setting})")]
    ContentLimit {
        /// Where: a workbook part (such as `xl/sharedStrings.xml`) or `line N` of a CSV file.
        part: String,
        /// What passed the limit, such as `cells` or `shared strings`.
        what: String,
        /// The limit.
        limit: u64,
        /// The [`crate::Limits`] field that sets the limit, such as `max_cells`.
        setting: String,
    },
    /// A webhook cannot be set up as asked: its URL is not `http://` or `https://`, its secret
    /// is empty, or a timeout or attempt count is zero.
    #[error("推送地址或参数无效 / invalid webhook: {0}")]
    InvalidWebhook(String),
    /// A data key cannot be used: not 32 bytes, not hexadecimal or base64, or id 0. The message
    /// never repeats the key.
    #[error("数据密钥无效 / invalid data key: {0}")]
    DataKeyInvalid(String),
    /// A data key ring cannot be used: it is empty or names one key id twice.
    #[error("数据密钥环无效 / invalid data key ring: {0}")]
    DataKeyRingInvalid(String),
    /// An XLSX roster is corrupt or truncated.
    #[error("XLSX 文件已损坏或不完整：{0} / the XLSX file is corrupt or truncated: {0}")]
    RosterXlsx(String),
    /// An XLSX roster has no worksheet.
    #[error("XLSX 文件中没有工作表 / the XLSX file has no worksheet")]
    RosterNoSheet,
    /// A roster file could not be read.
    #[error("无法读取名单文件 {path}：{message} / cannot read the roster file {path}: {message}")]
    RosterIo {
        /// The path as given.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// The roster is in a format this build cannot read (legacy `.xls`, an encrypted workbook,
    /// UTF-16 text, or XLSX when the `xlsx` feature is off).
    #[error("不支持的名单格式：{0} / unsupported roster format: {0}")]
    RosterUnsupportedFormat(String),

    // ---- 2xx state machine ----
    /// The actor's role may not perform this command on this registration.
    #[error("{role} 无权执行 {command} / {role} may not perform {command}: {why}")]
    Forbidden {
        /// Role of the actor (shown by its snake_case name, such as `counselor`).
        role: Role,
        /// Command name, such as `confirm_destination`.
        command: String,
        /// Why not.
        why: String,
    },
    /// The graduate cannot log in; every reason that applies is listed with its remedy.
    #[error("无法登录 / login refused: {}", reasons.iter().map(|r| r.message_zh()).collect::<Vec<_>>().join("；"))]
    LoginRefused {
        /// Every reason that applies.
        reasons: Vec<LoginReason>,
    },
    /// The graduate has not logged in yet.
    #[error("毕业生尚未登录登记系统 / the graduate has not logged in yet")]
    NotLoggedIn,
    /// The school has not uploaded the graduate's basic information.
    #[error("学校尚未上传生源信息 / basic information has not been uploaded")]
    BasicInfoMissing,
    /// Basic information exists and differs; use a correction instead of a new upload.
    #[error(
        "生源信息已上传，请通过生源管理更正 / basic information already uploaded: use a correction"
    )]
    BasicInfoAlreadyUploaded,
    /// The graduate has not confirmed the basic information.
    #[error("毕业生尚未确认基本信息 / the graduate has not confirmed basic information")]
    BasicInfoNotConfirmed,
    /// Basic information is not awaiting the graduate's review (already confirmed, or a correction is pending).
    #[error("基本信息当前不在待核对状态（{0}）/ basic information is not awaiting review ({0})")]
    BasicInfoNotUnderReview(String),
    /// No destination has been reported by the provincial platform.
    #[error("省级平台尚未上报毕业去向 / no destination has been reported")]
    DestinationNotReported,
    /// The destination is not awaiting the graduate's confirmation.
    #[error("毕业去向当前不在待确认状态（{0}）/ destination is not awaiting confirmation ({0})")]
    NotAwaitingConfirmation(String),
    /// Authorization needs a confirmed destination.
    #[error("毕业生需完成去向登记确认才能进行核验授权 / destination must be confirmed before authorization")]
    DestinationNotConfirmed,
    /// The confirmation does not match the current data.
    #[error("去向登记确认与当前数据不一致，请重新确认 / confirmation is for data version {confirmed}, current is {current}")]
    ConfirmationOutdated {
        /// Data version that was confirmed.
        confirmed: u32,
        /// Current data version.
        current: u32,
    },
    /// The destination is confirmed: a change needs an approved void request.
    #[error("去向已确认，变更需先提交作废申请并经学院、学校审核 / destination confirmed: a change needs an approved void request")]
    ChangeNeedsVoidRequest,
    /// A void request is already open.
    #[error("已有待审核的作废申请 / a void request is already open")]
    VoidRequestOpen,
    /// There is no void request in the stage the command needs.
    #[error("没有处于该审核阶段的作废申请（{0}）/ no void request at that stage ({0})")]
    VoidRequestWrongStage(String),
    /// The change deadline has passed and no SchoolOffice override is in force.
    #[error("已过变更截止时间（{deadline}），需学校就业部门特批 / change deadline {deadline} has passed; a SchoolOffice override is needed")]
    ChangeDeadlinePassed {
        /// The deadline day, `YYYY-MM-DD` (end of day, UTC+8).
        deadline: String,
    },
    /// The requested validity period is outside the policy's bounds.
    #[error("有效期须在 {min} 至 {max} 天之间，收到 {requested} 天 / validity must be {min}..={max} days, got {requested}")]
    ValidityOutOfBounds {
        /// Requested days.
        requested: u32,
        /// Lower bound.
        min: u32,
        /// Upper bound.
        max: u32,
    },
    /// No authorization with that verification number.
    #[error("没有该核验编号的授权 / no authorization with number {0}")]
    AuthorizationNotFound(String),
    /// The authorization was revoked or superseded.
    #[error("授权{} / authorization is {state}", state_zh(*state))]
    AuthorizationNotActive {
        /// [`AuthState::Revoked`] or [`AuthState::Superseded`] (shown by its snake_case name).
        state: AuthState,
    },
    /// The authorization's validity has ended.
    #[error("授权已过期 / authorization has expired")]
    AuthorizationExpired,
    /// An extension must end later than the current end.
    #[error("延长后的有效期须晚于当前有效期 / the new end must be later than the current end")]
    ExtensionNotLater,
    /// The requested section was not registered when the authorization was issued.
    #[error("授权时未登记{0}信息 / the {0} section was not registered at authorization time")]
    SectionNotRegistered(String),
    /// A reason or note is required and was empty.
    #[error("必须填写原因 / a reason is required")]
    ReasonRequired,

    // ---- 3xx numbers, tokens, verification ----
    /// A verification number is not 16 symbols of Crockford base32.
    #[error("核验编号格式错误 / malformed verification number: {0}")]
    NumberMalformed(String),
    /// A verification number has a wrong check symbol: a typo.
    #[error("核验编号有误（校验位不符），请检查是否输错 / verification number has a typo (check symbol mismatch)")]
    NumberTypo,
    /// A transfer number is not `ZD` followed by 12 Crockford base32 symbols.
    #[error("转递编号格式错误 / malformed transfer number: {0}")]
    TransferNumberMalformed(String),
    /// A transfer number has a wrong check symbol: a typo.
    #[error("转递编号有误（校验位不符），请检查是否输错 / transfer number has a typo (check symbol mismatch)")]
    TransferNumberTypo,
    /// A key was refused: empty, too short, weak or marked as a test key in a production ring,
    /// or a public key where a signing key is needed.
    #[error("密钥被拒绝 / key refused: {0}")]
    KeyRefused(String),
    /// A key with this id is already in the ring.
    #[error("密钥编号 {0} 已存在 / key id {0} is already in the ring")]
    DuplicateKeyId(u32),
    /// No key with this id is in the ring.
    #[error("没有编号为 {0} 的密钥 / no key with id {0}")]
    KeyNotFound(u32),
    /// The ring has no active signing key.
    #[error("密钥环没有可用的签名密钥 / the key ring has no active signing key")]
    NoActiveKey,
    /// A token cannot be issued as asked (for example a URL prefix outside the QR alphanumeric
    /// set, or a disclosure too large to embed).
    #[error("无法生成核验码 / cannot issue token: {0}")]
    TokenIssue(String),
    /// A key store file cannot be used: unreadable, readable by others, malformed, or a key in
    /// it does not load.
    #[error("密钥库不可用 / key store unusable: {0}")]
    KeyStore(String),
    /// A published key set is not valid.
    #[error("公钥集无效 / invalid key set: {0}")]
    KeySetInvalid(String),
    /// A status list is not valid (signature, layout, size, or a key outside its signing
    /// period).
    #[error("状态列表无效 / invalid status list: {0}")]
    StatusListInvalid(String),

    // ---- 5xx storage ----
    /// The store failed (an SQLite error not covered by a more specific code).
    #[error("存储错误 / storage error: {0}")]
    Storage(#[source] Cause),
    /// Another writer changed the registration first; reload and apply again.
    #[error("登记已被其他操作修改（期望版本 {expected}，实际 {found}），请重试 / registration {id} changed concurrently (expected version {expected}, found {found})")]
    Conflict {
        /// The registration.
        id: String,
        /// The version the writer started from.
        expected: u64,
        /// The version found in the store.
        found: u64,
    },
    /// No registration with that id.
    #[error("没有该登记 / no registration {0}")]
    NotFound(String),
    /// The database is locked by another process for longer than the busy timeout.
    #[error("数据库被占用，请稍后再试 / database is busy or locked: {0}")]
    Busy(#[source] Cause),
    /// The database file is corrupt or not a database.
    #[error("数据库文件损坏或不是数据库 / database file is corrupt or not a database: {0}")]
    Corrupt(#[source] Cause),
    /// The disk is full.
    #[error("磁盘已满 / disk full: {0}")]
    DiskFull(#[source] Cause),
    /// A file could not be read or written.
    #[error("文件读写错误 / I/O error: {0}")]
    Io(#[source] Cause),
    /// The same ID number is already registered under another key for the same cohort
    /// (graduation year and education level).
    #[error("身份证号已在同一届次、同一学历的其他登记中使用（{other}）/ ID number already registered for this cohort as {other}")]
    DuplicateIdNumber {
        /// The other registration's id.
        other: String,
    },
    /// A transfer number (转递编号) reported for one registration is already held by another.
    #[error("转递编号 {number} 已被登记 {holder} 使用 / transfer number {number} is already held by registration {holder}")]
    DuplicateTransferNumber {
        /// The number, as displayed (`ZD-XXXX-XXXX-XXXX`).
        number: String,
        /// The key of the registration holding it.
        holder: String,
    },
    /// A notification consumer acknowledged an event past the newest one in the outbox (an
    /// acknowledgement at or behind its cursor is not an error: it changes nothing).
    #[error("消费者 {consumer} 确认的序号 {seq} 超出消息队列（最新 {last}）/ consumer {consumer} acknowledged {seq}, past the newest event {last}")]
    AckBeyondOutbox {
        /// The consumer.
        consumer: String,
        /// The sequence number it acknowledged.
        seq: u64,
        /// The newest event's sequence number.
        last: u64,
    },
    /// A stored registration does not match the audit record that wrote it, or an audit record
    /// does not verify under the registry's audit key: it was edited, rolled back or deleted
    /// behind the library's back, and it is not served.
    #[error("存储的数据与审计记录不符，可能被篡改 / stored data does not match its audit record (tampered): {0}")]
    Tampered(String),
    /// The audit key does not fit the registry (missing, wrong, or given to a registry whose
    /// audit log was started without one).
    #[error("审计密钥与登记库不符 / audit key does not fit the registry: {0}")]
    AuditKey(String),
    /// This handle found damage or tampering in its store and refuses writes until the file is
    /// repaired and opened again.
    #[error("登记库已发现损坏或篡改，拒绝写入；请修复后重新打开 / writes refused: this handle found damage or tampering; repair the file and open it again")]
    WritesRefused,
    /// The registry file's personal data is encrypted and no data key was given at open.
    #[error("登记库已加密，打开时须提供数据密钥 / the registry file is encrypted: open it with its data keys")]
    DataKeyMissing,
    /// No key of the given ring opens the registry file (or a value in it): the key it needs is
    /// absent or its bytes differ.
    #[error("数据密钥不符：需要密钥 {needed}，提供的是 {given:?} / wrong data key: key {needed} is needed, the ring holds {given:?}")]
    DataKeyWrong {
        /// The id of the key that sealed the file's key check or the value (0 when unreadable).
        needed: u32,
        /// The ids of the ring given.
        given: Vec<u32>,
    },
    /// A sealed value in the store fails to open: it was edited, truncated, moved to another row,
    /// or replaced by clear text.
    #[error("加密数据无法解密（被篡改或损坏）/ a sealed value cannot be decrypted (tampered with or damaged): {0}")]
    Undecryptable(#[source] Cause),
    /// The database server of the store cannot be reached or refuses the connection: the
    /// server is down or unreachable, the login or password is refused, the database does not
    /// exist, or the connection broke.
    #[error("无法连接登记库服务器 / the store's database server cannot be reached: {0}")]
    StoreUnreachable(#[source] Cause),
    /// The store URL demands TLS (`sslmode=require`, `verify-ca` or `verify-full`) and the
    /// database server does not offer it, or TLS cannot be set up as the URL asks.
    #[error("登记库服务器不支持 TLS 加密连接 / the store's database server does not offer the TLS the store URL demands: {0}")]
    StoreTlsUnavailable(#[source] Cause),
    /// The TLS certificate of the store's database server was refused: not signed by a trusted
    /// authority (`sslrootcert`, or the system's roots), expired, or not naming the host the URL
    /// connects to (`sslmode=verify-full`) — or the server refused the client's certificate.
    #[error("登记库服务器证书未通过验证 / the store server's TLS certificate was refused: {0}")]
    StoreCertificateRejected(#[source] Cause),

    // ---- 4xx rendering and fonts ----
    /// No usable CJK font was found: none given by the caller, none named by `GRADREG_FONT`, none
    /// in the system's font folders.
    #[error("未找到可用的中文字体（已查找：{searched}）；请安装 fonts-noto-cjk 或 fonts-wqy-microhei，或用 GRADREG_FONT 指定字体文件 / no CJK font found (searched: {searched})")]
    FontNotFound {
        /// Where the search looked.
        searched: String,
    },
    /// A font file could not be read, or is not a font the renderer can use.
    #[error("字体不可用 / font unusable: {origin}: {reason}")]
    FontInvalid {
        /// The path, or `bytes` for data given by the caller.
        origin: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The font has no glyph for a character of the form: rendering would leave a blank gap.
    #[error("字体缺少字符「{character}」(U+{code:04X})，字段 {field} / the font has no glyph for {character:?} (U+{code:04X}) in field {field}", code = u32::from(*character))]
    MissingGlyph {
        /// The character.
        character: char,
        /// The field it occurs in, such as `identity.name` or `label.identity.name`.
        field: String,
    },
    /// A field is too long to fit its box, even wrapped and at the smallest type size.
    #[error("字段 {field} 过长（{chars} 字），无法排入表格 / field {field} is too long to lay out ({chars} characters)")]
    FieldTooLong {
        /// The field, such as `archive.address`.
        field: String,
        /// Its length in characters.
        chars: usize,
    },
    /// A size or resolution is outside its allowed range.
    #[error("尺寸或分辨率无效 / invalid size or resolution: {0}")]
    InvalidRenderSize(String),
    /// The QR payload is empty, not printable ASCII, or too long for a scannable code on the form.
    #[error("二维码内容无效 / QR payload rejected: {0}")]
    QrPayloadInvalid(String),
    /// The form's content does not fit on one A4 page.
    #[error("表格内容超出一页 A4（需要 {needed_mm} 毫米）/ the form does not fit on one A4 page ({needed_mm} mm needed)")]
    FormOverflow {
        /// Height the content needs, in millimetres.
        needed_mm: u32,
    },
    /// A rendering step failed inside a rendering library.
    #[error("渲染失败 / rendering failed: {0}")]
    RenderFailed(String),
}

fn state_zh(state: AuthState) -> &'static str {
    match state {
        AuthState::Revoked => "已被撤销",
        AuthState::Superseded => "因登记信息变更已失效",
        AuthState::Active => "不在有效状态",
    }
}

fn summary(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("{}: {}", p.field, p.code.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Error {
    /// The stable code of this error (its number is the C result code and Python's `.code`).
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidRecord { .. } => ErrorCode::InvalidRecord,
            Error::MalformedJson(_) => ErrorCode::MalformedJson,
            Error::InvalidArgument(_) => ErrorCode::InvalidArgument,
            Error::InvalidPolicy(_) => ErrorCode::InvalidPolicy,
            Error::InvalidCodeTable(_) => ErrorCode::InvalidCodeTable,
            Error::RosterEmpty => ErrorCode::RosterEmpty,
            Error::RosterNoHeader => ErrorCode::RosterNoHeader,
            Error::RosterMissingColumns { .. } => ErrorCode::RosterMissingColumns,
            Error::RosterDuplicateColumns { .. } => ErrorCode::RosterDuplicateColumns,
            Error::RosterEncoding { .. } => ErrorCode::RosterEncoding,
            Error::RosterXlsx(_) => ErrorCode::RosterXlsx,
            Error::RosterNoSheet => ErrorCode::RosterNoSheet,
            Error::RosterIo { .. } => ErrorCode::RosterIo,
            Error::RosterUnsupportedFormat(_) => ErrorCode::RosterUnsupportedFormat,
            Error::RosterNoRows { .. } => ErrorCode::RosterNoRows,
            Error::RosterImplausibleText { .. } => ErrorCode::RosterImplausibleText,
            Error::InputTooLarge { .. } => ErrorCode::InputTooLarge,
            Error::ArchiveLimit { .. } => ErrorCode::ArchiveLimit,
            Error::ContentLimit { .. } => ErrorCode::ContentLimit,
            Error::Forbidden { .. } => ErrorCode::Forbidden,
            Error::LoginRefused { .. } => ErrorCode::LoginRefused,
            Error::NotLoggedIn => ErrorCode::NotLoggedIn,
            Error::BasicInfoMissing => ErrorCode::BasicInfoMissing,
            Error::BasicInfoAlreadyUploaded => ErrorCode::BasicInfoAlreadyUploaded,
            Error::BasicInfoNotConfirmed => ErrorCode::BasicInfoNotConfirmed,
            Error::BasicInfoNotUnderReview(_) => ErrorCode::BasicInfoNotUnderReview,
            Error::DestinationNotReported => ErrorCode::DestinationNotReported,
            Error::NotAwaitingConfirmation(_) => ErrorCode::NotAwaitingConfirmation,
            Error::DestinationNotConfirmed => ErrorCode::DestinationNotConfirmed,
            Error::ConfirmationOutdated { .. } => ErrorCode::ConfirmationOutdated,
            Error::ChangeNeedsVoidRequest => ErrorCode::ChangeNeedsVoidRequest,
            Error::VoidRequestOpen => ErrorCode::VoidRequestOpen,
            Error::VoidRequestWrongStage(_) => ErrorCode::VoidRequestWrongStage,
            Error::ChangeDeadlinePassed { .. } => ErrorCode::ChangeDeadlinePassed,
            Error::ValidityOutOfBounds { .. } => ErrorCode::ValidityOutOfBounds,
            Error::AuthorizationNotFound(_) => ErrorCode::AuthorizationNotFound,
            Error::AuthorizationNotActive { .. } => ErrorCode::AuthorizationNotActive,
            Error::AuthorizationExpired => ErrorCode::AuthorizationExpired,
            Error::ExtensionNotLater => ErrorCode::ExtensionNotLater,
            Error::SectionNotRegistered(_) => ErrorCode::SectionNotRegistered,
            Error::ReasonRequired => ErrorCode::ReasonRequired,
            Error::NumberMalformed(_) => ErrorCode::NumberMalformed,
            Error::NumberTypo => ErrorCode::NumberTypo,
            Error::Storage(_) => ErrorCode::Storage,
            Error::Conflict { .. } => ErrorCode::Conflict,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Busy(_) => ErrorCode::Busy,
            Error::Corrupt(_) => ErrorCode::Corrupt,
            Error::DiskFull(_) => ErrorCode::DiskFull,
            Error::Io(_) => ErrorCode::Io,
            Error::DuplicateIdNumber { .. } => ErrorCode::DuplicateIdNumber,
            Error::DuplicateTransferNumber { .. } => ErrorCode::DuplicateTransferNumber,
            Error::AckBeyondOutbox { .. } => ErrorCode::AckBeyondOutbox,
            Error::Tampered(_) => ErrorCode::Tampered,
            Error::AuditKey(_) => ErrorCode::AuditKey,
            Error::WritesRefused => ErrorCode::WritesRefused,
            Error::InvalidWebhook(_) => ErrorCode::InvalidWebhook,
            Error::DataKeyInvalid(_) => ErrorCode::DataKeyInvalid,
            Error::DataKeyRingInvalid(_) => ErrorCode::DataKeyRingInvalid,
            Error::DataKeyMissing => ErrorCode::DataKeyMissing,
            Error::DataKeyWrong { .. } => ErrorCode::DataKeyWrong,
            Error::Undecryptable(_) => ErrorCode::Undecryptable,
            Error::StoreUnreachable(_) => ErrorCode::StoreUnreachable,
            Error::StoreTlsUnavailable(_) => ErrorCode::StoreTlsUnavailable,
            Error::StoreCertificateRejected(_) => ErrorCode::StoreCertificateRejected,
            Error::TransferNumberMalformed(_) => ErrorCode::TransferNumberMalformed,
            Error::TransferNumberTypo => ErrorCode::TransferNumberTypo,
            Error::KeyRefused(_) => ErrorCode::KeyRefused,
            Error::DuplicateKeyId(_) => ErrorCode::DuplicateKeyId,
            Error::KeyNotFound(_) => ErrorCode::KeyNotFound,
            Error::NoActiveKey => ErrorCode::NoActiveKey,
            Error::TokenIssue(_) => ErrorCode::TokenIssue,
            Error::KeyStore(_) => ErrorCode::KeyStore,
            Error::KeySetInvalid(_) => ErrorCode::KeySetInvalid,
            Error::StatusListInvalid(_) => ErrorCode::StatusListInvalid,
            Error::FontNotFound { .. } => ErrorCode::FontNotFound,
            Error::FontInvalid { .. } => ErrorCode::FontInvalid,
            Error::MissingGlyph { .. } => ErrorCode::MissingGlyph,
            Error::FieldTooLong { .. } => ErrorCode::FieldTooLong,
            Error::InvalidRenderSize(_) => ErrorCode::InvalidRenderSize,
            Error::QrPayloadInvalid(_) => ErrorCode::QrPayloadInvalid,
            Error::FormOverflow { .. } => ErrorCode::FormOverflow,
            Error::RenderFailed(_) => ErrorCode::RenderFailed,
        }
    }

    /// The group of this error's code: `arguments`, `state`, `verification`, `render`, `storage`
    /// or `internal`.
    pub fn group(&self) -> &'static str {
        self.code().group()
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(Cause::from_error(e))
    }
}

/// What went wrong below a storage or I/O error: the text shown to people, and the error of the
/// operating system or the database that caused it, when there is one. In the error chain the
/// cause is the [`Error`]'s `source()`, and the original error is the cause's `source()` (so a
/// caller can downcast it to [`std::io::Error`] or the database's error); [`Cause::inner`] gives
/// it directly.
///
/// Two causes are equal when their texts are: the underlying errors are not comparable.
#[derive(Debug, Clone)]
pub struct Cause {
    message: String,
    inner: Option<Arc<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Cause {
    /// A cause with a text only.
    pub fn new(message: impl Into<String>) -> Self {
        Cause {
            message: message.into(),
            inner: None,
        }
    }

    /// A cause that keeps the error it came from; its text is that error's.
    pub fn from_error(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Cause {
            message: error.to_string(),
            inner: Some(Arc::new(error)),
        }
    }

    /// A cause with its own text that keeps the error it came from.
    pub fn with_error(
        message: impl Into<String>,
        error: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Cause {
            message: message.into(),
            inner: Some(Arc::new(error)),
        }
    }

    /// The text.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error this cause came from, if any.
    pub fn inner(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.inner.as_deref()
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        let inner: &(dyn std::error::Error + 'static) = self.inner.as_deref()?;
        Some(inner)
    }
}

impl PartialEq for Cause {
    fn eq(&self, other: &Self) -> bool {
        self.message == other.message
    }
}

impl From<String> for Cause {
    fn from(message: String) -> Self {
        Cause::new(message)
    }
}

impl From<&str> for Cause {
    fn from(message: &str) -> Self {
        Cause::new(message)
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::MalformedJson(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn storage_and_io_errors_keep_their_source() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "no access");
        let e = Error::from(io);
        assert_eq!(e.code(), ErrorCode::Io);
        let cause = e.source().expect("the cause");
        let original = cause.source().expect("the original error");
        let original = original
            .downcast_ref::<std::io::Error>()
            .expect("an io::Error");
        assert_eq!(original.kind(), std::io::ErrorKind::PermissionDenied);
        assert!(e.to_string().contains("no access"), "{e}");
        // A cause with a text only ends the chain; causes compare by text.
        let plain = Error::Storage("retries exhausted".into());
        assert!(plain.source().unwrap().source().is_none());
        assert_eq!(plain, Error::Storage(Cause::new("retries exhausted")));
        let json = serde_json::from_str::<u32>("x").unwrap_err();
        let corrupt = Error::Corrupt(Cause::with_error("registration a: bad JSON", json));
        assert!(corrupt.to_string().contains("registration a"));
        assert!(corrupt
            .source()
            .and_then(|c| c.source())
            .and_then(|s| s.downcast_ref::<serde_json::Error>())
            .is_some());
    }

    #[test]
    fn codes_are_grouped_and_unique() {
        let all = [
            Error::InvalidRecord { problems: vec![] },
            Error::MalformedJson(String::new()),
            Error::InvalidArgument(String::new()),
            Error::InvalidPolicy(String::new()),
            Error::InvalidCodeTable(String::new()),
            Error::RosterEmpty,
            Error::RosterNoHeader,
            Error::RosterMissingColumns { columns: vec![] },
            Error::RosterDuplicateColumns { columns: vec![] },
            Error::RosterEncoding {
                encoding: String::new(),
                offset: 0,
                line: 1,
            },
            Error::RosterXlsx(String::new()),
            Error::RosterNoSheet,
            Error::RosterIo {
                path: String::new(),
                message: String::new(),
            },
            Error::RosterUnsupportedFormat(String::new()),
            Error::RosterNoRows { header_row: 1 },
            Error::RosterImplausibleText {
                encoding: String::new(),
            },
            Error::InputTooLarge {
                what: String::new(),
                size: 0,
                limit: 0,
                setting: String::new(),
            },
            Error::ArchiveLimit {
                entry: String::new(),
                what: String::new(),
                limit: 0,
                setting: String::new(),
            },
            Error::ContentLimit {
                part: String::new(),
                what: String::new(),
                limit: 0,
                setting: String::new(),
            },
            Error::Forbidden {
                role: Role::Graduate,
                command: String::new(),
                why: String::new(),
            },
            Error::LoginRefused { reasons: vec![] },
            Error::NotLoggedIn,
            Error::BasicInfoMissing,
            Error::BasicInfoAlreadyUploaded,
            Error::BasicInfoNotConfirmed,
            Error::BasicInfoNotUnderReview(String::new()),
            Error::DestinationNotReported,
            Error::NotAwaitingConfirmation(String::new()),
            Error::DestinationNotConfirmed,
            Error::ConfirmationOutdated {
                confirmed: 1,
                current: 2,
            },
            Error::ChangeNeedsVoidRequest,
            Error::VoidRequestOpen,
            Error::VoidRequestWrongStage(String::new()),
            Error::ChangeDeadlinePassed {
                deadline: String::new(),
            },
            Error::ValidityOutOfBounds {
                requested: 0,
                min: 1,
                max: 2,
            },
            Error::AuthorizationNotFound(String::new()),
            Error::AuthorizationNotActive {
                state: AuthState::Revoked,
            },
            Error::AuthorizationExpired,
            Error::ExtensionNotLater,
            Error::SectionNotRegistered(String::new()),
            Error::ReasonRequired,
            Error::NumberMalformed(String::new()),
            Error::NumberTypo,
            Error::Storage(Cause::new("")),
            Error::Conflict {
                id: String::new(),
                expected: 0,
                found: 1,
            },
            Error::NotFound(String::new()),
            Error::Busy(Cause::new("")),
            Error::Corrupt(Cause::new("")),
            Error::DiskFull(Cause::new("")),
            Error::Io(Cause::new("")),
            Error::DuplicateIdNumber {
                other: String::new(),
            },
            Error::DuplicateTransferNumber {
                number: String::new(),
                holder: String::new(),
            },
            Error::AckBeyondOutbox {
                consumer: String::new(),
                seq: 1,
                last: 0,
            },
            Error::Tampered(String::new()),
            Error::AuditKey(String::new()),
            Error::WritesRefused,
            Error::InvalidWebhook(String::new()),
            Error::DataKeyInvalid(String::new()),
            Error::DataKeyRingInvalid(String::new()),
            Error::DataKeyMissing,
            Error::DataKeyWrong {
                needed: 1,
                given: vec![2],
            },
            Error::Undecryptable(Cause::new("")),
            Error::StoreUnreachable(Cause::new("")),
            Error::StoreTlsUnavailable(Cause::new("")),
            Error::StoreCertificateRejected(Cause::new("")),
            Error::TransferNumberMalformed(String::new()),
            Error::TransferNumberTypo,
            Error::KeyRefused(String::new()),
            Error::DuplicateKeyId(1),
            Error::KeyNotFound(1),
            Error::NoActiveKey,
            Error::TokenIssue(String::new()),
            Error::KeyStore(String::new()),
            Error::KeySetInvalid(String::new()),
            Error::StatusListInvalid(String::new()),
            Error::FontNotFound {
                searched: String::new(),
            },
            Error::FontInvalid {
                origin: String::new(),
                reason: String::new(),
            },
            Error::MissingGlyph {
                character: '堃',
                field: String::new(),
            },
            Error::FieldTooLong {
                field: String::new(),
                chars: 0,
            },
            Error::InvalidRenderSize(String::new()),
            Error::QrPayloadInvalid(String::new()),
            Error::FormOverflow { needed_mm: 0 },
            Error::RenderFailed(String::new()),
        ];
        let mut seen = std::collections::BTreeSet::new();
        for e in &all {
            assert!(seen.insert(e.code()), "duplicate code {}", e.code());
            assert!(!e.code().is_face_only(), "{e:?} has a face-only code");
            assert!(!e.to_string().is_empty());
        }
        assert_eq!(Error::NumberTypo.group(), "verification");
        // The codes of the verification group, pinned: they are published C result codes.
        let pinned: Vec<u32> = all
            .iter()
            .map(|e| e.code().get())
            .filter(|c| (300..400).contains(c))
            .collect();
        assert_eq!(pinned, (301..=312).collect::<Vec<_>>());
        assert_eq!(Error::KeyRefused(String::new()).group(), "verification");
        assert_eq!(Error::NotLoggedIn.group(), "state");
        assert_eq!(Error::FormOverflow { needed_mm: 1 }.group(), "render");
        let glyph = Error::MissingGlyph {
            character: '堃',
            field: "identity.name".into(),
        };
        assert!(glyph.to_string().contains("U+5803"));
        assert!(glyph.to_string().contains("identity.name"));
    }
}
