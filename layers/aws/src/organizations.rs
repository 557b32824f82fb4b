//! [`OrganizationsDirectory`]: account data from AWS Organizations.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_organizations::Client;
use aws_sdk_organizations::primitives::DateTime;
use aws_sdk_organizations::types::{Account as OrgAccount, ParentType};
use soar_store::{Account, AccountDirectory, Result, StoreError};
use time::OffsetDateTime;

use crate::{AwsBackend, backend_error};

/// The account tag that names the account's environment (`prod`, `staging`, `dev`, ...); `unknown`
/// without it.
pub const ENVIRONMENT_TAG: &str = "soar:environment";
/// The account tag that names the team owning the account; `unknown` without it.
pub const TEAM_TAG: &str = "soar:team";
/// The account tag with the team's e-mail address; empty without it.
pub const TEAM_EMAIL_TAG: &str = "soar:team-email";

const SERVICE: &str = "Organizations";

/// An [`AccountDirectory`] over AWS Organizations (call it with the management account's or a delegated
/// administrator's credentials).
///
/// For each account: `DescribeAccount` gives the name, the root e-mail and `JoinedTimestamp`
/// (`created_at`); `ListParents` up to the root and `DescribeOrganizationalUnit` give `ou_path`
/// (`Root/Workloads/Prod`, the first part being the root's name); `ListTagsForResource` gives the tags.
/// `environment`, `team` and `team_email` come from the tags [`ENVIRONMENT_TAG`] (`soar:environment`),
/// [`TEAM_TAG`] (`soar:team`) and [`TEAM_EMAIL_TAG`] (`soar:team-email`).
///
/// Answers are not cached yet: every `get` makes 2 + (depth of the account) calls.
#[derive(Clone, Debug)]
pub struct OrganizationsDirectory {
    backend: AwsBackend,
    client: Client,
}

impl OrganizationsDirectory {
    /// A directory using the backend's configuration and runtime.
    pub fn new(backend: &AwsBackend) -> Self {
        OrganizationsDirectory {
            backend: backend.clone(),
            client: Client::new(backend.sdk_config()),
        }
    }
}

impl AccountDirectory for OrganizationsDirectory {
    fn get(&self, account_id: &str) -> Result<Option<Account>> {
        if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(None);
        }
        let client = self.client.clone();
        let id = account_id.to_owned();
        self.backend.run(async move {
            let described = client.describe_account().account_id(&id).send().await;
            let account = match described {
                Ok(output) => output.account,
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_account_not_found_exception()) =>
                {
                    return Ok(None);
                }
                Err(e) => return Err(backend_error(SERVICE, "describe account", &id, e)),
            };
            let Some(account) = account else {
                return Ok(None);
            };
            let mut names = OuNames::default();
            details(&client, &mut names, account).await.map(Some)
        })?
    }

    fn list_accounts(&self) -> Result<Vec<Account>> {
        let client = self.client.clone();
        self.backend.run(async move {
            let mut listed = Vec::new();
            let mut next_token = None;
            loop {
                let page = client
                    .list_accounts()
                    .set_next_token(next_token)
                    .send()
                    .await
                    .map_err(|e| backend_error(SERVICE, "list accounts", "", e))?;
                listed.extend(page.accounts.unwrap_or_default());
                next_token = page.next_token;
                if next_token.is_none() {
                    break;
                }
            }
            let mut names = OuNames::default();
            let mut accounts = Vec::with_capacity(listed.len());
            for account in listed {
                accounts.push(details(&client, &mut names, account).await?);
            }
            accounts.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(accounts)
        })?
    }
}

/// Names of roots and OUs by id, so that listing every account describes each OU once.
#[derive(Default)]
struct OuNames {
    roots: Option<HashMap<String, String>>,
    units: HashMap<String, String>,
}

impl OuNames {
    async fn root(&mut self, client: &Client, id: &str) -> Result<String> {
        if self.roots.is_none() {
            let mut roots = HashMap::new();
            let mut next_token = None;
            loop {
                let page = client
                    .list_roots()
                    .set_next_token(next_token)
                    .send()
                    .await
                    .map_err(|e| backend_error(SERVICE, "list roots", id, e))?;
                for root in page.roots.unwrap_or_default() {
                    if let (Some(id), Some(name)) = (root.id, root.name) {
                        roots.insert(id, name);
                    }
                }
                next_token = page.next_token;
                if next_token.is_none() {
                    break;
                }
            }
            self.roots = Some(roots);
        }
        Ok(self
            .roots
            .as_ref()
            .and_then(|roots| roots.get(id).cloned())
            .unwrap_or_else(|| "Root".to_owned()))
    }

    async fn unit(&mut self, client: &Client, id: &str) -> Result<String> {
        if let Some(name) = self.units.get(id) {
            return Ok(name.clone());
        }
        let name = client
            .describe_organizational_unit()
            .organizational_unit_id(id)
            .send()
            .await
            .map_err(|e| backend_error(SERVICE, "describe organizational unit", id, e))?
            .organizational_unit
            .and_then(|unit| unit.name)
            .unwrap_or_else(|| id.to_owned());
        self.units.insert(id.to_owned(), name.clone());
        Ok(name)
    }
}

/// The OU path, tags and tag-derived fields of an account.
async fn details(client: &Client, names: &mut OuNames, account: OrgAccount) -> Result<Account> {
    let id = account.id.unwrap_or_default();

    // From the account up to the root; an organization is at most 5 OUs deep, the bound only guards
    // against a cycle in a misbehaving endpoint.
    let mut path = Vec::new();
    let mut child = id.clone();
    for _ in 0..10 {
        let parents = client
            .list_parents()
            .child_id(&child)
            .send()
            .await
            .map_err(|e| backend_error(SERVICE, "list parents", &child, e))?
            .parents
            .unwrap_or_default();
        let Some(parent) = parents.into_iter().next() else {
            break;
        };
        let parent_id = parent.id.unwrap_or_default();
        if parent.r#type == Some(ParentType::Root) {
            path.push(names.root(client, &parent_id).await?);
            break;
        }
        path.push(names.unit(client, &parent_id).await?);
        child = parent_id;
    }
    path.reverse();

    let mut tags = BTreeMap::new();
    let mut next_token = None;
    loop {
        let page = client
            .list_tags_for_resource()
            .resource_id(&id)
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|e| backend_error(SERVICE, "list tags", &id, e))?;
        for tag in page.tags.unwrap_or_default() {
            tags.insert(tag.key, tag.value);
        }
        next_token = page.next_token;
        if next_token.is_none() {
            break;
        }
    }
    let tag = |key: &str, default: &str| tags.get(key).map_or(default, String::as_str).to_owned();

    Ok(Account {
        name: account.name.unwrap_or_default(),
        email: account.email.unwrap_or_default(),
        ou_path: path.join("/"),
        environment: tag(ENVIRONMENT_TAG, "unknown"),
        team: tag(TEAM_TAG, "unknown"),
        team_email: tag(TEAM_EMAIL_TAG, ""),
        created_at: account
            .joined_timestamp
            .as_ref()
            .map_or(Ok(OffsetDateTime::UNIX_EPOCH), to_offset_date_time)
            .map_err(|e| StoreError::invalid("account", &id, e))?,
        tags,
        id,
    })
}

fn to_offset_date_time(at: &DateTime) -> std::result::Result<OffsetDateTime, String> {
    OffsetDateTime::from_unix_timestamp_nanos(at.as_nanos())
        .map_err(|e| format!("JoinedTimestamp {at} is out of range: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        let at = DateTime::from_secs_and_nanos(1_700_000_000, 5);
        assert_eq!(
            to_offset_date_time(&at).unwrap(),
            OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_000_000_005).unwrap()
        );
    }
}
