//! The core of the ASFF processor: setting up the scratchpad, enrichment, scoring, deciding.

pub mod compute_penalty_score;
pub mod get_account_data;
pub mod set_up_scratchpad;

use soar_model::scratchpad::Scratchpad;

use crate::TaskError;

/// Reads the scratchpad a task was given.
pub(crate) fn scratchpad(input: soar_json::Value) -> Result<Scratchpad, TaskError> {
    Ok(Scratchpad::from_value(input)?)
}
