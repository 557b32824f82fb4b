//! soar-store's tables in DynamoDB: [`DynamoEventLedger`] (the processed-event ledger),
//! [`DynamoTicketStore`] (tickets), [`DynamoSuppressionStore`] (local suppression rules) and
//! [`DynamoIncidentStore`] (incidents).
//!
//! Each uses one table with the key schema of `template.yaml`'s tables (`ProcessedEventsTable`,
//! `TicketsTable`, `SuppressionsTable`, `IncidentsTable`): `PK` (string, hash key) and `SK` (string, range
//! key), TTL attribute `expires_at` (a number, epoch seconds: only closed incidents carry it). The table
//! names come from the caller. Each submodule's docs describe its items.
//!
//! # Timestamps
//!
//! Every timestamp is stored as a string in RFC 3339, UTC, with exactly nine fractional digits
//! (`2026-11-23T12:37:02.123000000Z`, the embedded backend's format). With a fixed width, comparing the
//! strings (as DynamoDB's `<` and `=` in a condition expression do) orders them as times, whatever
//! offset the caller's `OffsetDateTime` had. (Years outside 0000-9999 would break that; `UpdatedAt` of a
//! finding never is.)

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, CancellationReason};
use soar_store::error::ServiceError;
use soar_store::timefmt::parse_timestamp;
use soar_store::{Result, StoreError};
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use crate::backend_error;

mod incidents;
mod ledger;
mod suppressions;
mod tickets;

pub use incidents::DynamoIncidentStore;
pub use ledger::DynamoEventLedger;
pub use suppressions::DynamoSuppressionStore;
pub use tickets::DynamoTicketStore;

const SERVICE: &str = "DynamoDB";
/// How many times a conditional write that lost a race is tried again.
const ATTEMPTS: usize = 8;

type Item = HashMap<String, AttributeValue>;

/// The stored form of a timestamp: RFC 3339, UTC, nine fractional digits (fixed width, so that string
/// order is time order).
pub fn format_timestamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    at.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z"
    ))
    .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn key(pk: String, sk: &str) -> Item {
    HashMap::from([("PK".to_owned(), s(pk)), ("SK".to_owned(), s(sk))])
}

fn finding_pk(finding_id: &str) -> String {
    format!("FINDING#{finding_id}")
}

fn ticket_pk(ticket_id: &str) -> String {
    format!("TICKET#{ticket_id}")
}

fn malformed(op: &'static str, key: &str, message: String) -> StoreError {
    StoreError::Backend {
        op,
        key: key.to_owned(),
        source: message.into(),
    }
}

/// Too many lost races in a row: transient, worth retrying later.
fn contention(op: &'static str, key: &str) -> StoreError {
    StoreError::Backend {
        op,
        key: key.to_owned(),
        source: Box::new(ServiceError {
            service: SERVICE,
            code: None,
            message: format!("the item kept changing: {ATTEMPTS} conditional writes lost a race"),
            transient: true,
        }),
    }
}

/// Reads the attributes of a stored item, naming the item in errors.
struct Reader<'a> {
    item: &'a Item,
    op: &'static str,
    key: &'a str,
}

impl Reader<'_> {
    fn opt_s(&self, name: &str) -> Result<Option<String>> {
        match self.item.get(name) {
            None | Some(AttributeValue::Null(_)) => Ok(None),
            Some(AttributeValue::S(text)) => Ok(Some(text.clone())),
            Some(other) => Err(self.bad(name, other)),
        }
    }

    fn s(&self, name: &str) -> Result<String> {
        self.opt_s(name)?
            .ok_or_else(|| malformed(self.op, self.key, format!("attribute {name} is missing")))
    }

    fn time(&self, name: &str) -> Result<OffsetDateTime> {
        let text = self.s(name)?;
        self.parse_time(name, &text)
    }

    fn parse_time(&self, name: &str, text: &str) -> Result<OffsetDateTime> {
        parse_timestamp(text).ok_or_else(|| {
            malformed(
                self.op,
                self.key,
                format!("attribute {name} is not a timestamp: {text:?}"),
            )
        })
    }

    fn bad(&self, name: &str, value: &AttributeValue) -> StoreError {
        malformed(
            self.op,
            self.key,
            format!("attribute {name} has an unexpected type: {value:?}"),
        )
    }
}

async fn get_item(
    client: &Client,
    table: &str,
    key: Item,
    op: &'static str,
    id: &str,
) -> Result<Option<Item>> {
    Ok(client
        .get_item()
        .table_name(table)
        .set_key(Some(key))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| backend_error(SERVICE, op, id, e))?
        .item)
}

/// Every item of `table` that matches the filter `expression`, across all pages of a consistent
/// `Scan` (what a filtered `list` of a table without a matching index needs).
async fn scan_all(
    client: &Client,
    table: &str,
    expression: &str,
    names: Option<HashMap<String, String>>,
    values: Item,
    op: &'static str,
) -> Result<Vec<Item>> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .filter_expression(expression)
            .set_expression_attribute_names(names.clone())
            .set_expression_attribute_values(Some(values.clone()))
            .set_exclusive_start_key(start)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| backend_error(SERVICE, op, "filter", e))?;
        items.extend(page.items.unwrap_or_default());
        start = page.last_evaluated_key;
        if start.is_none() {
            return Ok(items);
        }
    }
}

/// Whether a transaction item was cancelled by its condition (`ConditionalCheckFailed`).
fn is_conditional_failure(reason: &CancellationReason) -> bool {
    reason
        .code()
        .is_some_and(|code| code.starts_with("ConditionalCheckFailed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_timestamps_sort_as_times() {
        let a = time::macros::datetime!(2026-11-23 13:00:00 +01:00);
        let b = time::macros::datetime!(2026-11-23 12:00:00.000000001 UTC);
        assert_eq!(format_timestamp(a), "2026-11-23T12:00:00.000000000Z");
        assert!(format_timestamp(a) < format_timestamp(b));
        assert_eq!(parse_timestamp(&format_timestamp(b)), Some(b));
    }
}
