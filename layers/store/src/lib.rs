//! SOAR's storage behind traits: tables (tickets, incidents, suppressions, accounts, processed events),
//! the Security Hub finding store, the e-mail outbox and the dry-run plan. The embedded backend keeps
//! them in SQLite and files; the AWS backend implements the same traits over the AWS SDK.
#![warn(missing_docs)]
