//! Timestamps as ASL writes them: RFC 3339 with an offset (`2016-03-14T01:59:00Z`).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Parses an ASL timestamp: RFC 3339 date-time with `T`, an explicit offset (`Z` or `±hh:mm`) and optional
/// fractional seconds. "Timestamps ... must conform to RFC3339 profile ISO 8601, with the further restrictions
/// that an uppercase T must separate the date and time portions, and an uppercase Z must denote that a numeric
/// time zone offset is not present".
pub fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    if s.len() < 20 || s.as_bytes().get(10) != Some(&b'T') || s.contains('z') || s.contains('t') {
        return None;
    }
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// Formats a time the way Step Functions writes them in the context object: UTC, milliseconds, `Z`.
pub fn format_timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_rfc3339_with_offset() {
        assert!(parse_timestamp("2016-03-14T01:59:00Z").is_some());
        assert!(parse_timestamp("2016-03-14T01:59:00.123+02:00").is_some());
    }

    #[test]
    fn rejects_missing_offset_and_lowercase() {
        assert!(parse_timestamp("2026-11-23T07:37:31").is_none());
        assert!(parse_timestamp("2016-03-14t01:59:00z").is_none());
        assert!(parse_timestamp("2016-03-14 01:59:00Z").is_none());
    }

    #[test]
    fn formats_utc_milliseconds() {
        let t = parse_timestamp("2016-03-14T01:59:00.5+01:00").unwrap();
        assert_eq!(format_timestamp(t), "2016-03-14T00:59:00.500Z");
    }
}
