//! The catalogue's raw rate and its check (issue 16).
//!
//! "Raw" is the portal's search engine asked directly in this process, with no HTTP and no
//! database: the index built from the dataset as a server builds it at start
//! (`portal::catalogue::live`), searched with the queries the API makes of the same searches
//! (`CatalogueQuery::engine_query`). Before the load, each search's answer through the API must
//! equal the engine's, and the engine's whole set of matches must equal what a plain scan of
//! the same rows finds (every word a substring of the listing's normalised text, or for a word
//! of letters of a pinyin reading of its Chinese name).

use std::collections::BTreeSet;
use std::sync::Arc;

use portal::catalogue::api::CatalogueQuery;
use portal::catalogue::engine::{Engine, pinyin, text};
use portal::catalogue::live::Live;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::BenchError;
use crate::load::Client;
use crate::raw::{Found, Search};

/// The API's query for `s`.
pub fn query(s: &Search) -> CatalogueQuery {
    CatalogueQuery {
        q: Some(s.q.clone()),
        category_id: s.category_id,
        supplier_id: None,
        in_stock: s.in_stock.then_some(true),
        sort: s.sort.map(str::to_string),
        page: u64::try_from(s.page).ok(),
    }
}

/// One search of the engine alone: the page the API would show, its listings read from the
/// index as the API's are.
pub fn search(engine: &Engine, s: &Search) -> Result<Found, BenchError> {
    let hits = engine
        .search(&query(s).engine_query())
        .map_err(|e| BenchError::new(e.to_string()))?;
    Ok(Found {
        total: i64::try_from(hits.total).unwrap_or(i64::MAX),
        more: hits.more,
        ids: hits.ids(),
    })
}

/// Every listing the engine finds for `s`, all pages.
pub fn everything(engine: &Engine, s: &Search) -> Result<BTreeSet<i64>, BenchError> {
    let ids = engine
        .all_ids(&query(s).engine_query())
        .map_err(|e| BenchError::new(e.to_string()))?;
    Ok(ids.into_iter().collect())
}

/// A listing as the plain scan sees it.
pub struct Row {
    id: i64,
    category_id: i64,
    text: String,
    readings: Vec<String>,
    available: i64,
    orderable: bool,
}

/// Every listing with its text, read once.
pub async fn rows(conn: &DatabaseConnection) -> Result<Vec<Row>, BenchError> {
    let sql = "SELECT l.id, m.category_id, m.name_zh, m.name_en, m.spec, s.legal_name, \
               l.on_hand, l.reserved, l.active, s.status \
               FROM listings l JOIN materials m ON m.id = l.material_id \
               JOIN suppliers s ON s.id = l.supplier_id";
    let mut out = Vec::new();
    for r in conn
        .query_all_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await?
    {
        let name_zh: String = r.try_get_by_index(2)?;
        let name_en: String = r.try_get_by_index(3)?;
        let spec: String = r.try_get_by_index(4)?;
        let supplier: String = r.try_get_by_index(5)?;
        let on_hand: i64 = r.try_get_by_index(6)?;
        let reserved: i64 = r.try_get_by_index(7)?;
        let status: String = r.try_get_by_index(9)?;
        out.push(Row {
            id: r.try_get_by_index(0)?,
            category_id: r.try_get_by_index(1)?,
            text: text::normalize(&format!("{name_zh} {name_en} {spec} {supplier}")),
            readings: pinyin::readings(&text::normalize(&name_zh)),
            available: on_hand - reserved,
            orderable: r.try_get_by_index::<bool>(8)? && status == "admitted",
        });
    }
    Ok(out)
}

/// What the plain scan finds for `s`.
pub fn scan(rows: &[Row], s: &Search) -> BTreeSet<i64> {
    let words = text::query_words(&s.q);
    rows.iter()
        .filter(|r| {
            r.orderable
                && s.category_id.is_none_or(|c| r.category_id == c)
                && (!s.in_stock || r.available > 0)
                && words.iter().all(|w| {
                    r.text.contains(w.as_str())
                        || (pinyin::is_pinyin_word(w)
                            && r.readings.iter().any(|p| p.contains(w.as_str())))
                })
        })
        .map(|r| r.id)
        .collect()
}

/// The engine alone, the same searches in turn.
pub struct EngineSearchClient {
    pub live: Arc<Live>,
    pub searches: Arc<Vec<Search>>,
    pub offset: usize,
}

impl Client for EngineSearchClient {
    async fn op(&mut self, n: u64) -> Result<(), BenchError> {
        let i = (self.offset + n as usize) % self.searches.len();
        search(self.live.engine(), &self.searches[i]).map(|_| ())
    }
}
