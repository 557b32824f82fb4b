//! KMS.4 — AWS KMS key rotation should be enabled: turns on automatic yearly rotation of a customer
//! managed symmetric key (`EnableKeyRotation`).
//!
//! Not disruptive: KMS keeps every older key material, so data encrypted before still decrypts.

use serde::Deserialize;
use serde_json::json;

use crate::TaskError;
use crate::remediations::aws::aws;
use crate::remediations::target::{Target, arn_resource};
use crate::remediations::{Action, Clients, Meta, Plan, Remediation};

/// The remediation of KMS.4.
pub struct KeyRotation;

/// The one instance.
pub static KMS_4: KeyRotation = KeyRotation;

static META: Meta = Meta {
    control: "KMS.4",
    title: "AWS KMS key rotation should be enabled",
    resource_type: "AwsKmsKey",
    disruptive: false,
    description: "Turn on automatic yearly rotation of the customer managed KMS key",
    api_calls: &[
        "kms:DescribeKey",
        "kms:GetKeyRotationStatus",
        "kms:ListResourceTags",
        "kms:EnableKeyRotation",
    ],
};

/// The key's state.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// `KeyManager`: `CUSTOMER` or `AWS` (when known).
    pub manager: Option<String>,
    /// `KeySpec` (`SYMMETRIC_DEFAULT`), when known.
    pub spec: Option<String>,
    /// `KeyState` (`Enabled`, `Disabled`, `PendingDeletion`, ...), when known.
    pub key_state: Option<String>,
    /// `Origin` (`AWS_KMS`, `EXTERNAL`, ...), when known.
    pub origin: Option<String>,
    /// Whether automatic rotation is on.
    pub rotation: bool,
    /// Its tags.
    pub tags: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EnableArguments {
    key_id: String,
}

impl Remediation for KeyRotation {
    type State = State;

    fn meta(&self) -> &'static Meta {
        &META
    }

    fn resource_name(&self, id: &str) -> Result<String, String> {
        arn_resource(id, "kms", "key/", "a KMS key")
    }

    fn state_from_finding(&self, target: &Target) -> State {
        let details = target.detail("AwsKmsKey");
        let text = |key: &str| {
            details
                .and_then(|d| d.get(key))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        State {
            manager: text("KeyManager"),
            spec: None,
            key_state: text("KeyState"),
            origin: text("Origin"),
            rotation: details
                .and_then(|d| d.get("KeyRotationStatus"))
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
            tags: Vec::new(),
        }
    }

    async fn read(&self, clients: &Clients, target: &Target) -> Result<State, TaskError> {
        let kms = clients.kms();
        let described = kms
            .describe_key()
            .key_id(&target.name)
            .send()
            .await
            .map_err(aws("KMS", "DescribeKey"))?;
        let meta = described.key_metadata();
        let key_state = meta
            .and_then(|m| m.key_state())
            .map(|s| s.as_str().to_owned());
        let manager = meta
            .and_then(|m| m.key_manager())
            .map(|s| s.as_str().to_owned());
        let spec = meta
            .and_then(|m| m.key_spec())
            .map(|s| s.as_str().to_owned());
        let origin = meta.and_then(|m| m.origin()).map(|s| s.as_str().to_owned());
        // Rotation can only be read (and set) on an enabled customer managed symmetric key.
        let rotatable = key_state.as_deref() == Some("Enabled")
            && manager.as_deref() == Some("CUSTOMER")
            && spec.as_deref() == Some("SYMMETRIC_DEFAULT")
            && origin.as_deref() == Some("AWS_KMS");
        let rotation = if rotatable {
            kms.get_key_rotation_status()
                .key_id(&target.name)
                .send()
                .await
                .map_err(aws("KMS", "GetKeyRotationStatus"))?
                .key_rotation_enabled()
        } else {
            false
        };
        let tags = kms
            .list_resource_tags()
            .key_id(&target.name)
            .send()
            .await
            .map_err(aws("KMS", "ListResourceTags"))?
            .tags()
            .iter()
            .map(|t| (t.tag_key().to_owned(), t.tag_value().to_owned()))
            .collect();
        Ok(State {
            manager,
            spec,
            key_state,
            origin,
            rotation,
            tags,
        })
    }

    fn tags<'s>(&self, state: &'s State) -> Vec<(&'s str, &'s str)> {
        crate::remediations::tag_refs(&state.tags)
    }

    fn plan(&self, target: &Target, state: &State) -> Plan {
        let key = &target.name;
        if state.rotation {
            return Plan::Compliant("rotates its key material automatically".into());
        }
        if let Some(manager) = state.manager.as_deref().filter(|m| *m != "CUSTOMER") {
            return Plan::Decline(format!(
                "KMS key {key} is managed by {manager}, not by the account: its rotation cannot be changed."
            ));
        }
        if let Some(spec) = state.spec.as_deref().filter(|s| *s != "SYMMETRIC_DEFAULT") {
            return Plan::Decline(format!(
                "KMS key {key} is a {spec} key: KMS rotates only symmetric encryption keys automatically. Please rotate it manually or suppress the finding."
            ));
        }
        if let Some(origin) = state.origin.as_deref().filter(|o| *o != "AWS_KMS") {
            return Plan::Decline(format!(
                "KMS key {key} has key material from {origin}: KMS cannot rotate imported or custom key store material automatically. Please rotate it manually."
            ));
        }
        if let Some(key_state) = state.key_state.as_deref().filter(|s| *s != "Enabled") {
            return Plan::Decline(format!(
                "KMS key {key} is {key_state}: rotation can only be turned on for an enabled key. Please enable it first, or suppress the finding if it is being retired."
            ));
        }
        Plan::Change(vec![Action {
            service: "kms",
            operation: "EnableKeyRotation",
            parameters: json!({"KeyId": key}),
            todo: format!("turn on automatic yearly rotation of KMS key {key}"),
            done: format!(
                "Turned on automatic yearly rotation of KMS key {key}; data encrypted before still decrypts"
            ),
        }])
    }

    async fn apply(
        &self,
        clients: &Clients,
        _target: &Target,
        action: &Action,
    ) -> Result<(), TaskError> {
        let args: EnableArguments = action.arguments()?;
        clients
            .kms()
            .enable_key_rotation()
            .key_id(args.key_id)
            .send()
            .await
            .map_err(aws("KMS", "EnableKeyRotation"))?;
        Ok(())
    }
}
