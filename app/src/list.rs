//! The shared list layer: every list of the product (users, dealers, the audit trail, and each
//! module's records) pages the same way.
//!
//! - A [`Page`] holds at most [`PAGE_SIZE`] rows, the [`Cursor`] of the next page, and on the first
//!   page a count of matches capped at [`COUNT_CAP`] (a bounded scan, however big the table).
//!   Module lists keep big counts while they hold ([`counts`]).
//! - Pages are keyset-paginated: the cursor is the last row's sort key and id, so page 2,000 costs
//!   what page 1 costs. The server asks for `PAGE_SIZE + 1` rows to learn whether a next page
//!   exists ([`sql::split_page`]).
//! - Search text is bounded ([`MAX_SEARCH`]) and matched literally ([`sql::contains_pattern`]).
//!
//! The types here travel to the browser; the query helpers in [`sql`] are server-only.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

/// Rows per page in every list.
pub const PAGE_SIZE: u32 = 50;
/// Lists count matches up to this many (a bounded scan); more is shown as "more than".
pub const COUNT_CAP: i64 = 10_000;
/// The longest search text accepted.
pub const MAX_SEARCH: usize = 100;

/// Where lists are downloaded: `{EXPORTS_PATH}/{list}.{csv|xlsx}?<the list's filters>`.
pub const EXPORTS_PATH: &str = "/api/exports";

/// A list that can be downloaded as a file, with the filters it is shown with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportList {
    /// The users list.
    Users,
    /// The dealers list.
    Dealers,
    /// The audit trail.
    Audit,
    /// A module's records.
    Module(crate::modules::Module),
}

impl ExportList {
    /// The list's name in the download's URL.
    pub const fn name(self) -> &'static str {
        match self {
            ExportList::Users => "users",
            ExportList::Dealers => "dealers",
            ExportList::Audit => "audit",
            ExportList::Module(m) => m.slug(),
        }
    }

    /// The list a download's URL names.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "users" => Some(ExportList::Users),
            "dealers" => Some(ExportList::Dealers),
            "audit" => Some(ExportList::Audit),
            _ => crate::modules::Module::from_slug(name).map(ExportList::Module),
        }
    }

    /// The download's URL in the format with extension `ext` (`csv`, `xlsx`), with the filters
    /// `params` (`?a=b` or empty, without a cursor).
    pub fn href(self, ext: &str, params: &str) -> String {
        format!("{EXPORTS_PATH}/{}.{ext}{params}", self.name())
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The rows, at most [`PAGE_SIZE`].
    pub rows: Vec<T>,
    /// The cursor of the next page, if there is one.
    pub next: Option<Cursor>,
    /// How many rows match (up to [`COUNT_CAP`] + 1), counted on the first page only.
    pub total: Option<i64>,
}

/// Where a page starts: the sort key and id of the row before it. Opaque to the browser, which
/// only carries it from one page's answer to the next page's URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(String);

/// The one answer to a cursor that does not parse: tampered with, or from an older release.
fn stale_cursor() -> AppError {
    AppError::BadRequest {
        message: "That page link is no longer valid; start from the first page.".into(),
    }
}

impl Cursor {
    /// The cursor after the row with sort key `key` and id `id`.
    pub fn new(key: impl std::fmt::Display, id: Uuid) -> Self {
        Cursor(format!("{key}~{id}"))
    }

    /// The cursor as it came in a URL (checked only when used).
    pub fn from_param(value: impl Into<String>) -> Self {
        Cursor(value.into())
    }

    /// The text carried in URLs.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The sort key and id; a bad request if the cursor was tampered with.
    pub fn parts(&self) -> Result<(&str, Uuid), AppError> {
        let (key, id) = self.0.rsplit_once('~').ok_or_else(stale_cursor)?;
        if key.chars().any(char::is_control) {
            return Err(stale_cursor());
        }
        Ok((key, Uuid::parse_str(id).map_err(|_| stale_cursor())?))
    }

    /// The sort key as a timestamp (as PostgreSQL writes one, or `-infinity` for "never"), and
    /// the id: a tampered cursor is a bad request rather than a database error.
    pub fn timestamp_parts(&self) -> Result<(&str, Uuid), AppError> {
        let (key, id) = self.parts()?;
        if key != "-infinity"
            && chrono::NaiveDateTime::parse_from_str(key, TIMESTAMP_FORMAT).is_err()
        {
            return Err(stale_cursor());
        }
        Ok((key, id))
    }

    /// The sort key and id of a list's position, checked as a timestamp when the list is ordered
    /// by one ([`Cursor::timestamp_parts`]), else as text ([`Cursor::parts`]).
    pub fn sort_parts(&self, timestamp: bool) -> Result<(&str, Uuid), AppError> {
        if timestamp {
            self.timestamp_parts()
        } else {
            self.parts()
        }
    }

    /// The sort key as a point in time and the id, for lists ordered by a timestamp that is never
    /// missing (the audit trail).
    pub fn datetime_parts(&self) -> Result<(chrono::NaiveDateTime, Uuid), AppError> {
        let (key, id) = self.parts()?;
        let at = chrono::NaiveDateTime::parse_from_str(key, TIMESTAMP_FORMAT)
            .map_err(|_| stale_cursor())?;
        Ok((at, id))
    }
}

/// How cursors write timestamps: PostgreSQL's own text form, so a cursor key read back with
/// `::text` and one written from Rust agree.
pub const TIMESTAMP_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.f";

/// "1 user matches.", "12 users match." or "More than 10,000 users match."
pub fn describe_total(total: i64, singular: &str, plural: &str) -> String {
    if total > COUNT_CAP {
        format!("More than {} {plural} match.", thousands(COUNT_CAP))
    } else if total == 1 {
        format!("1 {singular} matches.")
    } else {
        format!("{} {plural} match.", thousands(total))
    }
}

/// `12345` as `12,345`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The trimmed search text, or a field error on `field` when it is too long or holds characters
/// that cannot be searched for (PostgreSQL cannot even store a NUL).
pub fn search_text(field: &str, text: &str) -> Result<Option<String>, AppError> {
    let text = text.trim();
    if text.chars().count() > MAX_SEARCH {
        return Err(AppError::field(
            field,
            format!("Search for at most {MAX_SEARCH} characters."),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(AppError::field(
            field,
            "Search text cannot contain control characters.",
        ));
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// A date range filter's check: the end on or after the start (a field error on `to`).
pub fn check_range(
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
) -> Result<(), AppError> {
    match (from, to) {
        (Some(from), Some(to)) if from > to => Err(AppError::field(
            "to",
            "The end date is before the start date.",
        )),
        _ => Ok(()),
    }
}

/// Deserialises an optional typed filter where an empty string (a form's "any" choice) means none.
pub fn empty_is_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    use serde::de::IntoDeserializer;
    match Option::<String>::deserialize(deserializer)?.as_deref() {
        None | Some("") => Ok(None),
        Some(text) => {
            T::deserialize(IntoDeserializer::<D::Error>::into_deserializer(text)).map(Some)
        }
    }
}

/// `?a=1&b=2` from pairs (empty when there are none): list filters travel in the page URL, so a
/// filtered list can be bookmarked and works before hydration.
pub fn encode_params(params: &[(&str, String)]) -> String {
    if params.is_empty() {
        return String::new();
    }
    let joined: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencoding::encode(v)))
        .collect();
    format!("?{}", joined.join("&"))
}

#[cfg(feature = "ssr")]
pub mod counts;

/// Query building shared by every list (server only).
#[cfg(feature = "ssr")]
pub mod sql {
    use sqlx::{PgConnection, Postgres, QueryBuilder};

    use super::{COUNT_CAP, Cursor, PAGE_SIZE};
    use crate::error::AppError;

    /// `text` with LIKE's wildcards and escape character matched literally.
    pub fn escape_like(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if matches!(c, '%' | '_' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
        out
    }

    /// A LIKE pattern matching lower-cased text that contains `text` (trimmed, any case).
    pub fn contains_pattern(text: &str) -> String {
        format!("%{}%", escape_like(&text.trim().to_lowercase()))
    }

    /// A LIKE pattern matching text that starts with `text`, as typed.
    pub fn prefix_pattern(text: &str) -> String {
        format!("{}%", escape_like(text))
    }

    /// `column` (a record's dealer id) is one of the dealers whose code or name contains
    /// `search` (any case), through the dealers' trigram index, as a semi-join: the "by dealer"
    /// filter of every module's list and of the queue, a condition of its own. The planner
    /// estimates the matching dealers from the pattern, so one dealer's records are read through
    /// the dealer index and sorted (6 ms at a million registrations), while a pattern matching
    /// most dealers walks the list's order instead. (An id array here cost 1.5 s for a dealer
    /// matching nothing: the planner cannot see the array's size and walked every row in order.)
    pub fn push_dealer_filter(qb: &mut QueryBuilder<Postgres>, column: &str, search: &str) {
        qb.push(format_args!("{column} IN ("));
        push_dealers_matching(qb, search);
        qb.push(")");
    }

    /// `SELECT id FROM dealers` whose code or name contains `search` (any case): the one
    /// expression the dealers' trigram index covers, for every dealer match of the lists.
    fn push_dealers_matching(qb: &mut QueryBuilder<Postgres>, search: &str) {
        qb.push("SELECT id FROM dealers WHERE lower(dealer_code::text || ' ' || dealer_name::text) LIKE ")
            .push_bind(contains_pattern(search));
    }

    /// A list's dealer filter (part of a dealer's code or name), as its statement applies it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum DealerFilter<'a> {
        /// The one dealer the text names ([`dealer_filter`]): `column = id`, so a list ordered
        /// by a (dealer, sort key) index reads a page of that dealer's rows in order instead of
        /// reading and sorting all of them (1,060 registrations of one dealer at a million:
        /// 1.5 ms through the semi-join, 0.35 ms by equality).
        One(uuid::Uuid),
        /// Every dealer whose code or name contains the text ([`push_dealer_filter`]).
        Matching(&'a str),
    }

    impl DealerFilter<'_> {
        /// `column` (a record's dealer id) is the filter's dealer, or one of them.
        pub fn push(self, qb: &mut QueryBuilder<Postgres>, column: &str) {
            match self {
                DealerFilter::One(id) => {
                    qb.push(format_args!("{column} = ")).push_bind(id);
                }
                DealerFilter::Matching(text) => push_dealer_filter(qb, column, text),
            }
        }
    }

    /// The dealer filter for `text`: [`DealerFilter::One`] when exactly one dealer (that `conn`
    /// may see) matches it, else [`DealerFilter::Matching`]. One probe of the dealers' trigram
    /// index, for at most two rows. A file reads every match anyway and keeps `Matching`.
    pub async fn dealer_filter<'a>(
        conn: &mut PgConnection,
        text: &'a str,
    ) -> Result<DealerFilter<'a>, AppError> {
        let mut qb = QueryBuilder::<Postgres>::new("");
        push_dealers_matching(&mut qb, text);
        qb.push(" LIMIT 2");
        let ids: Vec<uuid::Uuid> = qb.build_query_scalar().fetch_all(conn).await?;
        Ok(match ids[..] {
            [id] => DealerFilter::One(id),
            _ => DealerFilter::Matching(text),
        })
    }

    /// The same match as an id array, for a search that also matches record numbers: inside an
    /// `OR` a semi-join cannot become an index condition, an array can (a bitmap OR of the
    /// number index and the dealer index).
    pub fn push_dealer_match(qb: &mut QueryBuilder<Postgres>, column: &str, search: &str) {
        qb.push(format_args!("{column} = ANY(ARRAY("));
        push_dealers_matching(qb, search);
        qb.push("))");
    }

    /// `column` (a record number) starts with `search`, upper-cased, as a byte-wise range
    /// (`~>=~`, `~<~`): unlike LIKE, it uses the number's `text_pattern_ops` index in the generic
    /// plans prepared statements end up with. U+10FFFF sorts after any text with the prefix.
    pub fn push_number_prefix(qb: &mut QueryBuilder<Postgres>, column: &str, search: &str) {
        let prefix = search.to_uppercase();
        qb.push(format_args!("({column} ~>=~ "))
            .push_bind(prefix.clone())
            .push(format_args!(" AND {column} ~<~ ("))
            .push_bind(prefix)
            .push(" || chr(1114111)))");
    }

    /// A list's position and order: ` AND (key, id) > (after)` when a cursor is given, then
    /// ` ORDER BY key, id` in the chosen direction. `after` is a cursor's parts, already checked
    /// ([`Cursor::timestamp_parts`] when `timestamp`, else [`Cursor::parts`]).
    pub fn push_keyset(
        qb: &mut QueryBuilder<Postgres>,
        key: &str,
        id: &str,
        timestamp: bool,
        ascending: bool,
        after: Option<(&str, uuid::Uuid)>,
    ) {
        let (cmp, dir) = if ascending {
            (">", "ASC")
        } else {
            ("<", "DESC")
        };
        if let Some((after_key, after_id)) = after {
            let key_type = if timestamp { "timestamp" } else { "text" };
            qb.push(format_args!(" AND ({key}, {id}) {cmp} (CAST("))
                .push_bind(after_key.to_owned())
                .push(format_args!(" AS {key_type}), "))
                .push_bind(after_id)
                .push(")");
        }
        qb.push(format_args!(" ORDER BY {key} {dir}, {id} {dir}"));
    }

    /// Ends a page query: ` LIMIT PAGE_SIZE + 1`, one row more than shown, to learn whether a
    /// next page exists.
    pub fn push_page_limit(qb: &mut QueryBuilder<Postgres>) {
        qb.push(" LIMIT ").push_bind(i64::from(PAGE_SIZE) + 1);
    }

    /// The rows of a page fetched with [`push_page_limit`], and the cursor of the next page
    /// (made from the last row shown) when there was one row more.
    pub fn split_page<R>(
        mut rows: Vec<R>,
        cursor: impl Fn(&R) -> Cursor,
    ) -> (Vec<R>, Option<Cursor>) {
        if rows.len() > PAGE_SIZE as usize {
            rows.truncate(PAGE_SIZE as usize);
            let next = rows.last().map(cursor);
            (rows, next)
        } else {
            (rows, None)
        }
    }

    /// Matches up to which a search counts as narrow ([`search_is_narrow`]).
    pub const NARROW_SEARCH: i64 = 2_000;

    /// Whether a search matches at most [`NARROW_SEARCH`] rows (that `conn` may see).
    /// `push_ids` pushes the ids it matches as a `UNION ALL` of one `SELECT id FROM … WHERE …`
    /// per way of matching (a number prefix, a trigram pattern, a dealer), each through its own
    /// index, so this bounded count costs a few milliseconds whatever the table's size.
    ///
    /// A narrow search's rows are then collected through those indexes and sorted
    /// ([`push_id_match`]); a broad one walks the list's order, where a page of matches turns up
    /// soon. Either plan alone is slow for the other kind of search: walking the order for a
    /// rare number prefix cost 1.5 s at a million applications, collecting a common surname's
    /// matches to sort them hundreds of milliseconds.
    pub async fn search_is_narrow(
        conn: &mut PgConnection,
        push_ids: impl FnOnce(&mut QueryBuilder<Postgres>),
    ) -> Result<bool, AppError> {
        let mut qb = QueryBuilder::<Postgres>::new("SELECT count(*) FROM (");
        push_ids(&mut qb);
        qb.push(" LIMIT ")
            .push_bind(NARROW_SEARCH + 1)
            .push(") matches");
        let n: i64 = qb.build_query_scalar().fetch_one(conn).await?;
        Ok(n <= NARROW_SEARCH)
    }

    /// How a list reads a search's matches.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum SearchPlan {
        /// Walk the list's order until a page of matches turns up (a broad search).
        Walk,
        /// Collect the matches through their indexes and sort them ([`search_is_narrow`]).
        Collect,
        /// The search names one dealer and matches no record number: that dealer's rows, read
        /// in the list's order through its (dealer, sort key) index ([`DealerFilter::One`]).
        Dealer(uuid::Uuid),
    }

    /// ` AND {id} IN (…)`: a narrow search's condition, over the ids `push_ids` pushes (as for
    /// [`search_is_narrow`]).
    pub fn push_id_match(
        qb: &mut QueryBuilder<Postgres>,
        id: &str,
        push_ids: impl FnOnce(&mut QueryBuilder<Postgres>),
    ) {
        qb.push(format_args!(" AND {id} IN ("));
        push_ids(qb);
        qb.push(")");
    }

    /// How many rows `from_where` (a `FROM … WHERE …` clause) matches, up to [`COUNT_CAP`] + 1:
    /// "more than 10,000" is as useful as the exact figure and costs a bounded scan.
    pub async fn capped_count(
        conn: &mut PgConnection,
        from_where: impl FnOnce(&mut QueryBuilder<Postgres>),
    ) -> Result<i64, AppError> {
        let mut count = QueryBuilder::<Postgres>::new("SELECT count(*) FROM (SELECT 1");
        from_where(&mut count);
        count
            .push(" LIMIT ")
            .push_bind(COUNT_CAP + 1)
            .push(") capped");
        Ok(count
            .build_query_scalar::<i64>()
            .fetch_one(&mut *conn)
            .await?)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn search_text_is_matched_literally() {
            assert_eq!(contains_pattern(" 50%_Off\\ "), "%50\\%\\_off\\\\%");
            assert_eq!(prefix_pattern("user_"), "user\\_%");
        }

        #[test]
        fn a_page_with_one_row_too_many_has_a_next_cursor_from_its_last_shown_row() {
            let ids: Vec<u32> = (0..=PAGE_SIZE).collect();
            let (rows, next) = split_page(ids, |r| Cursor::new(r, uuid::Uuid::nil()));
            assert_eq!(rows.len(), PAGE_SIZE as usize);
            assert_eq!(next, Some(Cursor::new(PAGE_SIZE - 1, uuid::Uuid::nil())));
            let (rows, next) = split_page(vec![1, 2], |r| Cursor::new(r, uuid::Uuid::nil()));
            assert_eq!((rows.len(), next), (2, None));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_export_list_is_found_by_its_name() {
        use crate::modules::Module;
        let lists = [ExportList::Users, ExportList::Dealers, ExportList::Audit]
            .into_iter()
            .chain(Module::ALL.into_iter().map(ExportList::Module));
        for list in lists {
            assert_eq!(ExportList::from_name(list.name()), Some(list));
        }
        assert_eq!(ExportList::from_name("passwords"), None);
        assert_eq!(
            ExportList::Module(Module::DealerPcc).href("csv", "?status=submitted"),
            "/api/exports/pcc.csv?status=submitted"
        );
    }

    #[test]
    fn totals_read_as_sentences_in_singular_plural_and_beyond_the_cap() {
        assert_eq!(describe_total(1, "user", "users"), "1 user matches.");
        assert_eq!(describe_total(0, "user", "users"), "0 users match.");
        assert_eq!(describe_total(1234, "user", "users"), "1,234 users match.");
        assert_eq!(
            describe_total(COUNT_CAP + 1, "dealer", "dealers"),
            "More than 10,000 dealers match."
        );
    }

    #[test]
    fn cursors_round_trip_and_tampered_ones_are_bad_requests() {
        let id = Uuid::new_v4();
        let c = Cursor::new("2026-11-25 10:00:00.5", id);
        assert_eq!(c.timestamp_parts().unwrap(), ("2026-11-25 10:00:00.5", id));
        assert_eq!(
            Cursor::new("-infinity", id).timestamp_parts().unwrap().1,
            id
        );
        assert!(Cursor::from_param("no-separator").parts().is_err());
        assert!(Cursor::from_param("key~not-a-uuid").parts().is_err());
        assert!(Cursor::new("yesterday", id).timestamp_parts().is_err());
        assert!(Cursor::new("a\0b", id).parts().is_err());
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
            .unwrap()
            .and_hms_milli_opt(10, 0, 0, 500)
            .unwrap();
        assert_eq!(
            Cursor::new(at.format(TIMESTAMP_FORMAT), id)
                .datetime_parts()
                .unwrap(),
            (at, id)
        );
        assert!(Cursor::new("-infinity", id).datetime_parts().is_err());
    }

    #[test]
    fn an_empty_filter_reads_as_none_and_a_known_key_as_its_value() {
        #[derive(Deserialize)]
        struct Q {
            #[serde(default, deserialize_with = "empty_is_none")]
            status: Option<crate::dealers::DealerStatus>,
        }
        let read = |json: &str| serde_json::from_str::<Q>(json).map(|q| q.status);
        assert_eq!(read(r#"{"status":""}"#).unwrap(), None);
        assert_eq!(read(r#"{}"#).unwrap(), None);
        assert_eq!(
            read(r#"{"status":"suspended"}"#).unwrap(),
            Some(crate::dealers::DealerStatus::Suspended)
        );
        assert!(read(r#"{"status":"closed"}"#).is_err());
    }

    #[test]
    fn search_text_is_bounded_and_free_of_control_characters() {
        assert_eq!(
            search_text("q", "  asha ").unwrap().as_deref(),
            Some("asha")
        );
        assert_eq!(search_text("q", "   ").unwrap(), None);
        assert!(search_text("q", &"x".repeat(MAX_SEARCH + 1)).is_err());
        assert!(search_text("q", "a\0b").is_err());
    }
}
