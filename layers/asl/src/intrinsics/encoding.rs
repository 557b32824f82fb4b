//! `States.Base64Encode` and `States.Base64Decode`.

use base64::Engine as _;

use crate::Value;

use super::{Invalid, java_length, string_arg};

/// "This function takes a data string of up to 10,000 characters to encode as its only argument."
const MAX_CHARS: usize = 10_000;

/// "encode data based on MIME Base64 encoding scheme": the UTF-8 bytes, standard alphabet, padded.
pub(super) fn base64_encode(args: &[Value]) -> Result<Value, Invalid> {
    let s = string_arg(&args[0])?;
    if java_length(s) > MAX_CHARS {
        return Err(Invalid);
    }
    Ok(Value::string(
        base64::engine::general_purpose::STANDARD.encode(s.as_bytes()),
    ))
}

/// "decode data based on MIME Base64 decoding scheme", "a Base64 encoded data string of up to 10,000
/// characters". Like a MIME decoder, AWS skips characters outside the alphabet: it decodes `'abc'`,
/// `' YWJjZA== '` and `'!!!invalid!!!'` rather than failing (public conformance suite run against AWS).
/// Bytes that are not UTF-8 become U+FFFD, as Java's `new String(bytes, UTF_8)` does.
pub(super) fn base64_decode(args: &[Value]) -> Result<Value, Invalid> {
    let s = string_arg(&args[0])?;
    if java_length(s) > MAX_CHARS {
        return Err(Invalid);
    }
    let mut bytes = Vec::with_capacity(s.len() / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in s.bytes() {
        let sextet = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(sextet);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(Value::string(String::from_utf8_lossy(&bytes).into_owned()))
}
