//! Account data: who owns an AWS account, which environment it is, whom to e-mail.
//!
//! The embedded backend reads it from an accounts JSON file (`{"accounts": [...]}` or a plain list) and
//! caches it in SQLite; with no file it uses the fake accounts of `config/accounts.json`, built in as
//! [`DEFAULT_ACCOUNTS_JSON`]. The AWS backend will read AWS Organizations and cache the answers.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::{Result, StoreError};
use crate::timefmt::rfc3339;

/// The built-in accounts (`config/accounts.json`): 111122223333 (prod, team payments), 444455556666
/// (staging, team platform) and 777788889999 (dev, team data).
pub const DEFAULT_ACCOUNTS_JSON: &str = include_str!("../../../config/accounts.json");

/// An AWS account and its owners.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The 12-digit account id.
    pub id: String,
    /// The account name.
    pub name: String,
    /// The account's root e-mail address.
    pub email: String,
    /// Where the account sits in the organization, e.g. `Root/Workloads/Prod`.
    pub ou_path: String,
    /// `prod`, `staging`, `dev`, ... (the penalty score weighs findings by environment).
    pub environment: String,
    /// The team that owns the account.
    pub team: String,
    /// Where the team's tickets and e-mails go.
    pub team_email: String,
    /// The account's tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// When the account was created (new accounts get a grace period).
    #[serde(with = "rfc3339")]
    pub created_at: OffsetDateTime,
}

impl Account {
    /// Rejects an account whose id is not 12 digits.
    pub fn validate(&self) -> Result<()> {
        if self.id.len() != 12 || !self.id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(StoreError::invalid(
                "account",
                &self.id,
                "the account id must be 12 digits",
            ));
        }
        Ok(())
    }
}

/// Parses an accounts document: `{"accounts": [...]}` or a list of accounts. `source` names it in
/// errors. Ids must be valid and unique.
pub fn parse_accounts_json(text: &str, source: &str) -> Result<Vec<Account>> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Wrapped {
        accounts: Vec<Account>,
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| StoreError::Json {
        what: "accounts",
        key: source.to_owned(),
        source: e,
    })?;
    let accounts = if value.is_array() {
        serde_json::from_value::<Vec<Account>>(value)
    } else {
        serde_json::from_value::<Wrapped>(value).map(|wrapped| wrapped.accounts)
    }
    .map_err(|e| StoreError::Json {
        what: "accounts",
        key: source.to_owned(),
        source: e,
    })?;
    let mut seen = std::collections::HashSet::new();
    for account in &accounts {
        account.validate()?;
        if !seen.insert(account.id.as_str()) {
            return Err(StoreError::invalid(
                "accounts",
                source,
                format!("account {} appears twice", account.id),
            ));
        }
    }
    Ok(accounts)
}

/// Reads and parses an accounts file (see [`parse_accounts_json`]).
pub fn load_accounts_file(path: &Path) -> Result<Vec<Account>> {
    let text = std::fs::read_to_string(path).map_err(StoreError::io("read accounts", path))?;
    parse_accounts_json(&text, &path.display().to_string())
}

/// The built-in accounts, parsed.
pub fn default_accounts() -> Vec<Account> {
    parse_accounts_json(DEFAULT_ACCOUNTS_JSON, "config/accounts.json")
        .expect("the built-in config/accounts.json is valid (tested)")
}

/// Looks up account data.
pub trait AccountDirectory {
    /// The account with this id, if known.
    fn get(&self, account_id: &str) -> Result<Option<Account>>;

    /// Every known account, by id.
    fn list_accounts(&self) -> Result<Vec<Account>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_accounts() {
        let accounts = default_accounts();
        let summary: Vec<_> = accounts
            .iter()
            .map(|a| (a.id.as_str(), a.environment.as_str(), a.team.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                ("111122223333", "prod", "payments"),
                ("444455556666", "staging", "platform"),
                ("777788889999", "dev", "data")
            ]
        );
        assert!(
            accounts
                .iter()
                .all(|a| a.team_email.ends_with("@example.com"))
        );
    }

    #[test]
    fn plain_lists_and_errors() {
        let one = r#"[{"id": "123456789012", "name": "n", "email": "e@example.com", "ou_path": "Root",
            "environment": "dev", "team": "t", "team_email": "t@example.com", "created_at": "2026-01-01T00:00:00Z"}]"#;
        let accounts = parse_accounts_json(one, "a.json").unwrap();
        assert!(accounts[0].tags.is_empty());

        let bad_id = one.replace("123456789012", "1234");
        assert!(
            parse_accounts_json(&bad_id, "a.json")
                .unwrap_err()
                .to_string()
                .contains("12 digits")
        );
        let typo = one.replace("\"team\"", "\"teem\"");
        let err = parse_accounts_json(&typo, "a.json").unwrap_err();
        assert!(
            err.to_string().contains("a.json") && err.to_string().contains("teem"),
            "{err}"
        );
        let twice = format!("[{0}, {0}]", &one[1..one.len() - 1]);
        assert!(
            parse_accounts_json(&twice, "a.json")
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
    }

    #[test]
    fn files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("accounts.json");
        std::fs::write(&path, DEFAULT_ACCOUNTS_JSON).unwrap();
        assert_eq!(load_accounts_file(&path).unwrap(), default_accounts());
        assert!(
            load_accounts_file(&dir.path().join("nope.json"))
                .unwrap_err()
                .to_string()
                .contains("nope.json")
        );
    }
}
