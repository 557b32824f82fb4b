//! [`DynamoEventLedger`]: the processed-event ledger.
//!
//! One item per finding: `PK = FINDING#<finding id>`, `SK = LEDGER`, with `updated_at` (the newest
//! `UpdatedAt` recorded), `fingerprints` (a string set: every fingerprint recorded for that `UpdatedAt`),
//! `fingerprint` (the last one recorded) and `recorded_at`. Keeping the set and not only the last
//! fingerprint gives the embedded backend's semantics exactly: after `a` then `b` with the same
//! `UpdatedAt`, `a` again is a duplicate.
//!
//! [`EventLedger::record_if_newer`] is a conditional `UpdateItem`, so only one of several concurrent
//! deliveries of an event can be `New`:
//!
//! 1. `SET updated_at = :u, fingerprints = {:f}, ...` if `attribute_not_exists(PK) OR updated_at < :u`
//!    (a first or newer event): `New`.
//! 2. Otherwise a consistent `GetItem` tells the rest: a newer `updated_at` is `Older`; the same one
//!    whose set holds the fingerprint is `Duplicate`; the same one without it is added with
//!    `ADD fingerprints {:f}` if `updated_at = :u AND NOT contains(fingerprints, :f)`: `New`.
//! 3. When a condition fails because another writer got in between, the steps are tried again (a few
//!    times; then the call fails with a transient error).

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use soar_store::events::{EventLedger, LedgerEntry, Outcome};
use soar_store::{Clock, Result};
use time::OffsetDateTime;

use super::{
    ATTEMPTS, Reader, SERVICE, contention, finding_pk, format_timestamp, get_item, key, s,
};
use crate::{AwsBackend, backend_error};

/// An [`EventLedger`] over one DynamoDB table (the `ProcessedEventsTable`); see the module docs for the
/// items and the conditional writes.
#[derive(Clone, Debug)]
pub struct DynamoEventLedger {
    backend: AwsBackend,
    client: Client,
    table: String,
    clock: Clock,
}

impl DynamoEventLedger {
    /// A ledger in `table`, using the backend's configuration and runtime and the system clock.
    pub fn new(backend: &AwsBackend, table: impl Into<String>) -> Self {
        DynamoEventLedger {
            backend: backend.clone(),
            client: Client::new(backend.sdk_config()),
            table: table.into(),
            clock: Clock::system(),
        }
    }

    /// The same ledger with another clock (for `recorded_at`).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }
}

impl EventLedger for DynamoEventLedger {
    fn record_if_newer(
        &self,
        finding_id: &str,
        updated_at: OffsetDateTime,
        fingerprint: &str,
    ) -> Result<Outcome> {
        const OP: &str = "record event";
        let client = self.client.clone();
        let table = self.table.clone();
        let id = finding_id.to_owned();
        let updated_at = format_timestamp(updated_at);
        let fingerprint = fingerprint.to_owned();
        let now = format_timestamp(self.clock.now());
        self.backend.run(async move {
            let item_key = key(finding_pk(&id), "LEDGER");
            for _ in 0..ATTEMPTS {
                // A first or newer event replaces what is recorded.
                let newer = client
                    .update_item()
                    .table_name(&table)
                    .set_key(Some(item_key.clone()))
                    .update_expression(
                        "SET updated_at = :u, fingerprint = :f, fingerprints = :fs, \
                         recorded_at = :now, finding_id = :id",
                    )
                    .condition_expression("attribute_not_exists(PK) OR updated_at < :u")
                    .expression_attribute_values(":u", s(&updated_at))
                    .expression_attribute_values(":f", s(&fingerprint))
                    .expression_attribute_values(
                        ":fs",
                        AttributeValue::Ss(vec![fingerprint.clone()]),
                    )
                    .expression_attribute_values(":now", s(&now))
                    .expression_attribute_values(":id", s(&id))
                    .send()
                    .await;
                match newer {
                    Ok(_) => return Ok(Outcome::New),
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|e| e.is_conditional_check_failed_exception()) => {}
                    Err(e) => return Err(backend_error(SERVICE, OP, &id, e)),
                }
                let Some(item) = get_item(&client, &table, item_key.clone(), OP, &id).await? else {
                    continue; // Removed meanwhile (TTL): try again.
                };
                let reader = Reader {
                    item: &item,
                    op: OP,
                    key: &id,
                };
                let stored = reader.s("updated_at")?;
                if updated_at < stored {
                    return Ok(Outcome::Older);
                }
                if updated_at > stored {
                    continue; // Rewritten meanwhile: try again.
                }
                let known = match item.get("fingerprints") {
                    Some(AttributeValue::Ss(set)) => set.contains(&fingerprint),
                    None => false,
                    Some(other) => return Err(reader.bad("fingerprints", other)),
                };
                if known {
                    return Ok(Outcome::Duplicate);
                }
                // Same UpdatedAt, new content (BatchUpdateFindings): add it to the set.
                let same = client
                    .update_item()
                    .table_name(&table)
                    .set_key(Some(item_key.clone()))
                    .update_expression(
                        "ADD fingerprints :fs SET fingerprint = :f, recorded_at = :now",
                    )
                    .condition_expression("updated_at = :u AND NOT contains(fingerprints, :f)")
                    .expression_attribute_values(":u", s(&updated_at))
                    .expression_attribute_values(":f", s(&fingerprint))
                    .expression_attribute_values(
                        ":fs",
                        AttributeValue::Ss(vec![fingerprint.clone()]),
                    )
                    .expression_attribute_values(":now", s(&now))
                    .send()
                    .await;
                match same {
                    Ok(_) => return Ok(Outcome::New),
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|e| e.is_conditional_check_failed_exception()) => {}
                    Err(e) => return Err(backend_error(SERVICE, OP, &id, e)),
                }
            }
            Err(contention(OP, &id))
        })?
    }

    fn latest(&self, finding_id: &str) -> Result<Option<LedgerEntry>> {
        const OP: &str = "read event ledger";
        let client = self.client.clone();
        let table = self.table.clone();
        let id = finding_id.to_owned();
        self.backend.run(async move {
            let Some(item) =
                get_item(&client, &table, key(finding_pk(&id), "LEDGER"), OP, &id).await?
            else {
                return Ok(None);
            };
            let reader = Reader {
                item: &item,
                op: OP,
                key: &id,
            };
            Ok(Some(LedgerEntry {
                updated_at: reader.time("updated_at")?,
                fingerprint: reader.s("fingerprint")?,
                recorded_at: reader.time("recorded_at")?,
                finding_id: id,
            }))
        })?
    }
}
