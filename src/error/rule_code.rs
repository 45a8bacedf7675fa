//! The portal's own codes: why a business rule refused a change (`AppError::Rule`), why two
//! changes met (`AppError::Conflict`), and why a field was refused (`FieldErrors`). Each has a
//! stable snake_case string (the API's `code`) and two messages in each locale: `error-<code>`
//! when it is the whole answer and `validation-<code>` when it stands beside a field. The tests
//! below walk every code, so a code cannot be added without its messages.

use crate::i18n::Locale;

/// Declares the enum, its strings, `iter()` and `FromStr` from one list, so they cannot drift.
macro_rules! rule_codes {
    ($($variant:ident = $code:literal,)+) => {
        /// A code the portal answers with; see the module documentation.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RuleCode {
            $($variant,)+
        }

        impl RuleCode {
            const ALL: &[RuleCode] = &[$(RuleCode::$variant,)+];

            /// The stable snake_case string (the API's `code`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(RuleCode::$variant => $code,)+
                }
            }
        }

        impl std::str::FromStr for RuleCode {
            type Err = UnknownRuleCode;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok(RuleCode::$variant),)+
                    _ => Err(UnknownRuleCode),
                }
            }
        }
    };
}

rule_codes! {
    AcceptedPlusRejected = "accepted_plus_rejected",
    AnswerDaysRange = "answer_days_range",
    SessionHoursRange = "session_hours_range",
    AmountPositive = "amount_positive",
    AnswerEveryDisputedLine = "answer_every_disputed_line",
    ApplicationNotEditable = "application_not_editable",
    BackupKeepRange = "backup_keep_range",
    BankAccount = "bank_account",
    BusinessLicenceExpired = "business_licence_expired",
    BusinessLicenceMissing = "business_licence_missing",
    CategoryNotInAgreement = "category_not_in_agreement",
    Cents = "cents",
    ChecklistRequired = "checklist_required",
    ChecksFailedReject = "checks_failed_reject",
    ChoiceNotPending = "choice_not_pending",
    CodeChars = "code_chars",
    CodeLength = "code_length",
    CommitteeMinRange = "committee_min_range",
    ContractAboveTender = "contract_above_tender",
    ContractChanged = "contract_changed",
    ContractNotEffective = "contract_not_effective",
    ContractState = "contract_state",
    CountLossTakesReserved = "count_loss_takes_reserved",
    CountQuantity = "count_quantity",
    CountReasonRequired = "count_reason_required",
    CreditCodeCharacters = "credit_code_characters",
    CreditCodeCheckDigit = "credit_code_check_digit",
    CreditCodeLength = "credit_code_length",
    CutoffDayRange = "cutoff_day_range",
    Date = "date",
    DeliveryNotPending = "delivery_not_pending",
    DisputeNeedsALine = "dispute_needs_a_line",
    Duplicate = "duplicate",
    Email = "email",
    DocumentDecided = "document_decided",
    EmailNotVerified = "email_not_verified",
    EndBeforeStart = "end_before_start",
    EveryLine = "every_line",
    FailureAnswerPending = "failure_answer_pending",
    FailureAlreadyDecided = "failure_already_decided",
    FailureSourceMismatch = "failure_source_mismatch",
    FileEmpty = "file_empty",
    FileNameMismatch = "file_name_mismatch",
    FileTooLarge = "file_too_large",
    FileType = "file_type",
    Format = "format",
    FundsContractNotEffective = "funds_contract_not_effective",
    FundsPaymentOverTotal = "funds_payment_over_total",
    FundsPlanChanged = "funds_plan_changed",
    FundsPlanEmpty = "funds_plan_empty",
    FundsPlanExists = "funds_plan_exists",
    FundsPlanNotEditable = "funds_plan_not_editable",
    FundsPlanState = "funds_plan_state",
    ImportColumnMissing = "import_column_missing",
    ImportColumnTwice = "import_column_twice",
    ImportDuplicateRow = "import_duplicate_row",
    ImportFileEncoding = "import_file_encoding",
    ImportFileTooLarge = "import_file_too_large",
    ImportFileType = "import_file_type",
    ImportFileUnreadable = "import_file_unreadable",
    ImportListedAlready = "import_listed_already",
    ImportMaterialAmbiguous = "import_material_ambiguous",
    ImportNoRows = "import_no_rows",
    ImportTooManyRows = "import_too_many_rows",
    ImportWholeDays = "import_whole_days",
    InFuture = "in_future",
    InPast = "in_past",
    InsufficientStock = "insufficient_stock",
    Invalid = "invalid",
    IssueMoreThanReserved = "issue_more_than_reserved",
    LeadTime = "lead_time",
    LeadTimeRange = "lead_time_range",
    LengthMin = "length_min",
    LineChanged = "line_changed",
    LineNotOpenForQuotes = "line_not_open_for_quotes",
    ListingNotOrderable = "listing_not_orderable",
    LotAnswerMismatch = "lot_answer_mismatch",
    LotNotAnswered = "lot_not_answered",
    LotNotFlagged = "lot_not_flagged",
    LotRemovalReturn = "lot_removal_return",
    MarginRange = "margin_range",
    MaterialExists = "material_exists",
    MaxBelowMin = "max_below_min",
    Month = "month",
    NeedByAfterMonth = "need_by_after_month",
    Negative = "negative",
    NoListingForMaterial = "no_listing_for_material",
    NotANumber = "not_a_number",
    NotAQuoteOfLine = "not_a_quote_of_line",
    NotChangeable = "not_changeable",
    NotForRole = "not_for_role",
    NotFound = "not_found",
    NotOnStatement = "not_on_statement",
    NotPositive = "not_positive",
    NotYourself = "not_yourself",
    NothingRejected = "nothing_rejected",
    NulCharacter = "nul_character",
    OutOfRange = "out_of_range",
    OwnSiteOnly = "own_site_only",
    PasswordLength = "password_length",
    PasswordsDiffer = "passwords_differ",
    Period = "period",
    Phone = "phone",
    PlanChanged = "plan_changed",
    PlanEmpty = "plan_empty",
    PlanMonthPast = "plan_month_past",
    PlanNotEditable = "plan_not_editable",
    PlanPriceYear = "plan_price_year",
    PlanState = "plan_state",
    PriceAlreadyRequested = "price_already_requested",
    PriceChangeDecided = "price_change_decided",
    PricePositive = "price_positive",
    ProposalDecided = "proposal_decided",
    PwCandidateChanged = "pw_candidate_changed",
    PwCandidateDecided = "pw_candidate_decided",
    PwCorrectionMaterial = "pw_correction_material",
    PwNotACandidate = "pw_not_a_candidate",
    PwPricePlaces = "pw_price_places",
    Quantity = "quantity",
    QuantityOutOfRange = "quantity_out_of_range",
    ReasonForNotCheapest = "reason_for_not_cheapest",
    OwnRequest = "own_request",
    ReferenceMissingOrInUse = "reference_missing_or_in_use",
    ReportPeriod = "report_period",
    Required = "required",
    RequisitionNotApproved = "requisition_not_approved",
    RequisitionStatusChanged = "requisition_status_changed",
    ReturnTakesReserved = "return_takes_reserved",
    SignoffNotRequired = "signoff_not_required",
    SoleDecider = "sole_decider",
    SignoffSameSigner = "signoff_same_signer",
    SignoffRecorded = "signoff_recorded",
    SiteReturnMoreThanIssued = "site_return_more_than_issued",
    SiteReturnNothingIssued = "site_return_nothing_issued",
    StaleMonthsRange = "stale_months_range",
    StatementChanged = "statement_changed",
    StatementState = "statement_state",
    StatusChanged = "status_changed",
    StockChanged = "stock_changed",
    StockCountDecided = "stock_count_decided",
    StockCountPending = "stock_count_pending",
    SupplierNotAdmitted = "supplier_not_admitted",
    SupplierRemoved = "supplier_removed",
    Taken = "taken",
    TaxRateRange = "tax_rate_range",
    TenderAlreadyReissued = "tender_already_reissued",
    TenderBidDisqualified = "tender_bid_disqualified",
    TenderBidLines = "tender_bid_lines",
    TenderCategoryNotCovered = "tender_category_not_covered",
    TenderChanged = "tender_changed",
    TenderCommitteeFixed = "tender_committee_fixed",
    TenderCommitteeIneligible = "tender_committee_ineligible",
    TenderCommitteeMin = "tender_committee_min",
    TenderDatetime = "tender_datetime",
    TenderDeadlineNotReached = "tender_deadline_not_reached",
    TenderDeadlinePassed = "tender_deadline_passed",
    TenderDeadlinePast = "tender_deadline_past",
    TenderDeliveryDays = "tender_delivery_days",
    TenderDocumentsExpired = "tender_documents_expired",
    TenderInviteeCategory = "tender_invitee_category",
    TenderInviteeDocumentsExpired = "tender_invitee_documents_expired",
    TenderInviteeNotAdmitted = "tender_invitee_not_admitted",
    TenderInviteesMin = "tender_invitees_min",
    TenderItemsRequired = "tender_items_required",
    TenderMaterialCategory = "tender_material_category",
    TenderNoValidBids = "tender_no_valid_bids",
    TenderNotMember = "tender_not_member",
    TenderOpenNeedsSecondMember = "tender_open_needs_second_member",
    TenderOwnEvaluation = "tender_own_evaluation",
    TenderPricePlaces = "tender_price_places",
    TenderScoreOnce = "tender_score_once",
    TenderScoreRange = "tender_score_range",
    TenderScoresMissing = "tender_scores_missing",
    TenderState = "tender_state",
    TenderTooManyInvitees = "tender_too_many_invitees",
    TenderTooManyItems = "tender_too_many_items",
    TenderUnscoredBids = "tender_unscored_bids",
    TenderWeightsSum = "tender_weights_sum",
    ThreeQuotesNeeded = "three_quotes_needed",
    TooLarge = "too_large",
    TooLong = "too_long",
    TooManyPlaces = "too_many_places",
    TransitionNotAllowed = "transition_not_allowed",
    TryAgain = "try_again",
    UnknownJob = "unknown_job",
    UnknownLocale = "unknown_locale",
    UnknownRole = "unknown_role",
    VerificationLinkInvalid = "verification_link_invalid",
    WrongPassword = "wrong_password",
}

/// A string that is none of the codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown rule code")]
pub struct UnknownRuleCode;

impl RuleCode {
    /// Every code, in declaration order.
    pub fn iter() -> impl Iterator<Item = RuleCode> {
        Self::ALL.iter().copied()
    }

    /// The message when the code is the whole answer (`error-<code>`).
    pub fn error_message(self, locale: Locale) -> String {
        message_or_fallback(locale, &format!("error-{self}"), &[], "error-fallback")
    }

    /// The message beside a field (`validation-<code>`), with its arguments.
    pub fn field_message(self, locale: Locale, args: &[(&str, String)]) -> String {
        message_or_fallback(
            locale,
            &format!("validation-{self}"),
            args,
            "validation-fallback",
        )
    }
}

/// The message `key`, or the generic sentence `fallback` when `key` is missing: a user never
/// sees a message key. A test keeps every code's keys present, so this is only a safety net.
fn message_or_fallback(
    locale: Locale,
    key: &str,
    args: &[(&str, String)],
    fallback: &str,
) -> String {
    locale.try_ta(key, args).unwrap_or_else(|| {
        tracing::warn!(key, locale = locale.tag(), "message missing");
        locale.t(fallback)
    })
}

impl std::fmt::Display for RuleCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for RuleCode {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<RuleCode> for &'static str {
    fn from(code: RuleCode) -> Self {
        code.as_str()
    }
}

/// Lets tests and callers compare with the API's string, e.g. `e.code == "required"`.
impl PartialEq<&str> for RuleCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for RuleCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_message_shows_a_generic_sentence_never_its_key() {
        for l in Locale::ALL {
            for (key, fallback) in [
                ("validation-no_such_code", "validation-fallback"),
                ("error-no_such_code", "error-fallback"),
            ] {
                assert!(l.has(fallback), "{fallback} ({})", l.tag());
                let shown = message_or_fallback(l, key, &[], fallback);
                assert_eq!(shown, l.t(fallback));
                assert!(
                    !shown.contains("no_such_code") && !shown.contains("fallback"),
                    "{shown}"
                );
            }
        }
        assert_ne!(
            Locale::En.t("validation-fallback"),
            Locale::ZhCn.t("validation-fallback")
        );
    }

    #[test]
    fn a_field_message_fills_in_its_arguments() {
        let s = RuleCode::TooLong.field_message(Locale::En, &[("max", "40".into())]);
        assert!(s.contains("40"), "{s}");
        let s = RuleCode::ListingNotOrderable.field_message(Locale::ZhCn, &[]);
        assert!(!s.contains("validation-") && !s.is_empty(), "{s}");
    }
}
