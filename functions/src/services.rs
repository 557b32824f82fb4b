//! What tasks reach the outside world through: SOAR's tables, the finding store, the mailer and the
//! dry-run plan. The embedded defaults put all of them in one [`LocalStore`]; the AWS backend will
//! supply SDK-backed implementations of the same traits.

use std::sync::Arc;

use crate::Settings;
use crate::ai::{Analyst, LocalAnalyst};
use crate::remediations::Remediator;

use soar_store::{
    AccountDirectory, ActionRecorder, Clock, EventLedger, FindingStore, IncidentStore, LocalStore,
    Mailer, SuppressionStore, TicketStore,
};

/// The backends every task may use. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    /// Account owners, environments and teams.
    pub accounts: Arc<dyn AccountDirectory + Send + Sync>,
    /// Tickets.
    pub tickets: Arc<dyn TicketStore + Send + Sync>,
    /// Processed finding events, for idempotency.
    pub ledger: Arc<dyn EventLedger + Send + Sync>,
    /// Local suppression rules.
    pub suppressions: Arc<dyn SuppressionStore + Send + Sync>,
    /// Incidents.
    pub incidents: Arc<dyn IncidentStore + Send + Sync>,
    /// Security Hub findings.
    pub findings: Arc<dyn FindingStore + Send + Sync>,
    /// E-mail.
    pub mailer: Arc<dyn Mailer + Send + Sync>,
    /// AWS calls planned but not made (dry run).
    pub plan: Arc<dyn ActionRecorder + Send + Sync>,
    /// What SOAR does with findings.
    pub settings: Arc<Settings>,
    /// How auto-remediations reach AWS (offline: not at all, the plan is the result).
    pub remediator: Remediator,
    /// What time it is for the tasks that compare dates with now (IAM.3 and IAM.8 age credentials):
    /// the system clock, fixed in tests.
    pub clock: Clock,
    /// Who writes the AI analysis of incidents (`messages.ai`): Amazon Bedrock, or the deterministic
    /// local summary.
    pub analyst: Arc<dyn Analyst>,
}

impl Services {
    /// Every service backed by one local store (the embedded defaults).
    pub fn local(store: Arc<LocalStore>, settings: Settings) -> Services {
        Services {
            accounts: store.clone(),
            tickets: store.clone(),
            ledger: store.clone(),
            suppressions: store.clone(),
            incidents: store.clone(),
            findings: store.clone(),
            mailer: store.clone(),
            plan: store,
            settings: Arc::new(settings),
            remediator: Remediator::Offline,
            clock: Clock::system(),
            analyst: Arc::new(LocalAnalyst),
        }
    }
}
