//! `soar exec`: run one execution and print one JSON object.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use soar_asl::exec::{MockConfig, WorkflowType};
use soar_asl::objects::LocalObjectStore;
use soar_asl::resolver::NoTasks;
use soar_asl::{DefinitionError, Engine, ExecutionOptions, StateMachine, Status, Value};

/// Arguments of `soar exec`.
#[derive(clap::Args)]
pub struct Args {
    /// The definition (.asl.json, .asl.yaml, .json, .yaml).
    definition: PathBuf,
    /// The execution input as JSON text.
    #[arg(long, conflicts_with = "input_file")]
    input: Option<String>,
    /// A file holding the execution input.
    #[arg(long)]
    input_file: Option<PathBuf>,
    /// A DefinitionSubstitutions entry, Name=Value (repeatable).
    #[arg(long = "sub", value_name = "NAME=VALUE")]
    subs: Vec<String>,
    /// A mock configuration file in AWS Step Functions Local's format.
    #[arg(long, requires = "test_case")]
    mock_config: Option<PathBuf>,
    /// The test case of the mock configuration to use.
    #[arg(long, requires = "mock_config")]
    test_case: Option<String>,
    /// The state machine's name in the mock configuration (default: the test case's only machine).
    #[arg(long)]
    state_machine: Option<String>,
    /// Run waits, retries and timeouts on a virtual clock that advances instantly.
    #[arg(long)]
    fast_wait: bool,
    /// Include the execution history (GetExecutionHistory's events).
    #[arg(long)]
    history: bool,
    /// Run as an Express workflow (no 25,000-event history quota).
    #[arg(long)]
    express: bool,
    /// Serve S3 objects from this folder (s3://BUCKET/KEY is DIR/BUCKET/KEY) for Distributed Map's
    /// ItemReader and ResultWriter.
    #[arg(long, value_name = "DIR")]
    s3_dir: Option<PathBuf>,
}

/// Runs `soar exec`.
pub fn run(args: Args) -> anyhow::Result<u8> {
    let json = super::read_definition(&args.definition, &args.subs)?;
    let machine = match StateMachine::from_json(json) {
        Ok(m) => m,
        Err(DefinitionError::Invalid(diagnostics)) => {
            for d in &diagnostics {
                eprintln!("{}: {d}", args.definition.display());
            }
            bail!(
                "{} is not a valid state machine ({} problems)",
                args.definition.display(),
                diagnostics.len()
            );
        }
        Err(e) => return Err(e).context(args.definition.display().to_string()),
    };
    let input_text = match (&args.input, &args.input_file) {
        (Some(text), _) => text.clone(),
        (None, Some(path)) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?,
        (None, None) => "{}".to_string(),
    };
    let input = Value::from_json_str(&input_text).context("the input is not valid JSON")?;
    if let Some(dir) = &args.s3_dir
        && !dir.is_dir()
    {
        bail!("--s3-dir {} is not a folder", dir.display());
    }
    let mock = match (&args.mock_config, &args.test_case) {
        (Some(path), Some(case)) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let config = MockConfig::parse(&text).with_context(|| path.display().to_string())?;
            let case = config
                .test_case(args.state_machine.as_deref(), case)
                .with_context(|| path.display().to_string())?;
            Some(Arc::new(case))
        }
        _ => None,
    };
    let name = args
        .definition
        .file_name()
        .map(|n| {
            n.to_string_lossy()
                .split('.')
                .next()
                .unwrap_or("StateMachine")
                .to_string()
        })
        .unwrap_or_else(|| "StateMachine".into());
    let options = ExecutionOptions {
        state_machine_name: args.state_machine.clone().unwrap_or(name),
        history: args.history,
        workflow_type: if args.express {
            WorkflowType::Express
        } else {
            WorkflowType::Standard
        },
        mock,
        ..ExecutionOptions::default()
    };
    let mut runtime = tokio::runtime::Builder::new_current_thread();
    runtime.enable_all();
    if args.fast_wait {
        runtime.start_paused(true);
    }
    let runtime = runtime.build().context("cannot start the async runtime")?;
    let execution = runtime.block_on(async {
        let engine = Engine::new(Arc::new(NoTasks));
        if let Some(dir) = &args.s3_dir {
            engine.set_object_store(Arc::new(LocalObjectStore::new(dir)));
        }
        engine.execute(&machine, input, options).await
    });
    let mut out = serde_json::Map::new();
    out.insert("status".into(), execution.status.as_str().into());
    match execution.status {
        Status::Succeeded => {
            out.insert(
                "output".into(),
                execution
                    .output
                    .as_ref()
                    .map(Value::to_json)
                    .unwrap_or_default(),
            );
        }
        _ => {
            let error = execution
                .error
                .unwrap_or_else(|| soar_asl::StatesError::bare(""));
            let name = if error.error.is_empty() {
                serde_json::Value::Null
            } else {
                error.error.into()
            };
            out.insert("error".into(), name);
            out.insert(
                "cause".into(),
                error.cause.map_or(serde_json::Value::Null, Into::into),
            );
        }
    }
    if args.history {
        let events = execution
            .history
            .iter()
            .map(|e| e.to_value().to_json())
            .collect();
        out.insert("history".into(), serde_json::Value::Array(events));
    }
    println!("{}", serde_json::Value::Object(out));
    Ok(if execution.status == Status::Succeeded {
        0
    } else {
        1
    })
}
