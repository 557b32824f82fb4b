//! JSON Pointer (RFC 6901) helpers shared by the modules that report where a value went wrong.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;

/// `base` extended by one reference token, escaped (`~` → `~0`, `/` → `~1`).
pub(crate) fn join(base: &str, token: &str) -> String {
    let mut out = String::with_capacity(base.len() + token.len() + 1);
    out.push_str(base);
    out.push('/');
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

/// `base` extended by an array index.
pub(crate) fn index(base: &str, i: usize) -> String {
    format!("{base}/{i}")
}

/// How a pointer reads in a message: the root (empty pointer) has no visible form, so say so.
pub(crate) fn display(pointer: &str) -> &str {
    if pointer.is_empty() {
        "(root)"
    } else {
        pointer
    }
}

/// Deserializes `value` into `T`; on failure, the JSON pointer of the offending value and serde's
/// message. A missing field is reported at the field's own pointer (`/finding: missing field`), not
/// at its parent's.
pub(crate) fn deserialize<T: DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize(value).map_err(located)
}

/// As [`deserialize`], from a borrowed value: no copy, and the path is only tracked when reading it
/// again after a failure.
pub(crate) fn deserialize_ref<'de, T: Deserialize<'de>>(
    value: &'de serde_json::Value,
) -> Result<T, (String, String)> {
    T::deserialize(value).or_else(|_| serde_path_to_error::deserialize(value).map_err(located))
}

/// As [`deserialize`], from a shared [`soar_json::Value`] without copying it. The common case (the
/// value is well formed) takes the direct path; only a failure is read again to find where it went
/// wrong.
pub(crate) fn deserialize_shared<'de, T: Deserialize<'de>>(
    value: &'de soar_json::Value,
) -> Result<T, (String, String)> {
    soar_json::from_value(value)
        .or_else(|_| serde_path_to_error::deserialize(value).map_err(located))
}

/// The JSON pointer and message of a failure.
fn located(err: serde_path_to_error::Error<serde_json::Error>) -> (String, String) {
    let mut pointer = String::new();
    for segment in err.path().iter() {
        match segment {
            Segment::Seq { index: i } => pointer = index(&pointer, *i),
            Segment::Map { key } => pointer = join(&pointer, key),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    let message = err.inner().to_string();
    match missing_field(&message) {
        Some(field) => (join(&pointer, field), "missing field".to_owned()),
        None => (pointer, message),
    }
}

/// The field name in serde's "missing field `x`" message.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.strip_suffix('`')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[test]
    fn join_escapes_tilde_and_slash() {
        assert_eq!(join("", "a/b~c"), "/a~1b~0c");
        assert_eq!(join("/x", "GeneratorId"), "/x/GeneratorId");
        assert_eq!(index("/Resources", 2), "/Resources/2");
    }

    #[test]
    fn root_has_a_visible_name() {
        assert_eq!(display(""), "(root)");
        assert_eq!(display("/a"), "/a");
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        inner: Vec<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        flag: bool,
        name: String,
    }

    #[test]
    fn deserialize_names_the_path_of_a_wrong_type() {
        let (pointer, message) = deserialize::<Outer>(
            json!({"inner": [{"flag": true, "name": "a"}, {"flag": "yes", "name": "b"}]}),
        )
        .unwrap_err();
        assert_eq!(pointer, "/inner/1/flag");
        assert!(message.contains("expected a boolean"), "{message}");
    }

    #[test]
    fn deserialize_names_a_missing_field_at_its_own_pointer() {
        let (pointer, message) =
            deserialize::<Outer>(json!({"inner": [{"flag": true}]})).unwrap_err();
        assert_eq!(pointer, "/inner/0/name");
        assert_eq!(message, "missing field");
    }
}
