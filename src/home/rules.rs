//! The pure part of the work queue: the order its rows are shown in, and a new applicant's
//! checklist.

use crate::suppliers::rules::{DocumentKind, SupplierStatus};

/// One row of a role's work queue: how many things wait, and the list that shows exactly them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// Names the row: its element id (`queue-<key>`) and its message (`home-q-<key>`).
    pub key: &'static str,
    pub count: usize,
    /// The filtered list those `count` things are on.
    pub href: String,
    /// Overdue (past a rule's deadline) or otherwise most urgent: shown first, styled apart.
    pub urgent: bool,
}

impl Item {
    pub fn new(key: &'static str, count: usize, href: impl Into<String>) -> Self {
        Item {
            key,
            count,
            href: href.into(),
            urgent: false,
        }
    }

    pub fn urgent(mut self) -> Self {
        self.urgent = true;
        self
    }

    /// Urgent and something waits: the row is styled apart.
    pub fn alarming(&self) -> bool {
        self.urgent && self.count > 0
    }
}

/// The queue as shown: urgent rows with something waiting first, then the other rows with
/// something waiting, then the empty ones; within each group the order the role listed them
/// in (the sort is stable).
pub fn order(mut items: Vec<Item>) -> Vec<Item> {
    items.sort_by_key(|i| match (i.count > 0, i.urgent) {
        (true, true) => 0,
        (true, false) => 1,
        (false, _) => 2,
    });
    items
}

/// Nothing waits anywhere in the queue.
pub fn all_clear(items: &[Item]) -> bool {
    items.iter().all(|i| i.count == 0)
}

/// Where a step of the applicant's checklist stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepState {
    Done,
    /// The applicant has to do it.
    ToDo,
    /// Someone else acts now (the procurement office, the head).
    Waiting,
}

impl StepState {
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Done => "done",
            StepState::ToDo => "todo",
            StepState::Waiting => "waiting",
        }
    }
}

/// One step of a new applicant's checklist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// `email`, `document`, `submit` or `review`.
    pub key: &'static str,
    /// For a document step: which document.
    pub document: Option<DocumentKind>,
    /// The business licence is required to submit; the others the review asks for.
    pub required: bool,
    pub state: StepState,
}

/// What an applicant's checklist is made of.
#[derive(Clone, Debug)]
pub struct ApplicantFacts {
    pub status: SupplierStatus,
    pub email_verified: bool,
    /// The kinds of documents on file and still valid.
    pub documents: Vec<DocumentKind>,
}

/// The supplier is still applying (its home page is the checklist, not the work queue).
pub fn is_applicant(status: SupplierStatus) -> bool {
    matches!(
        status,
        SupplierStatus::Draft
            | SupplierStatus::InfoRequested
            | SupplierStatus::Submitted
            | SupplierStatus::Recommended
            | SupplierStatus::Rejected
    )
}

/// A new applicant's checklist: email confirmed, each qualification document, submitted, and
/// the review that follows (rule 1: submitting needs a confirmed email and a valid business
/// licence; the officer checks certificates and the quality system before recommending).
pub fn applicant_steps(f: &ApplicantFacts) -> Vec<Step> {
    let editable = f.status.editable();
    let mut steps = vec![Step {
        key: "email",
        document: None,
        required: true,
        state: if f.email_verified {
            StepState::Done
        } else {
            StepState::ToDo
        },
    }];
    for kind in DocumentKind::ALL {
        steps.push(Step {
            key: "document",
            document: Some(kind),
            required: kind == DocumentKind::BusinessLicence,
            state: if f.documents.contains(&kind) {
                StepState::Done
            } else {
                StepState::ToDo
            },
        });
    }
    steps.push(Step {
        key: "submit",
        document: None,
        required: true,
        state: if editable {
            StepState::ToDo
        } else {
            StepState::Done
        },
    });
    steps.push(Step {
        key: "review",
        document: None,
        required: true,
        state: match f.status {
            SupplierStatus::Submitted | SupplierStatus::Recommended => StepState::Waiting,
            SupplierStatus::Draft | SupplierStatus::InfoRequested | SupplierStatus::Rejected => {
                StepState::ToDo
            }
            _ => StepState::Done,
        },
    });
    steps
}

/// The applicant may submit now: email confirmed, business licence on file, still editable.
pub fn may_submit(f: &ApplicantFacts) -> bool {
    f.status.editable() && f.email_verified && f.documents.contains(&DocumentKind::BusinessLicence)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(items: &[Item]) -> Vec<&'static str> {
        items.iter().map(|i| i.key).collect()
    }

    #[test]
    fn urgent_rows_with_work_come_first_and_empty_rows_last() {
        let items = vec![
            Item::new("a", 0, "/a").urgent(),
            Item::new("b", 2, "/b"),
            Item::new("c", 0, "/c"),
            Item::new("d", 1, "/d").urgent(),
            Item::new("e", 5, "/e"),
        ];
        assert_eq!(keys(&order(items)), ["d", "b", "e", "a", "c"]);
    }

    #[test]
    fn an_urgent_row_with_nothing_waiting_is_not_alarming() {
        assert!(!Item::new("a", 0, "/a").urgent().alarming());
        assert!(Item::new("a", 1, "/a").urgent().alarming());
        assert!(!Item::new("a", 1, "/a").alarming());
    }

    #[test]
    fn the_queue_is_clear_only_when_every_count_is_zero() {
        assert!(all_clear(&[]));
        assert!(all_clear(&[
            Item::new("a", 0, "/a"),
            Item::new("b", 0, "/b")
        ]));
        assert!(!all_clear(&[
            Item::new("a", 0, "/a"),
            Item::new("b", 1, "/b")
        ]));
    }

    fn facts(status: SupplierStatus, email: bool, docs: &[DocumentKind]) -> ApplicantFacts {
        ApplicantFacts {
            status,
            email_verified: email,
            documents: docs.to_vec(),
        }
    }

    fn state_of(steps: &[Step], key: &str, doc: Option<DocumentKind>) -> StepState {
        steps
            .iter()
            .find(|s| s.key == key && s.document == doc)
            .map(|s| s.state)
            .unwrap_or_else(|| panic!("no step {key}"))
    }

    #[test]
    fn a_fresh_draft_has_everything_to_do() {
        let steps = applicant_steps(&facts(SupplierStatus::Draft, false, &[]));
        assert!(steps.iter().all(|s| s.state == StepState::ToDo));
        assert_eq!(steps.len(), 3 + DocumentKind::ALL.len());
        // Only the business licence among the documents is required to submit.
        let required: Vec<_> = steps
            .iter()
            .filter(|s| s.key == "document" && s.required)
            .filter_map(|s| s.document)
            .collect();
        assert_eq!(required, [DocumentKind::BusinessLicence]);
    }

    #[test]
    fn a_confirmed_email_and_a_licence_let_the_draft_be_submitted() {
        let f = facts(
            SupplierStatus::Draft,
            true,
            &[DocumentKind::BusinessLicence],
        );
        let steps = applicant_steps(&f);
        assert_eq!(state_of(&steps, "email", None), StepState::Done);
        assert_eq!(
            state_of(&steps, "document", Some(DocumentKind::BusinessLicence)),
            StepState::Done
        );
        assert_eq!(
            state_of(&steps, "document", Some(DocumentKind::QualitySystem)),
            StepState::ToDo
        );
        assert_eq!(state_of(&steps, "submit", None), StepState::ToDo);
        assert!(may_submit(&f));
        assert!(!may_submit(&facts(
            SupplierStatus::Draft,
            false,
            &[DocumentKind::BusinessLicence]
        )));
        assert!(!may_submit(&facts(
            SupplierStatus::Draft,
            true,
            &[DocumentKind::QualitySystem]
        )));
    }

    #[test]
    fn a_submitted_application_waits_for_the_office() {
        let f = facts(
            SupplierStatus::Submitted,
            true,
            &[DocumentKind::BusinessLicence],
        );
        let steps = applicant_steps(&f);
        assert_eq!(state_of(&steps, "submit", None), StepState::Done);
        assert_eq!(state_of(&steps, "review", None), StepState::Waiting);
        assert!(!may_submit(&f));
        let steps = applicant_steps(&facts(SupplierStatus::Recommended, true, &[]));
        assert_eq!(state_of(&steps, "review", None), StepState::Waiting);
    }

    #[test]
    fn information_requested_sends_the_application_back_to_the_applicant() {
        let f = facts(
            SupplierStatus::InfoRequested,
            true,
            &[DocumentKind::BusinessLicence],
        );
        let steps = applicant_steps(&f);
        assert_eq!(state_of(&steps, "submit", None), StepState::ToDo);
        assert_eq!(state_of(&steps, "review", None), StepState::ToDo);
        assert!(may_submit(&f));
    }

    #[test]
    fn only_suppliers_still_applying_see_the_checklist() {
        for s in SupplierStatus::ALL {
            let applying = is_applicant(s);
            let trading = matches!(
                s,
                SupplierStatus::Admitted | SupplierStatus::Suspended | SupplierStatus::Removed
            );
            assert_ne!(applying, trading, "{s:?}");
        }
    }
}
