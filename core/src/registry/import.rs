//! Batch uploads of basic information and roster imports.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Registry;
use crate::error::{Error, Result};
use crate::lifecycle::{apply, Actor, Command, Registration};

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
        self.upload(records, actor, now, all_or_nothing, false)
    }

    /// [`upload_batch`](Self::upload_batch), committing nothing when `dry_run`.
    fn upload(
        &self,
        records: &[(String, Arc<crate::records::BasicInfo>)],
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
            match apply(&current, actor, &command, &ctx) {
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
        let parsed = crate::roster::parse_roster_with(bytes, opts, &self.tables, &self.aliases)?;
        let mut report = ImportReport {
            format: match parsed.format {
                crate::roster::Format::Xlsx => "xlsx",
                _ => "csv",
            }
            .to_string(),
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
        let good: Vec<(usize, (String, Arc<crate::records::BasicInfo>))> = parsed
            .rows
            .into_iter()
            .filter(|r| r.ok)
            .map(|r| {
                let key = format!("{}:{}", r.info.school_code, r.info.student_number);
                (r.row, (key, Arc::new(r.info)))
            })
            .collect();
        let chunk = match mode {
            // A dry run commits nothing, so one batch shows every refusal at once.
            _ if dry_run => good.len().max(1),
            ImportMode::AllOrNothing => good.len().max(1),
            ImportMode::GoodRows => IMPORT_BATCH,
        };
        for part in good.chunks(chunk) {
            let records: Vec<_> = part.iter().map(|(_, r)| r.clone()).collect();
            let results = self.upload(
                &records,
                actor,
                now,
                mode == ImportMode::AllOrNothing,
                dry_run,
            )?;
            let mut refused = 0;
            for ((row, _), result) in part.iter().zip(&results) {
                match result {
                    UploadResult::Created => report.created += 1,
                    UploadResult::Corrected => report.corrected += 1,
                    UploadResult::Unchanged => report.unchanged += 1,
                    UploadResult::Refused { error } => {
                        refused += 1;
                        report.problems.push(crate::roster::CellProblem {
                            row: *row,
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
            if mode == ImportMode::AllOrNothing && refused > 0 {
                report.created = 0;
                report.corrected = 0;
                report.unchanged = 0;
                report.rejected = report.rows;
                return Ok(report);
            }
            report.rejected += refused;
        }
        report.problems.sort_by_key(|p| p.row);
        Ok(report)
    }
}
