//! Destination imports: the provincial platform's destination export (毕业去向, 档案转递, 户口迁移)
//! read with [`crate::roster::parse_destinations_with`], each row reported to its registration
//! as [`Command::ReportDestination`].

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{ImportMode, Registry};
use crate::error::{Error, Result};
use crate::lifecycle::{apply, Actor, Command, Context, Outcome, Registration};
use crate::roster::{
    CellProblem, ColumnUse, DestinationHeaders, DestinationRow, Format, RosterNotice, RosterOptions,
};
use crate::validate::ProblemCode;

/// A row the registry refused: no such registration, an identity that disagrees with it, or a
/// refusal by the state machine (such as a change of a confirmed destination).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RefusedRow {
    /// 1-based row in the sheet.
    pub row: usize,
    /// The registration the row names (its key, or the ID number it was looked up by).
    pub registration: String,
    /// The error's stable numeric code ([`Error::code`]).
    pub code: String,
    /// The error's message.
    pub message: String,
    /// The error itself.
    #[serde(skip)]
    pub error: Error,
}

/// What a destination import did.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DestinationImportReport {
    /// `csv` or `xlsx`.
    pub format: String,
    /// The encoding read (`utf-8`, `utf-8-bom`, `gb18030`, `xlsx`).
    pub encoding: String,
    /// Data rows read.
    pub rows: usize,
    /// Rows reported (a first report, or an update of the destination).
    pub reported: usize,
    /// Rows identical to what the registration holds.
    pub unchanged: usize,
    /// Rows not imported (bad, refused, or everything under all-or-nothing with a problem).
    pub rejected: usize,
    /// Every problem, by row and column; a refused row has one of code
    /// [`ProblemCode::Refused`].
    pub problems: Vec<CellProblem>,
    /// Every notice (values read in canonical form), by row.
    pub notices: Vec<RosterNotice>,
    /// Every column of the header and the field it became (or that it was ignored).
    pub columns: Vec<ColumnUse>,
    /// 1-based row of the header.
    pub header_row: usize,
    /// The worksheet read, for an XLSX file.
    pub sheet: Option<String>,
    /// The rows the registry refused, with the error.
    pub refused: Vec<RefusedRow>,
}

impl Registry {
    /// Imports a destination export of the provincial platform (CSV in UTF-8, UTF-8 with BOM or
    /// GB18030/GBK, or XLSX), as [`crate::roster::parse_destinations`] reads it: each row names
    /// a registration — by 学号 + 院校代码 (the key `school_code:student_number`) or by 身份证号
    /// — and is applied to it as [`Command::ReportDestination`] by `actor` (the provincial
    /// platform, [`Actor::ProvincialPlatform`]). When a row gives both key and ID number, or a
    /// name, they must agree with the registration.
    ///
    /// Under [`ImportMode::AllOrNothing`] a single problem or refusal leaves the store as it
    /// was; under [`ImportMode::GoodRows`] good rows are committed together and the others
    /// reported. Importing the same file again changes nothing (`unchanged`).
    pub fn import_destinations(
        &self,
        bytes: &[u8],
        opts: &RosterOptions,
        mode: ImportMode,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<DestinationImportReport> {
        let parsed = crate::roster::parse_destinations_with(
            bytes,
            opts,
            &self.tables,
            DestinationHeaders::builtin(),
            &self.aliases,
        )?;
        let mut report = DestinationImportReport {
            format: match parsed.format {
                Format::Xlsx => "xlsx",
                _ => "csv",
            }
            .to_string(),
            encoding: parsed.encoding.to_string(),
            rows: parsed.rows.len(),
            reported: 0,
            unchanged: 0,
            rejected: 0,
            problems: parsed.problems,
            notices: parsed.notices,
            columns: parsed.columns,
            header_row: parsed.header_row,
            sheet: parsed.sheet,
            refused: Vec::new(),
        };
        if mode == ImportMode::AllOrNothing && !report.problems.is_empty() {
            report.rejected = report.rows;
            return Ok(report);
        }
        report.rejected = parsed.rows.iter().filter(|r| !r.ok).count();
        let mut ctx = self.context(now)?;
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut outcomes: Vec<(u64, Outcome)> = Vec::new();
        let mut claims = super::Claims::default();
        for r in parsed.rows.into_iter().filter(|r| r.ok) {
            let (label, found) = self.registration_of(&r)?;
            let reg = match found {
                Ok(reg) => reg,
                Err(error) => {
                    refuse(&mut report, r.row, label, error);
                    continue;
                }
            };
            if let Some(first) = seen.insert(reg.id.clone(), r.row) {
                report.rejected += 1;
                report.problems.push(CellProblem {
                    row: r.row,
                    column: String::new(),
                    field: String::new(),
                    code: ProblemCode::Duplicate,
                    message_zh: format!("登记号“{}”与第 {first} 行重复", reg.id),
                    message_en: format!("registration {:?} repeats row {first}", reg.id),
                });
                continue;
            }
            ctx.entropy = Context::os_entropy()?;
            let command = Command::ReportDestination {
                data: Arc::new(r.data),
            };
            match apply(&reg, actor, &command, &ctx) {
                Ok(out) if !out.changed() => report.unchanged += 1,
                Ok(out) => {
                    if let Err(error) = self.check_claims(&reg, &out.registration, &mut claims)? {
                        refuse(&mut report, r.row, reg.id.clone(), error);
                        continue;
                    }
                    report.reported += 1;
                    outcomes.push((reg.version, out));
                }
                Err(error) => refuse(&mut report, r.row, reg.id.clone(), error),
            }
        }
        report.problems.sort_by_key(|p| p.row);
        let failed = report
            .problems
            .iter()
            .any(|p| matches!(p.code, ProblemCode::Refused | ProblemCode::Duplicate));
        if mode == ImportMode::AllOrNothing && failed {
            report.reported = 0;
            report.unchanged = 0;
            report.rejected = report.rows;
            return Ok(report);
        }
        self.commit_outcomes(&outcomes)?;
        Ok(report)
    }

    /// The registration a row names, with the label to report it by; the inner `Err` is a
    /// refusal of the row (no such registration, or an identity that disagrees with it).
    fn registration_of(
        &self,
        r: &DestinationRow,
    ) -> Result<(String, std::result::Result<Registration, Error>)> {
        let id = &r.ident;
        let (label, reg) = match id.key() {
            Some(key) => {
                let reg = self.store.load(&key)?;
                (key, reg)
            }
            None => {
                // An ID number may hold several cohorts: a row without a key goes to the
                // newest one (the graduating cohort; past cohorts are kept for the record).
                let reg = self.find_by_id_number(&id.id_number)?.into_iter().next();
                (id.id_number.clone(), reg)
            }
        };
        let Some(reg) = reg.filter(|g| g.basic.is_some()) else {
            return Ok((label.clone(), Err(Error::NotFound(label))));
        };
        let basic = reg.basic.as_deref().cloned().unwrap_or_default();
        if !id.id_number.is_empty() && !basic.id_number.eq_ignore_ascii_case(&id.id_number) {
            return Ok((
                reg.id.clone(),
                Err(Error::InvalidArgument(format!(
                    "身份证号与登记“{}”不符 / the ID number differs from registration {}",
                    reg.id, reg.id
                ))),
            ));
        }
        if !id.name.is_empty() && !crate::names::same_name(&basic.name, &id.name) {
            return Ok((
                reg.id.clone(),
                Err(Error::InvalidArgument(format!(
                    "姓名“{}”与登记“{}”的“{}”不符 / the name {:?} differs from registration {}",
                    id.name, reg.id, basic.name, id.name, reg.id
                ))),
            ));
        }
        Ok((reg.id.clone(), Ok(reg)))
    }
}

/// Records a refused row in the report.
fn refuse(report: &mut DestinationImportReport, row: usize, registration: String, error: Error) {
    report.rejected += 1;
    report.problems.push(CellProblem {
        row,
        column: String::new(),
        field: String::new(),
        code: ProblemCode::Refused,
        message_zh: format!("登记系统拒绝该行（{registration}）：{error}"),
        message_en: format!(
            "the registry refused this row ({registration}, code {}): {error}",
            error.code()
        ),
    });
    report.refused.push(RefusedRow {
        row,
        registration,
        code: error.code().to_string(),
        message: error.to_string(),
        error,
    });
}
