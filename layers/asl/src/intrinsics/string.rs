//! `States.StringSplit`.

use crate::Value;

use super::{Invalid, string_arg};

/// "splits a string into an array of values [...] The second argument is the delimiting character". Every
/// character of the second argument delimits, and empty pieces are dropped: AWS splits
/// `"This.is+a,test=string"` on `".+,="` into five words and `"a,,b"` on `","` into `["a","b"]` (LocalStack's
/// recorded AWS snapshots, test_string_split; a public conformance suite run against AWS, SSP-03..07).
pub(super) fn split(args: &[Value]) -> Result<Value, Invalid> {
    let s = string_arg(&args[0])?;
    let delimiters = string_arg(&args[1])?;
    let pieces: Vec<Value> = if delimiters.chars().count() == 1 {
        let d = delimiters.chars().next().expect("one char");
        s.split(d)
            .filter(|p| !p.is_empty())
            .map(Value::from)
            .collect()
    } else {
        s.split(|c| delimiters.contains(c))
            .filter(|p| !p.is_empty())
            .map(Value::from)
            .collect()
    };
    Ok(Value::from_vec(pieces))
}
