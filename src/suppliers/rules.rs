//! Pure supplier rules: statuses and the unified social credit code (GB 32100-2015).

use crate::error::RuleCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where a supplier stands. Only `Admitted` suppliers may list, deliver or bid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SupplierStatus {
    Draft,
    Submitted,
    InfoRequested,
    Recommended,
    Admitted,
    Suspended,
    Removed,
    Rejected,
}

impl SupplierStatus {
    pub const ALL: [SupplierStatus; 8] = [
        SupplierStatus::Draft,
        SupplierStatus::Submitted,
        SupplierStatus::InfoRequested,
        SupplierStatus::Recommended,
        SupplierStatus::Admitted,
        SupplierStatus::Suspended,
        SupplierStatus::Removed,
        SupplierStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SupplierStatus::Draft => "draft",
            SupplierStatus::Submitted => "submitted",
            SupplierStatus::InfoRequested => "info_requested",
            SupplierStatus::Recommended => "recommended",
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
    pub fn code(self) -> RuleCode {
        match self {
            CreditCodeError::Length => RuleCode::CreditCodeLength,
            CreditCodeError::Characters => RuleCode::CreditCodeCharacters,
            CreditCodeError::CheckDigit => RuleCode::CreditCodeCheckDigit,
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

    /// Reads a code as people paste it: spaces and dashes between groups (ASCII or
    /// full-width, as Chinese input methods type them), lower case and full-width letters
    /// and digits are all taken as the plain 18 characters.
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let code = Self::normalise(input);
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

    /// `input` without separators, full-width forms made ASCII, in upper case.
    pub fn normalise(input: &str) -> String {
        input
            .chars()
            .map(|c| match c {
                // Full-width ASCII (！ to ～) is the ASCII character 0xFEE0 below it.
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            })
            .filter(|c| {
                !c.is_whitespace() && !matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}')
            })
            .flat_map(char::to_uppercase)
            .collect()
    }
}

/// What a procurement step or the supplier does to an application or an admitted supplier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    /// The supplier submits (or resubmits) its application.
    Submit,
    /// An officer (or the head) asks the supplier for more information.
    RequestInfo,
    /// An officer recommends admission.
    Recommend,
    /// An officer or the head rejects the application.
    Reject,
    /// The head approves admission.
    Admit,
    Suspend,
    Reinstate,
    /// The second confirmed failure.
    Remove,
}

impl SupplierStatus {
    /// Rule 1's life cycle: the status after `t`, or why `t` is not possible now.
    pub fn after(self, t: Transition) -> Result<SupplierStatus, RuleCode> {
        use SupplierStatus::*;
        use Transition::*;
        match (self, t) {
            (Draft | InfoRequested, Submit) => Ok(Submitted),
            (Submitted | Recommended, RequestInfo) => Ok(InfoRequested),
            (Submitted, Recommend) => Ok(Recommended),
            (Submitted | Recommended, Reject) => Ok(Rejected),
            (Recommended, Admit) => Ok(Admitted),
            (Admitted, Suspend) => Ok(Suspended),
            (Suspended, Reinstate) => Ok(Admitted),
            (Admitted | Suspended, Remove) => Ok(Removed),
            _ => Err(RuleCode::TransitionNotAllowed),
        }
    }

    /// The supplier may still edit its application.
    pub fn editable(self) -> bool {
        matches!(self, SupplierStatus::Draft | SupplierStatus::InfoRequested)
    }
}

/// Rule 2: a supplier with this many confirmed failures is removed.
pub const FAILURES_TO_REMOVE: i32 = 2;

/// Rule 2: true when `confirmed` failures remove the supplier.
pub fn removal_due(confirmed: i32) -> bool {
    confirmed >= FAILURES_TO_REMOVE
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    Quality,
    Price,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailureSource {
    ReceivingInspection,
    SiteComplaint,
    PriceSurvey,
    Tender,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Quality => "quality",
            FailureKind::Price => "price",
        }
    }
}

impl FailureSource {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureSource::ReceivingInspection => "receiving_inspection",
            FailureSource::SiteComplaint => "site_complaint",
            FailureSource::PriceSurvey => "price_survey",
            FailureSource::Tender => "tender",
        }
    }

    /// Quality failures come from inspection and complaints; price failures from surveys
    /// and tenders (DOMAIN.md rule 2).
    pub fn fits(self, kind: FailureKind) -> bool {
        match kind {
            FailureKind::Quality => matches!(
                self,
                FailureSource::ReceivingInspection | FailureSource::SiteComplaint
            ),
            FailureKind::Price => {
                matches!(self, FailureSource::PriceSurvey | FailureSource::Tender)
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    BusinessLicence,
    ProductionLicence,
    ProductCertificate,
    QualitySystem,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 4] = [
        DocumentKind::BusinessLicence,
        DocumentKind::ProductionLicence,
        DocumentKind::ProductCertificate,
        DocumentKind::QualitySystem,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::BusinessLicence => "business_licence",
            DocumentKind::ProductionLicence => "production_licence",
            DocumentKind::ProductCertificate => "product_certificate",
            DocumentKind::QualitySystem => "quality_system",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Days before expiry that a document's owner is warned.
pub const EXPIRY_WARNING_DAYS: u64 = 30;

/// True when a document expiring on `expires_on` should be warned about on `today`.
pub fn expiry_warning_due(expires_on: NaiveDate, today: NaiveDate) -> bool {
    expires_on >= today && expires_on <= today + chrono::Days::new(EXPIRY_WARNING_DAYS)
}

/// A document is valid through its expiry date.
pub fn document_valid(expires_on: NaiveDate, today: NaiveDate) -> bool {
    expires_on >= today
}

/// Rule 1: may the supplier list, deliver or bid today? `licence_expires` is the latest
/// expiry of its active business licences, if it has any.
pub fn may_trade(
    status: SupplierStatus,
    licence_expires: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), RuleCode> {
    if status != SupplierStatus::Admitted {
        return Err(RuleCode::SupplierNotAdmitted);
    }
    match licence_expires {
        Some(d) if document_valid(d, today) => Ok(()),
        _ => Err(RuleCode::BusinessLicenceExpired),
    }
}

/// The qualification review checklist.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Checklist {
    #[serde(default)]
    pub licence_valid: bool,
    #[serde(default)]
    pub certificates: bool,
    #[serde(default)]
    pub quality_system: bool,
    #[serde(default)]
    pub capacity: bool,
    #[serde(default)]
    pub references: bool,
    #[serde(default)]
    pub site_visit: bool,
}

impl Checklist {
    /// Admission can only be recommended when licence, certificates and quality system are
    /// confirmed; capacity, references and the site visit are recorded but not required.
    pub fn missing_for_recommendation(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if !self.licence_valid {
            missing.push("licence_valid");
        }
        if !self.certificates {
            missing.push("certificates");
        }
        if !self.quality_system {
            missing.push("quality_system");
        }
        missing
    }
}

/// Agreement terms, with the defaults of the domain (cut-off on the 25th, two months).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgreementTerms {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub cutoff_day: i32,
    pub stale_months: i32,
    /// VAT as a fraction: "0.13" is 13 %; from 0 to 0.17 (17 %), at most two places of
    /// percent. The pages ask for and show the percent ("13"); the API keeps the fraction.
    /// Out of range: field error `tax_rate_range`.
    #[schema(value_type = String, example = "0.13")]
    pub tax_rate: rust_decimal::Decimal,
    pub signed_on: NaiveDate,
}

impl AgreementTerms {
    pub fn defaults(today: NaiveDate) -> Self {
        Self {
            starts_on: today,
            ends_on: today
                .checked_add_months(chrono::Months::new(12))
                .unwrap_or(today)
                - chrono::Days::new(1),
            cutoff_day: 25,
            stale_months: 2,
            tax_rate: rust_decimal::Decimal::new(13, 2),
            signed_on: today,
        }
    }

    /// Field errors as (field, code).
    pub fn problems(&self) -> Vec<(&'static str, RuleCode)> {
        let mut p = Vec::new();
        if self.ends_on <= self.starts_on {
            p.push(("ends_on", RuleCode::EndBeforeStart));
        }
        if !(1..=28).contains(&self.cutoff_day) {
            p.push(("cutoff_day", RuleCode::CutoffDayRange));
        }
        if !(1..=12).contains(&self.stale_months) {
            p.push(("stale_months", RuleCode::StaleMonthsRange));
        }
        if crate::money::TaxRate::from_fraction(self.tax_rate).is_err() {
            p.push(("tax_rate", RuleCode::TaxRateRange));
        }
        p
    }
}

/// A mainland mobile number (11 digits starting 1[3-9]) or a landline with its area code
/// (0xx-xxxxxxx, dash optional, 7 or 8 digits after a 3- or 4-digit area code).
pub fn valid_phone(phone: &str) -> bool {
    let p: String = phone.chars().filter(|c| !c.is_whitespace()).collect();
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if p.len() == 11 && p.starts_with('1') && digits(&p) {
        return matches!(p.as_bytes()[1], b'3'..=b'9');
    }
    let (area, number) = match p.split_once('-') {
        Some((a, n)) => (a.to_string(), n.to_string()),
        None if p.starts_with('0') && (p.len() == 10 || p.len() == 11 || p.len() == 12) => {
            // Without a dash the area code is 3 digits for 010/02x, else 4.
            let cut = if p.starts_with("01") || p.starts_with("02") {
                3
            } else {
                4
            };
            (p[..cut].to_string(), p[cut..].to_string())
        }
        None => return false,
    };
    area.starts_with('0')
        && (3..=4).contains(&area.len())
        && digits(&area)
        && (7..=8).contains(&number.len())
        && digits(&number)
}

/// A bank account number: 8 to 30 digits, spaces allowed between groups.
pub fn valid_bank_account(account: &str) -> bool {
    let d: String = account.chars().filter(|c| *c != ' ').collect();
    (8..=30).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit())
}

/// A supplier's record at a glance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Scorecard {
    pub quality_failures_confirmed: u32,
    pub price_failures_confirmed: u32,
    pub failures_open: u32,
    pub failures_dismissed: u32,
    /// Confirmed failures left before removal (0 once removed).
    pub failures_until_removal: u32,
    pub documents_valid: u32,
    /// Valid documents that expire within the warning period.
    pub documents_expiring: u32,
    pub documents_expired: u32,
    /// True when the yearly review date has passed.
    pub review_overdue: bool,
}

/// Builds the scorecard from `(kind, status)` of each failure, the expiry dates of the active
/// documents and the next review date.
pub fn scorecard(
    failures: &[(&str, &str)],
    document_expiries: &[NaiveDate],
    next_review_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Scorecard {
    let mut c = Scorecard::default();
    for (kind, status) in failures {
        match (*kind, *status) {
            ("quality", "confirmed") => c.quality_failures_confirmed += 1,
            ("price", "confirmed") => c.price_failures_confirmed += 1,
            (_, "open") => c.failures_open += 1,
            (_, "dismissed") => c.failures_dismissed += 1,
            _ => {}
        }
    }
    let confirmed = (c.quality_failures_confirmed + c.price_failures_confirmed) as i32;
    c.failures_until_removal = (FAILURES_TO_REMOVE - confirmed).max(0) as u32;
    for d in document_expiries {
        if !document_valid(*d, today) {
            c.documents_expired += 1;
        } else {
            c.documents_valid += 1;
            if expiry_warning_due(*d, today) {
                c.documents_expiring += 1;
            }
        }
    }
    c.review_overdue = next_review_on.is_some_and(|d| d <= today);
    c
}

/// Rule 14: a failure is confirmed only once the supplier has answered it or its `days` to
/// answer since `recorded_at` have passed.
pub fn answer_heard(
    responded_at: Option<chrono::DateTime<chrono::Utc>>,
    recorded_at: chrono::DateTime<chrono::Utc>,
    days: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), crate::error::AppError> {
    if responded_at.is_some() || now >= recorded_at + chrono::Duration::days(days) {
        Ok(())
    } else {
        Err(crate::error::AppError::Rule(
            crate::error::RuleCode::FailureAnswerPending,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credit_code_pasted_with_spaces_dashes_or_lower_case_is_read_as_its_18_characters() {
        let plain = CreditCode::parse("914403001922038216").map(|c| c.as_str().to_string());
        for pasted in [
            "9144 0300 1922 0382 16",
            " 91440300-19220382-16 ",
            "914403001922038216\n",
            "９１４４０３００１９２２０３８２１６",
            "9144\u{3000}0300\u{3000}1922038216",
            "91-4403-0019-2203-8216",
        ] {
            assert_eq!(
                CreditCode::parse(pasted).map(|c| c.as_str().to_string()),
                plain,
                "{pasted:?}"
            );
        }
        let lower = CreditCode::parse("91310000ma1fl1234x");
        let upper = CreditCode::parse("91310000MA1FL1234X");
        assert_eq!(
            lower.map(|c| c.as_str().to_string()),
            upper.map(|c| c.as_str().to_string())
        );
        assert_eq!(CreditCode::normalise("ab-cd ef"), "ABCDEF");
        // Separators are not characters: too short is still too short.
        assert_eq!(
            CreditCode::parse("9144 0300 1922 0382 1"),
            Err(CreditCodeError::Length)
        );
        assert_eq!(
            CreditCode::parse("9144.0300.1922.0382.16"),
            Err(CreditCodeError::Length)
        );
    }

    #[test]
    fn a_published_credit_code_is_accepted() {
        // A well-known published code (Huawei Technologies Co., Ltd.).
        assert!(CreditCode::parse("914403001922038216").is_ok());
        // Pasted with spaces, it is the same code (issue 13).
        assert_eq!(
            CreditCode::parse(" 91440300192203821 6"),
            CreditCode::parse("914403001922038216")
        );
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

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn the_second_confirmed_failure_removes_and_the_first_does_not() {
        assert!(!removal_due(0));
        assert!(!removal_due(1));
        assert!(removal_due(2));
        assert!(removal_due(3));
    }

    #[test]
    fn an_application_goes_through_review_to_admission() {
        use SupplierStatus::*;
        use Transition::*;
        assert_eq!(Draft.after(Submit), Ok(Submitted));
        assert_eq!(Submitted.after(RequestInfo), Ok(InfoRequested));
        assert_eq!(InfoRequested.after(Submit), Ok(Submitted));
        assert_eq!(Submitted.after(Recommend), Ok(Recommended));
        assert_eq!(Recommended.after(Admit), Ok(Admitted));
        assert_eq!(
            Submitted.after(Admit),
            Err(RuleCode::TransitionNotAllowed),
            "the head admits only what an officer recommended"
        );
        assert_eq!(Admitted.after(Suspend), Ok(Suspended));
        assert_eq!(Suspended.after(Reinstate), Ok(Admitted));
        assert_eq!(Suspended.after(Remove), Ok(Removed));
        assert_eq!(
            Removed.after(Reinstate),
            Err(RuleCode::TransitionNotAllowed)
        );
        assert_eq!(
            Removed.after(Remove),
            Err(RuleCode::TransitionNotAllowed),
            "removed once"
        );
        assert!(Draft.editable() && InfoRequested.editable() && !Submitted.editable());
    }

    #[test]
    fn an_expired_business_licence_blocks_trading_from_the_day_after_expiry() {
        let expires = d(2027, 3, 31);
        assert_eq!(
            may_trade(SupplierStatus::Admitted, Some(expires), d(2027, 3, 31)),
            Ok(())
        );
        assert_eq!(
            may_trade(SupplierStatus::Admitted, Some(expires), d(2027, 4, 1)),
            Err(RuleCode::BusinessLicenceExpired)
        );
        assert_eq!(
            may_trade(SupplierStatus::Admitted, None, d(2027, 1, 1)),
            Err(RuleCode::BusinessLicenceExpired)
        );
        assert_eq!(
            may_trade(SupplierStatus::Suspended, Some(expires), d(2027, 1, 1)),
            Err(RuleCode::SupplierNotAdmitted)
        );
    }

    #[test]
    fn documents_warn_thirty_days_ahead() {
        let today = d(2027, 1, 1);
        assert!(expiry_warning_due(d(2027, 1, 31), today));
        assert!(!expiry_warning_due(d(2027, 2, 1), today));
        assert!(
            !expiry_warning_due(d(2026, 12, 31), today),
            "already expired: no advance warning"
        );
    }

    #[test]
    fn recommending_needs_licence_certificates_and_quality_system() {
        let mut c = Checklist {
            capacity: true,
            references: true,
            site_visit: true,
            ..Default::default()
        };
        assert_eq!(
            c.missing_for_recommendation(),
            vec!["licence_valid", "certificates", "quality_system"]
        );
        c.licence_valid = true;
        c.certificates = true;
        c.quality_system = true;
        assert!(c.missing_for_recommendation().is_empty());
    }

    #[test]
    fn failures_come_from_their_proper_sources() {
        assert!(FailureSource::ReceivingInspection.fits(FailureKind::Quality));
        assert!(FailureSource::Tender.fits(FailureKind::Price));
        assert!(!FailureSource::PriceSurvey.fits(FailureKind::Quality));
    }

    #[test]
    fn agreement_terms_default_to_the_25th_and_two_months() {
        let t = AgreementTerms::defaults(d(2026, 12, 1));
        assert_eq!((t.cutoff_day, t.stale_months), (25, 2));
        assert_eq!(t.ends_on, d(2027, 11, 30));
        assert!(t.problems().is_empty());
        let bad = AgreementTerms {
            cutoff_day: 31,
            stale_months: 0,
            ..t
        };
        assert_eq!(
            bad.problems()
                .into_iter()
                .map(|(f, c)| (f, c.as_str()))
                .collect::<Vec<_>>(),
            vec![
                ("cutoff_day", "cutoff_day_range"),
                ("stale_months", "stale_months_range")
            ]
        );
    }

    #[test]
    fn phones_are_mobiles_or_landlines_with_area_codes() {
        for ok in [
            "13905710001",
            "139 0571 0001",
            "0571-87654321",
            "010-1234567",
            "02112345678",
            "075512345678",
        ] {
            assert!(valid_phone(ok), "{ok}");
        }
        for bad in [
            "12905710001",
            "1390571000",
            "87654321",
            "0571-123",
            "abc",
            "",
        ] {
            assert!(!valid_phone(bad), "{bad}");
        }
    }

    #[test]
    fn the_scorecard_counts_failures_documents_and_the_review_date() {
        let today = d(2027, 6, 1);
        let c = scorecard(
            &[
                ("quality", "confirmed"),
                ("price", "open"),
                ("price", "dismissed"),
            ],
            &[d(2027, 6, 20), d(2028, 1, 1), d(2027, 5, 31)],
            Some(d(2027, 6, 1)),
            today,
        );
        assert_eq!(
            (
                c.quality_failures_confirmed,
                c.failures_open,
                c.failures_dismissed
            ),
            (1, 1, 1)
        );
        assert_eq!(
            c.failures_until_removal, 1,
            "one more confirmed failure removes"
        );
        assert_eq!(
            (c.documents_valid, c.documents_expiring, c.documents_expired),
            (2, 1, 1)
        );
        assert!(c.review_overdue);
    }

    #[test]
    fn only_admitted_suppliers_trade() {
        for s in SupplierStatus::ALL {
            assert_eq!(s.may_trade(), s == SupplierStatus::Admitted);
        }
    }

    #[test]
    fn a_failure_waits_for_the_answer_or_the_end_of_the_window() {
        use chrono::TimeZone;
        let recorded = chrono::Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
        let just_before = recorded + chrono::Duration::days(3) - chrono::Duration::seconds(1);
        assert!(answer_heard(None, recorded, 3, just_before).is_err());
        assert!(answer_heard(None, recorded, 3, recorded + chrono::Duration::days(3)).is_ok());
        assert!(answer_heard(Some(recorded), recorded, 3, recorded).is_ok());
    }
}
