//! Validation of records. Every check runs and every problem is reported, each with the field,
//! a stable code and a message in Chinese and English.
//!
//! Spreadsheet damage — an ID number or phone turned into scientific notation (`3.20102E+17`), a
//! trailing `.0`, lost leading zeros — is the most common upload error and is named as such.
//!
//! # Map
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | the [`Validate`] trait, [`MAX_FIELD_CHARS`] |
//! | `basic.rs` | the rules of [`BasicInfo`](crate::records::BasicInfo) and [`ChsiAccount`](crate::records::ChsiAccount) |
//! | `destination.rs` | the rules of [`DestinationData`](crate::records::DestinationData): destination, employer, study, archive, hukou |
//! | `checker.rs` | the problem and notice collector and the rule for each kind of field |
//! | `formats.rs` | shapes of single values: dates, phones, e-mail, spreadsheet damage |
//! | `documents.rs` | identity documents (证件类型): the number rule of each type |
//! | `check_digits.rs` | GB 11643 (ID number) and GB 32100 (credit code) check characters |
//!
//! [`Problem`] and [`ProblemCode`] are defined in a leaf module that the error type imports too,
//! and re-exported here.

mod basic;
mod check_digits;
mod checker;
mod destination;
mod documents;
mod formats;

pub use crate::problem::{Notice, NoticeCode, Problem, ProblemCode};
pub use check_digits::{credit_check_character, id_check_character, is_valid_credit_code};
pub use checker::{check_id_number, check_id_number_notices};
pub use documents::{check_document_number, effective_id_type, id_number_label, ID_CARD};
pub use formats::{parse_date, spreadsheet_damage};

use crate::error::{Error, Result};
use crate::tables::CodeTables;

/// Longest accepted text field, in characters.
pub const MAX_FIELD_CHARS: usize = 200;

/// A record that can be validated against code tables.
pub trait Validate {
    /// Every problem of the record (empty when valid).
    fn problems(&self, tables: &CodeTables) -> Vec<Problem>;

    /// Every notice about the record: valid but unusual values worth a look (none by
    /// default). Notices never make a record invalid.
    fn notices(&self, _tables: &CodeTables) -> Vec<Notice> {
        Vec::new()
    }

    /// Every problem and every notice, from one pass over the rules (what [`problems`] and
    /// [`notices`] give, without checking the record twice).
    ///
    /// [`problems`]: Validate::problems
    /// [`notices`]: Validate::notices
    fn review(&self, tables: &CodeTables) -> (Vec<Problem>, Vec<Notice>) {
        (self.problems(tables), self.notices(tables))
    }

    /// `Ok(())` when valid, else [`Error::InvalidRecord`] with every problem.
    fn validate(&self, tables: &CodeTables) -> Result<()> {
        let problems = self.problems(tables);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidRecord { problems })
        }
    }
}
