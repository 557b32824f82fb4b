//! Timestamps for the `Timestamp*` comparisons and `IsTimestamp`: a strict RFC 3339 parser.

use std::cmp::Ordering;

/// An instant, as seconds since the Unix epoch plus nanoseconds. Ordering is chronological, so
/// `2012-10-09T20:00:55+01:00` equals `2012-10-09T19:00:55Z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Timestamp {
    seconds: i64,
    nanos: u32,
}

impl Timestamp {
    /// Parses `text` the way AWS reads a timestamp.
    ///
    /// "Timestamps (for example, 2016-08-18T17:33:00Z) must conform to RFC3339 profile ISO 8601, with
    /// further restrictions: An uppercase T must separate the date and time portions. An uppercase Z must
    /// denote that a numeric time zone offset isn't present." So `2012-10-09T19:00:55` (no offset),
    /// `2023-02-24` (no time) and `2023-02-24 12:15:56Z` (space) are not timestamps. Fractional seconds
    /// take 1 to 9 digits (nanosecond precision, as java.time reads them); leap seconds (`:60`) are refused.
    pub(crate) fn parse(text: &str) -> Option<Timestamp> {
        let b = text.as_bytes();
        // YYYY-MM-DDTHH:MM:SS is 19 bytes, and at least a `Z` follows.
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b'T'
            || b[13] != b':'
            || b[16] != b':'
        {
            return None;
        }
        let year = digits(&b[0..4])?;
        let month = digits(&b[5..7])?;
        let day = digits(&b[8..10])?;
        let hour = digits(&b[11..13])?;
        let minute = digits(&b[14..16])?;
        let second = digits(&b[17..19])?;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let mut rest = &b[19..];
        let mut nanos = 0u32;
        if let [b'.', tail @ ..] = rest {
            let count = tail.iter().take_while(|c| c.is_ascii_digit()).count();
            if count == 0 || count > 9 {
                return None;
            }
            for &c in &tail[..count] {
                nanos = nanos * 10 + u32::from(c - b'0');
            }
            nanos *= 10u32.pow(9 - count as u32);
            rest = &tail[count..];
        }
        let offset_seconds = match rest {
            [b'Z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let hours = digits(&[*h1, *h2])?;
                let minutes = digits(&[*m1, *m2])?;
                if hours > 23 || minutes > 59 {
                    return None;
                }
                let magnitude = i64::from(hours * 3600 + minutes * 60);
                if *sign == b'-' { -magnitude } else { magnitude }
            }
            _ => return None,
        };
        let days = days_from_civil(i64::from(year), month, day);
        let local = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
        Some(Timestamp {
            seconds: local - offset_seconds,
            nanos,
        })
    }

    /// Chronological order.
    pub(crate) fn compare(&self, other: &Timestamp) -> Ordering {
        self.cmp(other)
    }
}

/// The value of a run of ASCII digits.
fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap_or_else(|| panic!("{text} should parse"))
    }

    #[test]
    fn accepts_rfc3339_with_z_or_offset_and_fractions() {
        assert_eq!(
            ts("1970-01-01T00:00:00Z"),
            Timestamp {
                seconds: 0,
                nanos: 0
            }
        );
        assert_eq!(ts("2016-08-18T17:33:00Z").seconds, 1_471_541_580);
        assert_eq!(ts("2012-10-09T20:00:55+01:00"), ts("2012-10-09T19:00:55Z"));
        assert_eq!(ts("2012-10-09T18:30:55-00:30"), ts("2012-10-09T19:00:55Z"));
        assert_eq!(ts("2012-10-09T19:00:55.5Z").nanos, 500_000_000);
        assert_eq!(ts("2012-10-09T19:00:55.123456789Z").nanos, 123_456_789);
        assert_eq!(ts("2000-02-29T00:00:00Z").seconds, 951_782_400);
        assert_eq!(ts("1969-12-31T23:59:59Z").seconds, -1);
        assert_eq!(ts("0001-01-01T00:00:00Z").seconds, -62_135_596_800);
    }

    #[test]
    fn refuses_what_aws_does_not_call_a_timestamp() {
        for text in [
            "2012-10-09T19:00:55",
            "2023-02-24",
            "2023-02-24 12:15:56.832957",
            "2012-10-09t19:00:55Z",
            "2012-10-09T19:00:55z",
            "2012-10-09T19:00Z",
            "2012-10-09T19:00:55.Z",
            "2012-10-09T19:00:55.1234567890Z",
            "2012-10-09T19:00:55+0100",
            "2012-10-09T19:00:55+01",
            "2012-10-09T24:00:00Z",
            "2012-10-09T23:60:00Z",
            "2012-10-09T23:59:60Z",
            "2012-13-09T19:00:55Z",
            "2012-00-09T19:00:55Z",
            "2012-10-00T19:00:55Z",
            "2013-02-29T19:00:55Z",
            "1900-02-29T19:00:55Z",
            "2012-04-31T19:00:55Z",
            "2012-10-09T19:00:55+24:00",
            "2012-10-09T19:00:55Z ",
            "+2012-10-09T19:00:55Z",
            "２０１２-10-09T19:00:55Z",
            "",
            "HelloWorld",
        ] {
            assert_eq!(Timestamp::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn orders_chronologically_across_offsets_and_fractions() {
        let t0 = ts("2012-10-09T19:00:55Z");
        let t1 = ts("2012-10-09T19:00:56Z");
        assert_eq!(t0.compare(&t1), Ordering::Less);
        assert_eq!(t1.compare(&t0), Ordering::Greater);
        assert_eq!(
            ts("2012-10-09T19:00:55.001Z").compare(&t0),
            Ordering::Greater
        );
        assert_eq!(ts("2012-10-09T19:00:55.000Z").compare(&t0), Ordering::Equal);
        assert_eq!(
            ts("2012-10-10T00:00:55+05:00").compare(&t0),
            Ordering::Equal
        );
        assert_eq!(
            ts("1999-12-31T23:59:59.999999999Z").compare(&ts("2000-01-01T00:00:00Z")),
            Ordering::Less
        );
    }
}
