//! Mocked task responses in AWS Step Functions Local's mock configuration format:
//!
//! ```json
//! {"StateMachines": {"Machine": {"TestCases": {"HappyPath": {"TaskState": "MockedSuccess"}}}},
//!  "MockedResponses": {"MockedSuccess": {"0": {"Return": {"ok": true}},
//!                                        "1-2": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "slow down"}}}}}
//! ```
//! The keys of a mocked response are invocation numbers (0-based) or ranges; retries count as invocations.

use std::collections::HashMap;

use crate::Value;

/// One mocked invocation outcome.
#[derive(Clone, Debug, PartialEq)]
pub enum MockResponse {
    /// The task returns this value (as the service would, e.g. lambda:invoke's whole envelope).
    Return(Value),
    /// The task fails.
    Throw {
        /// Error name.
        error: String,
        /// Cause.
        cause: Option<String>,
    },
}

/// The responses of one mocked task, by invocation number.
#[derive(Clone, Debug, Default)]
pub struct MockedResponses {
    ranges: Vec<(u32, u32, MockResponse)>,
}

impl MockedResponses {
    /// The response for the `attempt`-th invocation (0-based).
    pub fn at(&self, attempt: u32) -> Option<&MockResponse> {
        self.ranges
            .iter()
            .find(|(lo, hi, _)| (*lo..=*hi).contains(&attempt))
            .map(|(_, _, r)| r)
    }
}

/// One test case: which states are mocked, with which responses.
#[derive(Clone, Debug, Default)]
pub struct MockTestCase {
    states: HashMap<String, MockedResponses>,
}

impl MockTestCase {
    /// The mocked responses of `state`, if it is mocked.
    pub fn responses_for(&self, state: &str) -> Option<&MockedResponses> {
        self.states.get(state)
    }
}

/// A whole mock configuration file.
#[derive(Clone, Debug)]
pub struct MockConfig {
    json: serde_json::Value,
}

/// A mock configuration that cannot be used, with where the problem is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("mock configuration {location}: {message}")]
pub struct MockError {
    /// JSON Pointer into the file.
    pub location: String,
    /// What is wrong.
    pub message: String,
}

fn err(location: impl Into<String>, message: impl Into<String>) -> MockError {
    MockError {
        location: location.into(),
        message: message.into(),
    }
}

impl MockConfig {
    /// Reads a configuration from JSON text.
    pub fn parse(text: &str) -> Result<MockConfig, MockError> {
        let json: serde_json::Value =
            serde_json::from_str(text).map_err(|e| err("/", format!("not valid JSON: {e}")))?;
        if !json.is_object() {
            return Err(err("/", "must be a JSON object"));
        }
        Ok(MockConfig { json })
    }

    /// The test case `test_case` of state machine `machine`. When `machine` is `None`, the test case is
    /// looked up in every state machine of the file and must be unique.
    pub fn test_case(
        &self,
        machine: Option<&str>,
        test_case: &str,
    ) -> Result<MockTestCase, MockError> {
        let machines = self
            .json
            .get("StateMachines")
            .and_then(|m| m.as_object())
            .ok_or_else(|| err("/StateMachines", "missing or not an object"))?;
        let found: Vec<(&String, &serde_json::Value)> = machines
            .iter()
            .filter(|(name, _)| machine.is_none_or(|m| m == name.as_str()))
            .filter_map(|(name, m)| m.get("TestCases")?.get(test_case).map(|tc| (name, tc)))
            .collect();
        let (machine_name, case) = match found.as_slice() {
            [one] => *one,
            [] => {
                return Err(err(
                    "/StateMachines",
                    format!(
                        "no test case '{test_case}'{}",
                        machine
                            .map(|m| format!(" for state machine '{m}'"))
                            .unwrap_or_default()
                    ),
                ));
            }
            _ => {
                return Err(err(
                    "/StateMachines",
                    format!(
                        "test case '{test_case}' exists in several state machines; name the machine"
                    ),
                ));
            }
        };
        let case = case.as_object().ok_or_else(|| {
            err(
                format!("/StateMachines/{machine_name}/TestCases/{test_case}"),
                "must be an object",
            )
        })?;
        let responses = self.json.get("MockedResponses").and_then(|r| r.as_object());
        let mut states = HashMap::new();
        for (state, response_name) in case {
            let at = format!("/StateMachines/{machine_name}/TestCases/{test_case}/{state}");
            let response_name = response_name
                .as_str()
                .ok_or_else(|| err(&at, "must name a mocked response"))?;
            let response = responses
                .and_then(|r| r.get(response_name))
                .ok_or_else(|| {
                    err(
                        &at,
                        format!("no mocked response named '{response_name}' in /MockedResponses"),
                    )
                })?;
            states.insert(
                state.clone(),
                parse_responses(response, &format!("/MockedResponses/{response_name}"))?,
            );
        }
        Ok(MockTestCase { states })
    }
}

fn parse_responses(json: &serde_json::Value, at: &str) -> Result<MockedResponses, MockError> {
    let map = json
        .as_object()
        .ok_or_else(|| err(at, "must be an object keyed by invocation number"))?;
    let mut ranges = Vec::new();
    for (key, response) in map {
        let here = format!("{at}/{key}");
        let (lo, hi) = match key.split_once('-') {
            Some((a, b)) => (a.trim().parse::<u32>(), b.trim().parse::<u32>()),
            None => (key.trim().parse::<u32>(), key.trim().parse::<u32>()),
        };
        let (Ok(lo), Ok(hi)) = (lo, hi) else {
            return Err(err(
                &here,
                "keys must be invocation numbers like \"0\" or ranges like \"1-3\"",
            ));
        };
        if lo > hi {
            return Err(err(&here, "the range's start is after its end"));
        }
        let response = if let Some(v) = response.get("Return") {
            MockResponse::Return(Value::from(v))
        } else if let Some(t) = response.get("Throw") {
            let error = t
                .get("Error")
                .and_then(|e| e.as_str())
                .ok_or_else(|| err(format!("{here}/Throw/Error"), "missing"))?;
            MockResponse::Throw {
                error: error.to_string(),
                cause: t.get("Cause").and_then(|c| c.as_str()).map(str::to_string),
            }
        } else {
            return Err(err(&here, "needs Return or Throw"));
        };
        ranges.push((lo, hi, response));
    }
    ranges.sort_by_key(|r| r.0);
    Ok(MockedResponses { ranges })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"{
      "StateMachines": {"M": {"TestCases": {"Happy": {"Call": "Ok"}, "Flaky": {"Call": "ThrottledThenOk"}}}},
      "MockedResponses": {
        "Ok": {"0": {"Return": {"StatusCode": 200, "Payload": {"x": 1}}}},
        "ThrottledThenOk": {"0-1": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "slow"}},
                            "2": {"Return": {"done": true}}}
      }
    }"#;

    #[test]
    fn responses_by_invocation_number_and_range() {
        let config = MockConfig::parse(CONFIG).unwrap();
        let case = config.test_case(Some("M"), "Flaky").unwrap();
        let r = case.responses_for("Call").unwrap();
        assert!(
            matches!(r.at(0), Some(MockResponse::Throw { error, .. }) if error == "Lambda.TooManyRequestsException")
        );
        assert!(matches!(r.at(1), Some(MockResponse::Throw { .. })));
        assert_eq!(
            r.at(2),
            Some(&MockResponse::Return(crate::json!({"done": true})))
        );
        assert_eq!(r.at(3), None);
    }

    #[test]
    fn unknown_test_case_and_response_are_named() {
        let config = MockConfig::parse(CONFIG).unwrap();
        let e = config.test_case(None, "Nope").unwrap_err();
        assert!(e.message.contains("no test case 'Nope'"), "{e}");
        let bad = MockConfig::parse(
            r#"{"StateMachines":{"M":{"TestCases":{"T":{"S":"Missing"}}}},"MockedResponses":{}}"#,
        )
        .unwrap();
        let e = bad.test_case(Some("M"), "T").unwrap_err();
        assert_eq!(e.location, "/StateMachines/M/TestCases/T/S");
    }
}
