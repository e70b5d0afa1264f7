//! Statistics of a subset (one school, one cohort) and the work lists of a school's staff:
//! pending void requests, batch approval, the graduates who cannot log in, and destinations
//! left unconfirmed. Each function takes the registry it works on.

use gradreg::{Actor, Query, VoidStage};
use pyo3::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::errors::{parse, parse_time, to_json, ErrorJson};
use crate::registry::NativeRegistry;

/// One id's result of a batch approval of void requests.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct VoidApprovalJson {
    /// The registration id.
    pub id: String,
    /// The request's stage after the approval (`awaiting_school` after the college,
    /// `approved` after the school).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub void_stage: Option<VoidStage>,
    /// Why this id was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorJson>,
}

/// The statistics of the registrations matching a JSON query at `now`, as JSON.
#[pyfunction]
fn registry_statistics_for(
    py: Python<'_>,
    registry: &NativeRegistry,
    query: String,
    now: String,
) -> PyResult<String> {
    registry.with(py, move |r| {
        let q: Query = parse("query", &query)?;
        to_json(&r.statistics_for(&q, parse_time(&now)?)?)
    })
}

/// The void requests awaiting a JSON actor's decision at `now`, as JSON.
#[pyfunction]
fn registry_pending_void_requests(
    py: Python<'_>,
    registry: &NativeRegistry,
    actor: String,
    now: String,
) -> PyResult<String> {
    registry.with(py, move |r| {
        let actor: Actor = parse("actor", &actor)?;
        to_json(&r.pending_void_requests(&actor, parse_time(&now)?)?)
    })
}

/// Approves the void requests of a JSON list of ids as a JSON actor, in one transaction; returns
/// a JSON list of `{"id", "void_stage"}` or `{"id", "error"}`, one per id in order.
#[pyfunction]
fn registry_approve_void_requests(
    py: Python<'_>,
    registry: &NativeRegistry,
    actor: String,
    ids: String,
    note: String,
    now: String,
) -> PyResult<String> {
    registry.with(py, move |r| {
        let actor: Actor = parse("actor", &actor)?;
        let ids: Vec<String> = parse("ids", &ids)?;
        let results = r.approve_void_requests(&actor, &ids, &note, parse_time(&now)?)?;
        let out: Vec<VoidApprovalJson> = results
            .into_iter()
            .map(|(id, res)| match res {
                Ok(o) => VoidApprovalJson {
                    id,
                    void_stage: o.registration.void_request.as_ref().map(|v| v.stage),
                    error: None,
                },
                Err(e) => VoidApprovalJson {
                    id,
                    void_stage: None,
                    error: Some(ErrorJson::of(&e)),
                },
            })
            .collect();
        to_json(&out)
    })
}

/// The graduates in a JSON actor's scope who cannot log in at `now`, with the reasons, as JSON.
#[pyfunction]
fn registry_cannot_log_in(
    py: Python<'_>,
    registry: &NativeRegistry,
    actor: String,
    now: String,
) -> PyResult<String> {
    registry.with(py, move |r| {
        let actor: Actor = parse("actor", &actor)?;
        to_json(&r.cannot_log_in(&actor, parse_time(&now)?)?)
    })
}

/// The registrations in a JSON actor's scope unconfirmed for at least `days` at `now`, as JSON
/// summaries.
#[pyfunction]
fn registry_unconfirmed(
    py: Python<'_>,
    registry: &NativeRegistry,
    actor: String,
    days: i64,
    now: String,
) -> PyResult<String> {
    registry.with(py, move |r| {
        let actor: Actor = parse("actor", &actor)?;
        to_json(&r.unconfirmed_for(&actor, days, parse_time(&now)?)?)
    })
}

/// Adds the functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(registry_statistics_for, m)?)?;
    m.add_function(wrap_pyfunction!(registry_pending_void_requests, m)?)?;
    m.add_function(wrap_pyfunction!(registry_approve_void_requests, m)?)?;
    m.add_function(wrap_pyfunction!(registry_cannot_log_in, m)?)?;
    m.add_function(wrap_pyfunction!(registry_unconfirmed, m)?)
}
