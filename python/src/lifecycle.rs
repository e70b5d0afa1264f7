//! The state machine, its policies and reminders.

use gradreg::{Actor, Command, Context, Error, Policy, Registration, ReminderOptions};
use pyo3::prelude::*;
use serde_json::{json, Value};

use crate::errors::{parse, parse_time, raise, run, to_json};

/// Applies a command to a registration (the pure state machine) and returns the outcome JSON:
/// the new registration, the events and the audit entry.
#[pyfunction]
fn apply(
    py: Python<'_>,
    registration: String,
    actor: String,
    command: String,
    now: String,
    policy: String,
) -> PyResult<String> {
    run(py, move || {
        let reg: Registration = parse("registration", &registration)?;
        let actor: Actor = parse("actor", &actor)?;
        let command: Command = parse("command", &command)?;
        let policy: Policy = parse("policy", &policy)?;
        policy.check()?;
        let mut ctx = Context::new(parse_time(&now)?, &policy);
        ctx.entropy = Context::os_entropy()?;
        to_json(&gradreg::apply(&reg, &actor, &command, &ctx)?)
    })
}

/// The stage of a registration at `now` (its snake_case name).
#[pyfunction]
fn stage(py: Python<'_>, registration: String, now: String) -> PyResult<String> {
    run(py, move || {
        let reg: Registration = parse("registration", &registration)?;
        Ok(reg.stage(parse_time(&now)?).as_str().to_string())
    })
}

/// Every reason the graduate cannot log in, with Chinese and English remedies, as JSON.
#[pyfunction]
fn login_problems(py: Python<'_>, registration: String) -> PyResult<String> {
    run(py, move || {
        let reg: Registration = parse("registration", &registration)?;
        let out: Vec<Value> = reg
            .login_problems()
            .into_iter()
            .map(|r| json!({"reason": r, "message_zh": r.message_zh(), "message_en": r.message_en()}))
            .collect();
        to_json(&out)
    })
}

/// The reminders due at `now` for a JSON list of registrations.
#[pyfunction]
fn reminders(
    py: Python<'_>,
    registrations: String,
    policy: String,
    now: String,
    options: String,
) -> PyResult<String> {
    run(py, move || {
        let regs: Vec<Registration> = parse("registrations", &registrations)?;
        let policy: Policy = parse("policy", &policy)?;
        policy.check()?;
        let opts: ReminderOptions = parse("reminder options", &options)?;
        opts.check()?;
        to_json(&gradreg::reminders(
            &regs,
            &policy,
            parse_time(&now)?,
            &opts,
        ))
    })
}

/// A preset policy (`jiangsu` or `national`) as JSON.
#[pyfunction]
fn policy_preset(py: Python<'_>, name: String) -> PyResult<String> {
    let p = match name.as_str() {
        "jiangsu" => Policy::jiangsu(),
        "national" => Policy::national(),
        _ => {
            return Err(raise(
                py,
                &Error::InvalidArgument(format!("unknown policy preset {name:?}")),
            ))
        }
    };
    to_json(&p).map_err(|e| raise(py, &e))
}

/// The deadlines of a graduate who graduates on `graduation_date` (`YYYY-MM-DD`): those of
/// their graduation batch, as JSON.
#[pyfunction]
fn policy_deadlines(py: Python<'_>, policy: String, graduation_date: String) -> PyResult<String> {
    run(py, move || {
        let p: Policy = parse("policy", &policy)?;
        let date = gradreg::validate::parse_date(&graduation_date).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "graduation date {graduation_date:?} is not a YYYY-MM-DD date"
            ))
        })?;
        to_json(&p.deadlines(date)?)
    })
}

/// When a deadline (`registration` or `change`) of a graduation year passes, RFC 3339.
#[pyfunction]
fn deadline_end(py: Python<'_>, policy: String, which: String, year: i32) -> PyResult<String> {
    run(py, move || {
        let p: Policy = parse("policy", &policy)?;
        let end = match which.as_str() {
            "registration" => p.registration_deadline_end(year)?,
            "change" => p.change_deadline_end(year)?,
            other => {
                return Err(Error::InvalidArgument(format!(
                    "unknown deadline {other:?}"
                )))
            }
        };
        Ok(end.to_rfc3339())
    })
}

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(apply, m)?)?;
    m.add_function(wrap_pyfunction!(stage, m)?)?;
    m.add_function(wrap_pyfunction!(login_problems, m)?)?;
    m.add_function(wrap_pyfunction!(reminders, m)?)?;
    m.add_function(wrap_pyfunction!(policy_preset, m)?)?;
    m.add_function(wrap_pyfunction!(policy_deadlines, m)?)?;
    m.add_function(wrap_pyfunction!(deadline_end, m)?)
}
