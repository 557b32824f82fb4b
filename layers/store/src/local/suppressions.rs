//! [`SuppressionStore`] over SQLite.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};

use super::LocalStore;
use super::stored::db;
use super::stored::{from_db, to_db};
use crate::error::{Result, StoreError};
use crate::suppressions::{FindingFacts, SuppressionRule, SuppressionStore, best_match};

const COLUMNS: &str = "id, control_id, account_id, resource, resource_tags, expires_at, reason";

fn row_to_rule(row: &rusqlite::Row<'_>) -> rusqlite::Result<SuppressionRule> {
    let tags: String = row.get(4)?;
    let expires_at: Option<String> = row.get(5)?;
    Ok(SuppressionRule {
        id: row.get(0)?,
        control_id: row.get(1)?,
        account_id: row.get(2)?,
        resource: row.get(3)?,
        resource_tags: serde_json::from_str::<BTreeMap<String, String>>(&tags).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, Box::new(e))
        })?,
        expires_at: expires_at.as_deref().map(from_db).transpose()?,
        reason: row.get(6)?,
    })
}

impl LocalStore {
    /// Replaces every suppression rule with `rules` (e.g. from
    /// [`crate::suppressions::load_rules_file`]), in one transaction.
    pub fn replace_suppressions(&self, rules: &[SuppressionRule]) -> Result<()> {
        for rule in rules {
            rule.validate()?;
        }
        self.write("replace suppression rules", "all", |tx| {
            tx.execute("DELETE FROM suppression_rules", [])
                .map_err(db("replace suppression rules", "all"))?;
            for rule in rules {
                insert_rule(tx, rule)?;
            }
            Ok(())
        })
    }
}

fn insert_rule(conn: &rusqlite::Connection, rule: &SuppressionRule) -> Result<()> {
    let tags = serde_json::to_string(&rule.resource_tags).map_err(|e| StoreError::Json {
        what: "suppression rule tags",
        key: rule.id.clone(),
        source: e,
    })?;
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO suppression_rules ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    ))
    .and_then(|mut s| {
        s.execute(params![
            rule.id,
            rule.control_id,
            rule.account_id,
            rule.resource,
            tags,
            rule.expires_at.map(to_db),
            rule.reason
        ])
    })
    .map_err(db("save suppression rule", &rule.id))?;
    Ok(())
}

impl SuppressionStore for LocalStore {
    fn put_rule(&self, rule: &SuppressionRule) -> Result<()> {
        rule.validate()?;
        self.write("save suppression rule", &rule.id, |tx| {
            insert_rule(tx, rule)
        })
    }

    fn remove_rule(&self, rule_id: &str) -> Result<bool> {
        self.write("remove suppression rule", rule_id, |tx| {
            tx.prepare_cached("DELETE FROM suppression_rules WHERE id = ?1")
                .and_then(|mut s| s.execute([rule_id]))
                .map(|deleted| deleted > 0)
                .map_err(db("remove suppression rule", rule_id))
        })
    }

    fn get_rule(&self, rule_id: &str) -> Result<Option<SuppressionRule>> {
        self.read(|conn| {
            conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM suppression_rules WHERE id = ?1"
            ))
            .and_then(|mut s| s.query_row([rule_id], row_to_rule).optional())
            .map_err(db("read suppression rule", rule_id))
        })
    }

    fn list_rules(&self) -> Result<Vec<SuppressionRule>> {
        self.read(|conn| {
            conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM suppression_rules ORDER BY id"
            ))
            .and_then(|mut s| s.query_map([], row_to_rule)?.collect())
            .map_err(db("list suppression rules", "all"))
        })
    }

    fn matching(&self, facts: &FindingFacts) -> Result<Option<SuppressionRule>> {
        let now = self.now();
        let key = facts.control_id.as_deref().unwrap_or(&facts.account_id);
        // SQL narrows by control, account and expiry; the resource pattern and tags are checked in Rust.
        let candidates: Vec<SuppressionRule> = self.read(|conn| {
            conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM suppression_rules
                 WHERE (control_id IS NULL OR control_id = ?1) AND (account_id IS NULL OR account_id = ?2)
                   AND (expires_at IS NULL OR expires_at > ?3)"
            ))
            .and_then(|mut s| s.query_map(params![facts.control_id, facts.account_id, to_db(now)], row_to_rule)?.collect())
            .map_err(db("match suppression rules", key))
        })?;
        Ok(best_match(&candidates, facts, now).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::store;
    use super::*;

    fn rule(id: &str, control: Option<&str>, account: Option<&str>) -> SuppressionRule {
        SuppressionRule {
            id: id.into(),
            control_id: control.map(str::to_owned),
            account_id: account.map(str::to_owned),
            resource: None,
            resource_tags: BTreeMap::new(),
            expires_at: None,
            reason: format!("reason {id}"),
        }
    }

    #[test]
    fn rules_file_replaces_all_rules() {
        let store = store();
        store.put_rule(&rule("old", Some("EC2.19"), None)).unwrap();
        let rules = crate::suppressions::parse_rules_json(
            r#"{"rules": [{"id": "new", "account_id": "111122223333", "reason": "sandbox"}]}"#,
            "rules.json",
        )
        .unwrap();
        store.replace_suppressions(&rules).unwrap();
        assert_eq!(store.list_rules().unwrap(), rules);
        assert!(
            store
                .replace_suppressions(&[rule("bad", None, None)])
                .is_err()
        );
        assert_eq!(
            store.list_rules().unwrap(),
            rules,
            "a rejected file changes nothing"
        );
    }
}
