//! [`CrossAccount`]: SDK configurations for other accounts of the organization, by assuming a role in
//! each.
//!
//! SOAR runs in one account (the *home* account, usually the Security Hub delegated administrator) and
//! remediates or reads resources in the others through a role of the same name in every account,
//! `arn:aws:iam::<account>:role/<role name>`. [`CrossAccount::config_for`] returns the [`SdkConfig`] for
//! an (account, region): the backend's configuration with that region and, for any account but the home
//! account, an [`AssumeRoleProvider`] for that role (session name `soar` unless set otherwise: it shows
//! in the target account's CloudTrail).
//!
//! # Caching
//!
//! Configurations are kept for the life of the [`CrossAccount`] value, one per (account, region), and
//! every account's regions share one role provider. Credentials are cached by the SDK's lazy identity
//! cache, which the configurations share and which refreshes assumed credentials shortly before they
//! expire; it is partitioned by provider, so accounts never see each other's credentials. So
//! `AssumeRole` is called once per account and session (an hour by default), not once per client or
//! per call. The home account uses the backend's own credentials, without assuming anything: it is
//! given ([`CrossAccount::with_home_account`]) or asked once from STS `GetCallerIdentity`.
//!
//! Assuming the role happens when a client first needs credentials, so a role that cannot be assumed
//! (missing, or not trusting the home account) fails that first call, with STS's error in its source.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use aws_config::identity::IdentityCache;
use aws_config::sts::AssumeRoleProvider;
use aws_config::{Region, SdkConfig};
use aws_sdk_sts::config::SharedCredentialsProvider;
use aws_sdk_sts::config::SharedIdentityCache;
use aws_smithy_async::time::SystemTimeSource;
use soar_store::{Result, StoreError};

use crate::{AwsBackend, backend_error};

/// The role session name unless [`CrossAccount::with_session_name`] sets another.
pub const DEFAULT_SESSION_NAME: &str = "soar";

/// SDK configurations for any (account, region), assuming a role in other accounts; see the module
/// docs. Cheap to clone: clones share the cache.
#[derive(Clone, Debug)]
pub struct CrossAccount {
    backend: AwsBackend,
    role_name: String,
    session_name: String,
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// The home account id, once known.
    home: Mutex<Option<String>>,
    /// One role provider per account (shared by its regions).
    providers: Mutex<HashMap<String, SharedCredentialsProvider>>,
    /// One configuration per (account, region).
    configs: Mutex<HashMap<(String, String), SdkConfig>>,
    /// The identity cache every configuration uses: the backend's, or a lazy cache of our own when it
    /// has none (then clients would each get their own and assume the role once each).
    identity_cache: SharedIdentityCache,
}

/// Whether `account_id` is an AWS account id (twelve digits): anything else must not reach a role ARN.
fn is_account_id(account_id: &str) -> bool {
    account_id.len() == 12 && account_id.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `region` looks like a region name (`eu-west-1`, `us-gov-east-1`, ...): it becomes part of
/// endpoint host names.
fn is_region(region: &str) -> bool {
    !region.is_empty()
        && region.len() <= 32
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl CrossAccount {
    /// Configurations over `backend`'s configuration (its credentials assume the roles) for the role
    /// `role_name` in every account.
    pub fn new(backend: &AwsBackend, role_name: impl Into<String>) -> Self {
        let identity_cache = backend
            .sdk_config()
            .identity_cache()
            .unwrap_or_else(|| IdentityCache::lazy().build());
        CrossAccount {
            backend: backend.clone(),
            role_name: role_name.into(),
            session_name: DEFAULT_SESSION_NAME.to_owned(),
            inner: Arc::new(Inner {
                home: Mutex::new(None),
                providers: Mutex::new(HashMap::new()),
                configs: Mutex::new(HashMap::new()),
                identity_cache,
            }),
        }
    }

    /// The same, with the home account given rather than asked from STS.
    pub fn with_home_account(self, account_id: impl Into<String>) -> Self {
        *lock(&self.inner.home) = Some(account_id.into());
        self
    }

    /// The same, with another role session name (2-64 characters of `[\w+=,.@-]`).
    pub fn with_session_name(mut self, session_name: impl Into<String>) -> Self {
        self.session_name = session_name.into();
        self
    }

    /// The role ARN assumed in `account_id`.
    pub fn role_arn(&self, account_id: &str) -> String {
        format!("arn:aws:iam::{account_id}:role/{}", self.role_name)
    }

    /// The home account: the given one, or the caller's account from STS `GetCallerIdentity` (asked
    /// once).
    pub fn home_account(&self) -> Result<String> {
        const OP: &str = "read the caller's account";
        if let Some(home) = lock(&self.inner.home).clone() {
            return Ok(home);
        }
        let client = aws_sdk_sts::Client::new(self.backend.sdk_config());
        let account = self.backend.run(async move {
            let identity = client
                .get_caller_identity()
                .send()
                .await
                .map_err(|e| backend_error("STS", OP, "caller", e))?;
            identity.account.ok_or_else(|| StoreError::Backend {
                op: OP,
                key: "caller".to_owned(),
                source: "GetCallerIdentity returned no account".into(),
            })
        })??;
        Ok(lock(&self.inner.home).get_or_insert(account).clone())
    }

    /// The SDK configuration for `account_id` in `region`: the backend's own credentials for the home
    /// account, the assumed role for any other. The same (account, region) gets the same configuration
    /// (and the same cached credentials) every time.
    pub fn config_for(&self, account_id: &str, region: &str) -> Result<SdkConfig> {
        if !is_account_id(account_id) {
            return Err(StoreError::invalid(
                "account id",
                account_id,
                "an account id is twelve digits",
            ));
        }
        if !is_region(region) {
            return Err(StoreError::invalid(
                "region",
                region,
                "not a region name (lowercase letters, digits and dashes)",
            ));
        }
        let cache_key = (account_id.to_owned(), region.to_owned());
        if let Some(config) = lock(&self.inner.configs).get(&cache_key) {
            return Ok(config.clone());
        }
        let base = self.backend.sdk_config();
        let mut builder = base
            .to_builder()
            .region(Region::new(region.to_owned()))
            .identity_cache(self.inner.identity_cache.clone());
        if account_id != self.home_account()? {
            builder = builder.credentials_provider(self.provider_for(account_id)?);
        }
        let config = builder.build();
        // Two threads may build the same configuration at once; the first one stored wins, so every
        // caller gets the same one.
        Ok(lock(&self.inner.configs)
            .entry(cache_key)
            .or_insert(config)
            .clone())
    }

    /// A backend for `account_id` in `region` (its configuration from [`CrossAccount::config_for`],
    /// sharing this backend's runtime), to get the stores of that account.
    pub fn backend_for(&self, account_id: &str, region: &str) -> Result<AwsBackend> {
        Ok(AwsBackend {
            bridge: self.backend.bridge.clone(),
            config: self.config_for(account_id, region)?,
        })
    }

    /// The role provider of an account (one for all its regions).
    fn provider_for(&self, account_id: &str) -> Result<SharedCredentialsProvider> {
        if let Some(provider) = lock(&self.inner.providers).get(account_id) {
            return Ok(provider.clone());
        }
        // STS is called in the backend's own region: one endpoint for every account and region.
        let mut sts_config = self.backend.sdk_config().clone();
        if sts_config.time_source().is_none() {
            // The provider needs a clock (`aws_config::load_defaults` sets one; a hand-built
            // configuration may not).
            sts_config = sts_config
                .into_builder()
                .time_source(SystemTimeSource::new())
                .build();
        }
        let builder = AssumeRoleProvider::builder(self.role_arn(account_id))
            .session_name(&self.session_name)
            .configure(&sts_config);
        // `build` is async only to load the default configuration, which `configure` made unneeded.
        let provider = self.backend.run(builder.build())?;
        Ok(lock(&self.inner.providers)
            .entry(account_id.to_owned())
            .or_insert_with(|| SharedCredentialsProvider::new(provider))
            .clone())
    }
}

/// Locks a cache; a panic while holding it cannot leave a map half-updated, so poisoning is ignored.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_and_regions_are_checked() {
        assert!(is_account_id("111122223333"));
        assert!(!is_account_id("11112222333"));
        assert!(!is_account_id("11112222333a"));
        assert!(!is_account_id("111122223333:role/x"));
        assert!(is_region("eu-west-1"));
        assert!(is_region("us-gov-east-1"));
        assert!(!is_region(""));
        assert!(!is_region("eu-west-1.evil.example"));
        assert!(!is_region("EU-WEST-1"));
    }

    #[test]
    fn invalid_keys_are_refused_before_any_call() {
        let backend = AwsBackend::from_sdk_config(
            SdkConfig::builder()
                .behavior_version(aws_config::BehaviorVersion::latest())
                .build(),
        )
        .unwrap();
        let cross =
            CrossAccount::new(&backend, "SOARRemediation").with_home_account("111122223333");
        assert_eq!(
            cross.role_arn("444455556666"),
            "arn:aws:iam::444455556666:role/SOARRemediation"
        );
        for (account, region) in [("4444", "eu-west-1"), ("444455556666", "eu west 1")] {
            assert!(matches!(
                cross.config_for(account, region),
                Err(StoreError::InvalidInput { .. })
            ));
        }
        // The home account needs no credentials: its configuration is the base one in another region.
        let home = cross.config_for("111122223333", "eu-west-1").unwrap();
        assert_eq!(home.region().map(Region::as_ref), Some("eu-west-1"));
        assert!(home.credentials_provider().is_none());
    }
}
