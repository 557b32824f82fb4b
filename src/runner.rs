//! The local runner: every state machine of `template.yaml`, with the substitutions the template gives it,
//! on soar's engine, its Lambda tasks answered in-process by SOAR's function registry.
//!
//! A Task whose resource is a Lambda function of the template reaches the registry entry named by that
//! function's `Handler`, exactly as the Lambda bootstrap dispatches on AWS. State machines start each
//! other (`states:startExecution`) by the ARNs the template gives them.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use soar_asl::definition::{Format, load};
use soar_asl::resolver::{
    BoxFuture, Target, TaskCall, TaskResolver, lambda_function_name, unknown_task,
};
use soar_asl::{Engine, Execution, ExecutionOptions, StateMachine, StatesError, Value};
use soar_functions::{Registry, Services};

use crate::template::{Deployment, Template, TemplateError};

/// Why the runner could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// The template is unreadable or a substitution cannot be resolved.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// A definition file is unreadable or invalid.
    #[error("{machine} ({path}): {message}")]
    Definition {
        /// The state machine's name.
        machine: String,
        /// Its DefinitionUri.
        path: String,
        /// What is wrong (every diagnostic).
        message: String,
    },
    /// A function of the template has a Handler the registry does not know.
    #[error(
        "template function {function} has Handler '{handler}', which is not a task of SOAR's registry"
    )]
    UnknownHandler {
        /// The function's logical id.
        function: String,
        /// Its Handler.
        handler: String,
    },
    /// No state machine of that name in the template.
    #[error("template.yaml has no state machine named '{0}'")]
    NoSuchMachine(String),
}

/// Every state machine of a template, ready to run locally.
pub struct LocalRunner {
    engine: Engine,
    machines: HashMap<String, StateMachine>,
}

impl LocalRunner {
    /// Loads `template`'s state machines (deployed to `deployment`), answering their Lambda tasks from
    /// `registry` with `services`.
    pub fn new(
        template: &Template,
        deployment: &Deployment,
        registry: Registry,
        services: Services,
    ) -> Result<LocalRunner, RunnerError> {
        let mut handlers = HashMap::new();
        for f in template.functions.values() {
            if registry.get(&f.handler).is_none() {
                return Err(RunnerError::UnknownHandler {
                    function: f.logical_id.clone(),
                    handler: f.handler.clone(),
                });
            }
            handlers.insert(f.name.clone(), f.handler.clone());
        }
        let resolver = RegistryResolver {
            registry,
            services,
            handlers,
        };
        let engine = Engine::new(Arc::new(resolver));
        let mut machines = HashMap::new();
        for m in template.state_machines.values() {
            let substitutions = template.substitutions(m, deployment)?;
            let definition_error = |message: String| RunnerError::Definition {
                machine: m.name.clone(),
                path: m.definition.display().to_string(),
                message,
            };
            let text = std::fs::read_to_string(&m.definition)
                .map_err(|e| definition_error(e.to_string()))?;
            let format = Format::from_file_name(&m.definition.to_string_lossy());
            let json = load::load(&text, format, &substitutions)
                .map_err(|e| definition_error(e.to_string()))?;
            let machine =
                StateMachine::from_json(json).map_err(|e| definition_error(e.to_string()))?;
            if let Some(arn) = template.arn_of(&m.logical_id, deployment) {
                engine.register(arn, machine.clone());
            }
            machines.insert(m.name.clone(), machine);
        }
        Ok(LocalRunner { engine, machines })
    }

    /// Loads the template at `path` for the engine's local deployment.
    pub fn from_template_file(
        path: &Path,
        registry: Registry,
        services: Services,
    ) -> Result<LocalRunner, RunnerError> {
        let template = Template::load(path)?;
        LocalRunner::new(&template, &Deployment::default(), registry, services)
    }

    /// Runs one execution of the state machine named `machine` (its template `Name`).
    pub async fn run(
        &self,
        machine: &str,
        input: Value,
        options: ExecutionOptions,
    ) -> Result<Execution, RunnerError> {
        let m = self
            .machines
            .get(machine)
            .ok_or_else(|| RunnerError::NoSuchMachine(machine.to_string()))?;
        let options = ExecutionOptions {
            state_machine_name: machine.to_string(),
            ..options
        };
        Ok(self.engine.execute(m, input, options).await)
    }

    /// The engine, for task tokens and object stores.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

/// Answers Lambda tasks from the registry.
struct RegistryResolver {
    registry: Registry,
    services: Services,
    /// Function name (what its ARN ends with) → registry handler.
    handlers: HashMap<String, String>,
}

impl TaskResolver for RegistryResolver {
    fn invoke<'a>(&'a self, call: TaskCall<'a>) -> BoxFuture<'a, Result<Value, StatesError>> {
        Box::pin(async move {
            let Target::Function(function) = call.target else {
                return Err(unknown_task(&call));
            };
            let name = lambda_function_name(function);
            let Some(handler) = self.handlers.get(name) else {
                return Err(unknown_task(&call));
            };
            // A Lambda function's unhandled error reaches Step Functions as its errorType and
            // errorMessage: the names Retry and Catch match.
            // The task reads and writes the engine's own shared JSON: nothing is copied on the way in
            // or out, so a finding is not converted at every task.
            self.registry
                .call(handler, &self.services, call.input.clone())
                .await
                .map_err(|e| StatesError::new(e.error.as_str(), e.cause))
        })
    }
}

/// The EventBridge event Security Hub sends when it imports `finding` ("Security Hub Findings -
/// Imported", one finding).
pub fn imported_event(finding: &serde_json::Value) -> serde_json::Value {
    use std::hash::{Hash, Hasher};
    let field = |name: &str| finding.get(name).cloned().unwrap_or_default();
    // A stable id per finding version: the same finding and UpdatedAt give the same event id.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    field("Id").to_string().hash(&mut h);
    field("UpdatedAt").to_string().hash(&mut h);
    serde_json::json!({
        "version": "0",
        "id": format!("soar-local-{:016x}", h.finish()),
        "detail-type": "Security Hub Findings - Imported",
        "source": "aws.securityhub",
        "account": field("AwsAccountId"),
        "time": field("UpdatedAt"),
        "region": field("Region"),
        "resources": [field("ProductArn")],
        "detail": {"findings": [finding]}
    })
}

/// The route an ASFF processor run took, from the scratchpad it returned: `db.route` as its last task
/// recorded it, else the decision (`incident` and `do_nothing` end in no task of their own).
pub fn route_of(scratchpad: &serde_json::Value) -> &str {
    if let Some(route) = scratchpad["db"]["route"].as_str() {
        return route;
    }
    match scratchpad["db"]["decision"].as_str() {
        Some("incident") => "incident",
        Some("suppress") => "suppressed",
        Some("close_ticket") => "ticket_closed",
        Some("remediate") => "remediated",
        Some("ticket") => "ticketed",
        _ => "no_action",
    }
}
