//! Timestamps: parsing and writing RFC 3339 as ASFF and EventBridge do, and serde helpers.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// Parses an RFC 3339 timestamp as ASFF uses them (`2026-11-23T12:37:02.123Z`, offsets allowed).
pub fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// Formats a timestamp as RFC 3339 in UTC, as Security Hub writes them (`2026-11-23T12:37:02.123Z`,
/// milliseconds).
pub fn format_asff(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    at.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    ))
    .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// RFC 3339 in UTC to the second (`2026-11-23T12:37:02Z`), as EventBridge writes event times.
pub fn format_seconds(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    at.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
    ))
    .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// `#[serde(with = "crate::timefmt::rfc3339")]` for an `OffsetDateTime` field.
pub mod rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    /// Writes the timestamp as RFC 3339.
    pub fn serialize<S: Serializer>(at: &OffsetDateTime, serializer: S) -> Result<S::Ok, S::Error> {
        let text = at.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }

    /// Reads an RFC 3339 timestamp.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<OffsetDateTime, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        OffsetDateTime::parse(&text, &Rfc3339)
            .map_err(|e| D::Error::custom(format!("invalid RFC 3339 timestamp {text:?}: {e}")))
    }

    /// The same for an `Option<OffsetDateTime>` field (`null` or absent is `None`; pair with
    /// `#[serde(default)]`).
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use time::OffsetDateTime;

        /// Writes `null` or an RFC 3339 timestamp.
        pub fn serialize<S: Serializer>(
            at: &Option<OffsetDateTime>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match at {
                Some(at) => super::serialize(at, serializer),
                None => serializer.serialize_none(),
            }
        }

        /// Reads `null` or an RFC 3339 timestamp.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<OffsetDateTime>, D::Error> {
            #[derive(Deserialize)]
            struct Wrapped(#[serde(with = "super")] OffsetDateTime);
            Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|Wrapped(at)| at))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn parses_asff_timestamps() {
        assert_eq!(
            parse_timestamp("2020-03-22T13:22:13.933Z"),
            Some(datetime!(2020-03-22 13:22:13.933 UTC))
        );
        assert_eq!(
            parse_timestamp("2020-03-22T13:22:13Z"),
            Some(datetime!(2020-03-22 13:22:13 UTC))
        );
        assert_eq!(parse_timestamp("2020-03-22 13:22"), None);
        assert_eq!(
            format_seconds(datetime!(2020-03-22 14:22:13.9339 +01:00)),
            "2020-03-22T13:22:13Z"
        );
        assert_eq!(
            format_asff(datetime!(2020-03-22 14:22:13.9339 +01:00)),
            "2020-03-22T13:22:13.933Z"
        );
    }

    #[test]
    fn serde_helpers() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct T {
            #[serde(with = "rfc3339")]
            at: OffsetDateTime,
            #[serde(default, with = "rfc3339::option")]
            until: Option<OffsetDateTime>,
        }
        let t: T = serde_json::from_str(r#"{"at": "2026-01-02T03:04:05Z"}"#).unwrap();
        assert_eq!(
            t,
            T {
                at: datetime!(2026-01-02 03:04:05 UTC),
                until: None
            }
        );
        let text = serde_json::to_string(&t).unwrap();
        assert_eq!(text, r#"{"at":"2026-01-02T03:04:05Z","until":null}"#);
        assert!(serde_json::from_str::<T>(r#"{"at": "yesterday"}"#).is_err());
    }
}
