//! The one error type of every store trait, whichever backend implements it.

use std::path::PathBuf;

/// A store operation failed. Every variant names what failed and the key it failed for (finding id,
/// ticket id, file path, ...), so a log line is enough to find the record.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The backend (SQLite here; DynamoDB, Security Hub or SES in the AWS backend) failed.
    #[error("{op} failed for {key}: {source}")]
    Backend {
        /// What was being done, e.g. "open ticket".
        op: &'static str,
        /// The key of the record, e.g. the finding id.
        key: String,
        /// The backend's own error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Reading or writing a file failed.
    #[error("{op} {path} failed: {source}")]
    Io {
        /// What was being done, e.g. "write e-mail".
        op: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A document is not the JSON that was expected (a stored row, a config file, a plan line).
    #[error("invalid JSON in {what} {key}: {source}")]
    Json {
        /// What the document is, e.g. "accounts file".
        what: &'static str,
        /// Where it is: a file path (with a line number when there is one) or a record key.
        key: String,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// There is no record with this key.
    #[error("{what} {key} not found")]
    NotFound {
        /// The kind of record, e.g. "ticket".
        what: &'static str,
        /// Its key.
        key: String,
    },
    /// The request was rejected before anything changed (AWS's `InvalidInputException`).
    #[error("invalid {what} {key}: {message}")]
    InvalidInput {
        /// The kind of input, e.g. "suppression rule".
        what: &'static str,
        /// Its key (an id, a field name or a file path).
        key: String,
        /// Why it was rejected.
        message: String,
    },
    /// The database file was written by a newer soar than this one.
    #[error(
        "database {path} has schema version {found}; this build knows versions up to {supported}"
    )]
    SchemaTooNew {
        /// The database file.
        path: PathBuf,
        /// The version found in the file.
        found: i64,
        /// The newest version this build can read.
        supported: i64,
    },
}

/// An error answered by a remote service (the AWS backend), with the service's own error code. It is the
/// `source` of a [`StoreError::Backend`]; [`StoreError::is_transient`] reads its `transient` flag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{service} {}: {message}", code.as_deref().unwrap_or("error"))]
pub struct ServiceError {
    /// The service, e.g. "SES" or "Organizations".
    pub service: &'static str,
    /// The service's error code, e.g. `ThrottlingException`; `None` for a timeout or a connection
    /// failure, which have no code.
    pub code: Option<String>,
    /// The service's message, or what went wrong on the way.
    pub message: String,
    /// Whether trying again later may succeed: throttling (see [`ServiceError::is_throttling_code`]), a
    /// server error (HTTP 5xx), a timeout or a connection failure.
    pub transient: bool,
}

impl ServiceError {
    /// Whether an AWS error code means the request was throttled (`ThrottlingException`,
    /// `TooManyRequestsException`, ...): worth retrying later.
    pub fn is_throttling_code(code: &str) -> bool {
        matches!(
            code,
            "ThrottlingException"
                | "Throttling"
                | "ThrottledException"
                | "TooManyRequestsException"
                | "RequestThrottled"
                | "RequestThrottledException"
                | "RequestLimitExceeded"
                | "ProvisionedThroughputExceededException"
                | "SlowDown"
        )
    }
}

/// The result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    /// A stable error name for a Step Functions task to raise, so that `Retry` and `Catch` can match it:
    /// `Store.Busy` (transient, worth retrying), `Store.Backend`, `Store.Io`, `Store.InvalidJson`,
    /// `Store.NotFound`, `Store.InvalidInput`, `Store.SchemaTooNew`.
    pub fn error_name(&self) -> &'static str {
        match self {
            StoreError::Backend { .. } if self.is_transient() => "Store.Busy",
            StoreError::Backend { .. } => "Store.Backend",
            StoreError::Io { .. } => "Store.Io",
            StoreError::Json { .. } => "Store.InvalidJson",
            StoreError::NotFound { .. } => "Store.NotFound",
            StoreError::InvalidInput { .. } => "Store.InvalidInput",
            StoreError::SchemaTooNew { .. } => "Store.SchemaTooNew",
        }
    }

    /// Whether trying again later may succeed: the database was locked by another process, or a remote
    /// service throttled the request or was unavailable (a transient [`ServiceError`]).
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Backend { source, .. } => {
                source
                    .downcast_ref::<rusqlite::Error>()
                    .and_then(rusqlite::Error::sqlite_error_code)
                    .is_some_and(|code| {
                        matches!(
                            code,
                            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                        )
                    })
                    || source
                        .downcast_ref::<ServiceError>()
                        .is_some_and(|e| e.transient)
            }
            _ => false,
        }
    }

    /// An [`StoreError::InvalidInput`].
    pub fn invalid(what: &'static str, key: impl Into<String>, message: impl Into<String>) -> Self {
        StoreError::InvalidInput {
            what,
            key: key.into(),
            message: message.into(),
        }
    }

    /// A [`StoreError::NotFound`].
    pub fn not_found(what: &'static str, key: impl Into<String>) -> Self {
        StoreError::NotFound {
            what,
            key: key.into(),
        }
    }

    /// Maps an I/O error on `path` to [`StoreError::Io`] (for `map_err`).
    pub fn io(op: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| StoreError::Io { op, path, source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_operation_and_the_key() {
        let err = StoreError::Backend {
            op: "open ticket",
            key: "arn:finding/1".into(),
            source: Box::new(rusqlite::Error::QueryReturnedNoRows),
        };
        let text = err.to_string();
        assert!(
            text.contains("open ticket") && text.contains("arn:finding/1"),
            "{text}"
        );
        assert_eq!(err.error_name(), "Store.Backend");
        let err = StoreError::not_found("ticket", "t-1");
        assert_eq!(err.to_string(), "ticket t-1 not found");
        assert_eq!(err.error_name(), "Store.NotFound");
    }

    #[test]
    fn busy_database_is_transient() {
        let busy = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            Some("database is locked".into()),
        );
        let err = StoreError::Backend {
            op: "record event",
            key: "f-1".into(),
            source: Box::new(busy),
        };
        assert!(err.is_transient());
        assert_eq!(err.error_name(), "Store.Busy");
    }

    #[test]
    fn throttled_service_is_transient() {
        let service_error = |code: &str, transient| StoreError::Backend {
            op: "send e-mail",
            key: "subject".into(),
            source: Box::new(ServiceError {
                service: "SES",
                code: Some(code.into()),
                message: "Rate exceeded".into(),
                transient,
            }),
        };
        assert!(ServiceError::is_throttling_code("TooManyRequestsException"));
        assert!(ServiceError::is_throttling_code("ThrottlingException"));
        assert!(!ServiceError::is_throttling_code("MessageRejected"));
        let err = service_error("ThrottlingException", true);
        assert!(err.is_transient());
        assert_eq!(err.error_name(), "Store.Busy");
        assert!(
            err.to_string()
                .contains("SES ThrottlingException: Rate exceeded"),
            "{err}"
        );
        let err = service_error("MessageRejected", false);
        assert!(!err.is_transient());
        assert_eq!(err.error_name(), "Store.Backend");
    }
}
