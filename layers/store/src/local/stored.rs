//! How values are stored in SQLite: timestamps as fixed-width UTC text (so comparing the text compares
//! the times), and SQLite errors as [`StoreError::Backend`].

use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use crate::error::StoreError;
use crate::timefmt::parse_timestamp;

/// Maps a SQLite error to [`StoreError::Backend`] for `op` on `key`.
pub(crate) fn db<'a>(
    op: &'static str,
    key: &'a str,
) -> impl FnOnce(rusqlite::Error) -> StoreError + 'a {
    move |source| StoreError::Backend {
        op,
        key: key.to_owned(),
        source: Box::new(source),
    }
}

/// The stored form of a timestamp: UTC with nanoseconds and a fixed width.
pub(crate) fn to_db(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    at.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z"
    ))
    .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// Reads the stored form back (a conversion error for SQLite when it is not a timestamp).
pub(crate) fn from_db(text: &str) -> rusqlite::Result<OffsetDateTime> {
    parse_timestamp(text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("not an RFC 3339 timestamp: {text:?}").into(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn stored_form_sorts_like_time_and_round_trips() {
        let a = datetime!(2026-11-23 12:37:02.5 +01:00);
        let b = datetime!(2026-11-23 11:37:02.6 UTC);
        assert!(to_db(a) < to_db(b));
        assert_eq!(to_db(a), "2026-11-23T11:37:02.500000000Z");
        assert_eq!(from_db(&to_db(a)).unwrap(), a);
        assert!(from_db("yesterday").is_err());
    }

    #[test]
    fn errors_name_the_operation_and_the_key() {
        let err = db("open ticket", "arn:finding/1")(rusqlite::Error::QueryReturnedNoRows);
        let text = err.to_string();
        assert!(
            text.contains("open ticket") && text.contains("arn:finding/1"),
            "{text}"
        );
    }
}
