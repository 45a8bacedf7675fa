//! Page numbers of paged lists: a value the handlers read from the request and hand to the
//! stores as a plain number, so that no store depends on the web layer.

/// The highest page number a list answers for; past it every list is empty anyway, and the
/// database layer multiplies the page by its size (a page near `u64::MAX` overflowed).
pub const MAX_PAGE: u64 = 100_000;

/// A list's requested page (1 when not given), kept to 1–[`MAX_PAGE`].
pub fn page_number(page: Option<u64>) -> u64 {
    page.unwrap_or(1).clamp(1, MAX_PAGE)
}

/// The zero-based index a paginator fetches for a 1-based page number, kept in range whatever
/// the caller passes.
pub fn page_index(page: u64) -> u64 {
    page.clamp(1, MAX_PAGE) - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_page_is_the_first() {
        assert_eq!(page_number(None), 1);
        assert_eq!(page_index(page_number(None)), 0);
    }

    #[test]
    fn pages_outside_the_range_are_kept_to_it() {
        assert_eq!(page_number(Some(0)), 1);
        assert_eq!(page_number(Some(u64::MAX)), MAX_PAGE);
        assert_eq!(page_index(0), 0);
        assert_eq!(page_index(u64::MAX), MAX_PAGE - 1);
    }
}
