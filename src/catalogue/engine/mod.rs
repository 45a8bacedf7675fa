//! The catalogue's search engine (issue 16): an in-process tantivy index of the listings, kept
//! in RAM and built from the database at start.
//!
//! It answers exactly what the SQL search answered (rule: a listing matches when every query
//! word is a substring of its normalised text, name_zh, name_en, specification and supplier
//! name joined by spaces), with full-width characters folded (`text::normalize`), plus pinyin
//! for words of letters (`pinyin`), a best-match order, and counts exact up to a cap. Only
//! orderable listings (active, of an admitted supplier) are ever returned.
//!
//! The engine is pure: it neither reads the database nor knows when listings change; its
//! caller builds it and feeds it changes. Its methods block (a search takes well under a
//! millisecond to a few milliseconds; a build of 100,000 listings a few seconds): call the
//! writes, and the build above all, from `spawn_blocking`.

mod collect;
pub mod pinyin;
pub mod scratch;
pub mod text;

#[cfg(test)]
mod tests;

use std::sync::Mutex;

use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, DisjunctionMaxQuery, PhraseQuery, TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use collect::PageCollector;
use tantivy::columnar::{Column, StrColumn};
use text::{GramTokenizer, WordTokenizer, normalize};

/// One listing as the catalogue shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Doc {
    pub listing_id: i64,
    pub material_id: i64,
    pub supplier_id: i64,
    pub category_id: i64,
    pub warehouse_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub spec: String,
    /// The material's unit code.
    pub unit: String,
    /// The supplier's legal name.
    pub supplier: String,
    /// The approved unit price, scaled (1/10,000 yuan) as stored.
    pub price: i64,
    /// On hand less reserved, scaled (1/1,000 unit) as stored.
    pub available: i64,
    /// An active listing of an admitted supplier: only these are ever found.
    pub orderable: bool,
}

impl Doc {
    /// The listing's searchable text, normalised: what a query word must be a substring of,
    /// and what the name order sorts by (as `search::listing_text` is, with full-width folded).
    pub fn text(&self) -> String {
        normalize(&format!(
            "{} {} {} {}",
            self.name_zh, self.name_en, self.spec, self.supplier
        ))
    }
}

/// The orders the catalogue offers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// Exact whole words before fragments, then a match in the name before the specification
    /// before the supplier's name (pinyin after literal matches of the same kind); ties in name
    /// order. Without words, it is the name order.
    #[default]
    BestMatch,
    /// The normalised listing text (in code point order), then the listing id.
    Name,
    /// Price, then listing id.
    PriceAsc,
    /// Price from the highest, then listing id.
    PriceDesc,
}

/// A catalogue search.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    /// Words, each of which a listing must hold (at most five are used).
    pub text: Option<String>,
    pub category_id: Option<i64>,
    pub supplier_id: Option<i64>,
    /// `true`: available > 0; `false`: available ≤ 0.
    pub in_stock: Option<bool>,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
    /// How many matches past `offset` are counted before the count says "more".
    pub count_cap: usize,
}

/// A page of a search.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hits {
    /// The page's listings as the index holds them (its columns), in order: what the
    /// catalogue shows, with no read of the database.
    pub docs: Vec<Doc>,
    /// Matches, exact up to `offset + count_cap`.
    pub total: usize,
    /// More matches exist than `total` says.
    pub more: bool,
}

impl Hits {
    /// The page's listing ids, in order.
    pub fn ids(&self) -> Vec<i64> {
        self.docs.iter().map(|d| d.listing_id).collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// A write panicked while holding the writer; the engine should be rebuilt.
    #[error("search index writer poisoned by an earlier panic")]
    Poisoned,
    /// The documents of a build could not all be read; the index is as it was.
    #[error("search index build interrupted: {0}")]
    Interrupted(String),
}

/// Text fields are cut by these tokenizers (registered on the index).
const GRAMS: &str = "catalogue_grams";
const PAIRS: &str = "catalogue_pairs";
const WORDS: &str = "catalogue_words";

/// Names of the fast fields, which the collector reads by name.
mod fast {
    pub const LISTING_ID: &str = "listing_id";
    pub const MATERIAL_ID: &str = "material_id";
    pub const SUPPLIER_ID: &str = "supplier_id";
    pub const CATEGORY_ID: &str = "category_id";
    pub const PRICE: &str = "price";
    pub const AVAILABLE: &str = "available";
    pub const ORDERABLE: &str = "orderable";
    pub const SORT_TEXT: &str = "sort_text";
}

/// Names of the columns of what the page shows and no search reads: the listing's texts as
/// entered (the searched fields hold them normalised) and its warehouse.
mod shown {
    pub const NAME_ZH: &str = "shown_name_zh";
    pub const NAME_EN: &str = "shown_name_en";
    pub const SPEC: &str = "shown_spec";
    pub const UNIT: &str = "shown_unit";
    pub const SUPPLIER: &str = "shown_supplier";
    pub const WAREHOUSE_ID: &str = "shown_warehouse_id";
}

/// The fields of what the page shows.
#[derive(Clone, Copy)]
struct Shown {
    name_zh: Field,
    name_en: Field,
    spec: Field,
    unit: Field,
    supplier: Field,
    warehouse_id: Field,
}

/// Where a query word may be found, in best-match order within a kind of match.
#[derive(Clone, Copy)]
struct Place {
    /// Characters and pairs with positions: substrings.
    grams: Field,
    /// Whole words: exact matches.
    words: Field,
}

#[derive(Clone, Copy)]
struct Fields {
    listing_id: Field,
    material_id: Field,
    supplier_id: Field,
    category_id: Field,
    price: Field,
    available: Field,
    orderable: Field,
    sort_text: Field,
    shown: Shown,
    name: Place,
    spec: Place,
    supplier: Place,
    pinyin: Place,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let grams = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_fieldnorms(false)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(WORDS)
            .set_fieldnorms(false)
            .set_index_option(IndexRecordOption::Basic),
    );
    let mut place = |name: &str, tokenizer: &str| Place {
        grams: b.add_text_field(name, grams(tokenizer)),
        words: b.add_text_field(&format!("{name}_words"), words.clone()),
    };
    // The page's texts as columns: a column keeps each distinct text once (a material's names
    // and a supplier's name are shared by many listings), where stored documents would keep
    // them once a listing and raise the build's peak memory by as much.
    let shown_text = TextOptions::default().set_fast("raw");
    let name = place("name", GRAMS);
    let spec = place("spec", GRAMS);
    let supplier = place("supplier", GRAMS);
    let pinyin = place("pinyin", PAIRS);
    let f = Fields {
        name,
        spec,
        supplier,
        pinyin,
        // Indexed for the deletes by id.
        listing_id: b.add_i64_field(fast::LISTING_ID, INDEXED | FAST),
        material_id: b.add_i64_field(fast::MATERIAL_ID, FAST),
        supplier_id: b.add_i64_field(fast::SUPPLIER_ID, FAST),
        category_id: b.add_i64_field(fast::CATEGORY_ID, FAST),
        price: b.add_i64_field(fast::PRICE, FAST),
        available: b.add_i64_field(fast::AVAILABLE, FAST),
        orderable: b.add_bool_field(fast::ORDERABLE, FAST),
        sort_text: b.add_text_field(fast::SORT_TEXT, TextOptions::default().set_fast("raw")),
        shown: Shown {
            name_zh: b.add_text_field(shown::NAME_ZH, shown_text.clone()),
            name_en: b.add_text_field(shown::NAME_EN, shown_text.clone()),
            spec: b.add_text_field(shown::SPEC, shown_text.clone()),
            unit: b.add_text_field(shown::UNIT, shown_text.clone()),
            supplier: b.add_text_field(shown::SUPPLIER, shown_text),
            warehouse_id: b.add_i64_field(shown::WAREHOUSE_ID, FAST),
        },
    };
    (b.build(), f)
}

/// The memory the writer may fill before it writes a segment. A build of 100,000 listings
/// makes several segments, merged into one at its end ([`Engine::compact`]: one segment
/// searches fastest, with 6 the searches took 1.5 to 2 times as long); 120 MB fitted them in
/// one segment but raised the server's peak memory by about 135 MB. With the index in a
/// scratch folder ([`scratch`]) more segments cost no memory, and the writer's budget is the
/// build's peak: 20 MB (tantivy's least is 15 MB a thread) instead of 40 MB.
const WRITER_MEMORY: usize = 20_000_000;
/// Threads indexing a build (the documents are prepared on the caller's): on the 2-core
/// machine a second one changed nothing measurable (2.7 to 3.0 s for 100,000 listings either
/// way, under other load) and splits the index in two segments.
const WRITER_THREADS: usize = 1;

/// The catalogue's index. `Send + Sync`: searches run concurrently on snapshots, writes are
/// serialised by the writer's lock and visible to every search that starts after they return.
pub struct Engine {
    f: Fields,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
}

impl Engine {
    /// An empty engine, its index in memory (the unit tests').
    pub fn new() -> Result<Engine, EngineError> {
        Engine::with_writer(WRITER_THREADS, WRITER_MEMORY)
    }

    /// An empty engine, its index in a scratch folder of its own ([`scratch`]: a server's,
    /// for its peak memory), removed when the engine is dropped.
    /// Folders that engines of killed processes left behind are removed first.
    pub fn on_disk() -> Result<Engine, EngineError> {
        let removed = scratch::remove_abandoned();
        if removed > 0 {
            tracing::info!(
                removed,
                "catalogue index: abandoned scratch folders removed"
            );
        }
        let dir = scratch::ScratchDirectory::create()
            .map_err(|e| EngineError::Index(tantivy::TantivyError::from(e)))?;
        let (schema, f) = schema();
        let index = Index::create(dir, schema, tantivy::IndexSettings::default())?;
        Engine::in_index(index, f, WRITER_THREADS, WRITER_MEMORY)
    }

    /// An empty engine whose writer indexes on `threads` threads within `memory` bytes.
    fn with_writer(threads: usize, memory: usize) -> Result<Engine, EngineError> {
        let (schema, f) = schema();
        Engine::in_index(Index::create_in_ram(schema), f, threads, memory)
    }

    /// An engine on the empty `index`, made with [`schema`] (whose fields are `f`).
    fn in_index(
        index: Index,
        f: Fields,
        threads: usize,
        memory: usize,
    ) -> Result<Engine, EngineError> {
        index
            .tokenizers()
            .register(GRAMS, GramTokenizer { unigrams: true });
        index
            .tokenizers()
            .register(PAIRS, GramTokenizer { unigrams: false });
        index.tokenizers().register(WORDS, WordTokenizer);
        let writer = index.writer_with_options(
            tantivy::indexer::IndexWriterOptions::builder()
                .num_worker_threads(threads)
                .num_merge_threads(1)
                .memory_budget_per_thread(memory / threads)
                .build(),
        )?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Engine {
            f,
            reader,
            writer: Mutex::new(writer),
        })
    }

    /// Replaces everything indexed by `docs`.
    pub fn build(&self, docs: impl IntoIterator<Item = Doc>) -> Result<(), EngineError> {
        self.rebuild(docs.into_iter().map(Ok::<Doc, std::convert::Infallible>))
    }

    /// Replaces everything indexed by `docs` (at start, read from the database as they
    /// come): an error among them stops the build and leaves the index as it was.
    pub fn rebuild<E: std::fmt::Display>(
        &self,
        docs: impl IntoIterator<Item = Result<Doc, E>>,
    ) -> Result<(), EngineError> {
        let mut interrupted = None;
        // No merges of their own while the build writes its segments: the build merges them
        // all at its end, and a merge running meanwhile would replace segments under it.
        self.set_merging(false)?;
        let built = self.write(|w, f| {
            w.delete_all_documents()?;
            for d in docs {
                match d {
                    Ok(d) => {
                        w.add_document(document(f, &d))?;
                    }
                    Err(e) => {
                        interrupted = Some(e.to_string());
                        return Err(tantivy::TantivyError::InternalError(
                            "build interrupted".into(),
                        ));
                    }
                }
            }
            Ok(())
        });
        // What the documents and the writer's buffers took is free now, but glibc keeps it in
        // its heaps: given back before the merge maps every segment, the build's peak is one
        // of the two, not their sum.
        give_back_free_memory();
        let done = match interrupted {
            Some(why) => Err(EngineError::Interrupted(why)),
            None => built.and_then(|()| self.compact()),
        };
        give_back_free_memory();
        self.set_merging(true)?;
        done
    }

    /// Lets the writer merge segments as they accumulate (the change feed's commits add one
    /// each), or not.
    fn set_merging(&self, on: bool) -> Result<(), EngineError> {
        let w = self.writer.lock().map_err(|_| EngineError::Poisoned)?;
        if on {
            w.set_merge_policy(Box::new(tantivy::indexer::LogMergePolicy::default()));
        } else {
            w.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        }
        Ok(())
    }

    /// Merges the index into one segment (a build within the writer's memory makes several;
    /// one searches fastest). The segments are the committed ones as the index records them;
    /// should a merge started before the build have replaced some meanwhile, the merge is
    /// asked again of what is there then.
    fn compact(&self) -> Result<(), EngineError> {
        let mut w = self.writer.lock().map_err(|_| EngineError::Poisoned)?;
        let mut tries = 0;
        loop {
            let ids = w.index().searchable_segment_ids()?;
            if ids.len() <= 1 {
                break;
            }
            match w.merge(&ids).wait() {
                Ok(_) => break,
                Err(tantivy::TantivyError::InvalidArgument(_)) if tries < 3 => tries += 1,
                Err(e) => return Err(e.into()),
            }
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Indexes `docs` anew (added or changed listings).
    pub fn upsert(&self, docs: &[Doc]) -> Result<(), EngineError> {
        self.apply(docs, &[])
    }

    /// Indexes `docs` anew and forgets `removed` in one commit (a round of the change feed).
    pub fn apply(&self, docs: &[Doc], removed: &[i64]) -> Result<(), EngineError> {
        self.write(|w, f| {
            for id in removed {
                w.delete_term(Term::from_field_i64(f.listing_id, *id));
            }
            for d in docs {
                w.delete_term(Term::from_field_i64(f.listing_id, d.listing_id));
                w.add_document(document(f, d))?;
            }
            Ok(())
        })
    }

    /// Forgets the listings `listing_ids` (ids not indexed are ignored).
    pub fn remove(&self, listing_ids: &[i64]) -> Result<(), EngineError> {
        self.apply(&[], listing_ids)
    }

    /// Applies `change`, commits it and makes it visible to the next search; on an error
    /// nothing of it is kept.
    fn write(
        &self,
        change: impl FnOnce(&mut IndexWriter, &Fields) -> tantivy::Result<()>,
    ) -> Result<(), EngineError> {
        let mut w = self.writer.lock().map_err(|_| EngineError::Poisoned)?;
        let done = change(&mut w, &self.f).and_then(|()| w.commit().map(|_| ()));
        if let Err(e) = done {
            w.rollback()?;
            return Err(e.into());
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Searches the orderable listings: the page's listings, read from the index.
    pub fn search(&self, q: &Query) -> Result<Hits, EngineError> {
        let searcher = self.reader.searcher();
        let (count, ranked) = self.ranked(&searcher, q, q.offset.saturating_add(q.limit))?;
        let cap = q.offset.saturating_add(q.count_cap);
        let mut columns = std::collections::HashMap::new();
        let mut docs = Vec::with_capacity(q.limit.min(ranked.len()));
        for r in ranked.into_iter().skip(q.offset).take(q.limit) {
            let segment = r.address.segment_ord;
            let c = match columns.entry(segment) {
                std::collections::hash_map::Entry::Occupied(c) => c.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(Columns::open(searcher.segment_reader(segment))?)
                }
            };
            docs.push(c.doc(r.address.doc_id)?);
        }
        Ok(Hits {
            docs,
            total: count.min(cap),
            more: count > cap,
        })
    }

    /// The ids of every orderable listing `q` finds (its offset, limit and cap aside), in its
    /// order: for checks of the engine against a plain scan.
    pub fn all_ids(&self, q: &Query) -> Result<Vec<i64>, EngineError> {
        let searcher = self.reader.searcher();
        let (_, ranked) = self.ranked(&searcher, q, usize::MAX)?;
        Ok(ranked.into_iter().map(|r| r.id).collect())
    }

    /// How many listings `q` finds, and the first `keep` of them in its order.
    fn ranked(
        &self,
        searcher: &tantivy::Searcher,
        q: &Query,
        keep: usize,
    ) -> Result<(usize, Vec<collect::Ranked>), EngineError> {
        let words = text::query_words(q.text.as_deref().unwrap_or(""));
        let best = q.sort == Sort::BestMatch && !words.is_empty();
        let query: Box<dyn tantivy::query::Query> = if words.is_empty() {
            Box::new(AllQuery)
        } else {
            Box::new(BooleanQuery::intersection(
                words.iter().map(|w| self.word_query(w, best)).collect(),
            ))
        };
        let collector = PageCollector {
            sort: q.sort,
            scored: best,
            keep,
            category_id: q.category_id,
            supplier_id: q.supplier_id,
            in_stock: q.in_stock,
            single: searcher.segment_readers().len() == 1,
        };
        Ok(searcher.search(query.as_ref(), &collector)?)
    }

    /// The listings holding `word`: a substring of the name, specification or supplier name,
    /// or for a word of letters of the Chinese name's pinyin. With `best`, scored by the best
    /// of the ways it is held (see [`Sort::BestMatch`]).
    fn word_query(&self, word: &str, best: bool) -> Box<dyn tantivy::query::Query> {
        let mut places = vec![self.f.name, self.f.spec, self.f.supplier];
        if pinyin::is_pinyin_word(word) {
            places.push(self.f.pinyin);
        }
        if !best {
            return Box::new(BooleanQuery::union(
                places.iter().map(|p| substring(p.grams, word)).collect(),
            ));
        }
        // Exact words score above every fragment; within each kind, earlier places score more.
        let n = places.len();
        let mut scored: Vec<Box<dyn tantivy::query::Query>> = Vec::with_capacity(2 * n);
        for (i, p) in places.iter().enumerate() {
            let exact = TermQuery::new(
                Term::from_field_text(p.words, word),
                IndexRecordOption::Basic,
            );
            scored.push(Box::new(ConstScoreQuery::new(
                Box::new(exact),
                (2 * n - i) as f32,
            )));
            scored.push(Box::new(ConstScoreQuery::new(
                substring(p.grams, word),
                (n - i) as f32,
            )));
        }
        Box::new(DisjunctionMaxQuery::new(scored))
    }
}

/// A segment's columns of what a page shows, opened once a search.
struct Columns {
    ints: [(&'static str, Column<i64>); 7],
    orderable: Column<bool>,
    texts: [(&'static str, StrColumn); 5],
}

impl Columns {
    fn open(segment: &tantivy::SegmentReader) -> Result<Columns, EngineError> {
        let ff = segment.fast_fields();
        let int = |name: &'static str| Ok::<_, EngineError>((name, ff.i64(name)?));
        let text = |name: &'static str| {
            let col = ff.str(name)?.ok_or_else(|| missing(name))?;
            Ok::<_, EngineError>((name, col))
        };
        Ok(Columns {
            ints: [
                int(fast::LISTING_ID)?,
                int(fast::MATERIAL_ID)?,
                int(fast::SUPPLIER_ID)?,
                int(fast::CATEGORY_ID)?,
                int(shown::WAREHOUSE_ID)?,
                int(fast::PRICE)?,
                int(fast::AVAILABLE)?,
            ],
            orderable: ff.bool(fast::ORDERABLE)?,
            texts: [
                text(shown::NAME_ZH)?,
                text(shown::NAME_EN)?,
                text(shown::SPEC)?,
                text(shown::UNIT)?,
                text(shown::SUPPLIER)?,
            ],
        })
    }

    /// The listing of document `doc`, as indexed.
    fn doc(&self, doc: tantivy::DocId) -> Result<Doc, EngineError> {
        let [
            listing_id,
            material_id,
            supplier_id,
            category_id,
            warehouse_id,
            price,
            available,
        ] = self
            .ints
            .each_ref()
            .map(|(name, col)| col.first(doc).ok_or_else(|| missing(name)));
        // A text column holds no value for an empty text.
        let [name_zh, name_en, spec, unit, supplier] = self.texts.each_ref().map(|(_, col)| {
            let mut s = String::new();
            match col.ords().first(doc) {
                Some(ord) => col
                    .ord_to_str(ord, &mut s)
                    .map(|_| s)
                    .map_err(|e| EngineError::Index(e.into())),
                None => Ok(s),
            }
        });
        Ok(Doc {
            listing_id: listing_id?,
            material_id: material_id?,
            supplier_id: supplier_id?,
            category_id: category_id?,
            warehouse_id: warehouse_id?,
            name_zh: name_zh?,
            name_en: name_en?,
            spec: spec?,
            unit: unit?,
            supplier: supplier?,
            price: price?,
            available: available?,
            orderable: self
                .orderable
                .first(doc)
                .ok_or_else(|| missing(fast::ORDERABLE))?,
        })
    }
}

fn missing(name: &str) -> EngineError {
    EngineError::Index(tantivy::TantivyError::SchemaError(format!(
        "no value in column {name}"
    )))
}

/// Returns the allocator's free memory to the system (glibc keeps freed memory in its heaps
/// for reuse; the server's peak memory counts it).
fn give_back_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; glibc takes each arena's lock for it.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The documents of `field` holding `word` as a substring of one of its words: the character
/// for one character, the pair for two, and a phrase of pairs for more.
fn substring(field: Field, word: &str) -> Box<dyn tantivy::query::Query> {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() <= 2 {
        return Box::new(TermQuery::new(
            Term::from_field_text(field, word),
            IndexRecordOption::Basic,
        ));
    }
    let pairs = text::covering_pairs(chars.len())
        .into_iter()
        .map(|i| {
            let pair: String = chars[i..i + 2].iter().collect();
            (i, Term::from_field_text(field, &pair))
        })
        .collect();
    Box::new(PhraseQuery::new_with_offset(pairs))
}

fn document(f: &Fields, d: &Doc) -> TantivyDocument {
    let mut doc = TantivyDocument::new();
    let name = normalize(&format!("{} {}", d.name_zh, d.name_en));
    let spec = normalize(&d.spec);
    let supplier = normalize(&d.supplier);
    let readings = pinyin::readings(&normalize(&d.name_zh)).join(" ");
    for (place, text) in [
        (f.name, &name),
        (f.spec, &spec),
        (f.supplier, &supplier),
        (f.pinyin, &readings),
    ] {
        doc.add_text(place.grams, text);
        doc.add_text(place.words, text);
    }
    doc.add_text(f.sort_text, format!("{name} {spec} {supplier}"));
    doc.add_i64(f.listing_id, d.listing_id);
    doc.add_i64(f.material_id, d.material_id);
    doc.add_i64(f.supplier_id, d.supplier_id);
    doc.add_i64(f.category_id, d.category_id);
    doc.add_i64(f.price, d.price);
    doc.add_i64(f.available, d.available);
    doc.add_bool(f.orderable, d.orderable);
    let shown = &f.shown;
    doc.add_text(shown.name_zh, &d.name_zh);
    doc.add_text(shown.name_en, &d.name_en);
    doc.add_text(shown.spec, &d.spec);
    doc.add_text(shown.unit, &d.unit);
    doc.add_text(shown.supplier, &d.supplier);
    doc.add_i64(shown.warehouse_id, d.warehouse_id);
    doc
}
