//! SOAR's AWS backend: the traits of `soar-store` over the AWS SDK for Rust.
//!
//! This slice covers seven traits:
//!
//! | trait | AWS | type |
//! |---|---|---|
//! | [`Mailer`](soar_store::Mailer) | SES v2 `SendEmail` (simple content: subject, text and HTML bodies) | [`SesMailer`] |
//! | [`AccountDirectory`](soar_store::AccountDirectory) | Organizations `DescribeAccount`, `ListParents`, `DescribeOrganizationalUnit`, `ListTagsForResource` | [`OrganizationsDirectory`] |
//! | [`EventLedger`](soar_store::EventLedger) | DynamoDB, one item per finding, conditional `UpdateItem` | [`DynamoEventLedger`] |
//! | [`TicketStore`](soar_store::TicketStore) | DynamoDB, one item per finding holding its ticket and history, conditional writes and `TransactWriteItems` | [`DynamoTicketStore`] |
//! | [`SuppressionStore`](soar_store::SuppressionStore) | DynamoDB, one item per rule in one partition, read with one `Query` | [`DynamoSuppressionStore`] |
//! | [`IncidentStore`](soar_store::IncidentStore) | DynamoDB, one item per incident with its notes and one per open (finding, kind), `TransactWriteItems`; closed incidents expire (TTL) | [`DynamoIncidentStore`] |
//! | [`FindingStore`](soar_store::FindingStore) | Security Hub `BatchImportFindings`, `BatchUpdateFindings`, `GetFindings`; findings stay raw JSON (interceptors swap the request and response bodies) | [`SecurityHubFindings`] |
//!
//! Start from an [`AwsBackend`]: [`AwsBackend::from_env`] reads the usual AWS configuration (credentials,
//! `AWS_REGION`, and `AWS_ENDPOINT_URL` to talk to a local endpoint such as moto), and
//! [`AwsBackend::from_sdk_config`] takes a ready [`SdkConfig`] (tests).
//!
//! Other accounts: [`CrossAccount`] (from [`AwsBackend::cross_account`]) gives the [`SdkConfig`], or a
//! whole backend, for any (account, region) by assuming a role of the same name in every account with
//! STS `AssumeRole`; configurations and credentials are cached, and the home account uses the backend's
//! own credentials.
//!
//! # Sync traits over an async SDK
//!
//! The store traits are synchronous; the SDK is async. The backend owns a small dedicated tokio runtime
//! (two worker threads) and every call is *spawned* on it; the calling thread waits for the result on a
//! channel. Chosen over `block_in_place` + `Handle::current().block_on` because that only works inside a
//! multi-thread runtime: it panics on a current-thread runtime (`#[tokio::test]`, `soar exec` in some
//! set-ups) and needs some runtime to exist. Spawning on our own runtime works from any thread: a plain
//! one, a current-thread runtime, or a task of the engine's multi-thread runtime. It cannot deadlock,
//! because the SDK future never needs the caller's runtime to make progress (its connection pool and
//! timers live on the backend's runtime). When the caller is on a multi-thread runtime, the wait is
//! wrapped in `block_in_place`, so the caller's other tasks move to other workers meanwhile.
//!
//! # Errors
//!
//! SDK errors become [`StoreError::Backend`] with a [`ServiceError`] source carrying the AWS error code.
//! Throttling (`ThrottlingException`, `TooManyRequestsException`, DynamoDB's
//! `ProvisionedThroughputExceededException` and `RequestLimitExceeded`, ...), HTTP 5xx, timeouts and
//! connection failures are transient ([`StoreError::is_transient`], task error `Store.Busy`); the SDK
//! has already retried them with its standard retry policy (3 attempts) by then. A call that failed
//! because its assumed-role credentials could not be had reports STS's error (service `STS`, e.g.
//! `AccessDenied`), transient on the same rules. Nothing here logs, and
//! no error message contains credentials.
#![warn(missing_docs)]

use std::future::Future;
use std::sync::Arc;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_sesv2::config::http::HttpResponse;
use aws_sdk_sesv2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use soar_store::error::ServiceError;
use soar_store::{Result, StoreError};

mod cross_account;
mod dynamodb;
mod organizations;
mod securityhub;
mod ses;

pub use cross_account::{CrossAccount, DEFAULT_SESSION_NAME};
pub use dynamodb::{
    DynamoEventLedger, DynamoIncidentStore, DynamoSuppressionStore, DynamoTicketStore,
    format_timestamp,
};
pub use organizations::{ENVIRONMENT_TAG, OrganizationsDirectory, TEAM_EMAIL_TAG, TEAM_TAG};
pub use securityhub::SecurityHubFindings;
pub use ses::SesMailer;

/// The AWS backend: the SDK configuration and the runtime the SDK calls run on. Cheap to clone; the
/// mailer and the directory made from it share the runtime.
#[derive(Clone, Debug)]
pub struct AwsBackend {
    bridge: Arc<Bridge>,
    config: SdkConfig,
}

impl AwsBackend {
    /// Loads the AWS configuration the usual way (`aws_config::defaults(BehaviorVersion::latest())`):
    /// credentials and region from the environment, profile or instance metadata; `AWS_ENDPOINT_URL`
    /// (and `AWS_ENDPOINT_URL_SES`, `AWS_ENDPOINT_URL_ORGANIZATIONS`) when set.
    pub fn from_env() -> Result<Self> {
        let bridge = Bridge::new()?;
        let config = bridge.run(aws_config::defaults(BehaviorVersion::latest()).load())?;
        Ok(AwsBackend {
            bridge: Arc::new(bridge),
            config,
        })
    }

    /// A backend over a ready configuration (tests: a fixed endpoint, region and credentials).
    pub fn from_sdk_config(config: SdkConfig) -> Result<Self> {
        Ok(AwsBackend {
            bridge: Arc::new(Bridge::new()?),
            config,
        })
    }

    /// The SDK configuration.
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.config
    }

    /// A [`Mailer`](soar_store::Mailer) over SES v2.
    pub fn mailer(&self) -> SesMailer {
        SesMailer::new(self)
    }

    /// An [`EventLedger`](soar_store::EventLedger) over the DynamoDB table `table` (the
    /// `ProcessedEventsTable`).
    pub fn event_ledger(&self, table: impl Into<String>) -> DynamoEventLedger {
        DynamoEventLedger::new(self, table)
    }

    /// A [`TicketStore`](soar_store::TicketStore) over the DynamoDB table `table` (the `TicketsTable`).
    pub fn tickets(&self, table: impl Into<String>) -> DynamoTicketStore {
        DynamoTicketStore::new(self, table)
    }

    /// A [`SuppressionStore`](soar_store::SuppressionStore) over the DynamoDB table `table` (the
    /// `SuppressionsTable`).
    pub fn suppressions(&self, table: impl Into<String>) -> DynamoSuppressionStore {
        DynamoSuppressionStore::new(self, table)
    }

    /// An [`IncidentStore`](soar_store::IncidentStore) over the DynamoDB table `table` (the
    /// `IncidentsTable`); closed incidents expire `retention_days` days after closing.
    pub fn incidents(&self, table: impl Into<String>, retention_days: u32) -> DynamoIncidentStore {
        DynamoIncidentStore::new(self, table, retention_days)
    }

    /// SDK configurations (and backends) for other accounts, assuming the role `role_name` in each.
    pub fn cross_account(&self, role_name: impl Into<String>) -> CrossAccount {
        CrossAccount::new(self, role_name)
    }

    /// A [`FindingStore`](soar_store::FindingStore) over Security Hub (findings kept as raw JSON).
    pub fn findings(&self) -> SecurityHubFindings {
        SecurityHubFindings::new(self)
    }

    /// An [`AccountDirectory`](soar_store::AccountDirectory) over AWS Organizations.
    pub fn accounts(&self) -> OrganizationsDirectory {
        OrganizationsDirectory::new(self)
    }

    /// Runs an SDK future on the backend's runtime and waits for it.
    pub(crate) fn run<F>(&self, future: F) -> Result<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.bridge.run(future)
    }
}

/// The dedicated runtime. Dropped with `shutdown_background`, so dropping the backend inside an async
/// task does not panic.
#[derive(Debug)]
struct Bridge {
    runtime: Option<tokio::runtime::Runtime>,
}

impl Bridge {
    fn new() -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("soar-aws")
            .enable_all()
            .build()
            .map_err(StoreError::io("start the AWS backend's runtime", "tokio"))?;
        Ok(Bridge {
            runtime: Some(runtime),
        })
    }

    fn run<F>(&self, future: F) -> Result<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let runtime = self.runtime.as_ref().expect("the runtime lives until drop");
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        runtime.spawn(async move {
            // The receiver only goes away if the caller's thread panicked meanwhile.
            let _ = sender.send(future.await);
        });
        let wait = move || receiver.recv();
        let on_multi_thread_runtime = tokio::runtime::Handle::try_current().is_ok_and(|handle| {
            handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread
        });
        let result = if on_multi_thread_runtime {
            tokio::task::block_in_place(wait)
        } else {
            wait()
        };
        result.map_err(|_| StoreError::Backend {
            op: "AWS call",
            key: String::new(),
            source: "the AWS backend's runtime stopped (the call panicked)".into(),
        })
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Maps an SDK error to [`StoreError::Backend`] with a [`ServiceError`] source. (`SdkError` and
/// `HttpResponse` are the same types in every service crate; sesv2 only names them.)
///
/// When the call failed because its credentials could not be had (a [`CrossAccount`] configuration
/// whose `AssumeRole` failed), the error is STS's: its code, and transient when STS throttled, failed
/// or could not be reached.
pub(crate) fn backend_error<E>(
    service: &'static str,
    op: &'static str,
    key: impl Into<String>,
    error: SdkError<E, HttpResponse>,
) -> StoreError
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
{
    let (service, code, transient) = match credentials_failure(&error) {
        Some(CredentialsFailure::TimedOut) => ("STS", None, true),
        Some(CredentialsFailure::AssumeRole(sts)) => {
            ("STS", sts.code().map(str::to_owned), is_transient(sts))
        }
        None => (
            service,
            error.code().map(str::to_owned),
            is_transient(&error),
        ),
    };
    let message = match error.message() {
        Some(message) => message.to_owned(),
        None => DisplayErrorContext(&error).to_string(),
    };
    StoreError::Backend {
        op,
        key: key.into(),
        source: Box::new(ServiceError {
            service,
            code,
            message,
            transient,
        }),
    }
}

/// Throttling (by error code, or HTTP 429 Too Many Requests), HTTP 5xx, timeouts and connection
/// failures.
fn is_transient<E>(error: &SdkError<E, HttpResponse>) -> bool
where
    E: ProvideErrorMetadata,
{
    let throttled = error.code().is_some_and(ServiceError::is_throttling_code);
    throttled
        || match error {
            SdkError::TimeoutError(_) => true,
            SdkError::DispatchFailure(failure) => failure.is_io() || failure.is_timeout(),
            _ => error.raw_response().is_some_and(|response| {
                response.status().is_server_error() || response.status().as_u16() == 429
            }),
        }
}

/// Why a call's credentials could not be loaded.
enum CredentialsFailure<'a> {
    /// The credentials provider took too long.
    TimedOut,
    /// STS `AssumeRole` failed.
    AssumeRole(&'a SdkError<AssumeRoleError, HttpResponse>),
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
            return std::error::Error::source(credentials)
                .and_then(|inner| inner.downcast_ref::<SdkError<AssumeRoleError, HttpResponse>>())
                .map(CredentialsFailure::AssumeRole);
        }
        source = current.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use aws_sdk_sesv2::error::ErrorMetadata;
    use aws_sdk_sesv2::operation::send_email::SendEmailError;

    use super::*;

    fn service_error(code: &str, status: u16) -> StoreError {
        let error = SendEmailError::generic(
            ErrorMetadata::builder()
                .code(code)
                .message("Maximum sending rate exceeded.")
                .build(),
        );
        let response = HttpResponse::new(status.try_into().unwrap(), "".into());
        backend_error(
            "SES",
            "send e-mail",
            "subject",
            SdkError::service_error(error, response),
        )
    }

    #[test]
    fn throttling_and_server_errors_are_transient() {
        for code in [
            "TooManyRequestsException",
            "ThrottlingException",
            // DynamoDB's.
            "ProvisionedThroughputExceededException",
            "RequestLimitExceeded",
        ] {
            let err = service_error(code, 400);
            assert!(err.is_transient(), "{err:?}");
            assert_eq!(err.error_name(), "Store.Busy");
            assert!(err.to_string().contains(code), "{err}");
        }
        assert!(service_error("InternalFailure", 500).is_transient());
        // Too Many Requests, whatever the code says.
        assert!(service_error("LimitExceededException", 429).is_transient());
        let err = service_error("MessageRejected", 400);
        assert!(!err.is_transient());
        assert_eq!(err.error_name(), "Store.Backend");
        assert_eq!(
            err.to_string(),
            "send e-mail failed for subject: SES MessageRejected: Maximum sending rate exceeded."
        );
        let timeout = backend_error::<SendEmailError>(
            "SES",
            "send e-mail",
            "subject",
            SdkError::timeout_error("too slow"),
        );
        assert!(timeout.is_transient());
    }

    /// A call whose assumed-role credentials could not be had reports STS's error.
    #[test]
    fn assume_role_failures_are_sts_errors() {
        use aws_sdk_sesv2::error::ConnectorError;
        let failed_call = |code: &str, status: u16| {
            let sts = SdkError::service_error(
                AssumeRoleError::generic(ErrorMetadata::builder().code(code).message("no").build()),
                HttpResponse::new(status.try_into().unwrap(), "".into()),
            );
            let credentials = CredentialsError::provider_error(sts);
            backend_error::<SendEmailError>(
                "SES",
                "send e-mail",
                "subject",
                SdkError::dispatch_failure(ConnectorError::other(Box::new(credentials), None)),
            )
        };
        let service = |err: &StoreError| {
            std::error::Error::source(err)
                .and_then(|s| s.downcast_ref::<ServiceError>())
                .map(|s| (s.service, s.code.clone(), s.transient))
                .unwrap()
        };
        assert_eq!(
            service(&failed_call("AccessDenied", 403)),
            ("STS", Some("AccessDenied".to_owned()), false)
        );
        assert_eq!(
            service(&failed_call("Throttling", 400)),
            ("STS", Some("Throttling".to_owned()), true)
        );
        assert_eq!(
            service(&failed_call("InternalError", 500)),
            ("STS", Some("InternalError".to_owned()), true)
        );
        let timed_out = backend_error::<SendEmailError>(
            "SES",
            "send e-mail",
            "subject",
            SdkError::dispatch_failure(ConnectorError::other(
                Box::new(CredentialsError::provider_timed_out(
                    std::time::Duration::from_secs(5),
                )),
                None,
            )),
        );
        assert_eq!(service(&timed_out), ("STS", None, true));
    }

    /// The bridge works with no runtime, and dropping it inside a runtime does not panic.
    #[test]
    fn bridge_runs_futures_and_drops_anywhere() {
        let bridge = Bridge::new().unwrap();
        assert_eq!(bridge.run(async { 1 + 1 }).unwrap(), 2);
        let outer = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        outer.block_on(async move {
            assert_eq!(bridge.run(async { 3 }).unwrap(), 3);
            drop(bridge);
        });
        let panicking = Bridge::new().unwrap();
        assert!(panicking.run(async { panic!("boom") }).is_err());
    }
}
