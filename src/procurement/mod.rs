//! Procurement (rules 4–7, 10): the monthly plan and its routing, quote comparison, the
//! contract ledger with audit sign-offs.
