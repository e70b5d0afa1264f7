//! Batch uploads of basic information and roster imports.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Registry;
use crate::error::{Error, Result};
use crate::lifecycle::{apply, apply_prevalidated, Actor, Command, Prevalidated, Registration};

/// What happened to one record of a batch upload.
#[derive(Debug, Clone, PartialEq)]
pub enum UploadResult {
    /// A new registration was created.
    Created,
    /// An existing registration's basic information was corrected.
    Corrected,
    /// The record was already there, identical.
    Unchanged,
    /// The record was refused.
    Refused {
        /// Why.
        error: Error,
    },
}

/// How a roster import treats bad rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Any problem in the file imports nothing.
    #[default]
    AllOrNothing,
    /// Rows without problems are imported; the others are reported.
    GoodRows,
}

/// What a roster import did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ImportReport {
    /// `csv` or `xlsx`.
    pub format: String,
    /// The encoding read (`utf-8`, `utf-8-bom`, `gb18030`, `xlsx`).
    pub encoding: String,
    /// Data rows read.
    pub rows: usize,
    /// New registrations.
    pub created: usize,
    /// Registrations whose basic information changed (a correction).
    pub corrected: usize,
    /// Rows identical to what the registry holds.
    pub unchanged: usize,
    /// Rows not imported (bad, refused, or everything under all-or-nothing with a problem).
    pub rejected: usize,
    /// Every problem, by row and column.
    pub problems: Vec<crate::roster::CellProblem>,
    /// Every notice: one per column and value as written, with its rows.
    pub notices: Vec<crate::roster::RosterNotice>,
    /// Every column of the header and the field it became (or that it was ignored).
    pub columns: Vec<crate::roster::ColumnUse>,
    /// 1-based row of the header.
    pub header_row: usize,
    /// The worksheet read, for an XLSX roster.
    pub sheet: Option<String>,
    /// True for a dry run ([`Registry::preview_roster`]): the counts say what an import would
    /// do, and nothing was stored.
    pub dry_run: bool,
}

/// Rows per transaction of a good-rows import: a crash loses at most the batch in flight.
const IMPORT_BATCH: usize = 20_000;

impl Registry {
    /// Uploads many basic-information records (key, record) at `now` by `actor` in one
    /// transaction: a new key creates a registration, a changed record is a correction, an
    /// identical one changes nothing. Records the state machine refuses (invalid, wrong
    /// college, an ID number already used by another key, a key given twice) are reported and
    /// left out; with `all_or_nothing`, any refusal leaves the store untouched.
    pub fn upload_batch(
        &self,
        records: &[(String, Arc<crate::records::BasicInfo>)],
        actor: &Actor,
        now: DateTime<Utc>,
        all_or_nothing: bool,
    ) -> Result<Vec<UploadResult>> {
        self.upload(records, &[], actor, now, all_or_nothing, false)
    }

    /// [`upload_batch`](Self::upload_batch), committing nothing when `dry_run`. `prevalidated`
    /// is empty, or holds for each record the proof that the roster parser validated it against
    /// this registry's code tables (the same allocation as the record), which is then not
    /// validated again.
    fn upload(
        &self,
        records: &[(String, Arc<crate::records::BasicInfo>)],
        prevalidated: &[Prevalidated],
        actor: &Actor,
        now: DateTime<Utc>,
        all_or_nothing: bool,
        dry_run: bool,
    ) -> Result<Vec<UploadResult>> {
        let ctx = self.context(now)?;
        let mut results = Vec::with_capacity(records.len());
        let mut outcomes = Vec::with_capacity(records.len());
        let mut keys = std::collections::HashMap::new();
        let mut id_numbers = std::collections::HashMap::new();
        // One existence check for the whole batch: a key not stored needs no load, an ID number
        // no registration holds needs no search (on an empty registry, no lookup at all).
        let (stored, held) = {
            let keys: Vec<&str> = records.iter().map(|(k, _)| k.as_str()).collect();
            let idns: Vec<String> = records
                .iter()
                .map(|(_, info)| info.id_number.to_ascii_uppercase())
                .collect();
            let idns: Vec<&str> = idns.iter().map(String::as_str).collect();
            self.store.present(&keys, &idns)?
        };
        for (i, (key, info)) in records.iter().enumerate() {
            if let Some(first) = keys.insert(key.as_str(), i) {
                results.push(UploadResult::Refused {
                    error: Error::InvalidArgument(format!(
                        "key {key} appears twice (first at record {})",
                        first + 1
                    )),
                });
                continue;
            }
            let idn = info.id_number.to_ascii_uppercase();
            let year = info.graduation_year().unwrap_or(0);
            let cohort_key = (idn.clone(), year, info.education_level.clone());
            if let Some(other) = id_numbers.insert(cohort_key.clone(), key.clone()) {
                results.push(UploadResult::Refused {
                    error: Error::DuplicateIdNumber { other },
                });
                continue;
            }
            let mut holder = None;
            let others = if held.contains(&idn) {
                self.store.find_by_id_number(&idn)?
            } else {
                Vec::new()
            };
            for other in others {
                // Another cohort of the same number is allowed (its own record is not loaded).
                if &other != key
                    && self.store.load(&other)?.is_some_and(|r| {
                        super::store::cohort_index_key(&r).as_ref() == Some(&cohort_key)
                    })
                {
                    holder = Some(other);
                    break;
                }
            }
            if let Some(other) = holder {
                results.push(UploadResult::Refused {
                    error: Error::DuplicateIdNumber { other },
                });
                continue;
            }
            let current = if stored.contains(key.as_str()) {
                self.store.load(key)?
            } else {
                None
            }
            .unwrap_or_else(|| Registration::new(key.as_str()));
            let existed = current.basic.is_some();
            let command = if existed {
                Command::CorrectBasicInfo {
                    info: Arc::clone(info),
                }
            } else {
                Command::UploadBasicInfo {
                    info: Arc::clone(info),
                }
            };
            let applied = match prevalidated.get(i) {
                Some(p) => apply_prevalidated(&current, actor, &command, &ctx, p),
                None => apply(&current, actor, &command, &ctx),
            };
            match applied {
                Ok(out) if !out.changed() => results.push(UploadResult::Unchanged),
                Ok(out) => {
                    results.push(if existed {
                        UploadResult::Corrected
                    } else {
                        UploadResult::Created
                    });
                    outcomes.push((current.version, out));
                }
                Err(error) => results.push(UploadResult::Refused { error }),
            }
        }
        let refused = results
            .iter()
            .any(|r| matches!(r, UploadResult::Refused { .. }));
        if (all_or_nothing && refused) || dry_run {
            return Ok(results);
        }
        self.commit_outcomes(&outcomes)?;
        Ok(results)
    }

    /// Imports a roster (CSV in UTF-8, UTF-8 with BOM or GB18030/GBK, or XLSX) uploaded by
    /// `actor`: every record becomes a registration keyed `school_code:student_number`.
    /// Re-importing the same file changes nothing. Under [`ImportMode::AllOrNothing`] a single
    /// problem leaves the store untouched; under [`ImportMode::GoodRows`] good rows are committed
    /// in batches and bad ones reported.
    ///
    /// Headers are read with this registry's header table ([`Registry::header_aliases`]) and
    /// values checked against its code tables.
    pub fn import_roster(
        &self,
        bytes: &[u8],
        opts: &crate::roster::RosterOptions,
        mode: ImportMode,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<ImportReport> {
        self.import(bytes, opts, mode, actor, now, false)
    }

    /// A dry run of [`import_roster`](Self::import_roster): the same report — every problem
    /// and notice, which column became which field, how many registrations would be created,
    /// corrected or left unchanged, and the rows the registry would refuse — with nothing
    /// stored.
    pub fn preview_roster(
        &self,
        bytes: &[u8],
        opts: &crate::roster::RosterOptions,
        mode: ImportMode,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<ImportReport> {
        self.import(bytes, opts, mode, actor, now, true)
    }

    /// Imports, or with `dry_run` only reports what an import would do.
    fn import(
        &self,
        bytes: &[u8],
        opts: &crate::roster::RosterOptions,
        mode: ImportMode,
        actor: &Actor,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<ImportReport> {
        self.import_in_parts(bytes, opts, mode, actor, now, dry_run, IMPORT_BATCH)
    }

    /// [`import`](Self::import) with good rows written in parts of `batch`: pipelined when the
    /// roster allows it, else sequentially.
    #[allow(clippy::too_many_arguments)]
    fn import_in_parts(
        &self,
        bytes: &[u8],
        opts: &crate::roster::RosterOptions,
        mode: ImportMode,
        actor: &Actor,
        now: DateTime<Utc>,
        dry_run: bool,
        batch: usize,
    ) -> Result<ImportReport> {
        if mode == ImportMode::GoodRows && !dry_run && crate::roster::csv_reads_through(bytes, opts)
        {
            return self.import_pipelined(bytes, opts, actor, now, batch);
        }
        self.import_sequential(bytes, opts, mode, actor, now, dry_run, batch)
    }

    /// Parses the whole roster, then writes its good rows in parts of `batch` (good-rows mode).
    #[allow(clippy::too_many_arguments)]
    fn import_sequential(
        &self,
        bytes: &[u8],
        opts: &crate::roster::RosterOptions,
        mode: ImportMode,
        actor: &Actor,
        now: DateTime<Utc>,
        dry_run: bool,
        batch: usize,
    ) -> Result<ImportReport> {
        let parsed = crate::roster::parse_roster_with(bytes, opts, &self.tables, &self.aliases)?;
        let mut report = ImportReport {
            format: format_name(parsed.format),
            encoding: parsed.encoding.to_string(),
            rows: parsed.rows.len(),
            created: 0,
            corrected: 0,
            unchanged: 0,
            rejected: 0,
            problems: parsed.problems,
            notices: parsed.notices,
            columns: parsed.columns,
            header_row: parsed.header_row,
            sheet: parsed.sheet,
            dry_run,
        };
        if mode == ImportMode::AllOrNothing && !report.problems.is_empty() {
            report.rejected = parsed.rows.len();
            return Ok(report);
        }
        report.rejected = parsed.rows.iter().filter(|r| !r.ok).count();
        let good: Vec<GoodRow> = parsed
            .rows
            .into_iter()
            .filter_map(|r| GoodRow::of(r, &self.tables))
            .collect();
        let chunk = match mode {
            // A dry run commits nothing, so one batch shows every refusal at once.
            _ if dry_run => good.len().max(1),
            ImportMode::AllOrNothing => good.len().max(1),
            ImportMode::GoodRows => batch.max(1),
        };
        for part in good.chunks(chunk) {
            let refused = self.import_part(
                part,
                actor,
                now,
                mode == ImportMode::AllOrNothing,
                dry_run,
                &mut report,
            )?;
            if mode == ImportMode::AllOrNothing && refused > 0 {
                report.created = 0;
                report.corrected = 0;
                report.unchanged = 0;
                report.rejected = report.rows;
                return Ok(report);
            }
        }
        report.problems.sort_by_key(|p| p.row);
        Ok(report)
    }

    /// Uploads one part of a roster's good rows in one transaction (none with `dry_run`, none
    /// with `all_or_nothing` when a row is refused) and counts what happened in `report`, a
    /// refused row as a problem. Returns the number of rows refused.
    fn import_part(
        &self,
        part: &[GoodRow],
        actor: &Actor,
        now: DateTime<Utc>,
        all_or_nothing: bool,
        dry_run: bool,
        report: &mut ImportReport,
    ) -> Result<usize> {
        let records: Vec<_> = part
            .iter()
            .map(|g| (g.key.clone(), Arc::clone(g.record.info())))
            .collect();
        let checked: Vec<Prevalidated> = part.iter().map(|g| g.record.clone()).collect();
        let results = self.upload(&records, &checked, actor, now, all_or_nothing, dry_run)?;
        let mut refused = 0;
        for (g, result) in part.iter().zip(&results) {
            match result {
                UploadResult::Created => report.created += 1,
                UploadResult::Corrected => report.corrected += 1,
                UploadResult::Unchanged => report.unchanged += 1,
                UploadResult::Refused { error } => {
                    refused += 1;
                    report.problems.push(crate::roster::CellProblem {
                        row: g.row,
                        column: String::new(),
                        field: String::new(),
                        code: crate::validate::ProblemCode::Refused,
                        message_zh: format!("登记系统拒绝该行：{error}"),
                        message_en: format!(
                            "the registry refused this row (code {}): {error}",
                            error.code()
                        ),
                    });
                }
            }
        }
        report.rejected += refused;
        Ok(refused)
    }

    /// A good-rows import of a CSV roster that reads through without an error
    /// ([`crate::roster::csv_reads_through`]), with parsing and writing overlapped: one thread
    /// parses and validates rows and hands them over in parts of `batch` good rows,
    /// while this one writes the part before, each part in its own transaction. The parts, and
    /// so the report, are exactly those of the sequential import.
    fn import_pipelined(
        &self,
        bytes: &[u8],
        opts: &crate::roster::RosterOptions,
        actor: &Actor,
        now: DateTime<Utc>,
        batch: usize,
    ) -> Result<ImportReport> {
        let batch = batch.max(1);
        let tables = &self.tables;
        let aliases = &self.aliases;
        // One part waits while another is written, so at most three are held at a time.
        let (send, parts) = std::sync::mpsc::sync_channel::<Vec<GoodRow>>(1);
        std::thread::scope(|scope| {
            let parser = scope.spawn(move || {
                let mut problems = Vec::new();
                let mut part = Vec::with_capacity(batch);
                // False once the writer stopped (it failed): the rest is parsed for nothing.
                let mut open = true;
                let scan =
                    crate::roster::scan_roster_owned(bytes, opts, tables, aliases, |row, found| {
                        problems.append(found);
                        if !open {
                            return;
                        }
                        if let Some(g) = GoodRow::of(row, tables) {
                            part.push(g);
                            if part.len() == batch {
                                let full = std::mem::replace(&mut part, Vec::with_capacity(batch));
                                open = send.send(full).is_ok();
                            }
                        }
                    });
                // A parse that failed (which the check before the pipeline rules out after
                // the first row) hands nothing more over.
                if open && scan.is_ok() && !part.is_empty() {
                    let _ = send.send(part);
                }
                drop(send);
                scan.map(|scan| (scan, problems))
            });
            let mut report = ImportReport {
                format: String::new(),
                encoding: String::new(),
                rows: 0,
                created: 0,
                corrected: 0,
                unchanged: 0,
                rejected: 0,
                problems: Vec::new(),
                notices: Vec::new(),
                columns: Vec::new(),
                header_row: 0,
                sheet: None,
                dry_run: false,
            };
            let mut written = Ok(());
            for part in parts.iter() {
                if let Err(e) = self.import_part(&part, actor, now, false, false, &mut report) {
                    written = Err(e);
                    break;
                }
            }
            // Stops the parser's sending when the writer failed.
            drop(parts);
            let parsed = parser.join();
            written?;
            let (scan, mut problems) = match parsed {
                Ok(parsed) => parsed?,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            // The parse's problems come first, as in the sequential import, then the refusals;
            // the stable sort by row then orders them alike.
            problems.append(&mut report.problems);
            problems.sort_by_key(|p| p.row);
            Ok(ImportReport {
                format: format_name(scan.format),
                encoding: scan.encoding.to_string(),
                rows: scan.rows,
                rejected: report.rejected + scan.bad_rows,
                problems,
                notices: scan.notices,
                columns: scan.columns,
                header_row: scan.header_row,
                sheet: scan.sheet,
                ..report
            })
        })
    }
}

/// A good row of a roster: its 1-based row, its registration key and its validated record.
struct GoodRow {
    /// The row in the sheet.
    row: usize,
    /// `school_code:student_number`.
    key: String,
    /// The record, validated by the parser.
    record: Prevalidated,
}

impl GoodRow {
    /// The good row of `row`, when the parser (under `tables`) found no problem in it.
    fn of(row: crate::roster::RosterRow, tables: &crate::CodeTables) -> Option<GoodRow> {
        let at = row.row;
        let record = Prevalidated::of_roster_row(row, tables)?;
        let info = record.info();
        Some(GoodRow {
            row: at,
            key: format!("{}:{}", info.school_code, info.student_number),
            record,
        })
    }
}

/// The name of a roster's format in a report: `xlsx` or `csv`.
fn format_name(format: crate::roster::Format) -> String {
    match format {
        crate::roster::Format::Xlsx => "xlsx",
        _ => "csv",
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cohort::{generate, roster_csv, CohortSpec, Graduate, HeaderStyle};
    use crate::roster::RosterOptions;
    use crate::Policy;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn office() -> Actor {
        Actor::SchoolOffice {
            id: "office".into(),
            school: "10327".into(),
        }
    }

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 2, 0, 0)
            .single()
            .unwrap_or_default()
    }

    /// What a roster did to a registry: every registration of `grads` as stored and the whole
    /// audit log.
    fn state(r: &Registry, grads: &[Graduate]) -> (Vec<Option<Registration>>, Vec<String>) {
        let regs = grads
            .iter()
            .map(|g| {
                let key = format!("{}:{}", g.basic.school_code, g.basic.student_number);
                r.store.load(&key).unwrap()
            })
            .collect();
        let audit = r
            .audit(None)
            .unwrap()
            .iter()
            .map(|a| format!("{a:?}"))
            .collect();
        (regs, audit)
    }

    /// A cohort of `n` with the given faults, by graduate: 1 a bad ID number (a parse problem),
    /// 2 another school (refused by the registry), 3 the ID number of the graduate before (a
    /// repeated number), 4 already registered identical (unchanged), 5 already registered with
    /// another class (a correction).
    fn faulty(n: usize, seed: u64, faults: &[u8]) -> (Vec<Graduate>, Vec<Graduate>) {
        let mut grads: Vec<Graduate> = generate(&CohortSpec {
            size: n,
            seed,
            ..CohortSpec::default()
        })
        .collect();
        let mut before = Vec::new();
        for i in 0..n {
            match faults.get(i).copied().unwrap_or(0) {
                1 => grads[i].basic.id_number = "32010".into(),
                2 => grads[i].basic.school_code = "10284".into(),
                3 if i > 0 => grads[i].basic.id_number = grads[i - 1].basic.id_number.clone(),
                4 => before.push(grads[i].clone()),
                5 => {
                    before.push(grads[i].clone());
                    grads[i].basic.class_name = "另一个班".into();
                }
                _ => {}
            }
        }
        (grads, before)
    }

    /// Imports `grads` after `before` into a fresh registry, pipelined or not.
    fn run(
        r: &Registry,
        grads: &[Graduate],
        before: &[Graduate],
        batch: usize,
        pipelined: bool,
    ) -> Result<ImportReport> {
        let opts = RosterOptions::default();
        if !before.is_empty() {
            let csv = roster_csv(before, HeaderStyle::Chinese);
            r.import_roster(csv.as_bytes(), &opts, ImportMode::GoodRows, &office(), at())?;
        }
        let csv = roster_csv(grads, HeaderStyle::Chinese);
        assert!(crate::roster::csv_reads_through(csv.as_bytes(), &opts));
        if pipelined {
            r.import_pipelined(csv.as_bytes(), &opts, &office(), at(), batch)
        } else {
            r.import_sequential(
                csv.as_bytes(),
                &opts,
                ImportMode::GoodRows,
                &office(),
                at(),
                false,
                batch,
            )
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        /// The pipelined import reports exactly what the sequential one does (every problem,
        /// in the same order, and the same counts) and leaves the same registrations and audit
        /// log, whatever the part size.
        #[test]
        fn pipelined_import_is_the_sequential_import(
            n in 1usize..60,
            batch in 1usize..12,
            seed in 0u64..1000,
            faults in proptest::collection::vec(0u8..8, 0..60),
        ) {
            let (grads, before) = faulty(n, seed, &faults);
            let a = Registry::in_memory(Policy::jiangsu()).unwrap();
            let b = Registry::in_memory(Policy::jiangsu()).unwrap();
            let seq = run(&a, &grads, &before, batch, false).unwrap();
            let pip = run(&b, &grads, &before, batch, true).unwrap();
            prop_assert_eq!(&seq, &pip);
            prop_assert_eq!(seq.rows, n);
            prop_assert_eq!(state(&a, &grads), state(&b, &grads));
        }
    }

    #[test]
    fn every_fault_shows_in_the_report() {
        let (grads, before) = faulty(6, 3, &[0, 1, 2, 3, 4, 5]);
        let r = Registry::in_memory(Policy::jiangsu()).unwrap();
        let rep = run(&r, &grads, &before, 2, true).unwrap();
        assert_eq!(
            (
                rep.rows,
                rep.created,
                rep.corrected,
                rep.unchanged,
                rep.rejected
            ),
            (6, 1, 1, 1, 3),
            "{:?}",
            rep.problems
        );
        assert!(rep.problems.windows(2).all(|w| w[0].row <= w[1].row));
    }

    /// The parser's word is taken only for the very record it read, under the very tables it
    /// read it with: a copy of the record, or other tables, are validated as any upload is.
    #[test]
    fn a_record_is_trusted_only_as_read_under_its_tables() {
        use crate::lifecycle::Context;
        // A row marked good whose record is invalid, as only a fault could make one: it shows
        // whether validation ran.
        let mut info = crate::sample::basic_info();
        info.id_number = "320".into();
        let key = format!("{}:{}", info.school_code, info.student_number);
        let row = crate::roster::RosterRow {
            row: 2,
            info: info.clone(),
            ok: false,
        };
        let tables = crate::CodeTables::builtin();
        assert!(Prevalidated::of_roster_row(row, tables).is_none());
        let row = crate::roster::RosterRow {
            row: 2,
            info,
            ok: true,
        };
        let checked = Prevalidated::of_roster_row(row, tables).unwrap();
        let policy = Policy::jiangsu();
        let ctx = Context::new(at(), &policy);
        let reg = Registration::new(key.as_str());
        let upload = |info| Command::UploadBasicInfo { info };
        let trusted = apply_prevalidated(
            &reg,
            &office(),
            &upload(Arc::clone(checked.info())),
            &ctx,
            &checked,
        );
        assert!(trusted.is_ok(), "{trusted:?}");
        let copy = upload(Arc::new((**checked.info()).clone()));
        let got = apply_prevalidated(&reg, &office(), &copy, &ctx, &checked);
        assert!(matches!(got, Err(Error::InvalidRecord { .. })), "{got:?}");
        let other = tables.clone();
        let ctx = Context {
            tables: &other,
            ..Context::new(at(), &policy)
        };
        let got = apply_prevalidated(
            &reg,
            &office(),
            &upload(Arc::clone(checked.info())),
            &ctx,
            &checked,
        );
        assert!(matches!(got, Err(Error::InvalidRecord { .. })), "{got:?}");
        // The state machine's own rules still hold: another school's office is refused.
        let stranger = Actor::SchoolOffice {
            id: "x".into(),
            school: "10284".into(),
        };
        let ctx = Context::new(at(), &policy);
        let got = apply_prevalidated(
            &reg,
            &stranger,
            &upload(Arc::clone(checked.info())),
            &ctx,
            &checked,
        );
        assert!(matches!(got, Err(Error::Forbidden { .. })), "{got:?}");
    }

    /// A record over the limits late in the file refuses the whole import before any part is
    /// written, as the sequential import does (the pipeline would otherwise have written the
    /// parts before it).
    #[test]
    fn a_late_record_over_the_limits_writes_nothing() {
        let grads: Vec<Graduate> = generate(&CohortSpec {
            size: 40,
            ..CohortSpec::default()
        })
        .collect();
        let mut csv = roster_csv(&grads, HeaderStyle::Chinese);
        let longest = csv.lines().map(str::len).max().unwrap_or(0);
        csv.push_str(&"xxxx,".repeat(longest));
        csv.push_str("\r\n");
        let mut opts = RosterOptions::default();
        opts.limits.max_line_bytes = longest as u64 + 1;
        assert!(!crate::roster::csv_reads_through(csv.as_bytes(), &opts));
        let r = Registry::in_memory(Policy::jiangsu()).unwrap();
        // In parts of 8, five whole parts come before the long record.
        let got = r.import_in_parts(
            csv.as_bytes(),
            &opts,
            ImportMode::GoodRows,
            &office(),
            at(),
            false,
            8,
        );
        assert!(
            matches!(got, Err(Error::ContentLimit { ref setting, .. }) if setting == "max_line_bytes"),
            "{got:?}"
        );
        assert_eq!(r.store.count().unwrap(), 0);
        // Without the long record it imports, pipelined.
        let csv = roster_csv(&grads, HeaderStyle::Chinese);
        assert!(crate::roster::csv_reads_through(csv.as_bytes(), &opts));
        let rep = r
            .import_in_parts(
                csv.as_bytes(),
                &opts,
                ImportMode::GoodRows,
                &office(),
                at(),
                false,
                8,
            )
            .unwrap();
        assert_eq!(rep.created, 40);
    }

    /// A part that fails to commit leaves nothing of itself behind; the parts before it stay,
    /// as in the sequential import, and the import returns the store's error.
    #[cfg(feature = "sqlite")]
    #[test]
    fn a_failing_part_leaves_nothing_half_written() {
        for pipelined in [false, true] {
            let dir = std::env::temp_dir().join(format!(
                "gradreg-import-fail-{}-{pipelined}",
                std::process::id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("r.db");
            let r = Registry::open(&path, Policy::jiangsu()).unwrap();
            let grads: Vec<Graduate> = generate(&CohortSpec {
                size: 25,
                ..CohortSpec::default()
            })
            .collect();
            // The 17th registration cannot be written: the third part of 8 fails mid-way.
            let doomed = format!("10327:{}", grads[16].basic.student_number);
            let store = super::super::sqlite::SqliteStore::open(&path).unwrap();
            store
                .execute_raw(&format!(
                    "CREATE TRIGGER doomed BEFORE INSERT ON registrations WHEN NEW.id = '{doomed}' \
                     BEGIN SELECT RAISE(ABORT, 'doomed'); END;"
                ))
                .unwrap();
            drop(store);
            let got = run(&r, &grads, &[], 8, pipelined);
            assert!(got.is_err(), "{got:?}");
            // Two whole parts, and nothing of the third.
            assert_eq!(r.store.count().unwrap(), 16);
            for (i, g) in grads.iter().enumerate() {
                let key = format!("10327:{}", g.basic.student_number);
                assert_eq!(r.store.load(&key).unwrap().is_some(), i < 16, "{i}");
            }
            assert_eq!(r.audit(None).unwrap().len(), 16);
            r.check_audit().unwrap();
            drop(r);
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}
