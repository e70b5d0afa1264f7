//! Validation of records, and sample records.

use std::ffi::c_char;

use gradreg::{BasicInfo, ChsiAccount, CodeTables, DestinationData, Validate};

use crate::args::gradreg_str;
use crate::support::{guard, json_object, json_string, str_arg, FfiResult, Out};

/// Parses a record, validates it and writes the problems.
///
/// # Safety
/// As the entry points that call it.
unsafe fn validate<T: serde::de::DeserializeOwned + Validate>(
    json: gradreg_str,
    problems_json_out: *mut *mut c_char,
    problem_count_out: *mut usize,
) -> FfiResult {
    let out = Out::new(problems_json_out, "problems_json_out")?;
    // SAFETY: forwarded from the caller.
    let text = unsafe { str_arg(json, "json") }?;
    let record: T = json_object(text, "json")?;
    let problems = record.problems(CodeTables::builtin());
    let rendered = json_string(&problems)?;
    if !problem_count_out.is_null() {
        // SAFETY: non-NULL and writable by the caller's promise.
        unsafe { problem_count_out.write(problems.len()) };
    }
    out.write(rendered);
    Ok(())
}

/// Validates a graduate's basic information (生源信息) and lists every problem at once.
///
/// - `json`: the record as UTF-8 JSON.
///   Fields (all strings; missing ones count as empty):
///   `name`, `gender` (`"1"` 男, `"2"` 女), `id_number` (18 characters, GB 11643),
///   `exam_number`, `student_number`, `school_code` (5 digits), `school_name`, `college`,
///   `major_code`, `major_name`, `education_level` (`"31"` 本科生毕业 …), `training_mode`,
///   `schooling_length` (`"4"`, `"3.5"`), `enrolment_date`, `graduation_date` (`YYYY-MM-DD`),
///   `origin_region` (6 digits), `ethnicity`, `political_status` (2 digits), `phone`, `email`.
///   Unknown fields are refused. Example:
///   `{"name":"张明","gender":"1","id_number":"320102200403151217","school_code":"10327",
///   "school_name":"南京财经大学","college":"会计学院","major_code":"120203K",
///   "major_name":"会计学","education_level":"31","graduation_date":"2026-06-30"}`
/// - `problems_json_out`: receives a JSON array, `[]` when the record is valid, else one object
///   per problem: `{"field":"id_number","code":"bad_check_character","message_zh":"…",
///   "message_en":"…"}`. Free it with `gradreg_string_free`.
/// - `problem_count_out`: may be NULL; else receives the number of problems.
///
/// Returns `GRADREG_OK` whether or not the record has problems (check the count or the array);
/// `GRADREG_ERR_MALFORMED_JSON` when the text is not such a record; `GRADREG_ERR_NULL_ARGUMENT`,
/// `GRADREG_ERR_INVALID_UTF8`. Outputs are written only on success. Thread-safe.
///
/// # Safety
/// `json` must be `{NULL, 0}` or point to `json.len` readable bytes; the out pointers must be
/// writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_basic_info_validate(
    json: gradreg_str,
    problems_json_out: *mut *mut c_char,
    problem_count_out: *mut usize,
) -> u32 {
    // SAFETY: forwarded.
    guard(|| unsafe { validate::<BasicInfo>(json, problems_json_out, problem_count_out) })
}

/// Validates what the provincial platform reports: destination, archive transfer and hukou
/// migration (`DestinationData`), listing every problem at once.
///
/// - `json`: UTF-8 JSON:
///   `{"destination":{"code":"10","sub_code":null,"employer":{"name":"…","credit_code":"91…",
///   "nature":"39","industry":"63","region":"320106","address":"…"},"job_category":"13",
///   "signing_date":"2026-04-20","further_study":{"school":"…","major":"…"},
///   "abroad":{"country_region":"…","school":"…","major":"…"}},
///   "archive":{"receiving_unit":"…","address":"…","postal_code":"210008","contact":"…",
///   "phone":"025-83592000","method":"confidential_mail"},
///   "hukou":{"migrate":true,"reason":"graduation","address":"…","police_station":"…",
///   "region":"320106"}}`.
///   `method` is `confidential_mail`, `ems` or `collected_by_unit`; `reason` is `graduation` or
///   `further_study`; the parts a destination code does not use are omitted.
/// - outputs, return values and thread rules as `gradreg_basic_info_validate`.
///
/// # Safety
/// As `gradreg_basic_info_validate`.
#[no_mangle]
pub unsafe extern "C" fn gradreg_destination_validate(
    json: gradreg_str,
    problems_json_out: *mut *mut c_char,
    problem_count_out: *mut usize,
) -> u32 {
    // SAFETY: forwarded.
    guard(|| unsafe { validate::<DestinationData>(json, problems_json_out, problem_count_out) })
}

/// Validates a CHSI (学信网) account as CHSI reports it.
///
/// - `json`: UTF-8 JSON `{"name":"张明","id_number":"…","student_record_bound":true,
///   "phone":"13812345678","email":"a@example.com"}`.
/// - outputs, return values and thread rules as `gradreg_basic_info_validate`.
///
/// # Safety
/// As `gradreg_basic_info_validate`.
#[no_mangle]
pub unsafe extern "C" fn gradreg_chsi_account_validate(
    json: gradreg_str,
    problems_json_out: *mut *mut c_char,
    problem_count_out: *mut usize,
) -> u32 {
    // SAFETY: forwarded.
    guard(|| unsafe { validate::<ChsiAccount>(json, problems_json_out, problem_count_out) })
}

/// A synthetic sample record, valid, for examples and tests (ID numbers and credit codes carry
/// correct check characters; the person is 张明 of 南京财经大学 会计学院, graduating in 2026).
///
/// - `kind`: `"basic_info"`, `"chsi_account"` (matching the basic info),
///   `"destination"` (an employment destination with archive and hukou data) or
///   `"destination_with_transfer_number"` (the same with a 转递编号 `ZD-…` in the archive data).
/// - `json_out`: receives the record as JSON; free it with `gradreg_string_free`.
///
/// Returns `GRADREG_OK`, `GRADREG_ERR_INVALID_ARGUMENT` for another kind,
/// `GRADREG_ERR_NULL_ARGUMENT`, `GRADREG_ERR_INVALID_UTF8`. Thread-safe.
///
/// # Safety
/// `kind` must be `{NULL, 0}` or point to `kind.len` readable bytes; `json_out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn gradreg_sample_record(
    kind: gradreg_str,
    json_out: *mut *mut c_char,
) -> u32 {
    guard(|| {
        let out = Out::new(json_out, "json_out")?;
        // SAFETY: forwarded.
        let kind = unsafe { str_arg(kind, "kind") }?;
        let text = match kind {
            "basic_info" => json_string(&gradreg::sample::basic_info())?,
            "chsi_account" => json_string(&gradreg::sample::chsi_account())?,
            "destination" => json_string(&gradreg::sample::destination_data())?,
            "destination_with_transfer_number" => {
                let mut data = gradreg::sample::destination_data();
                if let Some(archive) = data.archive.as_mut() {
                    let number = gradreg::TransferNumber::from_entropy(&[0x5a; 16]);
                    archive.transfer_number = Some(number.to_string());
                }
                json_string(&data)?
            }
            other => {
                return Err(gradreg::Error::InvalidArgument(format!(
                    "unknown sample kind {other:?} (basic_info, chsi_account, destination, destination_with_transfer_number)"
                ))
                .into())
            }
        };
        out.write(text);
        Ok(())
    })
}
