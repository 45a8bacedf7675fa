//! The price watch (rule 13): market price surveys in the price ledger, survey reminders,
//! listings priced above the market as price-failure candidates.
