//! deskd's list convention: `skip` and `take` in, `{results, totalResults, hasMore}` out.
//! A `take` above the maximum is refused, never silently cut.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    error::{Error, Result},
    repo::ListOptions,
};

pub const DEFAULT_TAKE: i64 = 50;
pub const MAX_TAKE: i64 = 100;

#[derive(Debug, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// How many matching items to skip (default 0).
    #[param(minimum = 0)]
    #[schema(minimum = 0)]
    pub skip: Option<i64>,
    /// How many items to return: 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    #[schema(minimum = 1, maximum = 100)]
    pub take: Option<i64>,
    /// Case-insensitive text to look for in names and emails.
    pub search: Option<String>,
    /// Include archived items (default false).
    #[serde(rename = "includeArchived")]
    pub include_archived: Option<bool>,
}

impl ListQuery {
    pub fn window(&self) -> Result<(i64, i64)> {
        let skip = self.skip.unwrap_or(0);
        let take = self.take.unwrap_or(DEFAULT_TAKE);
        if skip < 0 {
            return Err(Error::bad_request("skip", "skip must be 0 or more"));
        }
        if !(1..=MAX_TAKE).contains(&take) {
            return Err(Error::bad_request(
                "take",
                format!("take must be between 1 and {MAX_TAKE}"),
            ));
        }
        Ok((skip, take))
    }

    /// The list options this query asks for; a bad window is a 400 naming the parameter.
    pub fn options(&self) -> Result<ListOptions<'_>> {
        let (skip, take) = self.window()?;
        Ok(ListOptions {
            search: self.search(),
            include_archived: self.include_archived.unwrap_or(false),
            skip,
            take,
        })
    }

    pub fn search(&self) -> Option<&str> {
        self.search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub results: Vec<T>,
    pub total_results: i64,
    /// True when items beyond this page exist.
    pub has_more: bool,
    /// Present and true when more items match than `totalResults` counts (ticket word searches
    /// count exactly up to 20,000).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub total_capped: bool,
}

/// `includeArchived` for the configuration lists (they are short and answered whole).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArchivedQuery {
    /// Include archived items (default false).
    #[serde(rename = "includeArchived")]
    pub include_archived: Option<bool>,
}

impl ArchivedQuery {
    pub fn include(&self) -> bool {
        self.include_archived.unwrap_or(false)
    }
}

impl<T> Page<T> {
    /// The whole list as one page: for lists that are short by nature.
    pub fn whole(items: Vec<T>) -> Self {
        let total = items.len() as i64;
        Self::new(items, total, 0)
    }

    pub fn new(results: Vec<T>, total: i64, skip: i64) -> Self {
        let has_more = skip + (results.len() as i64) < total;
        Self {
            results,
            total_results: total,
            has_more,
            total_capped: false,
        }
    }

    /// Says the total counts only up to a bound, and more match: then a full page of `take`
    /// may have more after it.
    pub fn capped(mut self, capped: bool, take: i64) -> Self {
        self.total_capped = capped;
        self.has_more |= capped && self.results.len() as i64 == take;
        self
    }
}
