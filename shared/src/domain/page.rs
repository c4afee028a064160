//! How many items a listing returns: one rule for every edge.

/// Items per page when the client asks for no number.
pub const DEFAULT_PAGE_SIZE: i32 = 20;
/// Most items per page.
pub const MAX_PAGE_SIZE: i32 = 100;

/// A page size out of range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("limit must be a whole number from 1 to {MAX_PAGE_SIZE}.")]
pub struct PageSizeError;

/// The page size for `requested` (none: [`DEFAULT_PAGE_SIZE`]); 1..=[`MAX_PAGE_SIZE`].
pub fn page_size(requested: Option<i64>) -> Result<i32, PageSizeError> {
    match requested {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) => i32::try_from(n)
            .ok()
            .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
            .ok_or(PageSizeError),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_one_to_a_hundred_items_twenty_by_default() {
        assert_eq!(page_size(None), Ok(20));
        assert_eq!(page_size(Some(1)), Ok(1));
        assert_eq!(page_size(Some(100)), Ok(100));
        for bad in [0, -1, 101, i64::MAX] {
            assert_eq!(page_size(Some(bad)), Err(PageSizeError), "{bad}");
        }
    }
}
