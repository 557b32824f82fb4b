//! IAM.7 — Password policies for IAM users should have strong configurations: sets the account's
//! password policy (`UpdateAccountPasswordPolicy`) to require upper- and lowercase letters, numbers
//! and symbols, at least 14 characters, no reuse of the last 24 passwords and expiry after 90 days:
//! what IAM.7 and the single-setting controls IAM.11 to IAM.17 ask, so one change passes them all.
//! Stricter values the control's parameters in the finding ask for (`MinimumPasswordLength` 16,
//! `MaxPasswordAge` 60) win.
//!
//! `UpdateAccountPasswordPolicy` replaces the whole policy, so every setting is sent, and none is
//! weakened: a longer minimum length or a shorter maximum age the policy already has stays, and
//! `AllowUsersToChangePassword` and `HardExpiry` are kept as they are (`true` and `false` when the
//! account has no policy yet).
//!
//! Offline the current policy is unknown (ASFF has no detail for it): the values that depend on it
//! are explicit placeholders, which fail if the plan is applied by hand as it is, rather than
//! weaken a stricter policy.
//!
//! Not disruptive: the new rules apply when a user next sets a password; nobody is signed out and
//! programmatic access (access keys) is untouched. Expiry does apply at once: a user whose password
//! is older than the maximum age chooses a new one at the next console sign-in. So that this never
//! locks anyone out, SOAR introduces or shortens expiry only when users can set a new password
//! themselves (`AllowUsersToChangePassword` on, `HardExpiry` off); otherwise the maximum age is left
//! as it is, and the plan says so.

use aws_sdk_iam::error::ProvideErrorMetadata;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::TaskError;
use crate::remediations::aws::{aws, sdk_error};
use crate::remediations::target::{Target, account_resource};
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of IAM.7.
pub struct PasswordPolicy;

/// The one instance.
pub static IAM_7: PasswordPolicy = PasswordPolicy;

/// The shortest minimum length SOAR sets (IAM.15, CIS).
pub const MINIMUM_LENGTH: i32 = 14;
/// How many previous passwords may not be reused (IAM.16; also IAM's maximum).
pub const REUSE_PREVENTION: i32 = 24;
/// The longest maximum age, in days, SOAR sets (IAM.17).
pub const MAXIMUM_AGE: i32 = 90;

static META: Meta = Meta {
    control: "IAM.7",
    title: "Password policies for IAM users should have strong configurations",
    resource_type: "AwsAccount",
    disruptive: false,
    description: "Require strong IAM user passwords (all character kinds, 14+ characters, no reuse of the last 24, expiry after 90 days), keeping any stricter setting",
    api_calls: &[
        "iam:GetAccountPasswordPolicy",
        "iam:UpdateAccountPasswordPolicy",
    ],
};

/// An account password policy, in the API's names (the arguments of `UpdateAccountPasswordPolicy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Policy {
    /// `MinimumPasswordLength`.
    pub minimum_password_length: i32,
    /// `RequireSymbols`.
    pub require_symbols: bool,
    /// `RequireNumbers`.
    pub require_numbers: bool,
    /// `RequireUppercaseCharacters`.
    pub require_uppercase_characters: bool,
    /// `RequireLowercaseCharacters`.
    pub require_lowercase_characters: bool,
    /// `AllowUsersToChangePassword`.
    pub allow_users_to_change_password: bool,
    /// `MaxPasswordAge` in days; `None`: passwords never expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_password_age: Option<i32>,
    /// `PasswordReusePrevention`; `None`: any previous password may be reused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_reuse_prevention: Option<i32>,
    /// `HardExpiry`: a user whose password expired cannot set a new one.
    pub hard_expiry: bool,
}

/// The account's password policy.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Whether it is known (false offline: ASFF has no detail for it).
    pub known: bool,
    /// The policy; `None` when the account has none (IAM's default rules apply).
    pub policy: Option<Policy>,
}

/// The strength SOAR aims at for this finding: its own, or the control's parameters when stricter.
struct Strength {
    minimum_length: i32,
    maximum_age: i32,
}

fn strength(target: &Target) -> Strength {
    let number = |name: &str| {
        target
            .parameter(name)
            .and_then(|v| v.trim().parse::<i32>().ok())
    };
    Strength {
        // IAM accepts 6 to 128 characters.
        minimum_length: number("MinimumPasswordLength")
            .map_or(MINIMUM_LENGTH, |n| n.clamp(MINIMUM_LENGTH, 128)),
        maximum_age: number("MaxPasswordAge")
            .filter(|n| *n > 0)
            .map_or(MAXIMUM_AGE, |n| n.min(MAXIMUM_AGE)),
    }
}

/// The policy SOAR sets over `current`: every setting at least as strict as before.
pub fn strengthened(current: Option<&Policy>, target: &Target) -> Policy {
    let strength = strength(target);
    let allow_change = current.is_none_or(|c| c.allow_users_to_change_password);
    let hard_expiry = current.is_some_and(|c| c.hard_expiry);
    let current_age = current.and_then(|c| c.max_password_age);
    let max_password_age = match current_age {
        Some(days) if days <= strength.maximum_age => Some(days),
        // Expiry only where users can set a new password themselves: otherwise it locks them out.
        _ if allow_change && !hard_expiry => Some(strength.maximum_age),
        unchanged => unchanged,
    };
    Policy {
        minimum_password_length: current
            .map_or(0, |c| c.minimum_password_length)
            .max(strength.minimum_length),
        require_symbols: true,
        require_numbers: true,
        require_uppercase_characters: true,
        require_lowercase_characters: true,
        allow_users_to_change_password: allow_change,
        max_password_age,
        password_reuse_prevention: Some(
            current
                .and_then(|c| c.password_reuse_prevention)
                .unwrap_or(0)
                .max(REUSE_PREVENTION),
        ),
        hard_expiry,
    }
}

/// A setting's value in words.
fn shown(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "none".to_owned(),
        Some(value) => value.to_string(),
    }
}

impl Remediation for PasswordPolicy {
    type State = State;

    fn meta(&self) -> &'static Meta {
        &META
    }

    fn resource_name(&self, id: &str) -> Result<String, String> {
        account_resource(id)
    }

    fn state_from_finding(&self, _target: &Target) -> State {
        State {
            known: false,
            policy: None,
        }
    }

    async fn read(&self, clients: &Clients, _target: &Target) -> Result<State, TaskError> {
        let policy = match clients.iam().get_account_password_policy().send().await {
            Ok(out) => out.password_policy().map(|p| Policy {
                minimum_password_length: p.minimum_password_length().unwrap_or(6),
                require_symbols: p.require_symbols(),
                require_numbers: p.require_numbers(),
                require_uppercase_characters: p.require_uppercase_characters(),
                require_lowercase_characters: p.require_lowercase_characters(),
                allow_users_to_change_password: p.allow_users_to_change_password(),
                // 0 (as some endpoints report an unset value) means the same as none.
                max_password_age: p.max_password_age().filter(|d| *d > 0),
                password_reuse_prevention: p.password_reuse_prevention().filter(|n| *n > 0),
                hard_expiry: p.hard_expiry().unwrap_or(false),
            }),
            // No policy: IAM's default rules apply.
            Err(e) if e.code() == Some("NoSuchEntity") => None,
            Err(e) => return Err(sdk_error("IAM", "GetAccountPasswordPolicy", e)),
        };
        Ok(State {
            known: true,
            policy,
        })
    }

    fn tags<'s>(&self, _state: &'s State) -> Vec<(&'s str, &'s str)> {
        Vec::new()
    }

    fn plan(&self, target: &Target, state: &State) -> Plan {
        if target.name != target.account {
            return Plan::Decline(format!(
                "The finding's resource is account {}, but its AwsAccountId is {}: SOAR will not change another account's settings.",
                target.name, target.account
            ));
        }
        let account = &target.account;
        if !state.known {
            let strength = strength(target);
            return Plan::Change(vec![Action {
                service: "iam",
                operation: "UpdateAccountPasswordPolicy",
                parameters: json!({
                    "MinimumPasswordLength": format!("<{}, or the current minimum if longer>", strength.minimum_length),
                    "RequireSymbols": true,
                    "RequireNumbers": true,
                    "RequireUppercaseCharacters": true,
                    "RequireLowercaseCharacters": true,
                    "AllowUsersToChangePassword": "<as the current policy has it; true without one>",
                    "MaxPasswordAge": format!("<{}, or the current maximum if shorter; as it is if users cannot set a new password when theirs expires>", strength.maximum_age),
                    "PasswordReusePrevention": REUSE_PREVENTION,
                    "HardExpiry": "<as the current policy has it; false without one>",
                }),
                todo: format!(
                    "set the IAM password policy of account {account} to require upper- and lowercase letters, numbers and symbols, at least {} characters, no reuse of the last {REUSE_PREVENTION} passwords and expiry after {} days, keeping any stricter setting the current policy has (the finding does not show it)",
                    strength.minimum_length, strength.maximum_age
                ),
                done: format!("Strengthened the IAM password policy of account {account}"),
            }]);
        }
        let desired = strengthened(state.policy.as_ref(), target);
        if state.policy.as_ref() == Some(&desired) {
            return Plan::Compliant("has a strong IAM password policy".into());
        }
        let after = serde_json::to_value(&desired).unwrap_or_default();
        let before = state
            .policy
            .as_ref()
            .map(|p| serde_json::to_value(p).unwrap_or_default());
        let names = [
            "MinimumPasswordLength",
            "RequireSymbols",
            "RequireNumbers",
            "RequireUppercaseCharacters",
            "RequireLowercaseCharacters",
            "AllowUsersToChangePassword",
            "MaxPasswordAge",
            "PasswordReusePrevention",
            "HardExpiry",
        ];
        let old = |name: &str| before.as_ref().and_then(|b| b.get(name));
        let changes: Vec<String> = names
            .iter()
            .filter(|name| old(name) != after.get(**name))
            .map(|name| format!("{name} {} → {}", shown(old(name)), shown(after.get(*name))))
            .collect();
        let strength = strength(target);
        let mut notes = Vec::new();
        if desired.minimum_password_length > strength.minimum_length {
            notes.push(format!(
                "keeping the longer MinimumPasswordLength {}",
                desired.minimum_password_length
            ));
        }
        match desired.max_password_age {
            Some(days) if days < strength.maximum_age => {
                notes.push(format!("keeping the shorter MaxPasswordAge {days}"))
            }
            Some(_) => {}
            None => notes.push(
                "leaving passwords without expiry, since users could not set a new password themselves when theirs expires (AllowUsersToChangePassword off or HardExpiry on)".to_owned(),
            ),
        }
        let what = match &state.policy {
            None => format!(
                "create the IAM password policy of account {account} (it had none, so IAM's default rules applied)"
            ),
            Some(_) => format!("update the IAM password policy of account {account}"),
        };
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!("; {}", notes.join("; "))
        };
        Plan::Change(vec![Action {
            service: "iam",
            operation: "UpdateAccountPasswordPolicy",
            parameters: after,
            todo: format!("{what}: {}{notes}", changes.join(", ")),
            done: format!(
                "Strengthened the IAM password policy of account {account}: {}{notes}. The rules apply when users next set a password",
                changes.join(", ")
            ),
        }])
    }

    async fn apply(
        &self,
        clients: &Clients,
        _target: &Target,
        action: &Action,
    ) -> Result<(), TaskError> {
        let p: Policy = action.arguments()?;
        clients
            .iam()
            .update_account_password_policy()
            .minimum_password_length(p.minimum_password_length)
            .require_symbols(p.require_symbols)
            .require_numbers(p.require_numbers)
            .require_uppercase_characters(p.require_uppercase_characters)
            .require_lowercase_characters(p.require_lowercase_characters)
            .allow_users_to_change_password(p.allow_users_to_change_password)
            .set_max_password_age(p.max_password_age)
            .set_password_reuse_prevention(p.password_reuse_prevention)
            .hard_expiry(p.hard_expiry)
            .send()
            .await
            .map_err(aws("IAM", "UpdateAccountPasswordPolicy"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remediations::testing::{fixture, target};

    fn now() -> time::OffsetDateTime {
        time::macros::datetime!(2026-03-09 09:15 UTC)
    }

    fn weak() -> Policy {
        Policy {
            minimum_password_length: 8,
            require_symbols: false,
            require_numbers: true,
            require_uppercase_characters: true,
            require_lowercase_characters: false,
            allow_users_to_change_password: true,
            max_password_age: None,
            password_reuse_prevention: None,
            hard_expiry: false,
        }
    }

    fn known(policy: Option<Policy>) -> State {
        State {
            known: true,
            policy,
        }
    }

    fn planned(plan: Plan) -> Action {
        match plan {
            Plan::Change(mut actions) if actions.len() == 1 => actions.remove(0),
            other => panic!("expected one call, got {other:?}"),
        }
    }

    #[test]
    fn a_weak_policy_is_strengthened_and_the_plan_says_from_what() {
        let target = target(&IAM_7, "IAM.7", now());
        let action = planned(IAM_7.plan(&target, &known(Some(weak()))));
        assert_eq!(action.operation, "UpdateAccountPasswordPolicy");
        assert_eq!(
            action.parameters,
            json!({"MinimumPasswordLength": 14, "RequireSymbols": true, "RequireNumbers": true,
                "RequireUppercaseCharacters": true, "RequireLowercaseCharacters": true,
                "AllowUsersToChangePassword": true, "MaxPasswordAge": 90,
                "PasswordReusePrevention": 24, "HardExpiry": false})
        );
        assert_eq!(
            action.todo,
            "update the IAM password policy of account 111122223333: MinimumPasswordLength 8 → 14, RequireSymbols false → true, RequireLowercaseCharacters false → true, MaxPasswordAge none → 90, PasswordReusePrevention none → 24"
        );
        // No policy at all: IAM's defaults.
        let action = planned(IAM_7.plan(&target, &known(None)));
        assert!(
            action
                .todo
                .starts_with("create the IAM password policy of account 111122223333 (it had none"),
            "{}",
            action.todo
        );
        assert_eq!(action.parameters["AllowUsersToChangePassword"], true);
        assert_eq!(action.parameters["HardExpiry"], false);
    }

    /// Never weaker: a longer minimum, a shorter maximum age and the account's choices about
    /// changing passwords stay as they are.
    #[test]
    fn stricter_existing_values_are_kept() {
        let target = target(&IAM_7, "IAM.7", now());
        let strict = Policy {
            minimum_password_length: 20,
            max_password_age: Some(30),
            password_reuse_prevention: Some(5),
            ..weak()
        };
        let action = planned(IAM_7.plan(&target, &known(Some(strict))));
        assert_eq!(action.parameters["MinimumPasswordLength"], 20);
        assert_eq!(action.parameters["MaxPasswordAge"], 30);
        assert_eq!(action.parameters["PasswordReusePrevention"], 24);
        assert!(
            action.todo.ends_with(
                "; keeping the longer MinimumPasswordLength 20; keeping the shorter MaxPasswordAge 30"
            ),
            "{}",
            action.todo
        );
        // Users who cannot set a new password themselves would be locked out by expiry: none is
        // introduced, and the account's settings stay.
        for (allow, hard) in [(false, false), (true, true)] {
            let locked = Policy {
                allow_users_to_change_password: allow,
                hard_expiry: hard,
                ..weak()
            };
            let action = planned(IAM_7.plan(&target, &known(Some(locked))));
            assert_eq!(action.parameters.get("MaxPasswordAge"), None);
            assert_eq!(action.parameters["AllowUsersToChangePassword"], allow);
            assert_eq!(action.parameters["HardExpiry"], hard);
            assert!(action.todo.contains("leaving passwords without expiry"));
        }
        // What the policy becomes is compliant: verification after applying finds nothing to do.
        for current in [None, Some(weak())] {
            let after = strengthened(current.as_ref(), &target);
            assert_eq!(
                IAM_7.plan(&target, &known(Some(after))),
                Plan::Compliant("has a strong IAM password policy".into())
            );
        }
    }

    /// The control's parameters in the finding ask for more than SOAR's defaults: they win.
    #[test]
    fn stricter_control_parameters_in_the_finding_win() {
        let mut finding = fixture("IAM.7");
        finding["Compliance"]["SecurityControlParameters"] = json!([
            {"Name": "MinimumPasswordLength", "Value": ["16"]},
            {"Name": "MaxPasswordAge", "Value": ["60"]},
        ]);
        let pad = soar_model::scratchpad::Scratchpad::new(finding);
        let target =
            Target::from_scratchpad(&pad, IAM_7.meta(), |id| IAM_7.resource_name(id)).unwrap();
        let action = planned(IAM_7.plan(&target, &known(Some(weak()))));
        assert_eq!(action.parameters["MinimumPasswordLength"], 16);
        assert_eq!(action.parameters["MaxPasswordAge"], 60);
    }

    #[test]
    fn another_account_s_policy_is_not_changed() {
        let mut target = target(&IAM_7, "IAM.7", now());
        target.name = "999999999999".into();
        assert!(matches!(
            IAM_7.plan(&target, &known(None)),
            Plan::Decline(reason) if reason.contains("another account's settings")
        ));
    }
}
