//! Tenders (rule 4): invitational and public tenders with sealed bids, four-eyes opening,
//! scoring, award.
