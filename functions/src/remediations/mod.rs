//! Auto-remediations: the `remediate` task, which fixes the resource of a failed Security Hub control
//! finding, proves it, and says what it did in words a resource owner understands.
//!
//! # Design
//!
//! **One handler, `remediate`, dispatching on the control id** (one Lambda function,
//! `RemediateFunction`), rather than one handler per remediation. Why:
//! - every remediation needs the same thing from its function: `sts:AssumeRole` on the cross-account
//!   role (what it may change is decided by that role in each member account,
//!   member-account-role.yaml), so one function has the one least-privilege role that fits them all,
//!   and 30+ functions would add 30+ copies of it;
//! - the cache of SDK clients per (account, region) and of assumed-role credentials lives as long as
//!   the process: one function keeps one warm cache for every control, where one function per control
//!   would assume the role again in every one of them;
//! - the state machine still has one Task state per remediation (the Choice on the control id routes
//!   to it, with its own name in the execution history); the Task passes the control id it expects,
//!   and the handler refuses a finding of another control, so the Choice and the code cannot disagree.
//!
//! **Every remediation follows the same steps**, driven by [`drive`] over the [`Remediation`] trait,
//! so none can skip one:
//! 1. validate the finding ([`target::Target`]): the control id, the resource of the control's type
//!    and its id, the account and the region — `SOAR.InvalidFinding` naming the field otherwise;
//! 2. opt-outs: the tag [`OPT_OUT_TAG`] on the resource (the finding's `Resources[].Tags`, the
//!    scratchpad's `tags`, and the live tags once read), or a disruptive remediation in an account
//!    whose environment is not in `settings.disruptive_remediation_environments` → the scratchpad
//!    comes back with `actions.autoremediation_not_done` and the reason in
//!    `messages.actions_required` (the ASFF processor tickets it);
//! 3. read the current state; already compliant → change nothing and say so;
//! 4. build the plan: the API calls with their exact arguments ([`Action`]); the calls applied are
//!    built from the planned arguments, so what is done is exactly what the plan says;
//! 5. apply it, unless dry-run; in dry-run the plan is recorded (`services.plan`) and is the result
//!    (“Would …”);
//! 6. verify by reading the state again: a change that did not take is `SOAR.RemediationNotVerified`;
//!    one AWS accepted but is still applying ([`Plan::InProgress`], e.g. an RDS value in
//!    `PendingModifiedValues`) is verified as in progress, and the owner is told it is being applied;
//! 7. write `messages.actions_taken` / `actions_required` and `db.remediation` (control, resource,
//!    mode, outcome, plan).
//!
//! **Modes** ([`Remediator`]): `Offline` (the embedded default: no AWS at all, the state is taken from
//! the finding and the plan is the result), `Aws` (the state is read through the cross-account role,
//! the plan applied and verified), and `Aws` in dry-run (read live, plan, record, apply nothing; the
//! finding is then not done, so it is ticketed with the plan: chosen by the template parameter
//! `RemediationMode` on Lambda and `soar process --backend aws --dry-run` locally).
//!
//! **Errors keep AWS's code** ([`aws::AwsFailure`]): throttling is [`THROTTLING`] and an unreachable
//! or failing service (5xx, timeouts, connection errors) [`UNAVAILABLE`], both retried by the state
//! machine with backoff; anything else is `<Service>.<AWS code>` (`S3.AccessDenied`,
//! `EC2.InvalidGroup.NotFound`, `STS.AccessDenied` when the role cannot be assumed), which the state
//! machine does not retry but catches into a ticket.

pub mod aws;
pub mod dynamodb;
pub mod ec2;
pub mod ecr;
pub mod ecs;
pub mod elb;
pub mod iam;
pub mod kms;
pub mod rds;
pub mod s3;
pub mod target;

use std::future::Future;

use serde::Deserialize;
use serde_json::{Value, json};
use soar_json::Value as Json;
use soar_model::scratchpad::Scratchpad;
use soar_store::plan::PlannedCall;

use crate::{Services, TaskError, names};
pub use aws::{AwsRemediator, Clients};
use target::Target;

/// The resource tag that opts a resource out of auto-remediation (any value).
pub const OPT_OUT_TAG: &str = "soar:no-autoremediate";

/// An AWS service throttled the call: retried by the state machine.
pub const THROTTLING: &str = "AWS.Throttling";
/// An AWS service could not be reached or failed on its side (HTTP 5xx, timeout, connection): retried.
pub const UNAVAILABLE: &str = "AWS.Unavailable";
/// A change was applied but reading the resource again shows it did not take.
pub const NOT_VERIFIED: &str = "SOAR.RemediationNotVerified";
/// Remediation cannot run here (e.g. no cross-account role configured); not retried.
pub const NOT_CONFIGURED: &str = "SOAR.RemediationNotConfigured";
/// The task was asked for a control it has no remediation for; not retried.
pub const UNKNOWN_CONTROL: &str = "SOAR.UnknownRemediation";

/// The retryable errors `remediate` raises; the state machine's Task states retry exactly these.
pub const RETRYABLE: &[&str] = &[THROTTLING, UNAVAILABLE];

/// What a remediation is, for people and for the README's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    /// The Security Hub security control id (`S3.8`).
    pub control: &'static str,
    /// The control's title as Security Hub words it.
    pub title: &'static str,
    /// The ASFF resource type it remediates (`AwsS3Bucket`); several separated by `|` when the control
    /// is about several (`AwsRdsDbSnapshot|AwsRdsDbClusterSnapshot`), see [`Meta::resource_types`].
    pub resource_type: &'static str,
    /// Whether the change can break a workload that relies on the non-compliant setting.
    pub disruptive: bool,
    /// What it changes, in one line.
    pub description: &'static str,
    /// Every AWS API call it can make, named by the IAM action that allows it (`rds:ModifyDBInstance`;
    /// S3's bucket-level GetPublicAccessBlock is `s3:GetBucketPublicAccessBlock`), reads first. The
    /// member-account role (member-account-role.yaml) allows exactly these, no more: a test holds
    /// the two together.
    pub api_calls: &'static [&'static str],
}

impl Meta {
    /// The ASFF resource types it remediates (one for most controls).
    pub fn resource_types(&self) -> impl Iterator<Item = &'static str> {
        self.resource_type.split('|')
    }
}

/// One step of a plan: the API call with its exact arguments, and what it does in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// The AWS service, as in IAM actions (`s3`, `ec2`).
    pub service: &'static str,
    /// The operation (`PutPublicAccessBlock`).
    pub operation: &'static str,
    /// The request's arguments, in the API's own field names.
    pub parameters: Value,
    /// What it does, as an infinitive phrase: “turn on … on S3 bucket b”.
    pub todo: String,
    /// What it did, in the past tense: “Turned on … on S3 bucket b”.
    pub done: String,
}

impl Action {
    /// The arguments read as `T` (how [`Remediation::apply`] gets the exact planned values).
    pub fn arguments<T: for<'de> Deserialize<'de>>(&self) -> Result<T, TaskError> {
        T::deserialize(&self.parameters).map_err(|e| {
            TaskError::new(
                names::INVALID_SCRATCHPAD,
                format!(
                    "the planned {}:{} has unexpected arguments: {e}",
                    self.service, self.operation
                ),
            )
        })
    }
}

/// A remediation's answer to “what must change?”.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Nothing: the resource already complies; the text says how (“blocks all public access”).
    Compliant(String),
    /// Nothing to change again: AWS accepted the change and is still applying it (an RDS value in
    /// `PendingModifiedValues`, ...); the text says what is pending (“has a backup retention period
    /// of 7 days pending”). Only for what AWS itself reports as pending: a change that shows
    /// nowhere is still to be made (or, after applying, not verified).
    InProgress(String),
    /// These calls, in order.
    Change(Vec<Action>),
    /// It cannot be remediated automatically, for this reason (e.g. a key pending deletion).
    Decline(String),
}

/// A remediation: the control-specific part of [`drive`]. Implementations are unit structs, one file
/// each under the service's folder.
pub trait Remediation: Send + Sync + 'static {
    /// The state of the resource, as far as the control is concerned.
    type State: Send + 'static;

    /// What it is.
    fn meta(&self) -> &'static Meta;

    /// The resource's name for the API calls (bucket name, group id, ...) from the finding's resource
    /// id, or what is wrong with the id.
    fn resource_name(&self, id: &str) -> Result<String, String>;

    /// The state as the finding shows it (`Resources[].Details`); what the finding does not say is
    /// taken as non-compliant, because the control failed.
    fn state_from_finding(&self, target: &Target) -> Self::State;

    /// The live state.
    fn read(
        &self,
        clients: &Clients,
        target: &Target,
    ) -> impl Future<Output = Result<Self::State, TaskError>> + Send;

    /// The resource's live tags, read with the state (for the opt-out tag).
    fn tags<'s>(&self, state: &'s Self::State) -> Vec<(&'s str, &'s str)>;

    /// What must change.
    fn plan(&self, target: &Target, state: &Self::State) -> Plan;

    /// Makes one planned call (its arguments from `action.parameters`).
    fn apply(
        &self,
        clients: &Clients,
        target: &Target,
        action: &Action,
    ) -> impl Future<Output = Result<(), TaskError>> + Send;

    /// What the resource's owner must still do once `actions` are made, added to
    /// `messages.actions_required` (IAM.3: a deactivated key needs a new one). None for most.
    fn follow_up(&self, _target: &Target, _actions: &[Action]) -> Option<String> {
        None
    }
}

/// How remediations reach AWS.
#[derive(Clone, Debug)]
pub enum Remediator {
    /// No AWS at all (the embedded default): the state comes from the finding, the plan is recorded
    /// in `services.plan` and is the result.
    Offline,
    /// Through the cross-account role in the finding's account and region.
    Aws(AwsRemediator),
    /// Remediation is not possible in this set-up, for this reason (e.g. no cross-account role): every
    /// remediation fails with [`NOT_CONFIGURED`], and the finding is ticketed.
    Unavailable(String),
}

/// Every remediation's metadata, in the order of the README's table.
pub fn catalog() -> Vec<&'static Meta> {
    vec![
        s3::account_public_access_block::S3_1.meta(),
        s3::block_public_access::S3_8.meta(),
        s3::block_public_access::S3_2.meta(),
        s3::block_public_access::S3_3.meta(),
        s3::tls_only_policy::S3_5.meta(),
        iam::unused_credentials::IAM_8.meta(),
        iam::access_key_rotation::IAM_3.meta(),
        iam::password_policy::IAM_7.meta(),
        ec2::default_security_group::EC2_2.meta(),
        ec2::ebs_default_encryption::EC2_7.meta(),
        ec2::imdsv2::EC2_8.meta(),
        ec2::high_risk_ports::EC2_19.meta(),
        ec2::public_snapshots::EC2_1.meta(),
        ec2::subnet_public_ip::EC2_15.meta(),
        kms::key_rotation::KMS_4.meta(),
        dynamodb::point_in_time_recovery::DYNAMODB_2.meta(),
        ecr::scan_on_push::ECR_1.meta(),
        ecr::tag_immutability::ECR_2.meta(),
        ecs::container_insights::ECS_12.meta(),
        elb::drop_invalid_headers::ELB_4.meta(),
        elb::deletion_protection::ELB_6.meta(),
        rds::public_access::RDS_2.meta(),
        rds::deletion_protection::RDS_8.meta(),
        rds::auto_minor_version_upgrade::RDS_13.meta(),
        rds::copy_tags_to_snapshot::RDS_17.meta(),
        rds::backups::RDS_11.meta(),
        rds::cluster_deletion_protection::RDS_7.meta(),
        rds::cluster_copy_tags_to_snapshot::RDS_16.meta(),
        rds::private_snapshots::RDS_1.meta(),
        rds::log_exports::RDS_9.meta(),
    ]
}

/// The README's table of remediations (control, what it changes, the API calls, whether it can
/// disrupt a workload), generated from [`catalog`]; a test keeps README.md equal to it.
pub fn readme_table() -> String {
    let mut out = String::from(
        "| Control | What it changes | AWS API calls (as IAM actions) | Can disrupt a workload |\n|---|---|---|---|\n",
    );
    for meta in catalog() {
        let calls: Vec<String> = meta.api_calls.iter().map(|c| format!("`{c}`")).collect();
        out.push_str(&format!(
            "| {} ({}) | {} | {} | {} |\n",
            meta.control,
            meta.title,
            meta.description,
            calls.join(", "),
            if meta.disruptive { "yes" } else { "no" }
        ));
    }
    out
}

/// The task's input: `{"control_id": "S3.8", "scratchpad": {...}}` (the Task state names the control
/// its Choice routed on).
#[derive(Deserialize)]
struct Input {
    control_id: String,
}

/// Runs the task `remediate`: `{"control_id", "scratchpad"}` in, the scratchpad out.
pub async fn run(services: &Services, input: impl Into<Json>) -> Result<Json, TaskError> {
    let input: Json = input.into();
    let Input { control_id } = soar_json::from_value(&input).map_err(|e| {
        TaskError::new(
            names::INVALID_SCRATCHPAD,
            format!("remediate expects {{\"control_id\", \"scratchpad\"}}: {e}"),
        )
    })?;
    let scratchpad = input.get("scratchpad").cloned().ok_or_else(|| {
        TaskError::new(
            names::INVALID_SCRATCHPAD,
            "remediate expects {\"control_id\", \"scratchpad\"}: /scratchpad: missing field",
        )
    })?;
    let pad = Scratchpad::from_value(scratchpad)?;
    let pad = match control_id.as_str() {
        "S3.1" => drive(&s3::account_public_access_block::S3_1, services, pad).await?,
        "S3.8" => drive(&s3::block_public_access::S3_8, services, pad).await?,
        "S3.2" => drive(&s3::block_public_access::S3_2, services, pad).await?,
        "S3.3" => drive(&s3::block_public_access::S3_3, services, pad).await?,
        "S3.5" => drive(&s3::tls_only_policy::S3_5, services, pad).await?,
        "IAM.8" => drive(&iam::unused_credentials::IAM_8, services, pad).await?,
        "IAM.3" => drive(&iam::access_key_rotation::IAM_3, services, pad).await?,
        "IAM.7" => drive(&iam::password_policy::IAM_7, services, pad).await?,
        "EC2.2" => drive(&ec2::default_security_group::EC2_2, services, pad).await?,
        "EC2.7" => drive(&ec2::ebs_default_encryption::EC2_7, services, pad).await?,
        "EC2.8" => drive(&ec2::imdsv2::EC2_8, services, pad).await?,
        "EC2.19" => drive(&ec2::high_risk_ports::EC2_19, services, pad).await?,
        "EC2.1" => drive(&ec2::public_snapshots::EC2_1, services, pad).await?,
        "EC2.15" => drive(&ec2::subnet_public_ip::EC2_15, services, pad).await?,
        "KMS.4" => drive(&kms::key_rotation::KMS_4, services, pad).await?,
        "DynamoDB.2" => drive(&dynamodb::point_in_time_recovery::DYNAMODB_2, services, pad).await?,
        "ECR.1" => drive(&ecr::scan_on_push::ECR_1, services, pad).await?,
        "ECR.2" => drive(&ecr::tag_immutability::ECR_2, services, pad).await?,
        "ECS.12" => drive(&ecs::container_insights::ECS_12, services, pad).await?,
        "ELB.4" => drive(&elb::drop_invalid_headers::ELB_4, services, pad).await?,
        "ELB.6" => drive(&elb::deletion_protection::ELB_6, services, pad).await?,
        "RDS.2" => drive(&rds::public_access::RDS_2, services, pad).await?,
        "RDS.8" => drive(&rds::deletion_protection::RDS_8, services, pad).await?,
        "RDS.13" => drive(&rds::auto_minor_version_upgrade::RDS_13, services, pad).await?,
        "RDS.17" => drive(&rds::copy_tags_to_snapshot::RDS_17, services, pad).await?,
        "RDS.11" => drive(&rds::backups::RDS_11, services, pad).await?,
        "RDS.7" => drive(&rds::cluster_deletion_protection::RDS_7, services, pad).await?,
        "RDS.16" => drive(&rds::cluster_copy_tags_to_snapshot::RDS_16, services, pad).await?,
        "RDS.1" => drive(&rds::private_snapshots::RDS_1, services, pad).await?,
        "RDS.9" => drive(&rds::log_exports::RDS_9, services, pad).await?,
        other => {
            return Err(TaskError::new(
                UNKNOWN_CONTROL,
                format!("SOAR has no remediation for control {other:?}"),
            ));
        }
    };
    Ok(pad.to_value())
}

/// The outcome written to `db.remediation.outcome`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Remediated,
    /// AWS accepted the change (SOAR's, or an earlier one) and is still applying it.
    InProgress,
    Planned,
    AlreadyCompliant,
    Declined,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Remediated => "remediated",
            Outcome::InProgress => "in_progress",
            Outcome::Planned => "planned",
            Outcome::AlreadyCompliant => "already_compliant",
            Outcome::Declined => "declined",
        }
    }
}

/// The mode written to `db.remediation.mode`.
fn mode_name(remediator: &Remediator) -> &'static str {
    match remediator {
        Remediator::Offline => "offline",
        Remediator::Aws(aws) if aws.applies() => "live",
        Remediator::Aws(_) => "dry_run",
        Remediator::Unavailable(_) => "unavailable",
    }
}

/// The steps every remediation follows; see the module documentation.
pub async fn drive<R: Remediation>(
    remediation: &'static R,
    services: &Services,
    mut pad: Scratchpad,
) -> Result<Scratchpad, TaskError> {
    let meta = remediation.meta();
    let target = Target::from_scratchpad(&pad, meta, |id| remediation.resource_name(id))?
        .at(services.clock.now());

    if let Some(reason) = opt_out(services, &pad, &target, meta, &[]) {
        return Ok(declined(
            pad,
            &target,
            meta,
            &reason,
            mode_name(&services.remediator),
        ));
    }

    let (state, live) = match &services.remediator {
        Remediator::Offline => (remediation.state_from_finding(&target), false),
        Remediator::Aws(aws) => {
            let clients = aws.clients(&target.account, &target.region)?;
            let target_ = target.clone();
            let state = aws
                .run(async move { remediation.read(&clients, &target_).await })
                .await?;
            (state, true)
        }
        Remediator::Unavailable(reason) => {
            return Err(TaskError::new(NOT_CONFIGURED, reason.clone()));
        }
    };
    if live {
        let live_tags = remediation.tags(&state);
        if let Some(reason) = opt_out(services, &pad, &target, meta, &live_tags) {
            return Ok(declined(
                pad,
                &target,
                meta,
                &reason,
                mode_name(&services.remediator),
            ));
        }
    }

    let mode = mode_name(&services.remediator);
    let actions = match remediation.plan(&target, &state) {
        Plan::Compliant(how) => {
            pad.messages.actions_taken = format!(
                "Nothing to do: {} already {how} ({} is compliant). SOAR changed nothing.",
                target.describe(),
                meta.control
            );
            pad.messages.actions_required = format!(
                "None. {} was already compliant when SOAR checked; Security Hub will update the finding at its next check.",
                target.describe()
            );
            record_outcome(
                &mut pad,
                &target,
                meta,
                mode,
                Outcome::AlreadyCompliant,
                &[],
                None,
            );
            return Ok(pad);
        }
        Plan::InProgress(how) => {
            pad.messages.actions_taken = format!(
                "Nothing to do: {} already {how}: AWS accepted the change {} needs and is applying it. SOAR changed nothing.",
                target.describe(),
                meta.control
            );
            pad.messages.actions_required = format!(
                "None. AWS is applying the change to {}; Security Hub will update the finding once it has been applied.",
                target.describe()
            );
            record_outcome(
                &mut pad,
                &target,
                meta,
                mode,
                Outcome::InProgress,
                &[],
                None,
            );
            return Ok(pad);
        }
        Plan::Decline(reason) => {
            return Ok(declined(pad, &target, meta, &reason, mode));
        }
        Plan::Change(actions) => actions,
    };

    match &services.remediator {
        Remediator::Aws(aws) if aws.applies() => {
            let clients = aws.clients(&target.account, &target.region)?;
            let planned = actions.clone();
            let target_ = target.clone();
            let verified =
                aws.run(async move {
                    apply_and_verify(remediation, &clients, &target_, &planned).await
                })
                .await?;
            let done: Vec<&str> = actions.iter().map(|a| a.done.as_str()).collect();
            let (read_again, outcome) = match verified {
                Verified::Compliant => (
                    "SOAR read the resource again afterwards and it is now compliant.".to_owned(),
                    Outcome::Remediated,
                ),
                Verified::InProgress(how) => (
                    format!(
                        "SOAR read the resource again afterwards: AWS accepted the change and is still applying it (it {how}); it is compliant once AWS has finished."
                    ),
                    Outcome::InProgress,
                ),
            };
            pad.messages.actions_taken = format!(
                "SOAR remediated {} on {}: {} {read_again}",
                meta.control,
                target.describe(),
                sentences(&done)
            );
            pad.messages.actions_required = format!(
                "{}Make the same change in the infrastructure code that manages {}, or the next deployment may undo it.",
                if outcome == Outcome::InProgress {
                    "Nothing now: AWS is applying the change, and Security Hub will update the finding once it has been applied. "
                } else {
                    ""
                },
                target.describe()
            );
            record_outcome(&mut pad, &target, meta, mode, outcome, &actions, None);
        }
        _ => {
            // Offline, or dry-run over AWS: the plan is the result.
            for action in &actions {
                services
                    .plan
                    .record(&planned_call(&target, meta, action))
                    .map_err(|e| {
                        TaskError::new(
                            names::STORE_FAILURE,
                            format!("record the planned {}: {e}", action.operation),
                        )
                    })?;
            }
            let todo: Vec<String> = actions.iter().map(|a| a.todo.clone()).collect();
            pad.messages.actions_taken = format!(
                "Dry run, nothing was changed in AWS. To remediate {} on {}, SOAR would {}.",
                meta.control,
                target.describe(),
                todo.join(", then ")
            );
            pad.messages.actions_required = format!(
                "Review SOAR's plan; to fix it now, {}. Then make the same change in the infrastructure code that manages {}.",
                todo.join(", then "),
                target.describe()
            );
            record_outcome(
                &mut pad,
                &target,
                meta,
                mode,
                Outcome::Planned,
                &actions,
                None,
            );
            if matches!(services.remediator, Remediator::Aws(_)) {
                // A dry run over AWS runs against real accounts whose resources stay non-compliant:
                // not done, so the team gets a ticket with the plan instead of a finding marked
                // resolved. Offline the plan stands for what a live SOAR would do.
                pad.actions.autoremediation_not_done = true;
            }
        }
    }
    if let Some(follow_up) = remediation.follow_up(&target, &actions) {
        pad.messages.actions_required = format!("{} {follow_up}", pad.messages.actions_required);
    }
    Ok(pad)
}

/// What reading the resource again after applying showed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verified {
    /// It is compliant.
    Compliant,
    /// AWS accepted the change and is still applying it (what [`Plan::InProgress`] says).
    InProgress(String),
}

/// Applies every planned call in order, then reads the resource again: anything still to change means
/// the change did not take; a change AWS reports as pending is verified as in progress.
async fn apply_and_verify<R: Remediation>(
    remediation: &'static R,
    clients: &Clients,
    target: &Target,
    actions: &[Action],
) -> Result<Verified, TaskError> {
    let mut applied = Vec::new();
    for action in actions {
        remediation
            .apply(clients, target, action)
            .await
            .map_err(|e| {
                if applied.is_empty() {
                    e
                } else {
                    TaskError::new(
                        &e.error,
                        format!("{} (already applied: {})", e.cause, applied.join(", ")),
                    )
                }
            })?;
        applied.push(format!("{}:{}", action.service, action.operation));
    }
    // Some services (S3 policies, IAM) are eventually consistent: one second chance after a pause.
    for attempt in 0..2 {
        let state = remediation.read(clients, target).await?;
        match remediation.plan(target, &state) {
            Plan::Compliant(_) => return Ok(Verified::Compliant),
            Plan::InProgress(how) => return Ok(Verified::InProgress(how)),
            Plan::Change(left) if attempt == 1 => {
                let left: Vec<&str> = left.iter().map(|a| a.todo.as_str()).collect();
                return Err(TaskError::new(
                    NOT_VERIFIED,
                    format!(
                        "{} applied {} on {}, but reading it again it still needs to {}",
                        remediation.meta().control,
                        applied.join(", "),
                        target.describe(),
                        left.join(", then ")
                    ),
                ));
            }
            Plan::Decline(reason) if attempt == 1 => {
                return Err(TaskError::new(
                    NOT_VERIFIED,
                    format!(
                        "{} applied {} on {}, but reading it again: {reason}",
                        remediation.meta().control,
                        applied.join(", "),
                        target.describe()
                    ),
                ));
            }
            _ => tokio::time::sleep(std::time::Duration::from_secs(2)).await,
        }
    }
    unreachable!("the second attempt returns")
}

/// Why the remediation must not run, if it must not: the opt-out tag on the resource (the finding's,
/// the scratchpad's and the `live` tags), or a disruptive remediation outside the environments that
/// allow one.
fn opt_out(
    services: &Services,
    pad: &Scratchpad,
    target: &Target,
    meta: &Meta,
    live: &[(&str, &str)],
) -> Option<String> {
    let tagged = target
        .tags
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str(), "in the finding"))
        .chain(
            pad.tags
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str(), "in the finding")),
        )
        .chain(live.iter().map(|(k, v)| (*k, *v, "on the resource")))
        .find(|(k, _, _)| *k == OPT_OUT_TAG);
    if let Some((key, value, where_)) = tagged {
        return Some(format!(
            "{} is tagged {key}={value} ({where_}), which opts it out of automatic remediation. Please {}, or remove the tag to let SOAR do it.",
            target.describe(),
            lowercase_first(meta.description),
        ));
    }
    if meta.disruptive {
        let allowed = &services.settings.disruptive_remediation_environments;
        let environment = pad
            .account
            .environment
            .as_ref()
            .map(|e| e.to_string())
            .unwrap_or_else(|| "UNKNOWN".to_owned());
        if !allowed.contains(&environment) {
            let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
            return Some(format!(
                "{} can disrupt a workload ({}), and account {} is {environment}: SOAR runs disruptive remediations only in {} (settings.disruptive_remediation_environments). Please {} after checking what depends on the current setting.",
                meta.control,
                lowercase_first(meta.description),
                target.account,
                if allowed.is_empty() {
                    "no environment".to_owned()
                } else {
                    allowed.join(", ")
                },
                lowercase_first(meta.description),
            ));
        }
    }
    None
}

/// The scratchpad of a remediation that did not run: a ticket for the team, with the reason.
fn declined(
    mut pad: Scratchpad,
    target: &Target,
    meta: &Meta,
    reason: &str,
    mode: &str,
) -> Scratchpad {
    pad.actions.autoremediation_not_done = true;
    pad.messages.actions_taken = format!(
        "None: SOAR did not remediate {} on {}.",
        meta.control,
        target.describe()
    );
    pad.messages.actions_required = reason.to_owned();
    record_outcome(
        &mut pad,
        target,
        meta,
        mode,
        Outcome::Declined,
        &[],
        Some(reason),
    );
    pad
}

/// `db.remediation`: what happened, for later states, e--mails and tests.
fn record_outcome(
    pad: &mut Scratchpad,
    target: &Target,
    meta: &Meta,
    mode: &str,
    outcome: Outcome,
    actions: &[Action],
    reason: Option<&str>,
) {
    // Redacted as the recorded plan is: the scratchpad reaches tickets and e-mails.
    let plan: Vec<Value> = actions
        .iter()
        .map(|a| {
            let mut parameters = a.parameters.clone();
            soar_store::plan::redact(&mut parameters);
            json!({"service": a.service, "operation": a.operation, "parameters": parameters, "description": a.todo})
        })
        .collect();
    let mut record = json!({
        "control": meta.control,
        "resource_type": target.resource_type,
        "resource": target.resource_id,
        "account": target.account,
        "region": target.region,
        "mode": mode,
        "outcome": outcome.as_str(),
        "plan": plan,
    });
    if let Some(reason) = reason {
        record["reason"] = reason.into();
    }
    pad.db.insert("remediation".into(), record);
}

/// The plan entry of one action.
fn planned_call(target: &Target, meta: &Meta, action: &Action) -> PlannedCall {
    PlannedCall {
        at: time::OffsetDateTime::now_utc(),
        service: action.service.to_owned(),
        operation: action.operation.to_owned(),
        account: Some(target.account.clone()),
        region: Some(target.region.clone()),
        parameters: action.parameters.clone(),
        reason: format!(
            "auto-remediation of {} for finding {}: {}",
            meta.control, target.finding_id, action.todo
        ),
    }
}

/// Sentences joined, each ending with a full stop.
fn sentences(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| {
            let p = p.trim_end_matches('.');
            format!("{p}.")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Borrowed `(key, value)` views of owned tag pairs: what [`Remediation::tags`] returns for a state
/// that keeps its tags as pairs.
pub(crate) fn tag_refs(tags: &[(String, String)]) -> Vec<(&str, &str)> {
    tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use soar_model::scratchpad::Environment;

    use super::testing::{fixture, input};
    use super::*;
    use crate::testing::services;

    /// Every remediation and the exact calls it plans from its example (non-compliant) finding.
    fn expected_plans() -> Vec<(&'static str, Vec<(&'static str, Value)>)> {
        vec![
            (
                "S3.1",
                vec![(
                    "PutAccountPublicAccessBlock",
                    json!({"AccountId": "777788889999", "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true}}),
                )],
            ),
            (
                "S3.8",
                vec![(
                    "PutPublicAccessBlock",
                    json!({"Bucket": "example-payments-uploads", "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true}}),
                )],
            ),
            (
                "S3.2",
                vec![
                    (
                        "PutPublicAccessBlock",
                        json!({"Bucket": "example-public-docs", "PublicAccessBlockConfiguration": {
                            "BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true}}),
                    ),
                    (
                        "PutBucketAcl",
                        json!({"Bucket": "example-public-docs", "AccessControlPolicy": {
                            "Owner": {"ID": "5d1e7a9c3b2f4e6d8a0c1b3e5f7a9d2c4e6b8a0f1c3e5d7b9a2c4e6f8a0b1c3d"},
                            "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": "5d1e7a9c3b2f4e6d8a0c1b3e5f7a9d2c4e6b8a0f1c3e5d7b9a2c4e6f8a0b1c3d"},
                                "Permission": "FULL_CONTROL"}]}}),
                    ),
                ],
            ),
            (
                "S3.3",
                vec![
                    (
                        "PutPublicAccessBlock",
                        json!({"Bucket": "example-shared-dropbox", "PublicAccessBlockConfiguration": {
                            "BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true}}),
                    ),
                    (
                        "PutBucketAcl",
                        json!({"Bucket": "example-shared-dropbox", "AccessControlPolicy": {
                            "Owner": {"ID": "7e2a4c6b8d0f1a3c5e7b9d1f3a5c7e9b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c"},
                            "Grants": [
                                {"Grantee": {"Type": "CanonicalUser", "ID": "7e2a4c6b8d0f1a3c5e7b9d1f3a5c7e9b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c"},
                                    "Permission": "FULL_CONTROL"},
                                {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"},
                                    "Permission": "READ_ACP"}]}}),
                    ),
                ],
            ),
            (
                "S3.5",
                vec![(
                    "PutBucketPolicy",
                    json!({"Bucket": "example-data-landing", "Policy": {"Version": "2012-10-17", "Statement": [
                        s3::tls_only_policy::EXISTING_STATEMENTS,
                        s3::tls_only_policy::statement("example-data-landing")]}}),
                )],
            ),
            (
                "IAM.8",
                vec![
                    (
                        "UpdateAccessKey",
                        json!({"UserName": "ci-deployer",
                            "AccessKeyId": iam::unused_credentials::UNUSED_KEYS, "Status": "Inactive"}),
                    ),
                    ("DeleteLoginProfile", json!({"UserName": "ci-deployer"})),
                ],
            ),
            (
                "IAM.3",
                vec![(
                    "UpdateAccessKey",
                    json!({"UserName": "analytics-etl",
                        "AccessKeyId": iam::access_key_rotation::OLD_KEYS, "Status": "Inactive"}),
                )],
            ),
            (
                "IAM.7",
                vec![(
                    "UpdateAccountPasswordPolicy",
                    json!({"MinimumPasswordLength": "<14, or the current minimum if longer>",
                        "RequireSymbols": true, "RequireNumbers": true,
                        "RequireUppercaseCharacters": true, "RequireLowercaseCharacters": true,
                        "AllowUsersToChangePassword": "<as the current policy has it; true without one>",
                        "MaxPasswordAge": "<90, or the current maximum if shorter; as it is if users cannot set a new password when theirs expires>",
                        "PasswordReusePrevention": 24,
                        "HardExpiry": "<as the current policy has it; false without one>"}),
                )],
            ),
            (
                "EC2.2",
                vec![
                    (
                        "RevokeSecurityGroupIngress",
                        json!({"GroupId": "sg-0a1b2c3d4e5f60718", "IpPermissions": [{"IpProtocol": "-1",
                            "UserIdGroupPairs": [{"GroupId": "sg-0a1b2c3d4e5f60718", "UserId": "111122223333"}]}]}),
                    ),
                    (
                        "RevokeSecurityGroupEgress",
                        json!({"GroupId": "sg-0a1b2c3d4e5f60718", "IpPermissions": [{"IpProtocol": "-1",
                            "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}),
                    ),
                ],
            ),
            ("EC2.7", vec![("EnableEbsEncryptionByDefault", json!({}))]),
            (
                "EC2.8",
                vec![(
                    "ModifyInstanceMetadataOptions",
                    json!({"InstanceId": "i-0f1e2d3c4b5a69788", "HttpTokens": "required"}),
                )],
            ),
            (
                "EC2.19",
                vec![(
                    "RevokeSecurityGroupIngress",
                    json!({"GroupId": "sg-0b7e3d1f5a9c2e4d6", "IpPermissions": [
                        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
                        {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]}),
                )],
            ),
            (
                "EC2.1",
                vec![(
                    "ModifySnapshotAttribute",
                    json!({"SnapshotId": ec2::public_snapshots::EVERY_PUBLIC_SNAPSHOT,
                        "Attribute": "createVolumePermission", "OperationType": "remove", "GroupNames": ["all"]}),
                )],
            ),
            (
                "EC2.15",
                vec![(
                    "ModifySubnetAttribute",
                    json!({"SubnetId": "subnet-0c1d2e3f4a5b6c7d8", "MapPublicIpOnLaunch": {"Value": false}}),
                )],
            ),
            (
                "KMS.4",
                vec![(
                    "EnableKeyRotation",
                    json!({"KeyId": "3f9c2a1e-7b4d-4e8f-9a6c-5d2b1e0f8a73"}),
                )],
            ),
            (
                "DynamoDB.2",
                vec![(
                    "UpdateContinuousBackups",
                    json!({"TableName": "payments-ledger",
                        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}),
                )],
            ),
            (
                "ECR.1",
                vec![(
                    "PutImageScanningConfiguration",
                    json!({"registryId": "777788889999", "repositoryName": "data/ingest-worker",
                        "imageScanningConfiguration": {"scanOnPush": true}}),
                )],
            ),
            (
                "ECR.2",
                vec![(
                    "PutImageTagMutability",
                    json!({"registryId": "777788889999", "repositoryName": "data/ingest-worker",
                        "imageTagMutability": "IMMUTABLE"}),
                )],
            ),
            (
                "ECS.12",
                vec![(
                    "UpdateCluster",
                    json!({"cluster": "data-batch",
                        "settings": [{"name": "containerInsights", "value": "enabled"}]}),
                )],
            ),
            (
                "ELB.4",
                vec![(
                    "ModifyLoadBalancerAttributes",
                    json!({"LoadBalancerArn": "arn:aws:elasticloadbalancing:eu-west-1:444455556666:loadbalancer/app/platform-portal/6d0ecf831eec9f09",
                        "Attributes": [{"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"}]}),
                )],
            ),
            (
                "ELB.6",
                vec![(
                    "ModifyLoadBalancerAttributes",
                    json!({"LoadBalancerArn": "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/net/payments-ingress/4b7c9d2e1f0a3b5c",
                        "Attributes": [{"Key": "deletion_protection.enabled", "Value": "true"}]}),
                )],
            ),
            (
                "RDS.2",
                vec![(
                    "ModifyDBInstance",
                    json!({"DBInstanceIdentifier": "data-warehouse-staging-db",
                        "PubliclyAccessible": false, "ApplyImmediately": true}),
                )],
            ),
            (
                "RDS.8",
                vec![(
                    "ModifyDBInstance",
                    json!({"DBInstanceIdentifier": "data-warehouse-staging-db",
                        "DeletionProtection": true, "ApplyImmediately": true}),
                )],
            ),
            (
                "RDS.13",
                vec![(
                    "ModifyDBInstance",
                    json!({"DBInstanceIdentifier": "data-warehouse-staging-db",
                        "AutoMinorVersionUpgrade": true, "ApplyImmediately": true}),
                )],
            ),
            (
                "RDS.17",
                vec![(
                    "ModifyDBInstance",
                    json!({"DBInstanceIdentifier": "data-warehouse-staging-db",
                        "CopyTagsToSnapshot": true, "ApplyImmediately": true}),
                )],
            ),
            (
                "RDS.11",
                vec![(
                    "ModifyDBInstance",
                    json!({"DBInstanceIdentifier": "orders-reporting-db",
                        "BackupRetentionPeriod": 7, "ApplyImmediately": true}),
                )],
            ),
            (
                "RDS.7",
                vec![(
                    "ModifyDBCluster",
                    json!({"DBClusterIdentifier": "orders-aurora",
                        "DeletionProtection": true, "ApplyImmediately": true}),
                )],
            ),
            (
                "RDS.16",
                vec![(
                    "ModifyDBCluster",
                    json!({"DBClusterIdentifier": "orders-aurora",
                        "CopyTagsToSnapshot": true, "ApplyImmediately": true}),
                )],
            ),
            (
                "RDS.1",
                vec![(
                    "ModifyDBSnapshotAttribute",
                    json!({"DBSnapshotIdentifier": "payments-db-before-migration",
                        "AttributeName": "restore", "ValuesToRemove": ["all"]}),
                )],
            ),
            (
                "RDS.9",
                vec![(
                    "ModifyDBInstance",
                    json!({"DBInstanceIdentifier": "payments-db", "ApplyImmediately": true,
                        "CloudwatchLogsExportConfiguration": {"EnableLogTypes": ["audit", "general", "slowquery"]}}),
                )],
            ),
        ]
    }

    async fn remediate(
        services: &Services,
        control: &str,
        finding: Value,
        environment: Environment,
    ) -> Result<Value, TaskError> {
        run(services, input(control, finding, environment))
            .await
            .map(|out| out.to_json())
    }

    /// README.md's table is the catalog's: it cannot drift from the code.
    #[test]
    fn the_readme_table_is_generated_from_the_catalog() {
        let readme = include_str!("../../../README.md");
        let table = readme_table();
        assert!(
            readme.contains(&table),
            "README.md's Auto-remediations table is out of date; replace it with:\n{table}"
        );
    }

    #[test]
    fn the_catalog_covers_every_dispatched_control_once() {
        let controls: Vec<&str> = catalog().iter().map(|m| m.control).collect();
        let plans: Vec<&str> = expected_plans().iter().map(|(c, _)| *c).collect();
        assert_eq!(controls, plans);
        for meta in catalog() {
            assert!(!meta.api_calls.is_empty() && !meta.description.is_empty());
            assert!(
                meta.api_calls.iter().all(|c| c.contains(':')),
                "{}",
                meta.control
            );
        }
    }

    /// Offline (the embedded default), every example finding gives its plan: recorded, and the result.
    #[tokio::test]
    async fn offline_every_non_compliant_finding_gives_its_recorded_plan() {
        for (control, calls) in expected_plans() {
            let services = services();
            let out = remediate(&services, control, fixture(control), Environment::Dev)
                .await
                .unwrap_or_else(|e| panic!("{control}: {e}"));
            assert_eq!(
                out["actions"]["autoremediation_not_done"], false,
                "{control}"
            );
            let record = &out["db"]["remediation"];
            assert_eq!(record["outcome"], "planned", "{control}");
            assert_eq!(record["mode"], "offline");
            assert_eq!(record["control"], control);
            let planned: Vec<(String, Value)> = services
                .plan
                .recorded()
                .unwrap()
                .into_iter()
                .map(|c| {
                    assert_eq!(c.region.as_deref(), Some("eu-west-1"));
                    assert!(c.reason.contains(control), "{}", c.reason);
                    (c.operation, c.parameters)
                })
                .collect();
            // The plan redacts by parameter name, conservatively: EC2.8's `HttpTokens` ("required")
            // is not a secret but is redacted like one.
            let expected: Vec<(String, Value)> = calls
                .iter()
                .map(|(op, params)| {
                    let mut params = params.clone();
                    soar_store::plan::redact(&mut params);
                    (op.to_string(), params)
                })
                .collect();
            assert_eq!(planned, expected, "{control}");
            assert_eq!(
                record["plan"].as_array().unwrap().len(),
                calls.len(),
                "{control}"
            );
            let taken = out["messages"]["actions_taken"].as_str().unwrap();
            assert!(
                taken.starts_with("Dry run, nothing was changed in AWS.")
                    && taken.contains("SOAR would"),
                "{control}: {taken}"
            );
        }
    }

    /// What the finding shows as already compliant is left alone, and the result says so.
    #[tokio::test]
    async fn offline_a_compliant_resource_is_left_alone() {
        let compliant: Vec<(&str, &str, Value)> = vec![
            (
                "S3.8",
                "/Resources/0/Details/AwsS3Bucket/PublicAccessBlockConfiguration",
                json!({"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true}),
            ),
            (
                "S3.2",
                "/Resources/0/Details/AwsS3Bucket",
                json!({"PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true},
                    "AccessControlList": "{\"grantList\":[{\"grantee\":{\"id\":\"5d1e\"},\"permission\":\"FullControl\"}],\"owner\":{\"id\":\"5d1e\"}}"}),
            ),
            (
                "EC2.2",
                "/Resources/0/Details/AwsEc2SecurityGroup",
                json!({"GroupName": "default", "GroupId": "sg-0a1b2c3d4e5f60718", "IpPermissions": [], "IpPermissionsEgress": []}),
            ),
            (
                "KMS.4",
                "/Resources/0/Details/AwsKmsKey/KeyRotationStatus",
                json!(true),
            ),
            (
                "ECR.1",
                "/Resources/0/Details/AwsEcrRepository/ImageScanningConfiguration",
                json!({"ScanOnPush": true}),
            ),
            (
                "EC2.19",
                "/Resources/0/Details/AwsEc2SecurityGroup/IpPermissions",
                json!([{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]),
            ),
            (
                "EC2.8",
                "/Resources/0/Details/AwsEc2Instance/MetadataOptions/HttpTokens",
                json!("required"),
            ),
            (
                "EC2.15",
                "/Resources/0/Details/AwsEc2Subnet/MapPublicIpOnLaunch",
                json!(false),
            ),
            (
                "ECR.2",
                "/Resources/0/Details/AwsEcrRepository/ImageTagMutability",
                json!("IMMUTABLE"),
            ),
            (
                "ECS.12",
                "/Resources/0/Details/AwsEcsCluster/ClusterSettings/0/Value",
                json!("enhanced"),
            ),
            (
                "ELB.4",
                "/Resources/0/Details/AwsElbv2LoadBalancer/LoadBalancerAttributes/1/Value",
                json!("true"),
            ),
            (
                "ELB.6",
                "/Resources/0/Details/AwsElbv2LoadBalancer/LoadBalancerAttributes/0/Value",
                json!("true"),
            ),
            (
                "RDS.2",
                "/Resources/0/Details/AwsRdsDbInstance/PubliclyAccessible",
                json!(false),
            ),
            (
                "RDS.8",
                "/Resources/0/Details/AwsRdsDbInstance/DeletionProtection",
                json!(true),
            ),
            (
                "RDS.13",
                "/Resources/0/Details/AwsRdsDbInstance/AutoMinorVersionUpgrade",
                json!(true),
            ),
            (
                "RDS.17",
                "/Resources/0/Details/AwsRdsDbInstance/CopyTagsToSnapshot",
                json!(true),
            ),
            (
                "RDS.11",
                "/Resources/0/Details/AwsRdsDbInstance/BackupRetentionPeriod",
                json!(14),
            ),
            (
                "RDS.7",
                "/Resources/0/Details/AwsRdsDbCluster/DeletionProtection",
                json!(true),
            ),
            (
                "RDS.16",
                "/Resources/0/Details/AwsRdsDbCluster/CopyTagsToSnapshot",
                json!(true),
            ),
            (
                // ASFF carries the sharing of DB cluster snapshots only.
                "RDS.1",
                "/Resources/0",
                json!({"Type": "AwsRdsDbClusterSnapshot",
                    "Id": "arn:aws:rds:eu-west-1:444455556666:cluster-snapshot:orders-aurora-before-upgrade",
                    "Region": "eu-west-1",
                    "Details": {"AwsRdsDbClusterSnapshot": {"DbClusterSnapshotAttributes": [
                        {"AttributeName": "restore", "AttributeValues": ["111122223333"]}]}}}),
            ),
            (
                "RDS.9",
                "/Resources/0/Details/AwsRdsDbInstance/EnabledCloudWatchLogsExports",
                json!(["slowquery", "error", "general", "audit"]),
            ),
        ];
        for (control, pointer, value) in compliant {
            let mut finding = fixture(control);
            *finding.pointer_mut(pointer).unwrap() = value;
            let services = services();
            let out = remediate(&services, control, finding, Environment::Dev)
                .await
                .unwrap();
            assert_eq!(out["db"]["remediation"]["outcome"], "already_compliant");
            assert_eq!(out["actions"]["autoremediation_not_done"], false);
            assert!(
                out["messages"]["actions_taken"]
                    .as_str()
                    .unwrap()
                    .starts_with("Nothing to do:"),
                "{control}: {}",
                out["messages"]["actions_taken"]
            );
            assert!(services.plan.recorded().unwrap().is_empty(), "{control}");
        }
    }

    /// The opt-out tag, on the finding's resource or in the scratchpad's tags, makes a ticket with the
    /// reason; nothing is planned.
    #[tokio::test]
    async fn the_opt_out_tag_turns_every_remediation_into_a_ticket() {
        for (control, _) in expected_plans() {
            let mut finding = fixture(control);
            finding["Resources"][0]["Tags"] = json!({"team": "x", OPT_OUT_TAG: "legacy clients"});
            let services = services();
            let out = remediate(&services, control, finding, Environment::Dev)
                .await
                .unwrap();
            assert_eq!(
                out["actions"]["autoremediation_not_done"], true,
                "{control}"
            );
            assert_eq!(out["db"]["remediation"]["outcome"], "declined");
            let required = out["messages"]["actions_required"].as_str().unwrap();
            assert!(
                required.contains("soar:no-autoremediate=legacy clients"),
                "{control}: {required}"
            );
            assert!(services.plan.recorded().unwrap().is_empty());
            // The rest of the scratchpad is intact.
            assert_eq!(out["finding"]["Resources"][0]["Tags"]["team"], "x");
        }
        // The same tag among the scratchpad's resource tags.
        let mut pad = input("S3.8", fixture("S3.8"), Environment::Dev);
        pad["scratchpad"]["tags"] = json!({OPT_OUT_TAG: "true"});
        let out = run(&services(), pad).await.unwrap().to_json();
        assert_eq!(out["actions"]["autoremediation_not_done"], true);
    }

    /// Disruptive remediations run only in the environments the settings allow; the others anywhere.
    #[tokio::test]
    async fn disruptive_remediations_do_not_run_in_production() {
        for meta in catalog() {
            for environment in [Environment::Prod, Environment::Unknown, Environment::Dev] {
                let services = services();
                let out = remediate(
                    &services,
                    meta.control,
                    fixture(meta.control),
                    environment.clone(),
                )
                .await
                .unwrap();
                let declined = meta.disruptive && environment != Environment::Dev;
                assert_eq!(
                    out["actions"]["autoremediation_not_done"], declined,
                    "{} in {environment}",
                    meta.control
                );
                if declined {
                    let required = out["messages"]["actions_required"].as_str().unwrap();
                    assert!(
                        required.contains(&format!("is {environment}"))
                            && required.contains("disruptive_remediation_environments"),
                        "{required}"
                    );
                }
            }
        }
    }

    #[tokio::test]
    async fn malformed_findings_are_refused_naming_the_field() {
        let services = services();
        let cases: Vec<(&str, &str, Value, &str)> = vec![
            (
                "S3.8",
                "/Resources",
                json!([]),
                "/finding/Resources: no resource of type AwsS3Bucket",
            ),
            (
                "S3.8",
                "/Resources/0/Id",
                json!("example-payments-uploads"),
                "/finding/Resources/0/Id: expected the ARN of an S3 bucket",
            ),
            (
                "KMS.4",
                "/Resources/0/Id",
                json!(
                    "arn:aws:kms:eu-west-1:999999999999:key/3f9c2a1e-7b4d-4e8f-9a6c-5d2b1e0f8a73"
                ),
                "/finding/Resources/0/Id: the resource is in account 999999999999",
            ),
            (
                "DynamoDB.2",
                "/Resources/0/Id",
                json!("arn:aws:dynamodb:us-east-1:111122223333:table/payments-ledger"),
                "/finding/Resources/0/Id: the resource is in region us-east-1",
            ),
            (
                "EC2.2",
                "/Resources/0/Region",
                json!("eu west 1"),
                "/finding/Resources/0/Region: not a region name",
            ),
            (
                "ECR.1",
                "/Compliance/SecurityControlId",
                json!("ECR.3"),
                "/finding/Compliance/SecurityControlId: the finding is about control ECR.3, not ECR.1",
            ),
            (
                "EC2.7",
                "/Resources/0/Id",
                json!("AWS::::Account:1111"),
                "/finding/Resources/0/Id: expected an account resource id",
            ),
            (
                "IAM.8",
                "/Resources/0/Id",
                json!("AIDA3XQJ5EXAMPLE7KQ2V"),
                "/finding/Resources/0/Id: expected the ARN of an IAM user",
            ),
            (
                "IAM.3",
                "/Resources/0/Type",
                json!("AwsIamRole"),
                "/finding/Resources: no resource of type AwsIamUser (control IAM.3); the finding has AwsIamRole",
            ),
            (
                "IAM.7",
                "/Resources/0/Id",
                json!("AWS::::Account:1111"),
                "/finding/Resources/0/Id: expected an account resource id",
            ),
            (
                "S3.2",
                "/Resources/0/Id",
                json!("example-public-docs"),
                "/finding/Resources/0/Id: expected the ARN of an S3 bucket",
            ),
            (
                "ELB.6",
                "/Resources/0/Id",
                json!(
                    "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/payments-classic"
                ),
                "/finding/Resources/0/Id: expected the ARN of an Application, Network or Gateway Load Balancer",
            ),
            (
                "S3.3",
                "/Resources",
                json!([]),
                "/finding/Resources: no resource of type AwsS3Bucket",
            ),
            (
                "RDS.7",
                "/Resources/0/Id",
                json!("arn:aws:rds:eu-west-1:777788889999:db:orders-aurora-instance-1"),
                "/finding/Resources/0/Id: expected the ARN of an RDS DB cluster",
            ),
        ];
        for (control, pointer, value, message) in cases {
            let mut finding = fixture(control);
            *finding.pointer_mut(pointer).unwrap() = value;
            let e = remediate(&services, control, finding, Environment::Dev)
                .await
                .unwrap_err();
            assert_eq!(e.error, names::INVALID_FINDING, "{control}: {e}");
            assert!(e.cause.starts_with(message), "{control}: {}", e.cause);
        }
        let mut finding = fixture("S3.8");
        finding.as_object_mut().unwrap().remove("AwsAccountId");
        let e = remediate(&services, "S3.8", finding, Environment::Dev)
            .await
            .unwrap_err();
        assert_eq!(e.error, names::INVALID_FINDING);
        assert!(e.cause.contains("AwsAccountId"), "{}", e.cause);
        assert!(services.plan.recorded().unwrap().is_empty());

        let e = run(
            &services,
            json!({"scratchpad": {"finding": fixture("S3.8")}}),
        )
        .await
        .unwrap_err();
        assert_eq!(e.error, names::INVALID_SCRATCHPAD);
        let e = run(&services, input("IAM.1", fixture("S3.8"), Environment::Dev))
            .await
            .unwrap_err();
        assert_eq!(e.error, UNKNOWN_CONTROL);
    }

    /// A finding without consolidated control ids (FSBP's own `S3.8`, no
    /// `Compliance.SecurityControlId`) is remediated like the consolidated one; the guard still holds
    /// the Task's control against the finding's, and against the id the Choice routed on.
    #[tokio::test]
    async fn findings_without_consolidated_control_ids_are_remediated_and_still_guarded() {
        let legacy: Value = serde_json::from_str(include_str!(
            "../../../examples/findings/remediations/s3.8-legacy-fsbp-failed.json"
        ))
        .unwrap();
        let services = services();
        let out = remediate(&services, "S3.8", legacy.clone(), Environment::Dev)
            .await
            .unwrap();
        assert_eq!(out["db"]["remediation"]["outcome"], "planned");
        assert_eq!(out["db"]["remediation"]["control"], "S3.8");
        assert_eq!(services.plan.recorded().unwrap().len(), 1);

        // The Task of another control refuses it, naming both.
        let e = remediate(&services, "S3.2", legacy.clone(), Environment::Dev)
            .await
            .unwrap_err();
        assert_eq!(e.error, names::INVALID_FINDING);
        assert!(
            e.cause
                .contains("the finding is about control S3.8, not S3.2"),
            "{}",
            e.cause
        );

        // A scratchpad whose db.control_id disagrees with its finding is refused before anything.
        let mut task = input("S3.8", legacy.clone(), Environment::Dev);
        task["scratchpad"]["db"]["control_id"] = json!("S3.2");
        let e = run(&services, task).await.unwrap_err();
        assert_eq!(e.error, names::INVALID_SCRATCHPAD);
        assert!(e.cause.starts_with("/db/control_id:"), "{}", e.cause);
        let mut task = input("S3.8", legacy, Environment::Dev);
        task["scratchpad"]["db"]["control_id"] = json!("S3.8");
        run(&services, task).await.unwrap();
        assert_eq!(services.plan.recorded().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn declines_say_why_the_resource_cannot_be_remediated() {
        let services = services();
        let mut finding = fixture("KMS.4");
        finding["Resources"][0]["Details"]["AwsKmsKey"]["KeyState"] = json!("PendingDeletion");
        let out = remediate(&services, "KMS.4", finding, Environment::Prod)
            .await
            .unwrap();
        assert_eq!(out["actions"]["autoremediation_not_done"], true);
        assert!(
            out["messages"]["actions_required"]
                .as_str()
                .unwrap()
                .contains("is PendingDeletion"),
            "{}",
            out["messages"]["actions_required"]
        );
        let mut finding = fixture("RDS.8");
        finding["Resources"][0]["Details"]["AwsRdsDbInstance"]["DbClusterIdentifier"] =
            json!("orders");
        let out = remediate(&services, "RDS.8", finding, Environment::Prod)
            .await
            .unwrap();
        assert_eq!(out["actions"]["autoremediation_not_done"], true);
        assert!(
            out["messages"]["actions_required"]
                .as_str()
                .unwrap()
                .contains("Aurora cluster orders")
        );
        let mut finding = fixture("RDS.2");
        finding["Resources"][0]["Details"]["AwsRdsDbInstance"]["DbInstanceStatus"] =
            json!("backing-up");
        let out = remediate(&services, "RDS.2", finding, Environment::Dev)
            .await
            .unwrap();
        assert_eq!(out["actions"]["autoremediation_not_done"], true);
        assert!(
            out["messages"]["actions_required"]
                .as_str()
                .unwrap()
                .contains("is backing-up, not available")
        );
        let mut finding = fixture("EC2.2");
        finding["Resources"][0]["Details"]["AwsEc2SecurityGroup"]["GroupName"] = json!("web");
        let out = remediate(&services, "EC2.2", finding, Environment::Dev)
            .await
            .unwrap();
        assert_eq!(out["actions"]["autoremediation_not_done"], true);
        assert!(services.plan.recorded().unwrap().is_empty());
    }

    /// A remediation whose change takes effect only after `takes_after` reads (never, with `usize::MAX`).
    struct Slow {
        takes_after: usize,
        reads: std::sync::atomic::AtomicUsize,
        applied: std::sync::atomic::AtomicUsize,
    }

    static SLOW_META: Meta = Meta {
        control: "Test.1",
        title: "test",
        resource_type: "AwsS3Bucket",
        disruptive: false,
        description: "Turn it on",
        api_calls: &["test:Read", "test:TurnOn"],
    };

    impl Remediation for Slow {
        type State = bool;
        fn meta(&self) -> &'static Meta {
            &SLOW_META
        }
        fn resource_name(&self, id: &str) -> Result<String, String> {
            Ok(id.to_owned())
        }
        fn state_from_finding(&self, _target: &Target) -> bool {
            false
        }
        async fn read(&self, _clients: &Clients, _target: &Target) -> Result<bool, TaskError> {
            use std::sync::atomic::Ordering;
            let reads = self.reads.fetch_add(1, Ordering::SeqCst);
            Ok(self.applied.load(Ordering::SeqCst) > 0 && reads >= self.takes_after)
        }
        fn tags<'s>(&self, _state: &'s bool) -> Vec<(&'s str, &'s str)> {
            Vec::new()
        }
        fn plan(&self, _target: &Target, on: &bool) -> Plan {
            if *on {
                return Plan::Compliant("is on".into());
            }
            Plan::Change(vec![Action {
                service: "test",
                operation: "TurnOn",
                parameters: json!({}),
                todo: "turn it on".into(),
                done: "Turned it on".into(),
            }])
        }
        async fn apply(
            &self,
            _clients: &Clients,
            _target: &Target,
            _action: &Action,
        ) -> Result<(), TaskError> {
            self.applied
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }
    }

    fn slow(takes_after: usize) -> &'static Slow {
        Box::leak(Box::new(Slow {
            takes_after,
            reads: Default::default(),
            applied: Default::default(),
        }))
    }

    /// Verification reads the resource again: a change that never shows is an error naming what was
    /// applied; one that shows on the second read (eventual consistency) is fine.
    #[tokio::test(start_paused = true)]
    async fn a_change_that_does_not_take_is_not_verified() {
        let clients = Clients::new(aws_config::SdkConfig::builder().build());
        let target = Target {
            finding_id: "f".into(),
            control: "Test.1".into(),
            account: "111122223333".into(),
            region: "eu-west-1".into(),
            resource_type: "AwsS3Bucket".into(),
            resource_id: "arn:aws:s3:::b".into(),
            name: "b".into(),
            tags: Default::default(),
            details: None,
            now: time::OffsetDateTime::UNIX_EPOCH,
            parameters: Default::default(),
        };
        let Plan::Change(actions) = slow(0).plan(&target, &false) else {
            unreachable!()
        };
        let never = slow(usize::MAX);
        let e = apply_and_verify(never, &clients, &target, &actions)
            .await
            .unwrap_err();
        assert_eq!(e.error, NOT_VERIFIED);
        assert_eq!(
            e.cause,
            "Test.1 applied test:TurnOn on S3 bucket b (account 111122223333, eu-west-1), but reading it again it still needs to turn it on"
        );
        assert_eq!(never.reads.load(std::sync::atomic::Ordering::SeqCst), 2);
        let eventually = slow(1);
        let verified = apply_and_verify(eventually, &clients, &target, &actions)
            .await
            .unwrap();
        assert_eq!(verified, Verified::Compliant);
        assert_eq!(
            eventually.applied.load(std::sync::atomic::Ordering::SeqCst),
            1
        );
    }

    /// A setting AWS applies asynchronously: off, accepted and pending, or on.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Setting {
        Off,
        Pending,
        On,
    }

    /// A remediation whose state is `from_finding` offline, and live `Off` until applied, then
    /// `after_apply` (`Pending`: AWS accepted it; `Off`: the change shows nowhere).
    struct Async {
        from_finding: Setting,
        after_apply: Setting,
        applied: std::sync::atomic::AtomicUsize,
    }

    static ASYNC_META: Meta = Meta {
        control: "Test.2",
        title: "test",
        resource_type: "AwsS3Bucket",
        disruptive: false,
        description: "Turn it on",
        api_calls: &["test:Read", "test:TurnOn"],
    };

    impl Remediation for Async {
        type State = Setting;
        fn meta(&self) -> &'static Meta {
            &ASYNC_META
        }
        fn resource_name(&self, id: &str) -> Result<String, String> {
            Ok(id.trim_start_matches("arn:aws:s3:::").to_owned())
        }
        fn state_from_finding(&self, _target: &Target) -> Setting {
            self.from_finding
        }
        async fn read(&self, _clients: &Clients, _target: &Target) -> Result<Setting, TaskError> {
            let applied = self.applied.load(std::sync::atomic::Ordering::SeqCst) > 0;
            Ok(if applied {
                self.after_apply
            } else {
                Setting::Off
            })
        }
        fn tags<'s>(&self, _state: &'s Setting) -> Vec<(&'s str, &'s str)> {
            Vec::new()
        }
        fn plan(&self, _target: &Target, state: &Setting) -> Plan {
            match state {
                Setting::On => Plan::Compliant("has it on".into()),
                Setting::Pending => Plan::InProgress("has it on pending".into()),
                Setting::Off => Plan::Change(vec![Action {
                    service: "test",
                    operation: "TurnOn",
                    parameters: json!({}),
                    todo: "turn it on".into(),
                    done: "Turned it on".into(),
                }]),
            }
        }
        async fn apply(
            &self,
            _clients: &Clients,
            _target: &Target,
            _action: &Action,
        ) -> Result<(), TaskError> {
            self.applied
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }
    }

    fn accepted(from_finding: Setting, after_apply: Setting) -> &'static Async {
        Box::leak(Box::new(Async {
            from_finding,
            after_apply,
            applied: Default::default(),
        }))
    }

    /// The scratchpad of the S3.8 example finding as a finding of the test control `Test.2`.
    fn async_pad() -> Scratchpad {
        let mut finding = fixture("S3.8");
        finding["Compliance"]["SecurityControlId"] = json!("Test.2");
        let mut pad = Scratchpad::new(finding);
        pad.account.environment = Some(Environment::Dev);
        pad
    }

    fn live_services() -> Services {
        let backend = soar_aws::AwsBackend::from_sdk_config(
            aws_config::SdkConfig::builder()
                .behavior_version(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new("eu-west-1"))
                .build(),
        )
        .unwrap();
        let mut services = services();
        services.remediator =
            Remediator::Aws(AwsRemediator::new(&backend, "SOARRemediation", true));
        services
    }

    /// A change AWS accepted but is still applying (pending) is verified as in progress, and the owner
    /// is told so; one that shows neither applied nor pending is not verified.
    #[tokio::test]
    async fn a_change_aws_accepted_but_still_applies_is_verified_in_progress() {
        let services = live_services();
        let out = drive(
            accepted(Setting::Off, Setting::Pending),
            &services,
            async_pad(),
        )
        .await
        .unwrap()
        .to_value()
        .to_json();
        assert_eq!(out["db"]["remediation"]["outcome"], "in_progress");
        assert_eq!(out["db"]["remediation"]["plan"][0]["operation"], "TurnOn");
        assert_eq!(out["actions"]["autoremediation_not_done"], false);
        let taken = out["messages"]["actions_taken"].as_str().unwrap();
        assert!(
            taken.starts_with("SOAR remediated Test.2 on S3 bucket example-payments-uploads")
                && taken.contains("Turned it on.")
                && taken.contains(
                    "AWS accepted the change and is still applying it (it has it on pending)"
                )
                && !taken.contains("now compliant"),
            "{taken}"
        );
        let required = out["messages"]["actions_required"].as_str().unwrap();
        assert!(
            required.starts_with("Nothing now: AWS is applying the change")
                && required.contains("infrastructure code"),
            "{required}"
        );

        let e = drive(accepted(Setting::Off, Setting::Off), &services, async_pad())
            .await
            .unwrap_err();
        assert_eq!(e.error, NOT_VERIFIED);
        assert!(
            e.cause.contains("it still needs to turn it on"),
            "{}",
            e.cause
        );
    }

    /// A change already pending when SOAR reads the resource is not proposed again.
    #[tokio::test]
    async fn a_change_already_pending_is_not_made_again() {
        let services = services();
        let out = drive(
            accepted(Setting::Pending, Setting::On),
            &services,
            async_pad(),
        )
        .await
        .unwrap()
        .to_value()
        .to_json();
        assert_eq!(out["db"]["remediation"]["outcome"], "in_progress");
        assert_eq!(out["db"]["remediation"]["plan"], json!([]));
        assert_eq!(out["actions"]["autoremediation_not_done"], false);
        assert!(
            out["messages"]["actions_taken"]
                .as_str()
                .unwrap()
                .starts_with("Nothing to do: S3 bucket example-payments-uploads (account 444455556666, eu-west-1) already has it on pending: AWS accepted the change Test.2 needs and is applying it."),
            "{}",
            out["messages"]["actions_taken"]
        );
        assert!(services.plan.recorded().unwrap().is_empty());
    }

    #[tokio::test]
    async fn without_a_cross_account_role_every_remediation_fails_to_a_ticket() {
        let mut services = services();
        services.remediator = Remediator::Unavailable("SOAR_CROSS_ACCOUNT_ROLE is not set".into());
        let e = remediate(&services, "KMS.4", fixture("KMS.4"), Environment::Dev)
            .await
            .unwrap_err();
        assert_eq!(e.error, NOT_CONFIGURED);
        assert!(!RETRYABLE.contains(&e.error.as_str()));
    }
}
