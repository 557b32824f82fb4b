//! [`DynamoSuppressionStore`]: the local suppression rules.
//!
//! Every rule is one item of the same partition: `PK = SUPPRESSION`, `SK = RULE#<rule id>`, with
//! `rule_id`, `control_id`, `account_id`, `resource` (each only when the rule sets it), `resource_tags`
//! (a map of strings, only when not empty), `rule_expires_at` (a timestamp string) and `reason`.
//!
//! One partition because rules are few (hundreds at most) and always read together:
//! [`SuppressionStore::list_rules`] and [`SuppressionStore::matching`] are one `Query` of that partition
//! instead of a `Scan` of the table, and the sort key puts them in id order, the order `list_rules`
//! promises (DynamoDB compares sort keys as UTF-8 bytes, as the embedded backend's SQLite does).
//! `matching` filters on the server by control, account and expiry (as the embedded backend's SQL does)
//! and checks the resource pattern and tags here. Every read is strongly consistent, so a rule put is
//! in force at once.
//!
//! The rule's expiry is `rule_expires_at`, not the table's TTL attribute `expires_at`: TTL would delete
//! an expired rule, but [`SuppressionStore::list_rules`] lists expired rules too (they document what was
//! accepted, and until when).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use soar_store::suppressions::{FindingFacts, SuppressionRule, SuppressionStore, best_match};
use soar_store::{Clock, Result};

use super::{Item, Reader, SERVICE, format_timestamp, get_item, key, s};
use crate::{AwsBackend, backend_error};

/// The partition every rule lives in.
const PARTITION: &str = "SUPPRESSION";

fn rule_sk(rule_id: &str) -> String {
    format!("RULE#{rule_id}")
}

/// A [`SuppressionStore`] over one DynamoDB table (the `SuppressionsTable`); see the module docs for the
/// items.
#[derive(Clone, Debug)]
pub struct DynamoSuppressionStore {
    backend: AwsBackend,
    client: Client,
    table: String,
    clock: Clock,
}

impl DynamoSuppressionStore {
    /// Rules in `table`, using the backend's configuration and runtime and the system clock.
    pub fn new(backend: &AwsBackend, table: impl Into<String>) -> Self {
        DynamoSuppressionStore {
            backend: backend.clone(),
            client: Client::new(backend.sdk_config()),
            table: table.into(),
            clock: Clock::system(),
        }
    }

    /// The same store with another clock (for [`SuppressionStore::matching`]'s "now").
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }
}

fn to_item(rule: &SuppressionRule) -> Item {
    let mut item = key(PARTITION.to_owned(), &rule_sk(&rule.id));
    item.insert("rule_id".to_owned(), s(&rule.id));
    item.insert("reason".to_owned(), s(&rule.reason));
    for (name, value) in [
        ("control_id", &rule.control_id),
        ("account_id", &rule.account_id),
        ("resource", &rule.resource),
    ] {
        if let Some(value) = value {
            item.insert(name.to_owned(), s(value));
        }
    }
    if !rule.resource_tags.is_empty() {
        let tags = rule
            .resource_tags
            .iter()
            .map(|(name, value)| (name.clone(), s(value)))
            .collect();
        item.insert("resource_tags".to_owned(), AttributeValue::M(tags));
    }
    if let Some(expires_at) = rule.expires_at {
        item.insert(
            "rule_expires_at".to_owned(),
            s(format_timestamp(expires_at)),
        );
    }
    item
}

fn to_rule(item: &Item, op: &'static str, key: &str) -> Result<SuppressionRule> {
    let reader = Reader { item, op, key };
    let resource_tags = match item.get("resource_tags") {
        None => BTreeMap::new(),
        Some(AttributeValue::M(tags)) => tags
            .iter()
            .map(|(name, value)| match value {
                AttributeValue::S(value) => Ok((name.clone(), value.clone())),
                other => Err(reader.bad("resource_tags", other)),
            })
            .collect::<Result<_>>()?,
        Some(other) => return Err(reader.bad("resource_tags", other)),
    };
    Ok(SuppressionRule {
        id: reader.s("rule_id")?,
        control_id: reader.opt_s("control_id")?,
        account_id: reader.opt_s("account_id")?,
        resource: reader.opt_s("resource")?,
        resource_tags,
        expires_at: reader
            .opt_s("rule_expires_at")?
            .map(|text| reader.parse_time("rule_expires_at", &text))
            .transpose()?,
        reason: reader.s("reason")?,
    })
}

/// Every rule of the partition that passes `filter` (a filter expression over `values`), by id.
async fn query_rules(
    client: &Client,
    table: &str,
    filter: Option<String>,
    mut values: HashMap<String, AttributeValue>,
    op: &'static str,
    key: &str,
) -> Result<Vec<SuppressionRule>> {
    values.insert(":pk".to_owned(), s(PARTITION));
    let mut rules = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .query()
            .table_name(table)
            .key_condition_expression("PK = :pk")
            .set_filter_expression(filter.clone())
            .set_expression_attribute_values(Some(values.clone()))
            .set_exclusive_start_key(start)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| backend_error(SERVICE, op, key, e))?;
        for item in page.items.unwrap_or_default() {
            rules.push(to_rule(&item, op, key)?);
        }
        start = page.last_evaluated_key;
        if start.is_none() {
            return Ok(rules);
        }
    }
}

impl SuppressionStore for DynamoSuppressionStore {
    fn put_rule(&self, rule: &SuppressionRule) -> Result<()> {
        const OP: &str = "save suppression rule";
        rule.validate()?;
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(rule)));
        let id = rule.id.clone();
        self.backend.run(async move {
            request
                .send()
                .await
                .map(|_| ())
                .map_err(|e| backend_error(SERVICE, OP, &id, e))
        })?
    }

    fn remove_rule(&self, rule_id: &str) -> Result<bool> {
        const OP: &str = "remove suppression rule";
        let request = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(PARTITION.to_owned(), &rule_sk(rule_id))))
            .return_values(ReturnValue::AllOld);
        let id = rule_id.to_owned();
        self.backend.run(async move {
            let output = request
                .send()
                .await
                .map_err(|e| backend_error(SERVICE, OP, &id, e))?;
            // The old attributes come back only when there was an item.
            Ok(output.attributes.is_some_and(|old| !old.is_empty()))
        })?
    }

    fn get_rule(&self, rule_id: &str) -> Result<Option<SuppressionRule>> {
        const OP: &str = "read suppression rule";
        let client = self.client.clone();
        let table = self.table.clone();
        let id = rule_id.to_owned();
        self.backend.run(async move {
            let item_key = key(PARTITION.to_owned(), &rule_sk(&id));
            let item = get_item(&client, &table, item_key, OP, &id).await?;
            item.map(|item| to_rule(&item, OP, &id)).transpose()
        })?
    }

    fn list_rules(&self) -> Result<Vec<SuppressionRule>> {
        const OP: &str = "list suppression rules";
        let client = self.client.clone();
        let table = self.table.clone();
        self.backend.run(async move {
            query_rules(&client, &table, None, HashMap::new(), OP, "all").await
        })?
    }

    fn matching(&self, facts: &FindingFacts) -> Result<Option<SuppressionRule>> {
        const OP: &str = "match suppression rules";
        let now = self.clock.now();
        let client = self.client.clone();
        let table = self.table.clone();
        let facts = facts.clone();
        self.backend.run(async move {
            let key = facts.control_id.as_deref().unwrap_or(&facts.account_id);
            // The server narrows by control, account and expiry; `best_match` checks everything again,
            // resource pattern and tags included.
            let mut values = HashMap::from([
                (":account".to_owned(), s(&facts.account_id)),
                (":now".to_owned(), s(format_timestamp(now))),
            ]);
            let control = match &facts.control_id {
                Some(control_id) => {
                    values.insert(":control".to_owned(), s(control_id));
                    "(attribute_not_exists(control_id) OR control_id = :control)"
                }
                None => "attribute_not_exists(control_id)",
            };
            let filter = format!(
                "{control} AND (attribute_not_exists(account_id) OR account_id = :account) \
                 AND (attribute_not_exists(rule_expires_at) OR rule_expires_at > :now)"
            );
            let candidates = query_rules(&client, &table, Some(filter), values, OP, key).await?;
            Ok(best_match(&candidates, &facts, now).cloned())
        })?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_round_trip_every_field() {
        let mut rule = SuppressionRule {
            id: "legacy-sg".into(),
            control_id: None,
            account_id: Some("111122223333".into()),
            resource: None,
            resource_tags: BTreeMap::new(),
            expires_at: None,
            reason: "accepted".into(),
        };
        let item = to_item(&rule);
        assert_eq!(item["SK"], s("RULE#legacy-sg"));
        assert!(!item.contains_key("control_id") && !item.contains_key("resource_tags"));
        assert_eq!(to_rule(&item, "test", "legacy-sg").unwrap(), rule);

        rule.control_id = Some("EC2.19".into());
        rule.resource = Some("arn:aws:ec2:*:security-group/sg-0abc*".into());
        rule.resource_tags
            .insert("Exception".into(), "SEC-42".into());
        rule.expires_at = Some(time::macros::datetime!(2027-01-01 01:00 +01:00));
        let item = to_item(&rule);
        assert_eq!(item["rule_expires_at"], s("2027-01-01T00:00:00.000000000Z"));
        assert!(
            !item.contains_key("expires_at"),
            "not the table's TTL attribute"
        );
        assert_eq!(to_rule(&item, "test", "legacy-sg").unwrap(), rule);

        let mut bad = item;
        bad.insert("resource_tags".into(), s("Exception=SEC-42"));
        assert!(to_rule(&bad, "test", "legacy-sg").is_err());
    }
}
