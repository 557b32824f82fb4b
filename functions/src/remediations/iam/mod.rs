//! IAM remediations, and what the ones about a user's credentials share: the user's name from its
//! ARN, its tags, its access keys and their ages, and deactivating a key.
//!
//! IAM is global: the calls go to IAM's one endpoint whatever the finding's region (Security Hub
//! reports IAM findings in the region where AWS Config records global resources).

pub mod access_key_rotation;
pub mod password_policy;
pub mod unused_credentials;

use aws_sdk_iam::primitives::DateTime;
use aws_sdk_iam::types::StatusType;
use serde::Deserialize;
use serde_json::json;
use time::{Duration, OffsetDateTime};

use super::aws::aws;
use super::target::arn_resource;
use super::{Action, Clients};
use crate::TaskError;

/// The age, in days, past which IAM.3 and IAM.8 take a credential as too old or unused.
pub const MAX_AGE_DAYS: i64 = 90;

/// Whether `since` is more than [`MAX_AGE_DAYS`] before `now` (exactly 90 days is not).
pub fn past_max_age(now: OffsetDateTime, since: OffsetDateTime) -> bool {
    now - since > Duration::days(MAX_AGE_DAYS)
}

/// “2025-11-02, 127 days before SOAR checked”: a credential's date for the plan and the messages.
pub(crate) fn dated(now: OffsetDateTime, at: OffsetDateTime) -> String {
    format!(
        "{}, {} days before SOAR checked",
        at.date(),
        (now - at).whole_days()
    )
}

/// The user name of an IAM user ARN (`arn:aws:iam::ACCOUNT:user/PATH/NAME`): the last part of the
/// path, which is what the API calls take.
pub(crate) fn user_name(id: &str) -> Result<String, String> {
    let path = arn_resource(id, "iam", "user/", "an IAM user")?;
    let name = path.rsplit('/').next().unwrap_or_default();
    // IAM's own rule for user names: 1-64 of letters, digits and +=,.@_-.
    if (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
    {
        Ok(name.to_owned())
    } else {
        Err(format!(
            "expected the ARN of an IAM user (arn:aws:iam::ACCOUNT:user/NAME), got {id:?}"
        ))
    }
}

/// An SDK timestamp as a `time` one (to the second: IAM's dates are).
pub(crate) fn timestamp(at: &DateTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(at.secs()).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// One of a user's access keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKey {
    /// `AccessKeyId` (not a secret: the secret is the secret access key, never read).
    pub id: String,
    /// `Status` is `Active`.
    pub active: bool,
    /// `CreateDate`.
    pub created: OffsetDateTime,
    /// When it was last used (`GetAccessKeyLastUsed`); `None` if never, or not read.
    pub last_used: Option<OffsetDateTime>,
}

/// What `GetUser` says that the remediations need.
pub(crate) struct User {
    /// Its tags (for the opt-out tag).
    pub tags: Vec<(String, String)>,
    /// When its console password was last used, if ever.
    pub password_last_used: Option<OffsetDateTime>,
}

/// The user (`GetUser`): a missing user is IAM's `NoSuchEntity`.
pub(crate) async fn get_user(clients: &Clients, name: &str) -> Result<User, TaskError> {
    let out = clients
        .iam()
        .get_user()
        .user_name(name)
        .send()
        .await
        .map_err(aws("IAM", "GetUser"))?;
    let user = out.user();
    Ok(User {
        tags: user
            .map(|u| {
                u.tags()
                    .iter()
                    .map(|t| (t.key().to_owned(), t.value().to_owned()))
                    .collect()
            })
            .unwrap_or_default(),
        password_last_used: user.and_then(|u| u.password_last_used()).map(timestamp),
    })
}

/// The user's access keys (`ListAccessKeys`), and, with `last_used`, when each active one was last
/// used (`GetAccessKeyLastUsed`).
pub(crate) async fn access_keys(
    clients: &Clients,
    user: &str,
    last_used: bool,
) -> Result<Vec<AccessKey>, TaskError> {
    let iam = clients.iam();
    let mut keys = Vec::new();
    let mut pages = iam
        .list_access_keys()
        .user_name(user)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(aws("IAM", "ListAccessKeys"))?;
        for key in page.access_key_metadata() {
            let (Some(id), Some(created)) = (key.access_key_id(), key.create_date()) else {
                continue;
            };
            keys.push(AccessKey {
                id: id.to_owned(),
                active: key.status() == Some(&StatusType::Active),
                created: timestamp(created),
                last_used: None,
            });
        }
    }
    if last_used {
        for key in keys.iter_mut().filter(|k| k.active) {
            key.last_used = iam
                .get_access_key_last_used()
                .access_key_id(&key.id)
                .send()
                .await
                .map_err(aws("IAM", "GetAccessKeyLastUsed"))?
                .access_key_last_used()
                .and_then(|u| u.last_used_date())
                .map(timestamp);
        }
    }
    Ok(keys)
}

/// The planned call that deactivates `key` of `user` (`UpdateAccessKey` `Status=Inactive`): the key
/// stays, so its owner can turn it on again.
pub(crate) fn deactivate(user: &str, key: &str, todo: String, done: String) -> Action {
    Action {
        service: "iam",
        operation: "UpdateAccessKey",
        parameters: json!({"UserName": user, "AccessKeyId": key, "Status": "Inactive"}),
        todo,
        done,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateAccessKeyArguments {
    user_name: String,
    access_key_id: String,
    status: String,
}

/// Makes a planned `UpdateAccessKey`.
pub(crate) async fn update_access_key(clients: &Clients, action: &Action) -> Result<(), TaskError> {
    let args: UpdateAccessKeyArguments = action.arguments()?;
    clients
        .iam()
        .update_access_key()
        .user_name(args.user_name)
        .access_key_id(args.access_key_id)
        .status(StatusType::from(args.status.as_str()))
        .send()
        .await
        .map_err(aws("IAM", "UpdateAccessKey"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn user_names_come_from_user_arns() {
        assert_eq!(
            user_name("arn:aws:iam::777788889999:user/ci-deployer"),
            Ok("ci-deployer".to_owned())
        );
        assert_eq!(
            user_name("arn:aws:iam::777788889999:user/engineering/data/jane.doe@example.com"),
            Ok("jane.doe@example.com".to_owned())
        );
        for bad in [
            "ci-deployer",
            "AIDAEXAMPLEUSERID1234",
            "arn:aws:iam::777788889999:role/ci-deployer",
            "arn:aws:iam::777788889999:user/",
            "arn:aws:iam::777788889999:user/team/",
            "arn:aws:iam::777788889999:user/bad name",
        ] {
            assert!(user_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn exactly_ninety_days_is_not_past_the_maximum_age() {
        let now = datetime!(2026-03-09 09:15 UTC);
        assert!(!past_max_age(now, now - Duration::days(90)));
        assert!(past_max_age(
            now,
            now - Duration::days(90) - Duration::seconds(1)
        ));
        assert!(!past_max_age(now, now));
        assert_eq!(
            dated(now, now - Duration::days(127)),
            "2025-11-02, 127 days before SOAR checked"
        );
    }
}
