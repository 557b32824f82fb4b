//! `soar process`: the main job. Runs every finding of the input through SOARASFFProcessor on the
//! embedded defaults (SQLite tables, local Security Hub store, e-mail outbox, dry-run plan) and reports
//! the route each one took.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use futures::stream::{self, StreamExt};
use serde_json::{Value as Json, json};
use soar::runner::{LocalRunner, imported_event, route_of};
use soar_asl::{Execution, ExecutionOptions, Status, Value};
use soar_aws::{AwsBackend, OrganizationsDirectory};
use soar_functions::aws::AwsEnvironment;
use soar_functions::remediations::{AwsRemediator, Remediator};
use soar_functions::{Registry, Services, Settings};
use soar_store::{
    ChangeContext, FindingChangeFeed, FindingIdentifier, FindingStore, GroupCommit, LocalStore,
    SuppressionStore, findings::ChangeKind,
};

/// The state machine that handles one finding (its logical id in template.yaml).
const PROCESSOR: &str = "AsffProcessor";
/// How many rounds of SOAR's own changes are fed back into the processor, as EventBridge would.
const FEEDBACK_ROUNDS: u32 = 3;
/// Executions in flight at once.
const CONCURRENCY: usize = 64;

/// Arguments of `soar process`.
#[derive(clap::Args)]
pub struct Args {
    /// Findings: files (ASFF, EventBridge events, {"Findings": [...]}, arrays, NDJSON), folders of
    /// them, or - for standard input. CloudWatch alarm state change events are turned into findings
    /// first, by the alarm function (all_alarms_to_sec_hub).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Print one JSON object per finding instead of a table.
    #[arg(long)]
    json: bool,
    /// Where the embedded backend keeps its tables, outbox and dry-run plan.
    #[arg(long, default_value = ".soar")]
    state_dir: PathBuf,
    /// The SAM template whose state machines and substitutions to run.
    #[arg(long, default_value = "template.yaml")]
    template: PathBuf,
    /// Settings JSON (default: the embedded config/settings.json).
    #[arg(long)]
    settings: Option<PathBuf>,
    /// Local suppression rules (JSON) to put into the store before processing.
    #[arg(long, default_value = "config/suppressions.json")]
    suppressions: PathBuf,
    /// Where SOAR's calls go: `local` (the embedded defaults in --state-dir) or `aws` (the AWS SDK's
    /// usual configuration and `AWS_ENDPOINT_URL`; tables and addresses from the SOAR_* variables
    /// template.yaml gives the Lambda functions).
    #[arg(long, default_value = "local")]
    backend: String,
    /// With `--backend aws`: a dry run over AWS. What SOAR reads comes from AWS (account data from
    /// Organizations, each resource through the cross-account role SOAR_CROSS_ACCOUNT_ROLE), but
    /// nothing is written there: tickets, e-mails, processed events and the findings' workflow stay
    /// in --state-dir as with the local backend, and every change a remediation would make is
    /// recorded in --state-dir/plan.jsonl and printed.
    #[arg(long)]
    dry_run: bool,
}

/// What happened to one finding.
struct Outcome {
    finding_id: String,
    account: String,
    control: String,
    route: String,
    actions: Vec<String>,
    ticket: Option<String>,
    email: Option<String>,
    /// Set when the execution failed other than by rejecting the finding.
    failure: Option<String>,
    /// Fed back by SOAR's own change (a reassigned copy), not given as input.
    reentered: bool,
}

/// Runs `soar process`.
pub fn run(args: Args) -> anyhow::Result<u8> {
    if !matches!(args.backend.as_str(), "local" | "aws") {
        bail!("--backend {}: expected local or aws", args.backend);
    }
    if args.dry_run && args.backend != "aws" {
        bail!(
            "--dry-run reads the live resources: use it with --backend aws (the local backend never reaches AWS, its remediations are always plans)"
        );
    }
    let (incoming, alarms) = read_inputs(&args.inputs)?;
    let settings = match &args.settings {
        Some(path) => Settings::from_json(
            &std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        )
        .with_context(|| path.display().to_string())?,
        None => Settings::embedded(),
    };
    if args.backend == "aws" && !args.dry_run {
        return run_on_aws(&args, incoming, alarms, settings);
    }
    std::fs::create_dir_all(&args.state_dir)
        .with_context(|| format!("cannot create {}", args.state_dir.display()))?;
    // Grouped commits: one WAL write per group of findings instead of per operation; flushed below.
    let store = Arc::new(
        LocalStore::open(&args.state_dir)
            .with_context(|| format!("cannot open {}", args.state_dir.display()))?
            .with_group_commit(GroupCommit::default()),
    );
    if args.suppressions.exists() {
        for rule in soar_store::suppressions::load_rules_file(&args.suppressions)? {
            store.put_rule(&rule)?;
        }
    }
    let mut services = Services::local(store.clone(), settings);
    if args.dry_run {
        read_from_aws(&mut services)?;
    }
    let planned_before = soar_store::ActionRecorder::recorded(&*store)?.len();
    // Alarm events become findings as on AWS: the alarm function imports them into the store.
    let (converted, alarm_outcomes) = convert_alarms(&services, alarms)?;
    let runner = Arc::new(LocalRunner::from_template_file(
        &args.template,
        Registry::soar(),
        services,
    )?);

    // Security Hub holds a finding before EventBridge announces it: import first, as the provider did.
    // Findings Security Hub would refuse are still processed, so the pipeline records their rejection.
    let provider = ChangeContext::new("finding-provider");
    for chunk in incoming.chunks(100) {
        store.batch_import_findings(chunk, &provider)?;
    }
    let mut incoming = incoming;
    incoming.extend(converted);
    // EventBridge announces the finding as Security Hub now holds it: an import does not undo the
    // workflow status SOAR set earlier, so a finding processed before keeps its SUPPRESSED or NOTIFIED.
    let incoming: Vec<Json> = incoming
        .into_iter()
        .map(|finding| {
            let id = FindingIdentifier::new(
                finding["Id"].as_str().unwrap_or_default(),
                finding["ProductArn"].as_str().unwrap_or_default(),
            );
            match store.get_finding(&id) {
                Ok(Some(stored)) => stored,
                _ => finding,
            }
        })
        .collect();
    let mut cursor = store.latest_change()?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let progress = progress_bar(incoming.len(), args.json);
    let mut outcomes = alarm_outcomes;
    outcomes.extend(runtime.block_on(process_all(&runner, incoming, false, &progress)));

    // Feed SOAR's own changes back, as EventBridge does on AWS: reassigned copies are new findings;
    // workflow updates must change nothing (the ledger and the router make them no-ops).
    let mut fed_back = 0usize;
    for _ in 0..FEEDBACK_ROUNDS {
        let changes = store.changes_since(cursor, usize::MAX)?;
        let Some(last) = changes.last() else { break };
        cursor = last.seq;
        let soar_changes: Vec<_> = changes
            .into_iter()
            .filter(|c| c.actor != "finding-provider")
            .collect();
        if soar_changes.is_empty() {
            break;
        }
        fed_back += soar_changes.len();
        let (created, updated): (Vec<_>, Vec<_>) = soar_changes
            .into_iter()
            .partition(|c| c.kind == ChangeKind::Created);
        let created: Vec<Json> = created.into_iter().map(|c| c.finding).collect();
        let updated: Vec<Json> = updated.into_iter().map(|c| c.finding).collect();
        outcomes.extend(runtime.block_on(process_all(&runner, created, true, &progress)));
        for o in runtime.block_on(process_all(&runner, updated, true, &progress)) {
            if o.failure.is_some() || o.route != "no_action" {
                outcomes.push(o);
            }
        }
    }
    progress.finish_and_clear();
    store
        .flush()
        .with_context(|| format!("cannot commit to {}", args.state_dir.display()))?;
    let mut footer = format!(
        "{fed_back} changes by SOAR fed back. State, outbox and dry-run plan in {}.",
        args.state_dir.display()
    );
    if args.dry_run {
        let planned = dry_run_report(&store, planned_before)?;
        if args.json {
            // Standard output is one JSON object per finding: the plan's whereabouts go to stderr.
            eprintln!("{planned}");
        } else {
            footer = format!("{footer}\n{planned}");
        }
    }
    Ok(report(&outcomes, args.json, &footer))
}

/// `--backend aws`: the same state machines on the local engine, with every task's calls going to AWS
/// (or to `AWS_ENDPOINT_URL`). The findings must already be in Security Hub, as EventBridge would
/// announce them; nothing is imported and nothing is fed back (on AWS, EventBridge does that).
fn run_on_aws(
    args: &Args,
    incoming: Vec<Json>,
    alarms: Vec<Json>,
    settings: Settings,
) -> anyhow::Result<u8> {
    let environment = AwsEnvironment::from_env()
        .context("--backend aws finds SOAR's tables and addresses as its Lambda functions do")?;
    let backend = AwsBackend::from_env().context("cannot load the AWS configuration")?;
    let services = Services::aws(&backend, &environment, settings);
    // Alarm events are the exception: the alarm function imports their findings, as on AWS.
    let (converted, mut outcomes) = convert_alarms(&services, alarms)?;
    let mut incoming = incoming;
    incoming.extend(converted);
    let runner = Arc::new(LocalRunner::from_template_file(
        &args.template,
        Registry::soar(),
        services,
    )?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let progress = progress_bar(incoming.len(), args.json);
    outcomes.extend(runtime.block_on(process_all(&runner, incoming, false, &progress)));
    progress.finish_and_clear();
    let footer = format!(
        "Tables {}, {}, {} and {}; e-mail from {}.",
        environment.tickets_table,
        environment.events_table,
        environment.suppressions_table,
        environment.incidents_table,
        environment.sender_email
    );
    Ok(report(&outcomes, args.json, &footer))
}

/// `--backend aws --dry-run`: the local services read from AWS where SOAR only reads (account data,
/// and remediations through the cross-account role, planning instead of applying); everything SOAR
/// would write stays local.
fn read_from_aws(services: &mut Services) -> anyhow::Result<()> {
    let role = std::env::var("SOAR_CROSS_ACCOUNT_ROLE")
        .ok()
        .map(|role| role.trim().to_owned())
        .filter(|role| !role.is_empty())
        .context(
            "--dry-run reads each resource through the role SOAR_CROSS_ACCOUNT_ROLE names (template parameter CrossAccountRoleName): set it",
        )?;
    let backend = AwsBackend::from_env().context("cannot load the AWS configuration")?;
    services.accounts = Arc::new(OrganizationsDirectory::new(&backend));
    services.remediator = Remediator::Aws(AwsRemediator::new(&backend, &role, false));
    Ok(())
}

/// What a dry run over AWS planned in this run (the plan file's calls after the first `before`), in
/// words: where the plan is, then one line per call.
fn dry_run_report(store: &LocalStore, before: usize) -> anyhow::Result<String> {
    let plan = soar_store::ActionRecorder::recorded(store)?;
    let planned = plan.get(before..).unwrap_or_default();
    let path = store
        .plan_path()
        .map_or_else(|| "the store".to_owned(), |p| p.display().to_string());
    let mut text = format!(
        "Dry run over AWS: nothing was changed in AWS. {} change{} planned, recorded in {path}.",
        planned.len(),
        if planned.len() == 1 { "" } else { "s" }
    );
    for call in planned {
        text.push_str(&format!(
            "\n  {} {} {}:{} {} ({})",
            call.account.as_deref().unwrap_or("-"),
            call.region.as_deref().unwrap_or("-"),
            call.service,
            call.operation,
            call.parameters,
            call.reason
        ));
    }
    Ok(text)
}

/// Prints the outcomes (a table, or JSON lines) and returns the exit code: 1 when any failed.
fn report(outcomes: &[Outcome], json: bool, footer: &str) -> u8 {
    if json {
        for o in outcomes {
            println!("{}", to_json(o));
        }
    } else {
        print_table(outcomes, footer);
    }
    u8::from(outcomes.iter().any(|o| o.failure.is_some()))
}

async fn process_all(
    runner: &Arc<LocalRunner>,
    findings: Vec<Json>,
    reentered: bool,
    progress: &indicatif::ProgressBar,
) -> Vec<Outcome> {
    progress.inc_length(findings.len() as u64);
    stream::iter(findings)
        .map(|finding| {
            // Each execution is its own tokio task, so findings run on every core; `buffered` keeps
            // the output in input order and bounds how many run at once.
            let runner = Arc::clone(runner);
            let progress = progress.clone();
            let if_lost = blank(&finding, reentered);
            let execution = tokio::spawn(async move {
                let event = imported_event(&finding);
                let execution = runner
                    .run(PROCESSOR, Value::from(event), ExecutionOptions::default())
                    .await;
                progress.inc(1);
                match execution {
                    Ok(e) => outcome(&finding, &e, reentered),
                    Err(e) => Outcome {
                        failure: Some(e.to_string()),
                        ..blank(&finding, reentered)
                    },
                }
            });
            async move {
                // A panic in a task function must not take the other findings down with it: the
                // finding is reported as failed.
                execution.await.unwrap_or_else(|e| Outcome {
                    failure: Some(format!("the execution stopped unexpectedly: {e}")),
                    ..if_lost
                })
            }
        })
        .buffered(CONCURRENCY)
        .collect()
        .await
}

fn blank(finding: &Json, reentered: bool) -> Outcome {
    let text = |v: Option<&Json>| v.and_then(Json::as_str).unwrap_or("-").to_string();
    Outcome {
        finding_id: text(finding.get("Id")),
        account: text(finding.get("AwsAccountId")),
        control: finding
            .pointer("/Compliance/SecurityControlId")
            .or_else(|| finding.pointer("/ProductFields/ControlId"))
            .and_then(Json::as_str)
            .unwrap_or("-")
            .to_string(),
        route: "failed".into(),
        actions: Vec::new(),
        ticket: None,
        email: None,
        failure: None,
        reentered,
    }
}

fn outcome(finding: &Json, e: &Execution, reentered: bool) -> Outcome {
    let mut o = blank(finding, reentered);
    match e.status {
        Status::Succeeded => {
            let out = e.output.as_ref().map(Value::to_json).unwrap_or_default();
            o.route = route_of(&out).to_string();
            if let Some(control) = out
                .get("finding")
                .and_then(|f| soar_model::finding::Finding::from_value(f.clone()).ok())
                .and_then(|f| f.control_id())
            {
                o.control = control;
            }
            if let Some(actions) = out["actions"].as_object() {
                o.actions = actions
                    .iter()
                    .filter(|(_, v)| v.as_bool() == Some(true))
                    .map(|(k, _)| k.clone())
                    .collect();
            }
            o.ticket = out["db"]["ticket"]["id"].as_str().map(str::to_string);
            o.email = out["db"]["email"]["to"]
                .as_array()
                .map(|to| {
                    to.iter()
                        .filter_map(Json::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .filter(|s| !s.is_empty());
        }
        _ => {
            let err = e
                .error
                .clone()
                .unwrap_or_else(|| soar_asl::StatesError::bare(""));
            if err.error == "SOAR.FindingRejected" {
                o.route = "rejected".into();
                o.actions = vec![err.cause.unwrap_or_default()];
            } else {
                o.failure = Some(format!("{}: {}", err.error, err.cause.unwrap_or_default()));
            }
        }
    }
    o
}

fn to_json(o: &Outcome) -> Json {
    let mut v = json!({
        "finding_id": o.finding_id,
        "account": o.account,
        "control": o.control,
        "route": o.route,
        "actions": o.actions,
        "ticket": o.ticket,
        "email": o.email,
    });
    if o.reentered {
        v["reentered"] = json!(true);
    }
    if let Some(f) = &o.failure {
        v["route"] = json!("failed");
        v["error"] = json!(f);
    }
    v
}

fn print_table(outcomes: &[Outcome], footer: &str) {
    let rows: Vec<[String; 6]> = outcomes
        .iter()
        .map(|o| {
            [
                shorten(&o.finding_id, 48) + if o.reentered { " (re-entered)" } else { "" },
                o.account.clone(),
                o.control.clone(),
                o.failure
                    .as_ref()
                    .map_or_else(|| o.route.clone(), |f| format!("FAILED {f}")),
                o.ticket.clone().unwrap_or_else(|| "-".into()),
                o.email.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let header = ["FINDING", "ACCOUNT", "CONTROL", "ROUTE", "TICKET", "E-MAIL"];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 6]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(header);
    for row in &rows {
        line(row.each_ref().map(String::as_str));
    }
    let mut counts = std::collections::BTreeMap::new();
    for o in outcomes {
        *counts.entry(o.route.as_str()).or_insert(0) += 1;
    }
    let summary: Vec<String> = counts.iter().map(|(r, n)| format!("{n} {r}")).collect();
    println!(
        "\n{} findings: {}. {footer}",
        outcomes.len(),
        summary.join(", ")
    );
}

fn shorten(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let tail: String = text.chars().skip(count - (max - 1)).collect();
    format!("…{tail}")
}

fn progress_bar(total: usize, json: bool) -> indicatif::ProgressBar {
    if json || total < 2 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} findings {per_sec}")
            .expect("valid template"),
    );
    bar
}

/// The handler of the task that turns CloudWatch alarm events into findings.
const ALARM_TASK: &str = "all_alarms_to_sec_hub";

/// Runs the alarm function on every alarm event: the findings it imported (as the store now holds
/// them), and the outcomes of the events that gave none (skipped, rejected or failed).
fn convert_alarms(
    services: &Services,
    alarms: Vec<Json>,
) -> anyhow::Result<(Vec<Json>, Vec<Outcome>)> {
    let (mut findings, mut outcomes) = (Vec::new(), Vec::new());
    if alarms.is_empty() {
        return Ok((findings, outcomes));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let registry = Registry::soar();
    for event in alarms {
        let text = |p: &str| event.pointer(p).and_then(Json::as_str).unwrap_or("-");
        let mut o = Outcome {
            finding_id: format!("alarm {}", text("/detail/alarmName")),
            account: text("/account").to_string(),
            control: "-".into(),
            route: "skipped".into(),
            actions: Vec::new(),
            ticket: None,
            email: None,
            failure: None,
            reentered: false,
        };
        let result =
            runtime.block_on(registry.call(ALARM_TASK, services, Value::from(event.clone())));
        match result.map(|v| v.to_json()) {
            Ok(out) if out.get("finding").is_some() => {
                let finding = out["finding"].clone();
                let id = FindingIdentifier::new(
                    finding["Id"].as_str().unwrap_or_default(),
                    finding["ProductArn"].as_str().unwrap_or_default(),
                );
                findings.push(match services.findings.get_finding(&id) {
                    Ok(Some(stored)) => stored,
                    _ => finding,
                });
                continue;
            }
            Ok(out) => {
                o.actions = vec![
                    out["skipped"]["reason"]
                        .as_str()
                        .unwrap_or("skipped")
                        .to_string(),
                ];
            }
            Err(e)
                if e.error == soar_functions::securityhub::all_alarms_to_sec_hub::INVALID_ALARM =>
            {
                o.route = "rejected".into();
                o.actions = vec![e.cause];
            }
            Err(e) => o.failure = Some(format!("{}: {}", e.error, e.cause)),
        }
        outcomes.push(o);
    }
    Ok((findings, outcomes))
}

/// Every finding of every input, in order, and apart the CloudWatch alarm events, in order.
fn read_inputs(inputs: &[PathBuf]) -> anyhow::Result<(Vec<Json>, Vec<Json>)> {
    let mut files = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            files.push(input.clone());
        } else if input.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(input)
                .with_context(|| format!("cannot read {}", input.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension()
                        .is_some_and(|e| e == "json" || e == "jsonl" || e == "ndjson")
                })
                .collect();
            entries.sort();
            files.extend(entries);
        } else {
            files.push(input.clone());
        }
    }
    let (mut findings, mut alarms) = (Vec::new(), Vec::new());
    for file in files {
        let text = if file.as_os_str() == "-" {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("cannot read standard input")?;
            s
        } else {
            std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?
        };
        let incoming =
            soar_model::event::parse(&text).with_context(|| format!("{}", file.display()))?;
        for i in incoming {
            if i.origin.shape == soar_model::event::Shape::AlarmEvent {
                alarms.push(i.finding);
            } else {
                findings.push(i.finding);
            }
        }
    }
    Ok((findings, alarms))
}
