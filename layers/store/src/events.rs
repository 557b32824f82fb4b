//! The processed-event ledger: each finding event is handled once, and never after a newer one.
//!
//! EventBridge delivers at least once and not in order, and Security Hub sends the same finding again
//! whenever anything in it changes. [`EventLedger::record_if_newer`] decides, atomically, whether an
//! event is worth processing:
//!
//! * an event whose `UpdatedAt` is older than the newest one recorded for the finding is [`Outcome::Older`];
//! * an event already recorded (same `UpdatedAt`, same fingerprint) is a [`Outcome::Duplicate`];
//! * anything else is [`Outcome::New`] and is recorded.
//!
//! Two different events with the same `UpdatedAt` are both new: `BatchUpdateFindings` (workflow status,
//! notes, severity set by people or by SOAR) does not change `UpdatedAt`, yet its events must be seen.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::error::Result;
use crate::timefmt::rfc3339;

/// Whether an event should be processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Outcome {
    /// Not seen before and not older than what was seen: process it. It is now recorded.
    New,
    /// This very event was recorded before: skip it.
    Duplicate,
    /// A newer event for the same finding was recorded: skip it.
    Older,
}

/// The newest event recorded for a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The finding id.
    pub finding_id: String,
    /// The finding's `UpdatedAt`.
    #[serde(with = "rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The event's fingerprint.
    pub fingerprint: String,
    /// When the event was recorded.
    #[serde(with = "rfc3339")]
    pub recorded_at: OffsetDateTime,
}

/// Remembers which finding events were processed.
pub trait EventLedger {
    /// Records the event unless an identical or newer one for the same finding was recorded; one atomic
    /// step, safe to call from many executions at once.
    fn record_if_newer(
        &self,
        finding_id: &str,
        updated_at: OffsetDateTime,
        fingerprint: &str,
    ) -> Result<Outcome>;

    /// The newest event recorded for the finding (the last one recorded when several share its
    /// `UpdatedAt`).
    fn latest(&self, finding_id: &str) -> Result<Option<LedgerEntry>>;
}

/// A stable fingerprint of a finding for [`EventLedger::record_if_newer`]: the SHA-256 of its canonical
/// JSON (object keys sorted) without `ProcessedAt`, which Security Hub rewrites on every delivery.
/// Two deliveries of the same content get the same fingerprint whatever the key order.
pub fn fingerprint<T: Canonical + ?Sized>(finding: &T) -> String {
    let mut hasher = Sha256::new();
    let mut buffer = Vec::with_capacity(4096);
    finding.write_canonical(true, &mut buffer);
    hasher.update(&buffer);
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    hex
}

/// A JSON document [`fingerprint`] walks as it is: serde_json's values, and the engine's shared values
/// (so a task fingerprints the scratchpad's finding without copying it first). The same document gives
/// the same fingerprint in either form.
pub trait Canonical {
    /// Writes the canonical JSON text: object keys sorted, no whitespace; at the `top` level without
    /// `ProcessedAt`.
    fn write_canonical(&self, top: bool, out: &mut Vec<u8>);
}

impl Canonical for Value {
    fn write_canonical(&self, top: bool, out: &mut Vec<u8>) {
        match self {
            Value::Object(map) => object(map.iter().map(|(k, v)| (k.as_str(), v)), top, out),
            Value::Array(items) => array(items, out),
            scalar => scalar_text(scalar, out),
        }
    }
}

impl Canonical for soar_json::Value {
    fn write_canonical(&self, top: bool, out: &mut Vec<u8>) {
        match self {
            soar_json::Value::Object(map) => object(map.iter().map(|(k, v)| (&**k, v)), top, out),
            soar_json::Value::Array(items) => array(items.iter(), out),
            scalar => scalar_text(scalar, out),
        }
    }
}

fn object<'a, T: Canonical + 'a>(
    entries: impl Iterator<Item = (&'a str, &'a T)>,
    top: bool,
    out: &mut Vec<u8>,
) {
    let mut entries: Vec<(&str, &T)> = entries
        .filter(|(key, _)| !(top && *key == "ProcessedAt"))
        .collect();
    entries.sort_unstable_by_key(|(key, _)| *key);
    out.push(b'{');
    for (i, (key, value)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        scalar_text(key, out);
        out.push(b':');
        value.write_canonical(false, out);
    }
    out.push(b'}');
}

fn array<'a, T: Canonical + 'a>(items: impl IntoIterator<Item = &'a T>, out: &mut Vec<u8>) {
    out.push(b'[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item.write_canonical(false, out);
    }
    out.push(b']');
}

fn scalar_text<T: serde::Serialize + ?Sized>(scalar: &T, out: &mut Vec<u8>) {
    // Writing a string, number, bool or null to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, scalar);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fingerprint_ignores_key_order_and_processed_at() {
        let a = json!({"Id": "f", "ProcessedAt": "2026-01-01T00:00:00Z", "Severity": {"Label": "HIGH", "Normalized": 70}});
        let b = json!({"Severity": {"Normalized": 70, "Label": "HIGH"}, "Id": "f", "ProcessedAt": "2026-02-02T00:00:00Z"});
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_eq!(fingerprint(&a).len(), 64);
    }

    #[test]
    fn the_shared_value_has_the_same_fingerprint() {
        let a = json!({"Id": "f", "ProcessedAt": "x", "N": [1, 2.5, null, true, "\u{e9}\"\n"], "O": {"b": 1, "a": {}}});
        let shared = soar_json::Value::from(a.clone());
        assert_eq!(fingerprint(&shared), fingerprint(&a));
        let other = soar_json::Value::from(json!({"Id": "g"}));
        assert_ne!(fingerprint(&other), fingerprint(&a));
    }

    #[test]
    fn fingerprint_sees_every_other_change() {
        let a = json!({"Id": "f", "Workflow": {"Status": "NEW"}, "Nested": {"ProcessedAt": 1}});
        let b =
            json!({"Id": "f", "Workflow": {"Status": "NOTIFIED"}, "Nested": {"ProcessedAt": 1}});
        let c = json!({"Id": "f", "Workflow": {"Status": "NEW"}, "Nested": {"ProcessedAt": 2}});
        assert_ne!(fingerprint(&a), fingerprint(&b));
        // Only the top-level ProcessedAt is ignored.
        assert_ne!(fingerprint(&a), fingerprint(&c));
        // Arrays keep their order.
        assert_ne!(
            fingerprint(&json!({"T": [1, 2]})),
            fingerprint(&json!({"T": [2, 1]}))
        );
    }
}
