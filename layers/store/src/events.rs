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
pub fn fingerprint(finding: &Value) -> String {
    let mut hasher = Sha256::new();
    let mut buffer = Vec::with_capacity(4096);
    canonical(finding, true, &mut buffer);
    hasher.update(&buffer);
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    hex
}

fn canonical(value: &Value, top: bool, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map
                .keys()
                .filter(|key| !(top && *key == "ProcessedAt"))
                .collect();
            keys.sort();
            out.push(b'{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                // Writing a string to a Vec cannot fail.
                let _ = serde_json::to_writer(&mut *out, key);
                out.push(b':');
                canonical(&map[key], false, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical(item, false, out);
            }
            out.push(b']');
        }
        scalar => {
            let _ = serde_json::to_writer(&mut *out, scalar);
        }
    }
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
