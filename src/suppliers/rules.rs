//! Pure supplier rules: statuses and the unified social credit code (GB 32100-2015).

use serde::{Deserialize, Serialize};

/// Where a supplier stands. Only `Admitted` suppliers may list, deliver or bid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SupplierStatus {
    Draft,
    Submitted,
    UnderReview,
    Admitted,
    Suspended,
    Removed,
    Rejected,
}

impl SupplierStatus {
    pub const ALL: [SupplierStatus; 7] = [
        SupplierStatus::Draft,
        SupplierStatus::Submitted,
        SupplierStatus::UnderReview,
        SupplierStatus::Admitted,
        SupplierStatus::Suspended,
        SupplierStatus::Removed,
        SupplierStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SupplierStatus::Draft => "draft",
            SupplierStatus::Submitted => "submitted",
            SupplierStatus::UnderReview => "under_review",
            SupplierStatus::Admitted => "admitted",
            SupplierStatus::Suspended => "suspended",
            SupplierStatus::Removed => "removed",
            SupplierStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Rule 1: trading (listing, delivering, bidding) needs admission.
    pub fn may_trade(self) -> bool {
        self == SupplierStatus::Admitted
    }
}

const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a credit code was refused; each is a message code (`validation-credit_code_<x>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreditCodeError {
    Length,
    Characters,
    CheckDigit,
}

impl CreditCodeError {
    pub fn code(self) -> &'static str {
        match self {
            CreditCodeError::Length => "credit_code_length",
            CreditCodeError::Characters => "credit_code_characters",
            CreditCodeError::CheckDigit => "credit_code_check_digit",
        }
    }
}

/// A unified social credit code (统一社会信用代码) whose check digit is right.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CreditCode(String);

impl CreditCode {
    /// The check character for the first 17 characters.
    pub fn check_char(first17: &str) -> Option<char> {
        let mut sum = 0u32;
        for (i, c) in first17.chars().enumerate() {
            let v = CHARSET.find(c)? as u32;
            sum += v * WEIGHTS.get(i)?;
        }
        let check = (31 - sum % 31) % 31;
        CHARSET.chars().nth(check as usize)
    }

    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let code: String = input.trim().to_uppercase();
        if code.chars().count() != 18 {
            return Err(CreditCodeError::Length);
        }
        if !code.chars().all(|c| CHARSET.contains(c)) {
            return Err(CreditCodeError::Characters);
        }
        let (body, check) = code.split_at(17);
        if Self::check_char(body).map(String::from).as_deref() != Some(check) {
            return Err(CreditCodeError::CheckDigit);
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_published_credit_code_is_accepted() {
        // A well-known published code (Huawei Technologies Co., Ltd.).
        assert!(CreditCode::parse("914403001922038216").is_ok());
        assert!(CreditCode::parse(" 91440300192203821 6").is_err());
    }

    #[test]
    fn a_wrong_check_digit_length_or_letter_is_named() {
        assert_eq!(
            CreditCode::parse("914403001922038217"),
            Err(CreditCodeError::CheckDigit)
        );
        assert_eq!(
            CreditCode::parse("91440300192203821"),
            Err(CreditCodeError::Length)
        );
        assert_eq!(
            CreditCode::parse("9144030019220382IO"),
            Err(CreditCodeError::Characters)
        );
    }

    #[test]
    fn only_admitted_suppliers_trade() {
        for s in SupplierStatus::ALL {
            assert_eq!(s.may_trade(), s == SupplierStatus::Admitted);
        }
    }
}
