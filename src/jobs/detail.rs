//! What a job run did, in words the jobs page can put in its own language: the job returns a
//! message id (`job-detail-*` in `locales/*/money.ftl`) and its counts, the run keeps them as
//! JSON in `job_runs.detail`, and the page renders them with the messages. A detail that is
//! not such JSON (runs from before, a failed run's error text) is shown as it is.

use crate::i18n::Locale;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A run's result: a message id and its named counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobDetail {
    pub message: String,
    #[serde(default)]
    pub args: BTreeMap<String, i64>,
}

impl JobDetail {
    pub fn new(message: &str) -> Self {
        JobDetail {
            message: message.to_string(),
            args: BTreeMap::new(),
        }
    }

    /// Adds the count `name` (a count too large for an `i64` reads as the largest one).
    pub fn arg(mut self, name: &str, count: impl TryInto<i64>) -> Self {
        self.args
            .insert(name.to_string(), count.try_into().unwrap_or(i64::MAX));
        self
    }

    /// What `job_runs.detail` keeps.
    pub fn stored(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| self.message.clone())
    }

    /// The detail in `locale`.
    pub fn text(&self, locale: Locale) -> String {
        let args: Vec<(&str, String)> = self
            .args
            .iter()
            .map(|(k, v)| (k.as_str(), v.to_string()))
            .collect();
        locale.ta(&self.message, &args)
    }
}

/// A stored detail in `locale`: a message the messages know, rendered; anything else (plain
/// text of older runs, an error, a message id no locale has) as it is.
pub fn detail_text(locale: Locale, stored: &str) -> String {
    match serde_json::from_str::<JobDetail>(stored) {
        Ok(d) if locale.has(&d.message) => d.text(locale),
        _ => stored.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_detail_reads_in_the_pages_language() {
        let stored = JobDetail::new("job-detail-no-movement-report")
            .arg("lots", 7_usize)
            .arg("warehouses", 2_u64)
            .stored();
        assert_eq!(
            detail_text(Locale::En, &stored),
            "7 lots without movement in 2 warehouses"
        );
        let zh = detail_text(Locale::ZhCn, &stored);
        assert!(zh.contains('7') && zh.contains('2'), "{zh}");
        assert!(!zh.contains("lots") && !zh.contains("job-detail"), "{zh}");
    }

    #[test]
    fn every_job_detail_message_reads_with_its_counts_in_both_languages() {
        let details = [
            JobDetail::new("job-detail-housekeeping")
                .arg("count", 3)
                .arg("sessions", 3),
            JobDetail::new("job-detail-document-expiry").arg("count", 3),
            JobDetail::new("job-detail-suspension-expiry").arg("count", 3),
            JobDetail::new("job-detail-review-due").arg("count", 3),
            JobDetail::new("job-detail-stale-scan").arg("count", 3),
            JobDetail::new("job-detail-price-effective").arg("count", 3),
            JobDetail::new("job-detail-close-period").arg("count", 3),
            JobDetail::new("job-detail-price-survey-due").arg("count", 3),
            JobDetail::new("job-detail-backup")
                .arg("bytes", 3)
                .arg("pruned", 3),
        ];
        for d in details {
            for locale in [Locale::En, Locale::ZhCn] {
                assert!(locale.has(&d.message), "{} in {locale:?}", d.message);
                let text = detail_text(locale, &d.stored());
                assert!(text.contains('3') && !text.contains('{'), "{text}");
            }
        }
        // The English words are the ones the jobs wrote before they spoke both languages.
        assert_eq!(
            detail_text(
                Locale::En,
                &JobDetail::new("job-detail-close-period")
                    .arg("count", 0)
                    .stored()
            ),
            "0 statements"
        );
    }

    #[test]
    fn plain_text_of_older_runs_and_errors_shows_as_it_is() {
        for stored in [
            "flagged 3 lots",
            "",
            "database error: disk full",
            "{\"message\":\"job-detail-nope\",\"args\":{}}",
            "{not json",
        ] {
            assert_eq!(detail_text(Locale::ZhCn, stored), stored);
        }
    }
}
