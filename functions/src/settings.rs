//! SOAR's settings: what is enabled, which controls are auto-remediated, which products raise incidents.
//! On AWS they come from the template's parameters (function environment); locally from
//! `config/settings.json`, whose committed copy is the embedded default.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// The embedded default settings (`config/settings.json`).
pub const DEFAULT_SETTINGS: &str = include_str!("../../config/settings.json");

/// What SOAR does with findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Security control ids (`S3.8`, `EC2.19`...) whose failed findings are auto-remediated; every other
    /// failed control is ticketed to the account's team.
    pub remediate_controls: BTreeSet<String>,
    /// Product names (`ProductFields."aws/securityhub/ProductName"` or `ProductName`) whose findings
    /// are incidents rather than tickets when at least `incident_min_severity`.
    pub incident_products: BTreeSet<String>,
    /// The lowest severity label that makes an incident-product finding an incident.
    pub incident_min_severity: String,
    /// `GeneratorId` of the findings SOAR makes from CloudWatch alarms: always incidents.
    pub alarm_generator_id: String,
    /// Findings below this severity label are not ticketed (`INFORMATIONAL`, `LOW`, ...).
    pub ticket_min_severity: String,
    /// Where SOAR's own e-mails come from.
    pub email_from: String,
    /// Who is copied on every e-mail to a team (the security team), may be empty.
    pub email_cc: Vec<String>,
    /// Hold back auto-remediation: findings that would be remediated are left for later.
    pub defer_autoremediations: bool,
    /// Hold back team tickets: findings that would be ticketed are left for later.
    pub defer_team_fixes: bool,
    /// The account environments (`account.environment`: `DEV`, `STAGING`, ...) where remediations
    /// that can disrupt a workload run; elsewhere (production, and accounts of unknown environment)
    /// they become tickets saying why. None when absent: the safe default.
    #[serde(default)]
    pub disruptive_remediation_environments: BTreeSet<String>,
}

impl Settings {
    /// The embedded defaults.
    pub fn embedded() -> Settings {
        serde_json::from_str(DEFAULT_SETTINGS).expect("config/settings.json is valid")
    }

    /// Reads settings JSON, naming the bad field on error.
    pub fn from_json(text: &str) -> Result<Settings, serde_json::Error> {
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_defaults_load() {
        let s = Settings::embedded();
        assert!(s.incident_products.contains("GuardDuty"));
        assert!(Settings::from_json(r#"{"nope": 1}"#).is_err());
    }
}
