//! IAM.3 — IAM users' access keys should be rotated every 90 days or less: deactivates
//! (`UpdateAccessKey` `Status=Inactive`) every active access key of the user created more than 90
//! days ago. SOAR cannot rotate a key itself (the new secret would have to reach whatever uses the
//! key), so `messages.actions_required` tells the owner to create a new key, move to it, and delete
//! the old one.
//!
//! Ages are measured from [`Target::now`] (the services' clock), not the system clock.
//!
//! Offline the keys are unknown (ASFF's `AwsIamUser` details have none): the key to deactivate is an
//! explicit placeholder, which fails if the plan is applied by hand as it is.
//!
//! Disruptive: whatever still signs requests with a deactivated key stops working at once, until
//! its owner moves it to a new key (or makes the old one active again).

use super::{
    AccessKey, MAX_AGE_DAYS, access_keys, dated, deactivate, get_user, past_max_age,
    update_access_key, user_name,
};
use crate::TaskError;
use crate::remediations::target::Target;
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of IAM.3.
pub struct AccessKeyRotation;

/// The one instance.
pub static IAM_3: AccessKeyRotation = AccessKeyRotation;

/// Stands for the keys to deactivate in an offline plan, where they are unknown. Not a key id: the
/// call fails (`ValidationError`) if the plan is applied by hand as it is.
pub const OLD_KEYS: &str = "<each active access key of the user created more than 90 days ago>";

static META: Meta = Meta {
    control: "IAM.3",
    title: "IAM users' access keys should be rotated every 90 days or less",
    resource_type: "AwsIamUser",
    disruptive: true,
    description: "Deactivate the user's active access keys older than 90 days (its owner then creates a new key)",
    api_calls: &["iam:GetUser", "iam:ListAccessKeys", "iam:UpdateAccessKey"],
};

/// The user's access keys.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Whether they are known (false offline: ASFF does not carry them).
    pub known: bool,
    /// Its access keys.
    pub keys: Vec<AccessKey>,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

impl Remediation for AccessKeyRotation {
    type State = State;

    fn meta(&self) -> &'static Meta {
        &META
    }

    fn resource_name(&self, id: &str) -> Result<String, String> {
        user_name(id)
    }

    fn state_from_finding(&self, _target: &Target) -> State {
        State {
            known: false,
            keys: Vec::new(),
            tags: Vec::new(),
        }
    }

    async fn read(&self, clients: &Clients, target: &Target) -> Result<State, TaskError> {
        // GetUser first: a user that does not exist is IAM's NoSuchEntity, named as such.
        let user = get_user(clients, &target.name).await?;
        Ok(State {
            known: true,
            keys: access_keys(clients, &target.name, false).await?,
            tags: user.tags,
        })
    }

    fn tags<'s>(&self, state: &'s State) -> Vec<(&'s str, &'s str)> {
        crate::remediations::tag_refs(&state.tags)
    }

    fn plan(&self, target: &Target, state: &State) -> Plan {
        let user = &target.name;
        if !state.known {
            return Plan::Change(vec![deactivate(
                user,
                OLD_KEYS,
                format!(
                    "deactivate each active access key of IAM user {user} created more than {MAX_AGE_DAYS} days ago (the finding does not say which)"
                ),
                format!(
                    "Deactivated the active access keys of IAM user {user} created more than {MAX_AGE_DAYS} days ago"
                ),
            )]);
        }
        let actions: Vec<Action> = state
            .keys
            .iter()
            .filter(|k| k.active && past_max_age(target.now, k.created))
            .map(|key| {
                let created = dated(target.now, key.created);
                deactivate(
                    user,
                    &key.id,
                    format!(
                        "deactivate access key {} of IAM user {user} (created {created})",
                        key.id
                    ),
                    format!(
                        "Deactivated access key {} of IAM user {user} (created {created}); it is kept, and can be made active again",
                        key.id
                    ),
                )
            })
            .collect();
        if actions.is_empty() {
            return Plan::Compliant(format!(
                "has no active access key older than {MAX_AGE_DAYS} days"
            ));
        }
        Plan::Change(actions)
    }

    async fn apply(
        &self,
        clients: &Clients,
        _target: &Target,
        action: &Action,
    ) -> Result<(), TaskError> {
        update_access_key(clients, action).await
    }

    fn follow_up(&self, target: &Target, actions: &[Action]) -> Option<String> {
        let keys: Vec<&str> = actions
            .iter()
            .filter_map(|a| a.parameters["AccessKeyId"].as_str())
            .collect();
        Some(format!(
            "The owner of IAM user {} must rotate: create a new access key, move everything that used {} to it, then delete the old key; or, better, replace the keys with an IAM role.",
            target.name,
            match keys.as_slice() {
                [key] if *key != OLD_KEYS => format!("key {key}"),
                _ => "the deactivated keys".to_owned(),
            }
        ))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::datetime;
    use time::{Duration, OffsetDateTime};

    use super::*;
    use crate::remediations::testing::{fixture, input, target};
    use crate::testing::services;

    const NOW: OffsetDateTime = datetime!(2026-03-09 09:15 UTC);

    fn key(id: &str, active: bool, created: OffsetDateTime) -> AccessKey {
        AccessKey {
            id: id.into(),
            active,
            created,
            last_used: None,
        }
    }

    fn known(keys: Vec<AccessKey>) -> State {
        State {
            known: true,
            keys,
            tags: Vec::new(),
        }
    }

    #[test]
    fn active_keys_older_than_90_days_are_deactivated_naming_their_age() {
        let target = target(&IAM_3, "IAM.3", NOW);
        let plan = IAM_3.plan(
            &target,
            &known(vec![
                key("AKIAOLDKEY0000000001", true, NOW - Duration::days(412)),
                key("AKIANEWKEY0000000002", true, NOW - Duration::days(12)),
                key("AKIAOLDINACTIVE00003", false, NOW - Duration::days(900)),
            ]),
        );
        let Plan::Change(actions) = plan else {
            panic!("{plan:?}")
        };
        assert_eq!(actions.len(), 1);
        assert_eq!(
            actions[0].parameters,
            json!({"UserName": "analytics-etl", "AccessKeyId": "AKIAOLDKEY0000000001", "Status": "Inactive"})
        );
        assert_eq!(
            actions[0].todo,
            "deactivate access key AKIAOLDKEY0000000001 of IAM user analytics-etl (created 2025-01-21, 412 days before SOAR checked)"
        );
        assert_eq!(
            IAM_3.follow_up(&target, &actions).unwrap(),
            "The owner of IAM user analytics-etl must rotate: create a new access key, move everything that used key AKIAOLDKEY0000000001 to it, then delete the old key; or, better, replace the keys with an IAM role."
        );
    }

    /// The clock decides: a key exactly 90 days old is fine, one second older is not.
    #[test]
    fn the_90_day_boundary_is_measured_from_the_injected_clock() {
        let created = datetime!(2025-06-01 12:00 UTC);
        let keys = known(vec![key("AKIABOUNDARY00000001", true, created)]);
        let at = |now| target(&IAM_3, "IAM.3", now);
        assert_eq!(
            IAM_3.plan(&at(created + Duration::days(90)), &keys),
            Plan::Compliant("has no active access key older than 90 days".into())
        );
        let Plan::Change(actions) = IAM_3.plan(
            &at(created + Duration::days(90) + Duration::seconds(1)),
            &keys,
        ) else {
            panic!("a key older than 90 days is deactivated")
        };
        assert_eq!(actions[0].parameters["AccessKeyId"], "AKIABOUNDARY00000001");
        // An inactive old key, or no key at all, is compliant.
        let later = at(created + Duration::days(400));
        assert!(matches!(
            IAM_3.plan(
                &later,
                &known(vec![key("AKIAOLDINACTIVE00003", false, created)])
            ),
            Plan::Compliant(_)
        ));
        assert!(matches!(
            IAM_3.plan(&later, &known(Vec::new())),
            Plan::Compliant(_)
        ));
    }

    /// Through `remediate`, offline: the owner is told to rotate, also in a dry run.
    #[tokio::test]
    async fn the_owner_is_told_to_create_a_new_key() {
        let out = crate::remediations::run(
            &services(),
            input(
                "IAM.3",
                fixture("IAM.3"),
                soar_model::scratchpad::Environment::Staging,
            ),
        )
        .await
        .unwrap()
        .to_json();
        let required = out["messages"]["actions_required"].as_str().unwrap();
        assert!(
            required.ends_with("The owner of IAM user analytics-etl must rotate: create a new access key, move everything that used the deactivated keys to it, then delete the old key; or, better, replace the keys with an IAM role."),
            "{required}"
        );
    }
}
