//! Rule 14, no one decides alone (会签, 领导审批制): nobody approves what they raised
//! themselves. Each decision that follows a request (a requisition, a failure, a plan, a
//! contract's second sign-off) asks this before it changes anything; the role checks say who
//! may decide at all, this says that it is not the same person who asked ([`not_own`]), nor
//! the only one who took part before ([`not_sole`]: a tender's award and its scorers).

use crate::error::{AppError, RuleCode};

/// Refuses `decider` deciding what `raised_by` raised when they are the same person.
pub fn not_own(raised_by: i64, decider: i64) -> Result<(), AppError> {
    if raised_by == decider {
        Err(AppError::Rule(RuleCode::OwnRequest))
    } else {
        Ok(())
    }
}

/// Refuses `signer` giving a sign-off of a round in which they already signed another level
/// (`signed`: who signed the round's levels so far).
pub fn second_signer(signed: &[i64], signer: i64) -> Result<(), AppError> {
    if signed.contains(&signer) {
        Err(AppError::Rule(RuleCode::SignoffSameSigner))
    } else {
        Ok(())
    }
}

/// Refuses `approver` deciding on what was decided before by `deciders` (a tender's scorers)
/// when nobody but the approver is among them: someone else must have taken part.
pub fn not_sole(deciders: &[i64], approver: i64) -> Result<(), AppError> {
    if deciders.iter().any(|d| *d != approver) {
        Ok(())
    } else {
        Err(AppError::Rule(RuleCode::SoleDecider))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nobody_decides_what_they_raised() {
        assert!(matches!(
            not_own(7, 7),
            Err(AppError::Rule(RuleCode::OwnRequest))
        ));
        assert!(not_own(7, 8).is_ok());
    }

    #[test]
    fn an_approver_is_never_the_only_one_who_decided_before() {
        for alone in [&[][..], &[5], &[5, 5]] {
            assert!(matches!(
                not_sole(alone, 5),
                Err(AppError::Rule(RuleCode::SoleDecider))
            ));
        }
        assert!(not_sole(&[5, 6], 5).is_ok());
        assert!(not_sole(&[6, 7, 8], 5).is_ok());
    }

    #[test]
    fn the_second_sign_off_needs_a_second_person() {
        assert!(second_signer(&[], 3).is_ok());
        assert!(second_signer(&[4], 3).is_ok());
        assert!(matches!(
            second_signer(&[4, 3], 3),
            Err(AppError::Rule(RuleCode::SignoffSameSigner))
        ));
    }
}
