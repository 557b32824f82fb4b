//! IAM.8 — Unused IAM user credentials should be removed: deactivates (`UpdateAccessKey`
//! `Status=Inactive`, not `DeleteAccessKey`) every active access key of the user last used more
//! than 90 days ago (created more than 90 days ago if never used), and deletes the console password
//! (`DeleteLoginProfile`) if it was last used (or, never used, created) more than 90 days ago. The
//! plan names each key with its last use, and a deactivated key can be turned on again.
//!
//! Ages are measured from [`Target::now`] (the services' clock), not the system clock.
//!
//! Offline the credentials are unknown (ASFF's `AwsIamUser` details have no access keys or password
//! use): the key to deactivate is an explicit placeholder, which fails if the plan is applied by hand
//! as it is, and the password step says it applies only to a password unused for 90 days.
//!
//! Disruptive: whatever still signs requests with a deactivated key (a script, a CI job, an
//! application) stops working at once, and the user can no longer sign in to the console until an
//! administrator sets a new password.

use aws_sdk_iam::error::ProvideErrorMetadata;
use serde_json::json;

use super::{
    AccessKey, MAX_AGE_DAYS, access_keys, dated, deactivate, get_user, past_max_age,
    update_access_key, user_name,
};
use crate::TaskError;
use crate::remediations::aws::{aws, sdk_error};
use crate::remediations::target::Target;
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of IAM.8.
pub struct UnusedCredentials;

/// The one instance.
pub static IAM_8: UnusedCredentials = UnusedCredentials;

/// Stands for the keys to deactivate in an offline plan, where they are unknown. Not a key id: the
/// call fails (`ValidationError`) if the plan is applied by hand as it is.
pub const UNUSED_KEYS: &str =
    "<each active access key of the user not used (never used: not created) in the last 90 days>";

static META: Meta = Meta {
    control: "IAM.8",
    title: "Unused IAM user credentials should be removed",
    resource_type: "AwsIamUser",
    disruptive: true,
    description: "Deactivate the user's access keys unused for 90 days and delete its console password if unused for 90 days",
    api_calls: &[
        "iam:GetUser",
        "iam:ListAccessKeys",
        "iam:GetAccessKeyLastUsed",
        "iam:GetLoginProfile",
        "iam:UpdateAccessKey",
        "iam:DeleteLoginProfile",
    ],
};

/// The user's console password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Password {
    /// When its login profile was created.
    pub created: time::OffsetDateTime,
    /// When it was last used to sign in, if ever.
    pub last_used: Option<time::OffsetDateTime>,
}

/// The user's credentials.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Whether they are known (false offline: ASFF does not carry them).
    pub known: bool,
    /// Its access keys, with when each active one was last used.
    pub keys: Vec<AccessKey>,
    /// Its console password, if it has one.
    pub password: Option<Password>,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

/// “last used 2025-11-02, 127 days before SOAR checked”, or “never used, created ...”, and whether
/// that is more than 90 days ago.
fn last_use(
    target: &Target,
    created: time::OffsetDateTime,
    last_used: Option<time::OffsetDateTime>,
) -> (String, bool) {
    match last_used {
        Some(at) => (
            format!("last used {}", dated(target.now, at)),
            past_max_age(target.now, at),
        ),
        None => (
            format!("never used, created {}", dated(target.now, created)),
            past_max_age(target.now, created),
        ),
    }
}

impl Remediation for UnusedCredentials {
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
            password: None,
            tags: Vec::new(),
        }
    }

    async fn read(&self, clients: &Clients, target: &Target) -> Result<State, TaskError> {
        // GetUser first: a user that does not exist is IAM's NoSuchEntity, named as such.
        let user = get_user(clients, &target.name).await?;
        let keys = access_keys(clients, &target.name, true).await?;
        let password = match clients
            .iam()
            .get_login_profile()
            .user_name(&target.name)
            .send()
            .await
        {
            Ok(out) => out.login_profile().map(|p| Password {
                created: super::timestamp(p.create_date()),
                last_used: user.password_last_used,
            }),
            // No login profile: no console password.
            Err(e) if e.code() == Some("NoSuchEntity") => None,
            Err(e) => return Err(sdk_error("IAM", "GetLoginProfile", e)),
        };
        Ok(State {
            known: true,
            keys,
            password,
            tags: user.tags,
        })
    }

    fn tags<'s>(&self, state: &'s State) -> Vec<(&'s str, &'s str)> {
        crate::remediations::tag_refs(&state.tags)
    }

    fn plan(&self, target: &Target, state: &State) -> Plan {
        let user = &target.name;
        if !state.known {
            return Plan::Change(vec![
                deactivate(
                    user,
                    UNUSED_KEYS,
                    format!(
                        "deactivate each active access key of IAM user {user} not used in the last {MAX_AGE_DAYS} days (the finding does not say which)"
                    ),
                    format!(
                        "Deactivated the access keys of IAM user {user} not used in the last {MAX_AGE_DAYS} days"
                    ),
                ),
                Action {
                    service: "iam",
                    operation: "DeleteLoginProfile",
                    parameters: json!({"UserName": user}),
                    todo: format!(
                        "delete the console password of IAM user {user} if it was not used in the last {MAX_AGE_DAYS} days"
                    ),
                    done: format!(
                        "Deleted the console password of IAM user {user}, unused for {MAX_AGE_DAYS} days"
                    ),
                },
            ]);
        }
        let mut actions = Vec::new();
        for key in state.keys.iter().filter(|k| k.active) {
            let (when, unused) = last_use(target, key.created, key.last_used);
            if unused {
                actions.push(deactivate(
                    user,
                    &key.id,
                    format!("deactivate access key {} of IAM user {user} ({when})", key.id),
                    format!(
                        "Deactivated access key {} of IAM user {user} ({when}); it is kept, and can be made active again",
                        key.id
                    ),
                ));
            }
        }
        if let Some(password) = &state.password {
            let (when, unused) = last_use(target, password.created, password.last_used);
            if unused {
                actions.push(Action {
                    service: "iam",
                    operation: "DeleteLoginProfile",
                    parameters: json!({"UserName": user}),
                    todo: format!("delete the console password of IAM user {user} ({when})"),
                    done: format!(
                        "Deleted the console password of IAM user {user} ({when}): the user can no longer sign in to the console"
                    ),
                });
            }
        }
        if actions.is_empty() {
            return Plan::Compliant(format!(
                "has no console password or active access key unused for more than {MAX_AGE_DAYS} days"
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
        match action.operation {
            "UpdateAccessKey" => update_access_key(clients, action).await,
            _ => {
                #[derive(serde::Deserialize)]
                #[serde(rename_all = "PascalCase")]
                struct DeleteArguments {
                    user_name: String,
                }
                let args: DeleteArguments = action.arguments()?;
                clients
                    .iam()
                    .delete_login_profile()
                    .user_name(args.user_name)
                    .send()
                    .await
                    .map_err(aws("IAM", "DeleteLoginProfile"))?;
                Ok(())
            }
        }
    }

    fn follow_up(&self, target: &Target, actions: &[Action]) -> Option<String> {
        Some(format!(
            "If IAM user {} still needs {}, its owner can {}; if nobody uses it any more, delete the user.",
            target.name,
            if actions.iter().all(|a| a.operation == "UpdateAccessKey") {
                "programmatic access"
            } else if actions.iter().all(|a| a.operation == "DeleteLoginProfile") {
                "console access"
            } else {
                "programmatic or console access"
            },
            if actions.iter().all(|a| a.operation == "UpdateAccessKey") {
                "make the key active again or, better, create a new one"
            } else if actions.iter().all(|a| a.operation == "DeleteLoginProfile") {
                "ask an administrator for a new password"
            } else {
                "create a new access key, or ask an administrator for a new password"
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;
    use time::{Duration, OffsetDateTime};

    use super::*;
    use crate::remediations::testing::target;

    const NOW: OffsetDateTime = datetime!(2026-03-09 09:15 UTC);

    fn key(id: &str, active: bool, created_days_ago: i64, used_days_ago: Option<i64>) -> AccessKey {
        AccessKey {
            id: id.into(),
            active,
            created: NOW - Duration::days(created_days_ago),
            last_used: used_days_ago.map(|d| NOW - Duration::days(d)),
        }
    }

    fn state(keys: Vec<AccessKey>, password: Option<Password>) -> State {
        State {
            known: true,
            keys,
            password,
            tags: Vec::new(),
        }
    }

    fn calls(plan: Plan) -> Vec<(&'static str, serde_json::Value)> {
        match plan {
            Plan::Change(actions) => actions
                .into_iter()
                .map(|a| (a.operation, a.parameters))
                .collect(),
            other => panic!("expected a change, got {other:?}"),
        }
    }

    #[test]
    fn keys_and_passwords_unused_for_more_than_90_days_go_the_others_stay() {
        let target = target(&IAM_8, "IAM.8", NOW);
        let plan = IAM_8.plan(
            &target,
            &state(
                vec![
                    // Used 200 days ago: deactivated, named with its last use.
                    key("AKIAOLDBUTUSEDONCE01", true, 400, Some(200)),
                    // Created long ago but used yesterday: stays.
                    key("AKIARECENTLYUSED0002", true, 400, Some(1)),
                    // Never used, created 91 days ago: deactivated.
                    key("AKIANEVERUSED0000003", true, 91, None),
                    // Already inactive: nothing to do.
                    key("AKIAINACTIVE00000004", false, 400, None),
                ],
                Some(Password {
                    created: NOW - Duration::days(700),
                    last_used: Some(NOW - Duration::days(95)),
                }),
            ),
        );
        let Plan::Change(actions) = &plan else {
            panic!("{plan:?}")
        };
        assert_eq!(
            actions[0].todo,
            "deactivate access key AKIAOLDBUTUSEDONCE01 of IAM user ci-deployer (last used 2025-08-21, 200 days before SOAR checked)"
        );
        assert_eq!(
            actions[1].todo,
            "deactivate access key AKIANEVERUSED0000003 of IAM user ci-deployer (never used, created 2025-12-08, 91 days before SOAR checked)"
        );
        assert!(
            actions[2].todo.contains("last used 2025-12-04, 95 days"),
            "{}",
            actions[2].todo
        );
        assert_eq!(
            calls(plan),
            vec![
                (
                    "UpdateAccessKey",
                    json!({"UserName": "ci-deployer", "AccessKeyId": "AKIAOLDBUTUSEDONCE01", "Status": "Inactive"})
                ),
                (
                    "UpdateAccessKey",
                    json!({"UserName": "ci-deployer", "AccessKeyId": "AKIANEVERUSED0000003", "Status": "Inactive"})
                ),
                ("DeleteLoginProfile", json!({"UserName": "ci-deployer"})),
            ]
        );
    }

    /// The clock decides: exactly 90 days after the last use is still fine, a second later is not.
    #[test]
    fn the_90_day_boundary_is_measured_from_the_injected_clock() {
        let last_used = NOW - Duration::days(400);
        let keys = vec![AccessKey {
            id: "AKIABOUNDARY00000001".into(),
            active: true,
            created: NOW - Duration::days(800),
            last_used: Some(last_used),
        }];
        let password = Some(Password {
            created: NOW - Duration::days(800),
            last_used: None,
        });
        let at = |now| target(&IAM_8, "IAM.8", now);
        let exactly = at(last_used + Duration::days(90));
        assert!(matches!(
            IAM_8.plan(&exactly, &state(keys.clone(), None)),
            Plan::Compliant(_)
        ));
        let later = at(last_used + Duration::days(90) + Duration::seconds(1));
        assert_eq!(
            calls(IAM_8.plan(&later, &state(keys, None))),
            vec![(
                "UpdateAccessKey",
                json!({"UserName": "ci-deployer", "AccessKeyId": "AKIABOUNDARY00000001", "Status": "Inactive"})
            )]
        );
        // A password never used counts from its creation.
        let created = NOW - Duration::days(800);
        assert!(matches!(
            IAM_8.plan(
                &at(created + Duration::days(90)),
                &state(Vec::new(), password.clone())
            ),
            Plan::Compliant(_)
        ));
        assert_eq!(
            calls(IAM_8.plan(
                &at(created + Duration::days(91)),
                &state(Vec::new(), password)
            )),
            vec![("DeleteLoginProfile", json!({"UserName": "ci-deployer"}))]
        );
    }

    #[test]
    fn a_user_without_unused_credentials_is_compliant() {
        let target = target(&IAM_8, "IAM.8", NOW);
        let fresh = state(
            vec![key("AKIARECENTLYUSED0002", true, 400, Some(3))],
            Some(Password {
                created: NOW - Duration::days(400),
                last_used: Some(NOW - Duration::days(2)),
            }),
        );
        assert_eq!(
            IAM_8.plan(&target, &fresh),
            Plan::Compliant(
                "has no console password or active access key unused for more than 90 days".into()
            )
        );
        assert!(matches!(
            IAM_8.plan(&target, &state(Vec::new(), None)),
            Plan::Compliant(_)
        ));
    }

    #[test]
    fn the_follow_up_says_how_to_get_access_back() {
        let target = target(&IAM_8, "IAM.8", NOW);
        let Plan::Change(keys_only) = IAM_8.plan(
            &target,
            &state(
                vec![key("AKIAOLDBUTUSEDONCE01", true, 400, Some(200))],
                None,
            ),
        ) else {
            unreachable!()
        };
        assert_eq!(
            IAM_8.follow_up(&target, &keys_only).unwrap(),
            "If IAM user ci-deployer still needs programmatic access, its owner can make the key active again or, better, create a new one; if nobody uses it any more, delete the user."
        );
    }
}
