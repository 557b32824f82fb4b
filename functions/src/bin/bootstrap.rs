//! The Lambda bootstrap of every SOAR function (`provided.al2023`; template.yaml builds it with
//! cargo-lambda as `Binary: bootstrap`). The function's `Handler` picks the task from the registry the
//! local engine uses; the services are the AWS ones, configured from the environment template.yaml's
//! `Globals` set.

use std::sync::Arc;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use soar_aws::AwsBackend;
use soar_functions::aws::AwsEnvironment;
use soar_functions::lambda::LambdaTask;
use soar_functions::{Registry, Services, Settings};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let handler = std::env::var("_HANDLER")
        .map_err(|_| "_HANDLER is not set: Lambda sets it to the function's Handler")?;
    let environment = AwsEnvironment::from_env()?;
    let backend = AwsBackend::from_env()?;
    let services = Services::aws(&backend, &environment, Settings::embedded());
    let task = Arc::new(LambdaTask::new(Registry::soar(), services, &handler)?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| {
        let task = Arc::clone(&task);
        async move { task.handle(event).await }
    }))
    .await
}
