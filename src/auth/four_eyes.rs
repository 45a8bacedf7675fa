//! Rule 14, no one decides alone (会签, 领导审批制): nobody approves what they raised
//! themselves. Each decision that follows a request (a requisition, a failure, a plan, a
//! contract's second sign-off) asks this before it changes anything; the role checks say who
//! may decide at all, this says that it is not the same person who asked.

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
    fn the_second_sign_off_needs_a_second_person() {
        assert!(second_signer(&[], 3).is_ok());
        assert!(second_signer(&[4], 3).is_ok());
        assert!(matches!(
            second_signer(&[4, 3], 3),
            Err(AppError::Rule(RuleCode::SignoffSameSigner))
        ));
    }
}
