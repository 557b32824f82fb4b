//! [`AccountDirectory`] over SQLite: a cache of the accounts file.

use std::path::Path;

use rusqlite::{OptionalExtension, params};

use super::LocalStore;
use super::stored::db;
use super::stored::to_db;
use crate::accounts::{Account, AccountDirectory, default_accounts, load_accounts_file};
use crate::error::{Result, StoreError};

fn parse(id: &str, doc: &str) -> Result<Account> {
    serde_json::from_str(doc).map_err(|e| StoreError::Json {
        what: "cached account",
        key: id.to_owned(),
        source: e,
    })
}

impl LocalStore {
    /// Replaces the cached accounts with `accounts`, in one transaction.
    pub fn load_accounts(&self, accounts: &[Account]) -> Result<()> {
        for account in accounts {
            account.validate()?;
        }
        let now = to_db(self.now());
        self.write("cache accounts", "all", |tx| {
            tx.execute("DELETE FROM accounts", [])
                .map_err(db("cache accounts", "all"))?;
            for account in accounts {
                let doc = serde_json::to_string(account).map_err(|e| StoreError::Json {
                    what: "account",
                    key: account.id.clone(),
                    source: e,
                })?;
                tx.prepare_cached("INSERT INTO accounts (id, doc, cached_at) VALUES (?1, ?2, ?3)")
                    .and_then(|mut s| s.execute(params![account.id, doc, now]))
                    .map_err(db("cache account", &account.id))?;
            }
            Ok(())
        })
    }

    /// Replaces the cached accounts with those of an accounts file; returns how many there are.
    pub fn load_accounts_file(&self, path: &Path) -> Result<usize> {
        let accounts = load_accounts_file(path)?;
        self.load_accounts(&accounts)?;
        Ok(accounts.len())
    }

    /// Caches the built-in accounts if no account is cached.
    pub(super) fn seed_default_accounts(&self) -> Result<()> {
        let count: i64 = self.read(|conn| {
            conn.query_row("SELECT count(*) FROM accounts", [], |row| row.get(0))
                .map_err(db("count accounts", "all"))
        })?;
        if count == 0 {
            self.load_accounts(&default_accounts())
        } else {
            Ok(())
        }
    }
}

impl AccountDirectory for LocalStore {
    fn get(&self, account_id: &str) -> Result<Option<Account>> {
        let doc: Option<String> = self.read(|conn| {
            conn.prepare_cached("SELECT doc FROM accounts WHERE id = ?1")
                .and_then(|mut s| s.query_row([account_id], |row| row.get(0)).optional())
                .map_err(db("read account", account_id))
        })?;
        doc.map(|doc| parse(account_id, &doc)).transpose()
    }

    fn list_accounts(&self) -> Result<Vec<Account>> {
        let docs: Vec<(String, String)> = self.read(|conn| {
            conn.prepare_cached("SELECT id, doc FROM accounts ORDER BY id")
                .and_then(|mut s| {
                    s.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                        .collect()
                })
                .map_err(db("list accounts", "all"))
        })?;
        docs.iter().map(|(id, doc)| parse(id, doc)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::store;
    use super::*;

    #[test]
    fn built_in_accounts_are_cached() {
        let store = store();
        let prod = store.get("111122223333").unwrap().unwrap();
        assert_eq!(
            (prod.environment.as_str(), prod.team.as_str()),
            ("prod", "payments")
        );
        assert_eq!(store.get("444455556666").unwrap().unwrap().team, "platform");
        assert_eq!(
            store.get("777788889999").unwrap().unwrap().environment,
            "dev"
        );
        assert_eq!(store.get("000000000000").unwrap(), None);
        assert_eq!(store.list_accounts().unwrap(), default_accounts());
    }

    #[test]
    fn loading_replaces_the_cache() {
        let store = store();
        let mut account = default_accounts().remove(0);
        account.team = "new-owner".into();
        store.load_accounts(std::slice::from_ref(&account)).unwrap();
        assert_eq!(store.list_accounts().unwrap(), [account.clone()]);
        account.id = "bad".into();
        assert!(store.load_accounts(&[account]).is_err());
        assert_eq!(
            store.list_accounts().unwrap().len(),
            1,
            "a rejected load changes nothing"
        );
        store.seed_default_accounts().unwrap();
        assert_eq!(
            store.list_accounts().unwrap().len(),
            1,
            "seeding only fills an empty cache"
        );

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("accounts.json");
        std::fs::write(&path, crate::accounts::DEFAULT_ACCOUNTS_JSON).unwrap();
        assert_eq!(store.load_accounts_file(&path).unwrap(), 3);
        assert_eq!(store.list_accounts().unwrap(), default_accounts());
    }
}
