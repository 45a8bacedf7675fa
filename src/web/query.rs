//! The one rule for reading a query string: a field left empty is a field not given.
//!
//! A browser submits every field of a GET form, the empty ones too (`?q=水泥&category_id=`);
//! `web::Query` would refuse `category_id=` as a number and answer 400, so a search form
//! could not be used as it is filled in. Every handler, page and API alike, reads its query
//! with [`Query`]; a unit test below keeps `web::Query` out of the handlers.

use crate::error::AppError;
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use serde::de::DeserializeOwned;
use std::future::{Ready, ready};

/// The query string as `T`, empty fields left out.
#[derive(Debug, Clone)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Reads `query` as `T`, leaving out the fields whose value is empty or only spaces.
pub fn read<T: DeserializeOwned>(query: &str) -> Result<T, AppError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let given: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
    let again =
        serde_urlencoded::to_string(&given).map_err(|e| AppError::BadRequest(e.to_string()))?;
    serde_urlencoded::from_str(&again).map_err(|e| AppError::BadRequest(e.to_string()))
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(read(req.query_string()).map(Query))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Search {
        q: Option<String>,
        category_id: Option<i64>,
        flagged: Option<bool>,
        from: Option<chrono::NaiveDate>,
    }

    #[test]
    fn an_empty_field_is_a_field_not_given() {
        let s: Search = read("q=%E6%B0%B4%E6%B3%A5&category_id=&flagged=&from=+").unwrap();
        assert_eq!(
            s,
            Search {
                q: Some("水泥".into()),
                category_id: None,
                flagged: None,
                from: None
            }
        );
    }

    #[test]
    fn a_given_field_is_read_and_a_wrong_one_refused() {
        let s: Search = read("category_id=3&flagged=false&from=2026-12-01").unwrap();
        assert_eq!(s.category_id, Some(3));
        assert_eq!(s.flagged, Some(false));
        assert!(read::<Search>("category_id=three").is_err());
    }

    /// Every handler reads its query through this rule: `web::Query` appears nowhere else.
    #[test]
    fn no_handler_reads_a_query_with_actix_s_own_extractor() {
        fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, found);
                } else if path.extension().is_some_and(|e| e == "rs")
                    && !path.ends_with("web/query.rs")
                    && !path.ends_with("web/mod.rs")
                {
                    let text = std::fs::read_to_string(&path).unwrap();
                    let actix_s = text
                        .match_indices("web::Query<")
                        .any(|(at, _)| !text[..at].ends_with("crate::"));
                    if actix_s {
                        found.push(path.display().to_string());
                    }
                }
            }
        }
        let mut found = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut found,
        );
        assert!(found.is_empty(), "web::Query used in {found:?}");
    }
}
