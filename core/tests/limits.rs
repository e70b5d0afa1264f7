//! Bounded inputs: zip bombs, huge declared sizes, huge shared-string tables and long CSV lines
//! are refused quickly with a typed error (117–119) and little memory, and raising a limit lets
//! a bigger legitimate file through.
//!
//! The workbooks are built here, entry by entry; the bomb's inflated data is never made: its
//! deflate stream repeats one block that inflates to a mebibyte of zeros. A counting allocator
//! measures the peak memory of each read.
#![cfg(feature = "xlsx")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use gradreg::cohort::{generate, roster_csv, CohortSpec, HeaderStyle};
use gradreg::roster::{parse_destinations, preview_header, HeaderAliases};
use gradreg::{parse_roster, CodeTables, Error, Limits, RosterOptions};
use miniz_oxide::deflate::core::{
    compress, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush, TDEFLStatus,
};
use proptest::prelude::*;

// ---- memory ----

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded to the system allocator with the caller's layout.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded; `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// One test at a time (every test takes it first), so that a peak is the measured read's own.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `f` and returns its result with the most memory it held at once beyond what was in use
/// before, in bytes.
fn peak<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = IN_USE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

const MIB: usize = 1 << 20;

// ---- zip ----

/// CRC-32 (IEEE), as zip needs it.
fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// One zip entry as it is stored.
struct Entry {
    name: String,
    /// 0 stored, 8 deflated.
    method: u16,
    data: Vec<u8>,
    crc: u32,
    /// The uncompressed size the headers declare.
    size: u32,
}

impl Entry {
    /// A deflated entry holding `content`, declared truthfully.
    fn deflated(name: &str, content: &[u8]) -> Entry {
        Entry {
            name: name.into(),
            method: 8,
            data: miniz_oxide::deflate::compress_to_vec(content, 6),
            crc: crc32(content),
            size: content.len() as u32,
        }
    }
}

/// A zip archive of `entries`.
fn zip(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let name = e.name.as_bytes();
        let mut fields = Vec::new();
        fields.extend_from_slice(&20u16.to_le_bytes()); // version needed
        fields.extend_from_slice(&0x0800u16.to_le_bytes()); // flags: UTF-8 names
        fields.extend_from_slice(&e.method.to_le_bytes());
        fields.extend_from_slice(&0u32.to_le_bytes()); // time, date
        fields.extend_from_slice(&e.crc.to_le_bytes());
        fields.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
        fields.extend_from_slice(&e.size.to_le_bytes());
        fields.extend_from_slice(&(name.len() as u16).to_le_bytes());
        fields.extend_from_slice(&0u16.to_le_bytes()); // extra
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&fields);
        out.extend_from_slice(name);
        out.extend_from_slice(&e.data);
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&20u16.to_le_bytes()); // version made by
        central.extend_from_slice(&fields);
        central.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name);
    }
    let start = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&start.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// Raw deflate of `input` continuing the stream in `d`, flushed to a byte boundary.
fn deflate_more(d: &mut CompressorOxide, mut input: &[u8], flush: TDEFLFlush) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let (status, read, wrote) = compress(d, input, &mut buf, flush);
        input = &input[read..];
        out.extend_from_slice(&buf[..wrote]);
        match status {
            TDEFLStatus::Done => return out,
            TDEFLStatus::Okay if input.is_empty() && wrote < buf.len() => return out,
            TDEFLStatus::Okay => {}
            s => panic!("deflate failed: {s:?}"),
        }
    }
}

/// A deflate stream that inflates to `mib` mebibytes of `unit` repeated (its length divides a
/// mebibyte), made without them: the block for the second mebibyte refers only to copies of
/// `unit` before it, so it is repeated.
fn repeat_stream(unit: &[u8], mib: usize) -> Vec<u8> {
    assert_eq!(MIB % unit.len(), 0);
    let flags = create_comp_flags_from_zip_params(9, -15, 0);
    let mut d = CompressorOxide::new(flags);
    let zeros = unit.repeat(MIB / unit.len());
    let first = deflate_more(&mut d, &zeros, TDEFLFlush::Sync);
    let again = deflate_more(&mut d, &zeros, TDEFLFlush::Sync);
    let end = deflate_more(&mut d, &[], TDEFLFlush::Finish);
    let mut out = Vec::with_capacity(first.len() + again.len() * mib + end.len());
    out.extend_from_slice(&first);
    for _ in 1..mib {
        out.extend_from_slice(&again);
    }
    out.extend_from_slice(&end);
    out
}

// ---- workbooks ----

const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

/// The parts of a one-sheet workbook around its sheet (and shared strings when given).
fn frame(shared: bool) -> Vec<Entry> {
    let mut rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_NS}"><Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>"#
    );
    let mut types = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#,
    );
    if shared {
        rels.push_str(&format!(
            r#"<Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>"#
        ));
        types.push_str(r#"<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>"#);
    }
    rels.push_str("</Relationships>");
    types.push_str("</Types>");
    vec![
        Entry::deflated("[Content_Types].xml", types.as_bytes()),
        Entry::deflated(
            "_rels/.rels",
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_NS}"><Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#).as_bytes(),
        ),
        Entry::deflated(
            "xl/workbook.xml",
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets><sheet name="生源信息" sheetId="1" r:id="rId1"/></sheets></workbook>"#).as_bytes(),
        ),
        Entry::deflated("xl/_rels/workbook.xml.rels", rels.as_bytes()),
    ]
}

/// A worksheet part with `rows` (its `<row>` elements) inside.
fn sheet(rows: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><sheetData>{rows}</sheetData></worksheet>"#
    )
    .into_bytes()
}

/// A row of inline-string cells.
fn row(r: usize, cells: &[&str]) -> String {
    let mut s = format!(r#"<row r="{r}">"#);
    for (i, c) in cells.iter().enumerate() {
        let col = (b'A' + i as u8) as char;
        s.push_str(&format!(
            r#"<c r="{col}{r}" t="inlineStr"><is><t>{c}</t></is></c>"#
        ));
    }
    s.push_str("</row>");
    s
}

/// A workbook whose sheet is `sheet_xml` (and shared strings `sst` when given).
fn workbook(sheet_xml: &[u8], sst: Option<&[u8]>) -> Vec<u8> {
    let mut entries = frame(sst.is_some());
    entries.push(Entry::deflated("xl/worksheets/sheet1.xml", sheet_xml));
    if let Some(sst) = sst {
        entries.push(Entry::deflated("xl/sharedStrings.xml", sst));
    }
    zip(&entries)
}

/// A workbook whose sheet is a zip bomb inflating to `mib` mebibytes of empty elements
/// (`<x/>`; zeros would be one long text run, refused for that).
fn bomb(mib: usize) -> Vec<u8> {
    let mut entries = frame(false);
    entries.push(Entry {
        name: "xl/worksheets/sheet1.xml".into(),
        method: 8,
        data: repeat_stream(b"<x/>", mib),
        crc: 0,
        size: u32::try_from(mib * MIB).unwrap_or(u32::MAX - 1),
    });
    zip(&entries)
}

/// A roster of `n` generated graduates as an XLSX workbook (every cell a string).
fn roster_workbook(n: usize) -> Vec<u8> {
    let spec = CohortSpec {
        size: n,
        seed: 16,
        ..CohortSpec::default()
    };
    let graduates: Vec<_> = generate(&spec).collect();
    let csv = roster_csv(&graduates, HeaderStyle::Chinese);
    let mut rows = String::new();
    for (i, line) in csv.lines().enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        rows.push_str(&row(i + 1, &cells));
    }
    workbook(&sheet(&rows), None)
}

fn opts(limits: Limits) -> RosterOptions {
    RosterOptions {
        limits,
        ..RosterOptions::default()
    }
}

fn read(bytes: &[u8], limits: Limits) -> Result<gradreg::ParsedRoster, Error> {
    parse_roster(bytes, &opts(limits), CodeTables::builtin())
}

/// The setting a limit error names, with its code.
fn setting(e: &Error) -> (u32, &str) {
    match e {
        Error::InputTooLarge { setting, .. }
        | Error::ArchiveLimit { setting, .. }
        | Error::ContentLimit { setting, .. } => (e.code().get(), setting.as_str()),
        other => panic!("not a limit error: {other:?}"),
    }
}

// ---- tests ----

#[test]
fn a_4_gib_zip_bomb_is_refused_quickly_in_little_memory() {
    let _serial = serial();
    let bytes = bomb(4096);
    assert!(bytes.len() < 8 * MIB, "the bomb is {} bytes", bytes.len());
    let started = Instant::now();
    let (err, held) = peak(|| read(&bytes, Limits::default()).unwrap_err());
    let took = started.elapsed();
    assert_eq!(setting(&err), (118, "max_ratio"), "{err}");
    assert!(err.to_string().contains("limits.max_ratio"), "{err}");
    assert!(held < 16 * MIB, "held {held} bytes");
    eprintln!(
        "4 GiB bomb ({} bytes): refused in {took:?} holding {held} bytes: {err}",
        bytes.len()
    );
    // Every reader of workbooks checks first.
    let o = opts(Limits::default());
    let (e, held) = peak(|| preview_header(&bytes, &o, HeaderAliases::builtin()).unwrap_err());
    assert_eq!(setting(&e).0, 118);
    assert!(held < 16 * MIB, "held {held} bytes");
    let (e, held) = peak(|| parse_destinations(&bytes, &o, CodeTables::builtin()).unwrap_err());
    assert_eq!(setting(&e).0, 118);
    assert!(held < 16 * MIB, "held {held} bytes");
}

#[test]
fn an_entry_past_its_size_and_the_archive_past_its_total_are_refused() {
    let _serial = serial();
    let bytes = bomb(64);
    let no_ratio = Limits {
        max_ratio: u64::MAX,
        ..Limits::default()
    };
    let (e, held) = peak(|| {
        read(
            &bytes,
            Limits {
                max_entry_bytes: 8 * MIB as u64,
                ..no_ratio
            },
        )
        .unwrap_err()
    });
    assert_eq!(setting(&e), (118, "max_entry_bytes"), "{e}");
    assert!(held < 16 * MIB, "held {held} bytes");
    let e = read(
        &bytes,
        Limits {
            max_total_bytes: 4 * MIB as u64,
            ..no_ratio
        },
    )
    .unwrap_err();
    assert_eq!(setting(&e), (118, "max_total_bytes"), "{e}");
}

#[test]
fn too_many_entries_are_refused() {
    let _serial = serial();
    let good = roster_workbook(5);
    let mut entries = frame(false);
    entries.push(Entry::deflated(
        "xl/worksheets/sheet1.xml",
        &sheet(&row(1, &["姓名"])),
    ));
    for i in 0..50 {
        entries.push(Entry::deflated(&format!("junk/{i}.bin"), b"x"));
    }
    let many = zip(&entries);
    let few = Limits {
        max_entries: 20,
        ..Limits::default()
    };
    assert_eq!(
        setting(&read(&many, few).unwrap_err()),
        (118, "max_entries")
    );
    assert!(read(&good, few).is_ok(), "a workbook of 5 entries passes");
}

#[test]
fn a_huge_declared_shared_string_count_is_refused() {
    let _serial = serial();
    // The spreadsheet reader reserves room for the count the table declares.
    let sst = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" count="1" uniqueCount="1000000000000"><si><t>姓名</t></si></sst>"#
    );
    let s = sheet(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#);
    let bytes = workbook(&s, Some(sst.as_bytes()));
    let (e, held) = peak(|| read(&bytes, Limits::default()).unwrap_err());
    assert_eq!(setting(&e), (119, "max_shared_strings"), "{e}");
    assert!(held < 16 * MIB, "held {held} bytes");
}

#[test]
fn a_huge_shared_string_table_is_refused() {
    let _serial = serial();
    let mut sst = format!(r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}">"#);
    for i in 0..5000 {
        sst.push_str(&format!("<si><t>string number {i}</t></si>"));
    }
    sst.push_str("</sst>");
    let s = sheet(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#);
    let bytes = workbook(&s, Some(sst.as_bytes()));
    let count = Limits {
        max_shared_strings: 1000,
        ..Limits::default()
    };
    assert_eq!(
        setting(&read(&bytes, count).unwrap_err()),
        (119, "max_shared_strings")
    );
    let text = Limits {
        max_shared_string_bytes: 10_000,
        ..Limits::default()
    };
    assert_eq!(
        setting(&read(&bytes, text).unwrap_err()),
        (119, "max_shared_string_bytes")
    );
}

#[test]
fn a_huge_used_range_is_refused_before_the_reader_allocates_it() {
    let _serial = serial();
    // Two cells, A1 and XFD1048576: the reader would allocate 17 billion cells.
    let s = sheet(
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
    );
    let bytes = workbook(&s, None);
    let (e, held) = peak(|| read(&bytes, Limits::default()).unwrap_err());
    assert_eq!(setting(&e), (119, "max_cells"), "{e}");
    assert!(held < 16 * MIB, "held {held} bytes");
    let rows = Limits {
        max_rows: 1000,
        ..Limits::default()
    };
    assert_eq!(setting(&read(&bytes, rows).unwrap_err()), (119, "max_rows"));
}

#[test]
fn a_text_run_longer_than_its_limit_is_refused() {
    let _serial = serial();
    // Letters that do not compress far, so that the run and not the ratio is refused.
    let mut x = 16u64;
    let long: String = (0..2 * MIB)
        .map(|_| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            char::from(b'a' + (x >> 59) as u8 % 26)
        })
        .collect();
    let bytes = workbook(&sheet(&row(1, &[&long])), None);
    let e = read(&bytes, Limits::default()).unwrap_err();
    assert_eq!(setting(&e), (119, "max_xml_token_bytes"), "{e}");
}

#[test]
fn csv_lines_columns_and_rows_have_limits() {
    let _serial = serial();
    let spec = CohortSpec {
        size: 50,
        seed: 7,
        ..CohortSpec::default()
    };
    let graduates: Vec<_> = generate(&spec).collect();
    let csv = roster_csv(&graduates, HeaderStyle::Chinese);
    assert!(read(csv.as_bytes(), Limits::default()).is_ok());
    let rows = Limits {
        max_rows: 20,
        ..Limits::default()
    };
    assert_eq!(
        setting(&read(csv.as_bytes(), rows).unwrap_err()),
        (119, "max_rows")
    );
    let wide = format!("{csv}{}\n", ",".repeat(20_000));
    assert_eq!(
        setting(&read(wide.as_bytes(), Limits::default()).unwrap_err()),
        (119, "max_columns")
    );
    let long = format!("{csv}\"{}\"\n", "x".repeat(2 * MIB));
    let e = read(long.as_bytes(), Limits::default()).unwrap_err();
    assert_eq!(setting(&e), (119, "max_line_bytes"));
    assert!(e.to_string().contains("CSV line 52"), "{e}");
    let o = opts(rows);
    let e = parse_destinations(csv.as_bytes(), &o, CodeTables::builtin()).unwrap_err();
    assert_eq!(setting(&e), (119, "max_rows"));
}

#[test]
fn input_bytes_are_checked_before_reading() {
    let _serial = serial();
    let csv = "姓名,身份证号\n张三,1\n";
    let small = Limits {
        max_input_bytes: 10,
        ..Limits::default()
    };
    let e = read(csv.as_bytes(), small).unwrap_err();
    assert_eq!(setting(&e), (117, "max_input_bytes"));
    assert!(matches!(e, Error::InputTooLarge { size, limit: 10, .. } if size == csv.len() as u64));
    let dir = std::env::temp_dir().join(format!("gradreg-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("roster.csv");
    std::fs::write(&path, csv).unwrap();
    let e = gradreg::parse_roster_file(&path, &opts(small), CodeTables::builtin()).unwrap_err();
    assert_eq!(setting(&e), (117, "max_input_bytes"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn raised_limits_let_a_bigger_legitimate_workbook_through() {
    let _serial = serial();
    let bytes = roster_workbook(300);
    let tight = Limits {
        max_cells: 3000,
        max_input_bytes: 1000,
        ..Limits::default()
    };
    assert_eq!(
        setting(&read(&bytes, tight).unwrap_err()),
        (117, "max_input_bytes")
    );
    let tight = Limits {
        max_input_bytes: bytes.len() as u64,
        ..tight
    };
    assert_eq!(
        setting(&read(&bytes, tight).unwrap_err()),
        (119, "max_cells")
    );
    let raised = Limits {
        max_cells: 1_000_000,
        ..tight
    };
    let p = read(&bytes, raised).unwrap();
    assert_eq!(p.rows.len(), 300);
    assert!(p.problems.is_empty(), "{:?}", p.problems.first());
    // And through the registry's import, which takes the limits with the options.
    let reg = gradreg::Registry::in_memory(gradreg::Policy::jiangsu()).unwrap();
    let school = gradreg::Actor::SchoolOffice {
        id: "jyc".into(),
        school: "10284".into(),
    };
    let now = chrono::Utc::now();
    let e = reg
        .preview_roster(
            &bytes,
            &opts(tight),
            gradreg::ImportMode::GoodRows,
            &school,
            now,
        )
        .unwrap_err();
    assert_eq!(setting(&e), (119, "max_cells"));
}

#[test]
fn a_declared_size_that_lies_allocates_nothing_from_it() {
    let _serial = serial();
    // The sheet's headers declare 4 GiB for a few hundred bytes.
    let s = sheet(&row(1, &["姓名", "身份证号"]));
    let mut entries = frame(false);
    let mut e = Entry::deflated("xl/worksheets/sheet1.xml", &s);
    e.size = u32::MAX - 1;
    entries.push(e);
    let bytes = zip(&entries);
    let (r, held) = peak(|| read(&bytes, Limits::default()));
    assert!(held < 16 * MIB, "held {held} bytes");
    if let Err(e) = r {
        assert!(
            !e.to_string().contains("malformed data"),
            "the reader panicked: {e}"
        );
    }
}

#[test]
fn roster_options_take_the_process_default() {
    let _serial = serial();
    // Every other test here gives its limits explicitly, so changing the default is safe.
    let mine = Limits {
        max_rows: 7,
        ..Limits::default()
    };
    Limits::set_process_default(Some(mine));
    assert_eq!(RosterOptions::default().limits, mine);
    let o: RosterOptions = serde_json::from_str(r#"{"format":"csv","encoding":"auto"}"#).unwrap();
    assert_eq!(o.limits, mine);
    let o: RosterOptions =
        serde_json::from_str(r#"{"format":"csv","encoding":"auto","limits":{"max_rows":3}}"#)
            .unwrap();
    assert_eq!(
        (o.limits.max_rows, o.limits.max_cells),
        (3, Limits::default().max_cells)
    );
    Limits::set_process_default(None);
    assert_eq!(Limits::process_default(), Limits::default());
    assert_eq!(RosterOptions::default().limits, Limits::default());
}

/// Tight limits for the property test, and the memory they allow.
fn tight() -> Limits {
    Limits {
        max_input_bytes: MIB as u64,
        max_entry_bytes: 4 * MIB as u64,
        max_total_bytes: 8 * MIB as u64,
        max_cells: 100_000,
        max_shared_strings: 10_000,
        max_shared_string_bytes: MIB as u64,
        max_xml_token_bytes: 64 * 1024,
        ..Limits::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// No byte-mutated workbook makes the reader panic or hold more than the limits allow.
    #[test]
    fn mutated_workbooks_never_panic_or_pass_their_limits(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        xml_edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
    ) {
        let _serial = serial();
        // Mutate the sheet's XML (zipped with a correct checksum) and the archive's bytes.
        let rows: String = (1..=20).map(|r| row(r, &["姓名", "320102200001011234", "1"])).collect();
        let mut xml = sheet(&format!("<dimension ref=\"A1:C20\"/>{rows}"));
        for (i, b) in &xml_edits {
            let at = i.index(xml.len());
            xml[at] = *b;
        }
        let mut bytes = workbook(&xml, None);
        for (i, b) in &edits {
            let at = i.index(bytes.len());
            bytes[at] = *b;
        }
        let (r, held) = peak(|| read(&bytes, tight()));
        prop_assert!(held < 64 * MIB, "held {} bytes", held);
        if let Err(e) = r {
            prop_assert!(!e.to_string().contains("malformed data"), "the reader panicked: {}", e);
        }
    }
}

/// A roster of 200,000 graduates passes the default limits (slow in a debug build: run it with
/// `cargo test -p gradreg --test limits -- --ignored`).
#[test]
#[ignore]
fn two_hundred_thousand_rows_pass_the_defaults() {
    let _serial = serial();
    let spec = CohortSpec {
        size: 200_000,
        seed: 16,
        ..CohortSpec::default()
    };
    let graduates: Vec<_> = generate(&spec).collect();
    let csv = roster_csv(&graduates, HeaderStyle::Chinese);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, line) in csv.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            ws.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    let bytes = wb.save_to_buffer().unwrap();
    let started = Instant::now();
    let p = read(&bytes, Limits::default()).unwrap();
    assert_eq!(p.rows.len(), 200_000);
    eprintln!(
        "200,000 rows: {} bytes of XLSX read in {:?}",
        bytes.len(),
        started.elapsed()
    );
}

#[test]
fn deeply_nested_json_is_refused_not_recursed_into() {
    let _serial = serial();
    // serde_json stops at 128 levels (no crate here turns on its `unbounded_depth`).
    // The faces parse every JSON document with it.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let e = serde_json::from_str::<serde_json::Value>(&deep).unwrap_err();
    assert!(e.to_string().contains("recursion limit"), "{e}");
}
