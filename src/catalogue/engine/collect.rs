//! Filters, counts and orders the matches, from fast fields only.
//!
//! Each segment keeps its first `keep` matches in the sort order, comparing the name by the
//! segment's own ordinals of the sort text (its dictionary is sorted, so ordinals order as the
//! texts do); the segments' pages are then merged by the texts themselves.

use std::collections::BinaryHeap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{ColumnValues, StrColumn};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader, TantivyError};

use super::{Sort, fast};

pub(super) struct PageCollector {
    pub sort: Sort,
    /// The score says how well the words matched (best match with words).
    pub scored: bool,
    /// How many of the first matches are wanted (offset + limit).
    pub keep: usize,
    pub category_id: Option<i64>,
    pub supplier_id: Option<i64>,
    pub in_stock: Option<bool>,
    /// The index has one segment: its matches come out of it in order, and the merge needs
    /// neither their texts nor a sort.
    pub single: bool,
}

/// A match as the merge orders it: by `primary`, then the sort text, then the listing id
/// (one document a listing, so its address never decides).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Ranked {
    primary: u64,
    text: String,
    pub id: i64,
    /// Its segment and document, where the page's columns are read.
    pub address: DocAddress,
}

/// A match within a segment: `ord` stands for the sort text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    primary: u64,
    ord: u64,
    id: i64,
    doc: DocId,
}

/// `i64` order as `u64` order.
fn ordered(v: i64) -> u64 {
    (v as u64) ^ (1 << 63)
}

pub(super) struct PageSegment {
    segment: SegmentOrdinal,
    single: bool,
    sort: Sort,
    scored: bool,
    keep: usize,
    category_id: Option<i64>,
    supplier_id: Option<i64>,
    in_stock: Option<bool>,
    listing_id: Arc<dyn ColumnValues<i64>>,
    orderable: Arc<dyn ColumnValues<bool>>,
    available: Arc<dyn ColumnValues<i64>>,
    category: Arc<dyn ColumnValues<i64>>,
    supplier: Arc<dyn ColumnValues<i64>>,
    price: Arc<dyn ColumnValues<i64>>,
    /// The sort text's dictionary and each document's ordinal in it (name orders only).
    text: Option<(StrColumn, Arc<dyn ColumnValues<u64>>)>,
    count: usize,
    /// The best `keep` entries so far, the worst on top.
    page: BinaryHeap<Entry>,
}

impl Collector for PageCollector {
    type Fruit = (usize, Vec<Ranked>);
    type Child = PageSegment;

    fn for_segment(
        &self,
        segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<PageSegment> {
        let ff = segment.fast_fields();
        let text = match self.sort {
            Sort::BestMatch | Sort::Name => {
                let col = ff.str(fast::SORT_TEXT)?.ok_or_else(|| {
                    TantivyError::SchemaError(format!("no fast field {}", fast::SORT_TEXT))
                })?;
                let ords = col.ords().clone().first_or_default_col(0);
                Some((col, ords))
            }
            Sort::PriceAsc | Sort::PriceDesc => None,
        };
        Ok(PageSegment {
            segment: segment_local_id,
            single: self.single,
            sort: self.sort,
            scored: self.scored,
            keep: self.keep,
            category_id: self.category_id,
            supplier_id: self.supplier_id,
            in_stock: self.in_stock,
            listing_id: ff.column_first_or_default(fast::LISTING_ID)?,
            orderable: ff.column_first_or_default(fast::ORDERABLE)?,
            available: ff.column_first_or_default(fast::AVAILABLE)?,
            category: ff.column_first_or_default(fast::CATEGORY_ID)?,
            supplier: ff.column_first_or_default(fast::SUPPLIER_ID)?,
            price: ff.column_first_or_default(fast::PRICE)?,
            text,
            count: 0,
            page: BinaryHeap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scored
    }

    fn merge_fruits(
        &self,
        fruits: Vec<tantivy::Result<(usize, Vec<Ranked>)>>,
    ) -> tantivy::Result<(usize, Vec<Ranked>)> {
        let mut count = 0;
        let mut all = Vec::new();
        for fruit in fruits {
            let (n, ranked) = fruit?;
            count += n;
            all.extend(ranked);
        }
        if !self.single {
            all.sort_unstable();
        }
        all.truncate(self.keep);
        Ok((count, all))
    }
}

impl SegmentCollector for PageSegment {
    type Fruit = tantivy::Result<(usize, Vec<Ranked>)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if !self.orderable.get_val(doc)
            || self
                .category_id
                .is_some_and(|c| self.category.get_val(doc) != c)
            || self
                .supplier_id
                .is_some_and(|s| self.supplier.get_val(doc) != s)
            || self
                .in_stock
                .is_some_and(|wanted| (self.available.get_val(doc) > 0) != wanted)
        {
            return;
        }
        self.count += 1;
        if self.keep == 0 {
            return;
        }
        let primary = match self.sort {
            // Scores are small whole numbers (sums of the words' tiers).
            Sort::BestMatch if self.scored => u64::MAX - score.round() as u64,
            Sort::BestMatch | Sort::Name => 0,
            Sort::PriceAsc => ordered(self.price.get_val(doc)),
            Sort::PriceDesc => !ordered(self.price.get_val(doc)),
        };
        let ord = match &self.text {
            Some((_, ords)) => ords.get_val(doc),
            None => 0,
        };
        // Beaten by the worst kept on the order alone: its id (the tie-break) is not read.
        if self.page.len() >= self.keep
            && self
                .page
                .peek()
                .is_some_and(|worst| (primary, ord) > (worst.primary, worst.ord))
        {
            return;
        }
        let id = self.listing_id.get_val(doc);
        let entry = Entry {
            primary,
            ord,
            id,
            doc,
        };
        if self.page.len() < self.keep {
            self.page.push(entry);
        } else if self.page.peek().is_some_and(|worst| entry < *worst) {
            self.page.pop();
            self.page.push(entry);
        }
    }

    fn harvest(self) -> Self::Fruit {
        let mut out = Vec::with_capacity(self.page.len());
        let mut text = String::new();
        for e in self.page.into_sorted_vec() {
            text.clear();
            if let Some((col, _)) = &self.text
                && !self.single
            {
                col.ord_to_str(e.ord, &mut text)?;
            }
            out.push(Ranked {
                primary: e.primary,
                text: text.clone(),
                id: e.id,
                address: DocAddress::new(self.segment, e.doc),
            });
        }
        Ok((self.count, out))
    }
}
