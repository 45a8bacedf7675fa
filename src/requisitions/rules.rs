//! Rule 9's pure rules: where a requisition stands and which steps it may take, when its
//! issue is overdue, the reasons of returns and rejections, document numbers and amounts.

/// Rule 9: an approved requisition not issued within 24 hours is overdue.
pub fn issue_overdue(
    approved_at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    now - approved_at > chrono::Duration::hours(24)
}

/// Where a requisition (领料单) stands. Stored as its snake_case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequisitionStatus {
    /// Its owner's cart: lines being gathered, seen by nobody else, reserving nothing.
    Draft,
    /// Raised by a site user, waiting for the site manager.
    Submitted,
    /// Sent back by the manager with a reason: its requester edits and submits it again
    /// (same number).
    Returned,
    /// Refused by the manager with a reason: final.
    Rejected,
    /// Approved: its stock is reserved, waiting for the keeper.
    Approved,
    /// Some of it issued.
    PartlyIssued,
    /// All of it issued.
    Issued,
    Cancelled,
}

/// A step in a requisition's life (what [`RequisitionStatus::after`] answers for).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The draft (cart) is submitted: it gets its number.
    Submit,
    Approve,
    /// Back to the requester with a reason.
    Return,
    /// Refused for good, with a reason.
    Reject,
    /// The requester submits a returned requisition again.
    Resubmit,
    /// Some lines issued, something still open.
    IssuePart,
    /// The last of it issued.
    IssueAll,
    Cancel,
}

impl Step {
    /// The name of the step in the requisition's history (`requisition_events.action`).
    pub const fn event(self) -> &'static str {
        match self {
            Step::Submit => "submitted",
            Step::Approve => "approved",
            Step::Return => "returned",
            Step::Reject => "rejected",
            Step::Resubmit => "resubmitted",
            Step::IssuePart | Step::IssueAll => "issued",
            Step::Cancel => "cancelled",
        }
    }
}

impl RequisitionStatus {
    pub const ALL: [RequisitionStatus; 8] = [
        RequisitionStatus::Draft,
        RequisitionStatus::Submitted,
        RequisitionStatus::Returned,
        RequisitionStatus::Rejected,
        RequisitionStatus::Approved,
        RequisitionStatus::PartlyIssued,
        RequisitionStatus::Issued,
        RequisitionStatus::Cancelled,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            RequisitionStatus::Draft => "draft",
            RequisitionStatus::Submitted => "submitted",
            RequisitionStatus::Returned => "returned",
            RequisitionStatus::Rejected => "rejected",
            RequisitionStatus::Approved => "approved",
            RequisitionStatus::PartlyIssued => "partly_issued",
            RequisitionStatus::Issued => "issued",
            RequisitionStatus::Cancelled => "cancelled",
        }
    }

    /// The stored name read back; `None` for a name this version does not know.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Where `step` takes a requisition in this status; `None` when it may not be taken.
    pub fn after(self, step: Step) -> Option<Self> {
        use RequisitionStatus as S;
        match (self, step) {
            (S::Draft, Step::Submit) | (S::Returned, Step::Resubmit) => Some(S::Submitted),
            (S::Submitted, Step::Approve) => Some(S::Approved),
            (S::Submitted, Step::Return) => Some(S::Returned),
            (S::Submitted, Step::Reject) => Some(S::Rejected),
            (S::Approved | S::PartlyIssued, Step::IssuePart) => Some(S::PartlyIssued),
            (S::Approved | S::PartlyIssued, Step::IssueAll) => Some(S::Issued),
            (S::Submitted | S::Returned | S::Approved | S::PartlyIssued, Step::Cancel) => {
                Some(S::Cancelled)
            }
            _ => None,
        }
    }

    /// Every status `step` may be taken from (the condition of the update that takes it).
    pub fn sources(step: Step) -> Vec<Self> {
        Self::ALL
            .into_iter()
            .filter(|s| s.after(step).is_some())
            .collect()
    }

    /// Approved and not yet fully issued: stock is reserved for it and the keeper owes it.
    pub fn awaits_issue(self) -> bool {
        matches!(
            self,
            RequisitionStatus::Approved | RequisitionStatus::PartlyIssued
        )
    }

    /// Still open: it may be cancelled (by whom is the caller's question).
    pub fn cancellable(self) -> bool {
        self.after(Step::Cancel).is_some()
    }
}

/// The longest reason a return or a rejection may give.
pub const REASON_MAX: usize = 500;

/// A manager's reason for a return or a rejection: required (not only spaces), at most
/// [`REASON_MAX`] characters; answered trimmed.
pub fn decision_reason(text: &str) -> Result<String, crate::error::RuleCode> {
    let t = text.trim();
    if t.is_empty() {
        Err(crate::error::RuleCode::Required)
    } else if t.chars().count() > REASON_MAX {
        Err(crate::error::RuleCode::TooLong)
    } else {
        Ok(t.to_string())
    }
}

/// The amounts of a document's lines (quantity × unit price, each rounded to the cent once)
/// and their total, the sum of the rounded amounts (DOMAIN.md: totals add up to the cent).
pub fn amounts(
    lines: &[(rust_decimal::Decimal, rust_decimal::Decimal)],
) -> Result<(Vec<rust_decimal::Decimal>, rust_decimal::Decimal), crate::money::ValueError> {
    let each = lines
        .iter()
        .map(|(q, p)| crate::money::line_amount(*q, *p))
        .collect::<Result<Vec<_>, _>>()?;
    let total = crate::money::sum_cents(each.iter().copied())?;
    Ok((each, total))
}

/// A kind of numbered document, by its number's prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocKind {
    /// 领料单: `LL-…`, given when a requisition is first submitted.
    Requisition,
    /// 出库单: `CK-…`, given to each issue.
    IssueSlip,
    /// 验收单: `YS-…`, given to each inspected delivery.
    ReceivingSlip,
}

impl DocKind {
    pub const fn prefix(self) -> &'static str {
        match self {
            DocKind::Requisition => "LL",
            DocKind::IssueSlip => "CK",
            DocKind::ReceivingSlip => "YS",
        }
    }
}

/// The month key of a document issued on `day` (the company's calendar day): `yyyymm`.
pub fn month_key(day: chrono::NaiveDate) -> String {
    day.format("%Y%m").to_string()
}

/// A document's number: `LL-202612-0001` (four digits at least; the 10,000th of a month
/// simply has five).
pub fn document_number(kind: DocKind, day: chrono::NaiveDate, n: i64) -> String {
    format!("{}-{}-{n:04}", kind.prefix(), month_key(day))
}

/// Rule 9's flag on a requisition: it awaits issue and was approved more than 24 hours ago.
pub fn requisition_overdue(
    status: Option<RequisitionStatus>,
    approved_at: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    status.is_some_and(RequisitionStatus::awaits_issue)
        && approved_at.is_some_and(|a| issue_overdue(a, now))
}

/// Who may cancel a requisition (the status it may still be cancelled in is checked where it
/// is cancelled, by a conditional update): the site user who raised it while it waits for
/// approval, the manager of its site, the warehouse.
pub fn may_cancel(
    role: crate::auth::Role,
    user: (i64, Option<i64>),
    requested_by: i64,
    site_id: i64,
    status: Option<RequisitionStatus>,
) -> bool {
    use crate::auth::Role;
    let (user_id, user_site) = user;
    match role {
        Role::SiteUser => {
            user_id == requested_by
                && matches!(
                    status,
                    Some(RequisitionStatus::Submitted | RequisitionStatus::Returned)
                )
        }
        Role::SiteManager => user_site == Some(site_id),
        Role::WarehouseKeeper => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_requisition_is_overdue_only_while_it_awaits_issue_past_24_hours() {
        let approved = chrono::DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z")
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_default();
        let just = approved + chrono::Duration::hours(24);
        let past = just + chrono::Duration::seconds(1);
        let st = RequisitionStatus::parse;
        assert!(!requisition_overdue(st("approved"), Some(approved), just));
        assert!(requisition_overdue(st("approved"), Some(approved), past));
        assert!(requisition_overdue(
            st("partly_issued"),
            Some(approved),
            past
        ));
        for done in [
            "issued",
            "cancelled",
            "submitted",
            "draft",
            "returned",
            "rejected",
        ] {
            assert!(
                !requisition_overdue(st(done), Some(approved), past),
                "{done}"
            );
        }
        assert!(!requisition_overdue(st("approved"), None, past));
        assert!(!requisition_overdue(
            st("no_such_status"),
            Some(approved),
            past
        ));
    }

    #[test]
    fn requisition_statuses_read_back_as_stored() {
        for s in [
            "draft",
            "submitted",
            "returned",
            "rejected",
            "approved",
            "partly_issued",
            "issued",
            "cancelled",
        ] {
            assert_eq!(
                RequisitionStatus::parse(s).map(RequisitionStatus::as_str),
                Some(s)
            );
        }
        assert!(RequisitionStatus::parse("on_hold").is_none());
        assert!(RequisitionStatus::parse("submitted").is_some_and(RequisitionStatus::cancellable));
        assert!(!RequisitionStatus::parse("issued").is_some_and(RequisitionStatus::cancellable));
    }

    #[test]
    fn an_approval_older_than_a_day_is_overdue() {
        let t = chrono::Utc::now();
        assert!(!issue_overdue(t, t + chrono::Duration::hours(24)));
        assert!(issue_overdue(
            t,
            t + chrono::Duration::hours(24) + chrono::Duration::seconds(1)
        ));
    }

    #[test]
    fn only_the_raiser_its_sites_manager_and_the_warehouse_may_cancel() {
        use crate::auth::Role;
        let sub = RequisitionStatus::parse("submitted");
        let appr = RequisitionStatus::parse("approved");
        assert!(may_cancel(Role::SiteUser, (7, Some(1)), 7, 1, sub));
        assert!(!may_cancel(Role::SiteUser, (7, Some(1)), 7, 1, appr));
        assert!(!may_cancel(Role::SiteUser, (8, Some(1)), 7, 1, sub));
        assert!(may_cancel(Role::SiteManager, (9, Some(1)), 7, 1, appr));
        assert!(!may_cancel(Role::SiteManager, (9, Some(2)), 7, 1, appr));
        assert!(may_cancel(Role::WarehouseKeeper, (3, None), 7, 1, appr));
        assert!(!may_cancel(Role::ProcurementOfficer, (4, None), 7, 1, sub));
    }

    #[test]
    fn each_step_is_allowed_only_from_its_statuses() {
        use RequisitionStatus as S;
        let allowed = [
            (S::Draft, Step::Submit, S::Submitted),
            (S::Submitted, Step::Approve, S::Approved),
            (S::Submitted, Step::Return, S::Returned),
            (S::Submitted, Step::Reject, S::Rejected),
            (S::Returned, Step::Resubmit, S::Submitted),
            (S::Approved, Step::IssuePart, S::PartlyIssued),
            (S::PartlyIssued, Step::IssuePart, S::PartlyIssued),
            (S::Approved, Step::IssueAll, S::Issued),
            (S::PartlyIssued, Step::IssueAll, S::Issued),
            (S::Submitted, Step::Cancel, S::Cancelled),
            (S::Returned, Step::Cancel, S::Cancelled),
            (S::Approved, Step::Cancel, S::Cancelled),
            (S::PartlyIssued, Step::Cancel, S::Cancelled),
        ];
        let steps = [
            Step::Submit,
            Step::Approve,
            Step::Return,
            Step::Reject,
            Step::Resubmit,
            Step::IssuePart,
            Step::IssueAll,
            Step::Cancel,
        ];
        for from in S::ALL {
            for step in steps {
                let expected = allowed
                    .iter()
                    .find(|(f, s, _)| *f == from && *s == step)
                    .map(|(_, _, to)| *to);
                assert_eq!(from.after(step), expected, "{from:?} {step:?}");
            }
        }
    }

    #[test]
    fn a_rejected_or_finished_requisition_takes_no_further_step() {
        use RequisitionStatus as S;
        for done in [S::Rejected, S::Issued, S::Cancelled] {
            assert!(!done.cancellable());
            for step in [Step::Approve, Step::Return, Step::Resubmit, Step::Submit] {
                assert_eq!(done.after(step), None, "{done:?} {step:?}");
            }
        }
        assert!(!S::Draft.cancellable(), "a draft is deleted, not cancelled");
        assert_eq!(RequisitionStatus::sources(Step::Return), vec![S::Submitted]);
        assert_eq!(
            RequisitionStatus::sources(Step::Resubmit),
            vec![S::Returned]
        );
    }

    #[test]
    fn a_returned_requisition_may_be_cancelled_by_its_requester() {
        use crate::auth::Role;
        let ret = RequisitionStatus::parse("returned");
        assert!(may_cancel(Role::SiteUser, (7, Some(1)), 7, 1, ret));
        assert!(!may_cancel(Role::SiteUser, (8, Some(1)), 7, 1, ret));
    }

    #[test]
    fn a_reason_is_required_and_kept_trimmed() {
        use crate::error::RuleCode;
        assert_eq!(decision_reason("  "), Err(RuleCode::Required));
        assert_eq!(decision_reason(""), Err(RuleCode::Required));
        assert_eq!(decision_reason(" 数量过大 "), Ok("数量过大".to_string()));
        assert_eq!(
            decision_reason(&"长".repeat(REASON_MAX + 1)),
            Err(RuleCode::TooLong)
        );
        assert!(decision_reason(&"长".repeat(REASON_MAX)).is_ok());
    }

    #[test]
    fn document_numbers_carry_kind_month_and_four_digits() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default();
        assert_eq!(
            document_number(DocKind::Requisition, day, 1),
            "LL-202612-0001"
        );
        assert_eq!(
            document_number(DocKind::IssueSlip, day, 42),
            "CK-202612-0042"
        );
        assert_eq!(
            document_number(DocKind::ReceivingSlip, day, 9999),
            "YS-202612-9999"
        );
        assert_eq!(
            document_number(DocKind::Requisition, day, 10000),
            "LL-202612-10000"
        );
        let jan = chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or_default();
        assert_eq!(month_key(jan), "202701");
    }

    #[test]
    fn line_amounts_are_rounded_once_and_the_total_is_their_sum() {
        use rust_decimal::Decimal;
        use std::str::FromStr;
        let d = |s: &str| Decimal::from_str(s).unwrap_or_default();
        let (each, total) = amounts(&[
            (d("2.345"), d("3850.0000")),
            (d("0.333"), d("0.1250")),
            (d("12.5"), d("420.10")),
        ])
        .unwrap_or_default();
        assert_eq!(each, vec![d("9028.25"), d("0.04"), d("5251.25")]);
        assert_eq!(total, d("14279.54"));
        assert_eq!(amounts(&[]).map(|(_, t)| t), Ok(Decimal::ZERO));
    }
}
