//! Remediations over AWS: SDK clients for the finding's account and region through the cross-account
//! role, cached for the life of the process, and AWS errors as task errors that keep AWS's code.
//!
//! Every remediation assumes the role, in SOAR's own account too (unlike `soar-aws`'s stores, which
//! use the function's own credentials at home): the `remediate` function's role then needs nothing
//! but `sts:AssumeRole`, and what SOAR may change is decided in one place, the role in each account.
//!
//! The SDK calls run on the remediator's own small runtime, as `soar-aws`'s do: the cached clients'
//! connection pools and credential refreshes then never depend on the runtime of whoever called (the
//! Lambda runtime, the engine's, or a test's virtual clock, where the SDK's own timeouts would fire
//! at once while the clock jumps ahead).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use aws_config::SdkConfig;
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use soar_aws::{AwsBackend, CrossAccount};
use soar_store::error::ServiceError;

use super::{NOT_CONFIGURED, THROTTLING, UNAVAILABLE};
use crate::TaskError;

/// Stands for the home account so that no account is ever the home account: every configuration
/// assumes the role (see the module documentation).
const NO_HOME_ACCOUNT: &str = "none: remediations always assume the role";

/// Remediations over AWS through the cross-account role. Cheap to clone: clones share the caches.
#[derive(Clone, Debug)]
pub struct AwsRemediator {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    cross: CrossAccount,
    apply: bool,
    clients: Mutex<HashMap<(String, String), Arc<Clients>>>,
    runtime: OnceLock<Result<Runtime, String>>,
}

/// The dedicated runtime; shut down in the background so dropping it anywhere is safe.
#[derive(Debug)]
struct Runtime(Option<tokio::runtime::Runtime>);

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

impl AwsRemediator {
    /// Remediations through the role `role_name` (template parameter `CrossAccountRoleName`) of each
    /// account, assumed with `backend`'s credentials; `apply: false` is the dry run over AWS (read,
    /// plan and record, change nothing).
    pub fn new(backend: &AwsBackend, role_name: &str, apply: bool) -> AwsRemediator {
        AwsRemediator {
            inner: Arc::new(Inner {
                cross: backend
                    .cross_account(role_name)
                    .with_home_account(NO_HOME_ACCOUNT),
                apply,
                clients: Mutex::new(HashMap::new()),
                runtime: OnceLock::new(),
            }),
        }
    }

    /// Whether planned changes are applied (false: dry run).
    pub fn applies(&self) -> bool {
        self.inner.apply
    }

    /// The clients for `account` in `region`: the same ones every time.
    pub fn clients(&self, account: &str, region: &str) -> Result<Arc<Clients>, TaskError> {
        let key = (account.to_owned(), region.to_owned());
        let mut cache = self
            .inner
            .clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(clients) = cache.get(&key) {
            return Ok(clients.clone());
        }
        let config = self.inner.cross.config_for(account, region).map_err(|e| {
            TaskError::new(
                NOT_CONFIGURED,
                format!("no AWS configuration for account {account} in {region}: {e}"),
            )
        })?;
        let clients = Arc::new(Clients::new(config));
        cache.insert(key, clients.clone());
        Ok(clients)
    }

    /// Runs `future` (SDK calls) on the remediator's runtime and waits for it.
    pub async fn run<F, T>(&self, future: F) -> Result<T, TaskError>
    where
        F: Future<Output = Result<T, TaskError>> + Send + 'static,
        T: Send + 'static,
    {
        let runtime = self.inner.runtime.get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("soar-remediate")
                .enable_all()
                .build()
                .map(|runtime| Runtime(Some(runtime)))
                .map_err(|e| e.to_string())
        });
        let runtime = match runtime {
            Ok(Runtime(Some(runtime))) => runtime,
            Ok(Runtime(None)) => unreachable!("the runtime lives until drop"),
            Err(e) => {
                return Err(TaskError::new(
                    NOT_CONFIGURED,
                    format!("could not start the remediations' runtime: {e}"),
                ));
            }
        };
        runtime.spawn(future).await.map_err(|e| {
            TaskError::new(
                UNAVAILABLE,
                format!("the remediation's AWS calls stopped unexpectedly: {e}"),
            )
        })?
    }
}

/// The SDK clients of one (account, region), each made on first use.
#[derive(Debug)]
pub struct Clients {
    config: SdkConfig,
    dynamodb: OnceLock<aws_sdk_dynamodb::Client>,
    ec2: OnceLock<aws_sdk_ec2::Client>,
    ecr: OnceLock<aws_sdk_ecr::Client>,
    ecs: OnceLock<aws_sdk_ecs::Client>,
    elbv2: OnceLock<aws_sdk_elasticloadbalancingv2::Client>,
    iam: OnceLock<aws_sdk_iam::Client>,
    kms: OnceLock<aws_sdk_kms::Client>,
    rds: OnceLock<aws_sdk_rds::Client>,
    s3: OnceLock<aws_sdk_s3::Client>,
    s3control: OnceLock<aws_sdk_s3control::Client>,
}

impl Clients {
    /// Clients over `config`.
    pub fn new(config: SdkConfig) -> Clients {
        Clients {
            config,
            dynamodb: OnceLock::new(),
            ec2: OnceLock::new(),
            ecr: OnceLock::new(),
            ecs: OnceLock::new(),
            elbv2: OnceLock::new(),
            iam: OnceLock::new(),
            kms: OnceLock::new(),
            rds: OnceLock::new(),
            s3: OnceLock::new(),
            s3control: OnceLock::new(),
        }
    }

    /// DynamoDB.
    pub fn dynamodb(&self) -> &aws_sdk_dynamodb::Client {
        self.dynamodb
            .get_or_init(|| aws_sdk_dynamodb::Client::new(&self.config))
    }

    /// EC2.
    pub fn ec2(&self) -> &aws_sdk_ec2::Client {
        self.ec2
            .get_or_init(|| aws_sdk_ec2::Client::new(&self.config))
    }

    /// ECR.
    pub fn ecr(&self) -> &aws_sdk_ecr::Client {
        self.ecr
            .get_or_init(|| aws_sdk_ecr::Client::new(&self.config))
    }

    /// ECS.
    pub fn ecs(&self) -> &aws_sdk_ecs::Client {
        self.ecs
            .get_or_init(|| aws_sdk_ecs::Client::new(&self.config))
    }

    /// Elastic Load Balancing v2 (Application, Network and Gateway Load Balancers).
    pub fn elbv2(&self) -> &aws_sdk_elasticloadbalancingv2::Client {
        self.elbv2
            .get_or_init(|| aws_sdk_elasticloadbalancingv2::Client::new(&self.config))
    }

    /// IAM. A global service: every region's client reaches IAM's one endpoint, so the finding's
    /// region is fine; the credentials are still the finding's account's role.
    pub fn iam(&self) -> &aws_sdk_iam::Client {
        self.iam
            .get_or_init(|| aws_sdk_iam::Client::new(&self.config))
    }

    /// KMS.
    pub fn kms(&self) -> &aws_sdk_kms::Client {
        self.kms
            .get_or_init(|| aws_sdk_kms::Client::new(&self.config))
    }

    /// RDS.
    pub fn rds(&self) -> &aws_sdk_rds::Client {
        self.rds
            .get_or_init(|| aws_sdk_rds::Client::new(&self.config))
    }

    /// S3. Path-style addressing when an endpoint URL is configured (an S3-compatible endpoint such
    /// as moto has no per-bucket host names); AWS's own endpoints keep virtual-hosted style.
    pub fn s3(&self) -> &aws_sdk_s3::Client {
        self.s3.get_or_init(|| {
            let config = aws_sdk_s3::config::Builder::from(&self.config)
                .force_path_style(self.config.endpoint_url().is_some())
                .build();
            aws_sdk_s3::Client::from_conf(config)
        })
    }
}

impl Clients {
    /// S3 Control (account-level S3 settings). AWS's endpoint puts the account id in the host name
    /// (`<account>.s3-control.<region>.amazonaws.com`); a configured endpoint URL (an S3-compatible
    /// endpoint such as moto) is used as it is instead, since it has no per-account host names.
    pub fn s3control(&self) -> &aws_sdk_s3control::Client {
        self.s3control.get_or_init(|| {
            let mut config = aws_sdk_s3control::config::Builder::from(&self.config);
            if let Some(url) = self.config.endpoint_url() {
                config = config.endpoint_resolver(FixedEndpoint(url.to_owned()));
            }
            aws_sdk_s3control::Client::from_conf(config.build())
        })
    }
}

/// An endpoint resolver that always answers the configured endpoint URL.
#[derive(Debug)]
struct FixedEndpoint(String);

impl aws_sdk_s3control::config::endpoint::ResolveEndpoint for FixedEndpoint {
    fn resolve_endpoint<'a>(
        &'a self,
        _params: &'a aws_sdk_s3control::config::endpoint::Params,
    ) -> aws_sdk_s3control::config::endpoint::EndpointFuture<'a> {
        aws_sdk_s3control::config::endpoint::EndpointFuture::ready(Ok(
            aws_sdk_s3control::config::endpoint::Endpoint::builder()
                .url(self.0.clone())
                .build(),
        ))
    }
}

/// An AWS call's failure as a task error: `service` is the name in error names (`S3`, `EC2`),
/// `operation` the API operation. Throttling is [`THROTTLING`]; HTTP 5xx, timeouts and connection
/// failures [`UNAVAILABLE`]; anything else `<service>.<AWS code>`. A call whose assumed-role
/// credentials could not be had is STS's error (`STS.AccessDenied`: the role is missing or does not
/// trust SOAR's account).
pub fn sdk_error<E>(service: &str, operation: &str, error: SdkError<E, HttpResponse>) -> TaskError
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
{
    if let Some(failure) = credentials_failure(&error) {
        return match failure {
            CredentialsFailure::TimedOut => TaskError::new(
                UNAVAILABLE,
                format!("{service} {operation}: assuming the cross-account role timed out"),
            ),
            CredentialsFailure::AssumeRole(sts) => classify(
                "STS",
                &format!("AssumeRole (for {service} {operation})"),
                sts,
            ),
            CredentialsFailure::Other(message) => TaskError::new(
                "STS.CredentialsError",
                format!(
                    "{service} {operation}: no credentials for the cross-account role: {message}"
                ),
            ),
        };
    }
    classify(service, operation, &error)
}

fn classify<E>(service: &str, operation: &str, error: &SdkError<E, HttpResponse>) -> TaskError
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
{
    let code = error.code();
    let message = match error.message() {
        Some(message) => message.to_owned(),
        None => DisplayErrorContext(error).to_string(),
    };
    let what = match code {
        Some(code) => format!("{service} {operation} failed with {code}: {message}"),
        None => format!("{service} {operation} failed: {message}"),
    };
    if code.is_some_and(ServiceError::is_throttling_code) {
        return TaskError::new(THROTTLING, what);
    }
    let status = error.raw_response().map(|r| r.status().as_u16());
    if status == Some(429) {
        return TaskError::new(THROTTLING, what);
    }
    let unavailable = match error {
        SdkError::TimeoutError(_) => true,
        SdkError::DispatchFailure(failure) => failure.is_io() || failure.is_timeout(),
        _ => status.is_some_and(|s| s >= 500),
    };
    if unavailable {
        return TaskError::new(UNAVAILABLE, what);
    }
    let name = match code {
        Some(code) if !code.is_empty() => format!("{service}.{code}"),
        _ => format!("{service}.Error"),
    };
    TaskError::new(&name, what)
}

/// Why a call's credentials could not be loaded.
enum CredentialsFailure<'a> {
    TimedOut,
    AssumeRole(&'a SdkError<AssumeRoleError, HttpResponse>),
    Other(String),
}

/// The credentials failure behind an SDK error, if that is why it failed: the SDK reports it as a
/// dispatch failure whose source chain holds the provider's [`CredentialsError`].
fn credentials_failure<E>(error: &SdkError<E, HttpResponse>) -> Option<CredentialsFailure<'_>>
where
    E: std::error::Error + 'static,
{
    let SdkError::DispatchFailure(_) = error else {
        return None;
    };
    let mut source = std::error::Error::source(error);
    while let Some(current) = source {
        if let Some(credentials) = current.downcast_ref::<CredentialsError>() {
            if let CredentialsError::ProviderTimedOut(_) = credentials {
                return Some(CredentialsFailure::TimedOut);
            }
            return Some(
                std::error::Error::source(credentials)
                    .and_then(|inner| {
                        inner.downcast_ref::<SdkError<AssumeRoleError, HttpResponse>>()
                    })
                    .map(CredentialsFailure::AssumeRole)
                    .unwrap_or_else(|| {
                        CredentialsFailure::Other(DisplayErrorContext(credentials).to_string())
                    }),
            );
        }
        source = current.source();
    }
    None
}

/// `move |e| sdk_error(service, operation, e)`, for `map_err`.
pub fn aws<E>(
    service: &'static str,
    operation: &'static str,
) -> impl FnOnce(SdkError<E, HttpResponse>) -> TaskError
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
{
    move |e| sdk_error(service, operation, e)
}

#[cfg(test)]
mod tests {
    use aws_sdk_s3::error::ErrorMetadata;
    use aws_sdk_s3::operation::get_public_access_block::GetPublicAccessBlockError;

    use super::*;

    fn service_error(code: &str, status: u16) -> TaskError {
        let error = GetPublicAccessBlockError::generic(
            ErrorMetadata::builder()
                .code(code)
                .message("the message")
                .build(),
        );
        let response = HttpResponse::new(status.try_into().unwrap(), "".into());
        sdk_error(
            "S3",
            "GetPublicAccessBlock",
            SdkError::service_error(error, response),
        )
    }

    #[test]
    fn aws_codes_are_kept_and_transient_failures_are_retryable_names() {
        for code in ["SlowDown", "Throttling", "RequestLimitExceeded"] {
            let e = service_error(code, 400);
            assert_eq!(e.error, THROTTLING);
            assert!(e.cause.contains(code), "{}", e.cause);
        }
        assert_eq!(service_error("Whatever", 429).error, THROTTLING);
        assert_eq!(service_error("InternalError", 500).error, UNAVAILABLE);
        let denied = service_error("AccessDenied", 403);
        assert_eq!(denied.error, "S3.AccessDenied");
        assert_eq!(
            denied.cause,
            "S3 GetPublicAccessBlock failed with AccessDenied: the message"
        );
        assert_eq!(service_error("NoSuchBucket", 404).error, "S3.NoSuchBucket");
        let timeout = sdk_error::<GetPublicAccessBlockError>(
            "S3",
            "GetPublicAccessBlock",
            SdkError::timeout_error("slow"),
        );
        assert_eq!(timeout.error, UNAVAILABLE);
    }

    /// One set of clients per (account, region), kept for the life of the remediator (and its clones);
    /// a malformed account never reaches a role ARN.
    #[test]
    fn clients_are_cached_per_account_and_region() {
        let backend = AwsBackend::from_sdk_config(
            SdkConfig::builder()
                .behavior_version(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new("us-east-1"))
                .build(),
        )
        .unwrap();
        let remediator = AwsRemediator::new(&backend, "SOARRemediation", true);
        let a = remediator.clients("444455556666", "eu-west-1").unwrap();
        let again = remediator
            .clone()
            .clients("444455556666", "eu-west-1")
            .unwrap();
        assert!(Arc::ptr_eq(&a, &again));
        let other_region = remediator.clients("444455556666", "us-east-1").unwrap();
        let other_account = remediator.clients("777788889999", "eu-west-1").unwrap();
        assert!(!Arc::ptr_eq(&a, &other_region) && !Arc::ptr_eq(&a, &other_account));
        assert_eq!(
            a.config.region().map(|r| r.as_ref()),
            Some("eu-west-1"),
            "the finding's region"
        );
        // Every account assumes the role: none uses the function's own credentials.
        assert!(a.config.credentials_provider().is_some());
        let e = remediator.clients("4444", "eu-west-1").unwrap_err();
        assert_eq!(e.error, NOT_CONFIGURED);
        assert!(e.cause.contains("4444"), "{}", e.cause);
    }

    #[test]
    fn a_role_that_cannot_be_assumed_is_sts_s_error() {
        use aws_sdk_s3::error::ConnectorError;
        let failed = |code: &str, status: u16| {
            let sts = SdkError::service_error(
                AssumeRoleError::generic(
                    ErrorMetadata::builder()
                        .code(code)
                        .message("not authorized to perform sts:AssumeRole")
                        .build(),
                ),
                HttpResponse::new(status.try_into().unwrap(), "".into()),
            );
            sdk_error::<GetPublicAccessBlockError>(
                "S3",
                "GetPublicAccessBlock",
                SdkError::dispatch_failure(ConnectorError::other(
                    Box::new(CredentialsError::provider_error(sts)),
                    None,
                )),
            )
        };
        let e = failed("AccessDenied", 403);
        assert_eq!(e.error, "STS.AccessDenied");
        assert!(
            e.cause.contains("for S3 GetPublicAccessBlock"),
            "{}",
            e.cause
        );
        assert_eq!(failed("Throttling", 400).error, THROTTLING);
        assert_eq!(failed("InternalFailure", 503).error, UNAVAILABLE);
    }
}
