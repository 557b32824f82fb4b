//! Transition checks of one state list: targets exist, every state is reachable, a terminal state exists.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{Scope, Validator, codes};
use crate::diagnostic::pointer;

/// A transition out of a state: its target and the pointer of the field naming it.
struct Edge<'a> {
    target: &'a str,
    loc: String,
}

/// The transitions a state declares: `Next`, `Default`, `Choices[i].Next`, `Catch[i].Next`.
fn edges<'a>(state: &'a Map<String, Value>, loc: &str) -> Vec<Edge<'a>> {
    let mut out = Vec::new();
    for field in ["Next", "Default"] {
        if let Some(Value::String(target)) = state.get(field) {
            out.push(Edge {
                target,
                loc: pointer(loc, field),
            });
        }
    }
    for field in ["Choices", "Catch"] {
        if let Some(Value::Array(items)) = state.get(field) {
            for (i, item) in items.iter().enumerate() {
                if let Some(Value::String(target)) = item.get("Next") {
                    out.push(Edge {
                        target,
                        loc: pointer(&pointer(&pointer(loc, field), i), "Next"),
                    });
                }
            }
        }
    }
    out
}

/// Whether a state ends the execution: `"End": true`, or a Succeed or Fail state. A malformed state
/// (already reported) counts as terminal, so that it does not also cause MISSING_END_STATE.
fn is_terminal(state: &Value) -> bool {
    let Some(state) = state.as_object() else {
        return true;
    };
    state.get("End") == Some(&Value::Bool(true))
        || !matches!(
            state.get("Type").and_then(Value::as_str),
            Some("Pass" | "Task" | "Choice" | "Wait" | "Parallel" | "Map")
        )
}

impl Validator {
    /// Graph checks of a state list whose states are `states`, found at `base`.
    pub(crate) fn graph(
        &mut self,
        start_at: Option<&str>,
        states: &Map<String, Value>,
        base: &str,
        scope: Scope,
    ) {
        let states_loc = pointer(base, "States");
        let index: HashMap<&str, usize> = states
            .keys()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i))
            .collect();
        let mut adjacency: Vec<Vec<usize>> = vec![Vec::new(); states.len()];

        // Measured on AWS: a StartAt, Next, Default, Choices[i].Next or Catch[i].Next naming no state of the
        // same list is "MISSING_TRANSITION_TARGET: Missing 'Next' target: X" at that field. The Parallel
        // page: a branch state "MUST NOT have a Next field that targets a field outside of that States
        // field".
        let start = match start_at {
            Some(name) => match index.get(name) {
                Some(&i) => Some(i),
                None => {
                    self.error(
                        codes::MISSING_TRANSITION_TARGET,
                        pointer(base, "StartAt"),
                        format!("Missing 'Next' target: {name}"),
                    );
                    None
                }
            },
            None => None,
        };
        for (i, (name, state)) in states.iter().enumerate() {
            let Some(state) = state.as_object() else {
                continue;
            };
            for edge in edges(state, &pointer(&states_loc, name)) {
                match index.get(edge.target) {
                    Some(&j) => adjacency[i].push(j),
                    None => self.error(
                        codes::MISSING_TRANSITION_TARGET,
                        edge.loc,
                        format!("Missing 'Next' target: {}", edge.target),
                    ),
                }
            }
        }

        // Measured on AWS: only the top-level list needs a terminal state (a nested loop is accepted), any
        // terminal state counts, reachable or not, and when there is none the unreachable-state check is
        // not reported: "MISSING_END_STATE: Workflow has no terminal state" (no location).
        if scope == Scope::Root && !states.is_empty() && !states.values().any(is_terminal) {
            self.error(
                codes::MISSING_END_STATE,
                "",
                "Workflow has no terminal state",
            );
            return;
        }

        // Measured on AWS: every state nothing leads to from StartAt is
        // "MISSING_TRANSITION_TARGET: State "X" is not reachable." at the state. Without a StartAt (already
        // reported) nothing is said about reachability.
        if start_at.is_none() {
            return;
        }
        let mut reached = vec![false; states.len()];
        let mut stack: Vec<usize> = start.into_iter().collect();
        while let Some(i) = stack.pop() {
            if !std::mem::replace(&mut reached[i], true) {
                stack.extend(adjacency[i].iter().copied().filter(|&j| !reached[j]));
            }
        }
        for (i, name) in states.keys().enumerate() {
            if !reached[i] {
                self.error(
                    codes::MISSING_TRANSITION_TARGET,
                    pointer(&states_loc, name),
                    format!("State \"{name}\" is not reachable."),
                );
            }
        }
    }
}
