//! String comparisons (`String*`) in Java's `String.compareTo` order, and `StringMatches` patterns.

use std::cmp::Ordering;

/// Compares two strings the way Java's `String.compareTo` does.
///
/// "To understand the behavior of string comparisons, see the Java compareTo documentation": Java
/// compares UTF-16 code units, which differs from Rust's byte (code point) order only when one string
/// has a supplementary character (U+10000 and up, a surrogate pair starting at 0xD800) where the other
/// has a character in U+E000..=U+FFFF. So compare bytes, and settle the first differing character by
/// its UTF-16 encoding.
pub(crate) fn java_compare(a: &str, b: &str) -> Ordering {
    let common = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    // Back up to the start of the character that differs (both strings agree up to `common`).
    let mut start = common;
    while !a.is_char_boundary(start) {
        start -= 1;
    }
    match (a[start..].chars().next(), b[start..].chars().next()) {
        (Some(x), Some(y)) => {
            let (mut bx, mut by) = ([0u16; 2], [0u16; 2]);
            x.encode_utf16(&mut bx).cmp(&y.encode_utf16(&mut by))
        }
        (x, y) => x.is_some().cmp(&y.is_some()),
    }
}

/// A compiled `StringMatches` pattern.
///
/// "The value MUST be a String which MAY contain one or more "*" characters. The expression yields true
/// if the data value selected by the Variable Path matches the value, where "*" in the value matches zero
/// or more characters. [...] No characters other than "*" have any special meaning during matching. If
/// the value contains "*" characters that are intended to be matched literally, they may be escaped using
/// a backslash: "\*". A literal backslash may be represented as "\\"." (Amazon States Language spec.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pattern {
    /// The literal runs between wildcards: `a*b*c` is `["a", "b", "c"]`, `*` is `["", ""]`.
    parts: Box<[Box<str>]>,
}

impl Pattern {
    /// Compiles a pattern. A backslash before anything but `*` or `\` (or at the end) has nothing to
    /// escape and stands for itself.
    pub(crate) fn new(pattern: &str) -> Pattern {
        let mut parts = Vec::new();
        let mut current = String::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.peek() {
                    Some(&next @ ('*' | '\\')) => {
                        current.push(next);
                        chars.next();
                    }
                    _ => current.push('\\'),
                },
                '*' => parts.push(std::mem::take(&mut current).into_boxed_str()),
                _ => current.push(c),
            }
        }
        parts.push(current.into_boxed_str());
        Pattern {
            parts: parts.into_boxed_slice(),
        }
    }

    /// Whether the whole of `text` matches.
    pub(crate) fn matches(&self, text: &str) -> bool {
        let (first, rest) = self
            .parts
            .split_first()
            .expect("a pattern has at least one part");
        let Some((last, middle)) = rest.split_last() else {
            return text == &**first;
        };
        let Some(mut remaining) = text.strip_prefix(&**first) else {
            return false;
        };
        // Each middle part is taken at its leftmost occurrence: that leaves the most room for the rest.
        for part in middle {
            match remaining.find(&**part) {
                Some(at) => remaining = &remaining[at + part.len()..],
                None => return false,
            }
        }
        remaining.ends_with(&**last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn compares_like_java_string_compare_to() {
        assert_eq!(java_compare("", ""), Ordering::Equal);
        assert_eq!(java_compare("A", "AB"), Ordering::Less);
        assert_eq!(java_compare("AB", "A"), Ordering::Greater);
        assert_eq!(java_compare("A", "A "), Ordering::Less);
        assert_eq!(java_compare("A", "A\t\n\r"), Ordering::Less);
        assert_eq!(java_compare("B", "AB"), Ordering::Greater);
        assert_eq!(java_compare("a", "B"), Ordering::Greater);
        assert_eq!(java_compare("é", "z"), Ordering::Greater);
        // U+1F600 is the surrogate pair D83D DE00, which Java puts before U+FF5E.
        assert_eq!(java_compare("x\u{1F600}", "x\u{FF5E}"), Ordering::Less);
        assert_eq!(java_compare("x\u{FF5E}", "x\u{1F600}"), Ordering::Greater);
        // Byte order already agrees with UTF-16 order below U+E000.
        assert_eq!(java_compare("\u{1F600}", "\u{D7FF}"), Ordering::Greater);
        assert_eq!(java_compare("\u{1F600}", "\u{1F601}"), Ordering::Less);
    }

    proptest! {
        #[test]
        fn java_compare_is_utf16_order(a in "\\PC{0,6}", b in "\\PC{0,6}") {
            prop_assert_eq!(java_compare(&a, &b), a.encode_utf16().cmp(b.encode_utf16()));
        }

        #[test]
        fn java_compare_on_shared_prefixes(p in "[a\u{E000}\u{10000}]{0,3}", a in "[a\u{FFFF}\u{10000}]{0,3}", b in "[a\u{FFFF}\u{10000}]{0,3}") {
            let (x, y) = (format!("{p}{a}"), format!("{p}{b}"));
            prop_assert_eq!(java_compare(&x, &y), x.encode_utf16().cmp(y.encode_utf16()));
        }
    }

    fn m(pattern: &str, text: &str) -> bool {
        Pattern::new(pattern).matches(text)
    }

    #[test]
    fn wildcard_matches_any_run_of_characters() {
        // The spec's own examples.
        assert!(m("foo*.log", "foo23.log"));
        assert!(m("*.log", "zebra.log"));
        assert!(m("foo*.*", "foobar.zebra"));
        assert!(m("log-*.txt", "log-2024.txt"));
        assert!(!m("log-*.txt", "log-2024.txt.bak"));
        assert!(m("*", ""));
        assert!(m("*", "anything"));
        assert!(m("**", "x"));
        assert!(m("a*", "a"));
        assert!(m("*a", "a"));
        assert!(!m("a*a", "a"));
        assert!(m("a*a", "aa"));
        assert!(m("a*b*c", "aXbYbZc"));
        assert!(!m("a*b*c", "aXcYb"));
        assert!(m("*é*", "café au lait"));
        assert!(m("", ""));
        assert!(!m("", "x"));
        assert!(m("exact", "exact"));
        assert!(!m("exact", "exact!"));
    }

    #[test]
    fn only_the_asterisk_is_special() {
        assert!(m("a?c", "a?c"));
        assert!(!m("a?c", "abc"));
        assert!(m("a.c", "a.c"));
        assert!(!m("a.c", "abc"));
        assert!(m("[ab]", "[ab]"));
    }

    #[test]
    fn backslash_escapes_asterisk_and_itself() {
        assert!(m(r"a\*b", "a*b"));
        assert!(!m(r"a\*b", "aXb"));
        assert!(m(r"a\\b", r"a\b"));
        assert!(m(r"a\\*", r"a\anything"));
        assert!(!m(r"a\\*", "aanything"));
        assert!(m(r"\**", "*star"));
        assert!(!m(r"\**", "star"));
        // Nothing to escape: the backslash is literal.
        assert!(m(r"a\b", r"a\b"));
        assert!(m("a\\", "a\\"));
    }

    proptest! {
        #[test]
        fn matching_agrees_with_a_regex(pattern in "[ab*\\\\]{0,8}", text in "[ab*\\\\]{0,8}") {
            let mut regex = String::from("^");
            let mut chars = pattern.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => match chars.peek() {
                        Some(&n @ ('*' | '\\')) => { regex.push_str(&regex::escape(&n.to_string())); chars.next(); }
                        _ => regex.push_str(r"\\"),
                    },
                    '*' => regex.push_str("(?s:.*)"),
                    _ => regex.push_str(&regex::escape(&c.to_string())),
                }
            }
            regex.push('$');
            let expected = regex::Regex::new(&regex).unwrap().is_match(&text);
            prop_assert_eq!(Pattern::new(&pattern).matches(&text), expected);
        }
    }
}
