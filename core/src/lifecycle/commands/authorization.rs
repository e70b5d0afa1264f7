//! Authorizations (核验授权): the graduate issues, extends and revokes them; a department records
//! that it verified a form.

use super::super::actor::Actor;
use super::super::authorization::{AuthState, AuthStatus, Authorization, Section, Sections};
use super::super::events::{EventFacts, EventKind, Recipient};
use super::super::registration::{BasicStatus, DestinationStatus};
use super::super::tx::{find_auth, graduate_ready, validity_end, Tx};
use crate::codes::number::VerificationNumber;
use crate::error::{Error, Result};

/// Refuses a validity outside the policy's bounds.
fn check_validity(tx: &Tx<'_>, days: u32) -> Result<()> {
    let bounds = tx.ctx.policy.validity;
    if days < bounds.min_days || days > bounds.max_days {
        return Err(Error::ValidityOutOfBounds {
            requested: days,
            min: bounds.min_days,
            max: bounds.max_days,
        });
    }
    Ok(())
}

/// `authorize`: needs confirmed basic information and a destination confirmed at the current
/// data version; issues a new verification number from the context's entropy.
pub(super) fn authorize(tx: &mut Tx<'_>, validity_days: Option<u32>) -> Result<()> {
    graduate_ready(&tx.reg)?;
    if tx.reg.basic_status != BasicStatus::Confirmed {
        return Err(Error::BasicInfoNotConfirmed);
    }
    if tx.reg.destination_status != DestinationStatus::Confirmed {
        return Err(Error::DestinationNotConfirmed);
    }
    match tx.reg.confirmed_version {
        Some(v) if v == tx.reg.data_version => {}
        other => {
            return Err(Error::ConfirmationOutdated {
                confirmed: other.unwrap_or(0),
                current: tx.reg.data_version,
            })
        }
    }
    let days = validity_days.unwrap_or(tx.ctx.policy.validity.default_days);
    check_validity(tx, days)?;
    let number = VerificationNumber::from_entropy(&tx.ctx.entropy);
    if tx.reg.authorization(&number).is_some() {
        return Err(Error::InvalidArgument(
            "entropy reused: this verification number was already issued".into(),
        ));
    }
    let data = tx.reg.destination.as_deref();
    let sections = Sections {
        archive: data.is_some_and(|d| d.archive.is_some()),
        hukou: data.is_some_and(|d| d.hukou.is_some()),
    };
    let now = tx.now();
    let valid_until = validity_end(now, days)?;
    tx.reg.authorizations.push(Authorization {
        number,
        issued_at: now,
        valid_until,
        data_version: tx.reg.data_version,
        sections,
        state: AuthState::Active,
        ended_at: None,
    });
    tx.summary = format!("核验授权 {number}，有效期 {days} 天");
    let number = number.to_string();
    tx.emit(
        EventKind::AuthorizationIssued,
        Recipient::Graduate,
        &EventFacts {
            number: &number,
            days,
            ..EventFacts::NONE
        },
    );
    Ok(())
}

/// `extend_authorization`: a valid (or not yet valid) authorization ends `validity_days` from
/// now, which must be later than its current end.
pub(super) fn extend(
    tx: &mut Tx<'_>,
    number: &VerificationNumber,
    validity_days: u32,
) -> Result<()> {
    graduate_ready(&tx.reg)?;
    check_validity(tx, validity_days)?;
    let now = tx.now();
    let auth = find_auth(&mut tx.reg, number)?;
    match auth.status_at(now) {
        AuthStatus::Valid | AuthStatus::NotYetValid => {}
        AuthStatus::Expired => return Err(Error::AuthorizationExpired),
        AuthStatus::Revoked | AuthStatus::Superseded => {
            return Err(Error::AuthorizationNotActive { state: auth.state })
        }
    }
    let new_end = validity_end(now, validity_days)?;
    if new_end <= auth.valid_until {
        return Err(Error::ExtensionNotLater);
    }
    auth.valid_until = new_end;
    tx.summary = format!("延长授权 {number} 至 {}", new_end.to_rfc3339());
    let number = number.to_string();
    tx.emit(
        EventKind::AuthorizationExtended,
        Recipient::Graduate,
        &EventFacts::number(&number),
    );
    Ok(())
}

/// `revoke_authorization`: an active authorization ends now.
pub(super) fn revoke(tx: &mut Tx<'_>, number: &VerificationNumber) -> Result<()> {
    graduate_ready(&tx.reg)?;
    let now = tx.now();
    let auth = find_auth(&mut tx.reg, number)?;
    if auth.state != AuthState::Active {
        return Err(Error::AuthorizationNotActive { state: auth.state });
    }
    auth.state = AuthState::Revoked;
    auth.ended_at = Some(now);
    tx.summary = format!("撤销授权 {number}");
    let number = number.to_string();
    tx.emit(
        EventKind::AuthorizationRevoked,
        Recipient::Graduate,
        &EventFacts::number(&number),
    );
    Ok(())
}

/// `record_verification`: a department checked a form of a valid authorization that covers it;
/// the graduate is told who checked.
pub(super) fn record_verification(
    tx: &mut Tx<'_>,
    actor: &Actor,
    number: &VerificationNumber,
    section: Section,
) -> Result<()> {
    let dept = match actor {
        Actor::ArchiveDept { name, .. } | Actor::HukouDept { name, .. } => name.clone(),
        _ => String::new(),
    };
    let now = tx.now();
    let auth = find_auth(&mut tx.reg, number)?;
    match auth.status_at(now) {
        AuthStatus::Valid => {}
        AuthStatus::Expired | AuthStatus::NotYetValid => return Err(Error::AuthorizationExpired),
        AuthStatus::Revoked | AuthStatus::Superseded => {
            return Err(Error::AuthorizationNotActive { state: auth.state })
        }
    }
    if !auth.sections.has(section) {
        return Err(Error::SectionNotRegistered(section.name_zh().into()));
    }
    tx.summary = format!("{dept} 核验{}信息（{number}）", section.name_zh());
    let number = number.to_string();
    tx.emit(
        EventKind::FormVerified,
        Recipient::Graduate,
        &EventFacts {
            by: &dept,
            number: &number,
            section: Some(section),
            ..EventFacts::NONE
        },
    );
    Ok(())
}
