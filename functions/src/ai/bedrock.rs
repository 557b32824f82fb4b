//! The analyst on Amazon Bedrock: one Converse call (system prompt `ai-prompts/system.txt`, the filled
//! incident prompt as the user's message) to the model `SOAR_BEDROCK_MODEL_ID`.
//!
//! - Timeout: the SDK's operation timeout, [`OPERATION_TIMEOUT`] (600 s, retries included); then
//!   [`names::TIMEOUT`]. Template.yaml gives the function a longer Lambda timeout.
//! - Throttling: the SDK's standard retry mode retries `ThrottlingException` (and the other transient
//!   errors) with exponential backoff and jitter, [`MAX_ATTEMPTS`] attempts in all; when Bedrock still
//!   throttles, the task fails with [`names::THROTTLING`], which the state machine retries later.
//! - Anything else (access denied, unknown model, an answer without text) is [`names::FAILED`].

use std::time::Duration;

use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::config::retry::RetryConfig;
use aws_sdk_bedrockruntime::config::timeout::TimeoutConfig;
use aws_sdk_bedrockruntime::error::{DisplayErrorContext, SdkError};
use aws_sdk_bedrockruntime::operation::converse::ConverseError;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, ConverseOutput, InferenceConfiguration, Message, StopReason,
    SystemContentBlock,
};

use super::{Analysis, AnalysisFuture, Analyst, Request, names, prompts, text_to_html};
use crate::TaskError;

/// How long one analysis may take, retries included.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(600);
/// Attempts of one Converse call (the first and the retries).
pub const MAX_ATTEMPTS: u32 = 4;
/// The longest answer asked for, in tokens.
const MAX_TOKENS: i32 = 1500;

/// The Bedrock analyst. Cheap to clone.
#[derive(Debug, Clone)]
pub struct BedrockAnalyst {
    client: Client,
    model_id: String,
}

/// SOAR's timeout and retry settings on a Bedrock client configuration.
pub fn configure(
    builder: aws_sdk_bedrockruntime::config::Builder,
) -> aws_sdk_bedrockruntime::config::Builder {
    builder
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(Duration::from_secs(2))
                .with_max_backoff(Duration::from_secs(30)),
        )
}

impl BedrockAnalyst {
    /// The analyst on `config` (region, credentials, endpoint) with SOAR's timeout and retries.
    pub fn new(config: &aws_config::SdkConfig, model_id: impl Into<String>) -> BedrockAnalyst {
        let conf = configure(aws_sdk_bedrockruntime::config::Builder::from(config)).build();
        BedrockAnalyst::with_client(Client::from_conf(conf), model_id)
    }

    /// The analyst on a ready client (tests: its configuration should come from [`configure`]).
    pub fn with_client(client: Client, model_id: impl Into<String>) -> BedrockAnalyst {
        BedrockAnalyst {
            client,
            model_id: model_id.into(),
        }
    }

    /// The model asked.
    pub fn model_id(&self) -> &str {
        &self.model_id
    }

    async fn converse(&self, request: &Request) -> Result<Analysis, TaskError> {
        let message = Message::builder()
            .role(ConversationRole::User)
            .content(ContentBlock::Text(request.prompt.clone()))
            .build()
            .map_err(|e| TaskError::new(names::FAILED, format!("Bedrock message: {e}")))?;
        let output = self
            .client
            .converse()
            .model_id(&self.model_id)
            .system(SystemContentBlock::Text(prompts::SYSTEM.text.to_owned()))
            .messages(message)
            .inference_config(
                InferenceConfiguration::builder()
                    .max_tokens(MAX_TOKENS)
                    .temperature(0.2)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| self.error(request, e))?;
        let text = match output.output() {
            Some(ConverseOutput::Message(message)) => message
                .content()
                .iter()
                .filter_map(|block| block.as_text().ok())
                .map(|t| t.trim())
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join("\n\n"),
            _ => String::new(),
        };
        if text.is_empty() {
            return Err(TaskError::new(
                names::FAILED,
                format!(
                    "Bedrock model {} gave no text for {} (stop reason {})",
                    self.model_id,
                    request.prompt_file,
                    output.stop_reason().as_str()
                ),
            ));
        }
        let mut plaintext = text;
        if output.stop_reason() == &StopReason::MaxTokens {
            plaintext.push_str("\n\n(The analysis was cut at its maximum length.)");
        }
        Ok(Analysis {
            html: text_to_html(&plaintext),
            plaintext,
            analyst: "bedrock",
            model: Some(self.model_id.clone()),
        })
    }

    /// The task error for a failed Converse call.
    fn error(&self, request: &Request, e: SdkError<ConverseError>) -> TaskError {
        let name = match &e {
            SdkError::TimeoutError(_) => names::TIMEOUT,
            SdkError::DispatchFailure(failure) if failure.is_timeout() => names::TIMEOUT,
            SdkError::ServiceError(service) => match service.err() {
                ConverseError::ThrottlingException(_)
                | ConverseError::ServiceUnavailableException(_)
                | ConverseError::ModelNotReadyException(_) => names::THROTTLING,
                ConverseError::ModelTimeoutException(_) => names::TIMEOUT,
                _ => names::FAILED,
            },
            _ => names::FAILED,
        };
        let what = match name {
            names::TIMEOUT => format!("no answer within {} s", OPERATION_TIMEOUT.as_secs()),
            names::THROTTLING => format!("still throttled after {MAX_ATTEMPTS} attempts"),
            _ => "the call failed".to_owned(),
        };
        TaskError::new(
            name,
            format!(
                "Bedrock Converse with model {} for {}: {what}: {}",
                self.model_id,
                request.prompt_file,
                DisplayErrorContext(&e)
            ),
        )
    }
}

impl Analyst for BedrockAnalyst {
    fn analyze<'a>(&'a self, request: &'a Request) -> AnalysisFuture<'a> {
        Box::pin(self.converse(request))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use aws_sdk_bedrockruntime::operation::converse::ConverseOutput as ConverseResponse;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use serde_json::json;
    use soar_model::scratchpad::Scratchpad;

    use super::*;
    use crate::Services;
    use crate::testing::{finding, services};

    const MODEL: &str = "anthropic.claude-3-5-sonnet-20240620-v1:0";
    const ANSWER: &str = "The bucket is public.\n\nBlock public access <now>.";
    const THROTTLED: &str = r#"{"__type":"ThrottlingException","message":"Too many requests, please wait before trying again."}"#;

    fn answer() -> ConverseResponse {
        ConverseResponse::builder()
            .output(ConverseOutput::Message(
                Message::builder()
                    .role(ConversationRole::Assistant)
                    .content(ContentBlock::Text(ANSWER.into()))
                    .build()
                    .unwrap(),
            ))
            .stop_reason(StopReason::EndTurn)
            .build()
            .unwrap()
    }

    /// The user's text of a Converse request.
    fn prompt_of(input: &aws_sdk_bedrockruntime::operation::converse::ConverseInput) -> String {
        input
            .messages()
            .iter()
            .flat_map(|m| m.content())
            .filter_map(|b| b.as_text().ok())
            .cloned()
            .collect()
    }

    fn services_with(client: Client) -> Services {
        let mut s = services();
        s.analyst = Arc::new(BedrockAnalyst::with_client(client, MODEL));
        s
    }

    /// The example S3 finding as an incident, with secrets planted in it.
    fn incident() -> serde_json::Value {
        let mut f = finding();
        f["Description"] =
            "Public bucket; deploy log shows password=Tr0ub4dor&3 and key AKIAIOSFODNN7EXAMPLE"
                .into();
        f["Resources"][0]["Details"] = json!({"AwsS3Bucket": {
            "Owner": "payments",
            "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        }});
        let mut pad = Scratchpad::new(f);
        pad.account.id = Some("444455556666".into());
        pad.account.team = Some("payments".into());
        pad.to_value().to_json()
    }

    async fn analyze(services: &Services) -> Result<serde_json::Value, TaskError> {
        crate::ai::analyze_incident::run(services, incident())
            .await
            .map(|v| v.to_json())
    }

    #[tokio::test(start_paused = true)]
    async fn a_successful_converse_lands_in_the_scratchpad_without_secrets_in_the_prompt() {
        let sent = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
        let seen = sent.clone();
        let rule = mock!(Client::converse)
            .match_requests(move |input| {
                let system: String = input
                    .system()
                    .iter()
                    .filter_map(|s| s.as_text().ok())
                    .cloned()
                    .collect();
                seen.lock().unwrap().push((
                    input.model_id().unwrap_or_default().to_owned(),
                    prompt_of(input) + &system,
                ));
                true
            })
            .then_output(answer);
        let client = mock_client!(
            aws_sdk_bedrockruntime,
            RuleMode::Sequential,
            [&rule],
            configure
        );
        let out = analyze(&services_with(client)).await.unwrap();
        assert_eq!(out["messages"]["ai"]["plaintext"], ANSWER);
        assert_eq!(
            out["messages"]["ai"]["html"],
            "<p>The bucket is public.</p>\n<p>Block public access &lt;now&gt;.</p>"
        );
        assert_eq!(out["messages"]["ai"]["analyst"], "bedrock");
        assert_eq!(out["messages"]["ai"]["model"], MODEL);
        assert_eq!(out["messages"]["ai"]["prompt"], "incident_s3.txt");
        // The rest of the scratchpad is as it was.
        assert_eq!(out["finding"]["Id"], finding()["Id"]);
        assert_eq!(out["account"]["team"], "payments");

        let sent = sent.lock().unwrap();
        assert_eq!(sent.len(), 1);
        let (model, prompt) = &sent[0];
        assert_eq!(model, MODEL);
        assert!(prompt.contains("S3 general purpose buckets should block public access"));
        assert!(prompt.contains("444455556666"), "{prompt}");
        assert!(prompt.contains("\"Owner\": \"payments\""), "{prompt}");
        for secret in ["Tr0ub4dor&3", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI"] {
            assert!(
                !prompt.contains(secret),
                "{secret} was sent to Bedrock:\n{prompt}"
            );
        }
        assert!(prompt.contains(crate::ai::redact::REDACTED));
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_is_retried_by_the_sdk_then_succeeds() {
        let rule = mock!(Client::converse)
            .sequence()
            .http_status(429, Some(THROTTLED.into()))
            .times(2)
            .output(answer)
            .build();
        let client = mock_client!(
            aws_sdk_bedrockruntime,
            RuleMode::Sequential,
            [&rule],
            configure
        );
        let started = tokio::time::Instant::now();
        let out = analyze(&services_with(client)).await.unwrap();
        assert_eq!(out["messages"]["ai"]["plaintext"], ANSWER);
        assert_eq!(rule.num_calls(), 3);
        // With backoff: the retries waited.
        assert!(started.elapsed() > Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_past_the_retries_is_the_named_error() {
        let rule = mock!(Client::converse)
            .sequence()
            .http_status(429, Some(THROTTLED.into()))
            .times(MAX_ATTEMPTS as usize + 1)
            .build();
        let client = mock_client!(
            aws_sdk_bedrockruntime,
            RuleMode::Sequential,
            [&rule],
            configure
        );
        let err = analyze(&services_with(client)).await.unwrap_err();
        assert_eq!(err.error, names::THROTTLING);
        assert_eq!(rule.num_calls(), MAX_ATTEMPTS as usize);
        assert!(err.cause.contains(MODEL), "{}", err.cause);
        assert!(err.cause.contains("ThrottlingException"), "{}", err.cause);
        assert!(err.cause.contains("incident_s3.txt"), "{}", err.cause);
    }

    #[tokio::test(start_paused = true)]
    async fn no_answer_within_600_s_is_the_named_timeout() {
        // An HTTP-level rule: a modeled output is answered by the mock without waiting for the HTTP
        // client, an HTTP response has to come through it.
        let rule = mock!(Client::converse)
            .sequence()
            .http_status(200, None)
            .build();
        // Bedrock never answers: the mock's HTTP client is replaced by one that never responds. It never
        // reads the request body either, which the SDK's stalled-upload protection would report as a
        // dispatch failure after a few seconds: that protection is off here, so only the timeout acts.
        let client = mock_client!(aws_sdk_bedrockruntime, RuleMode::Sequential, [&rule], |c| {
            configure(c).http_client(silent::Silent)
        });
        let started = tokio::time::Instant::now();
        let err = analyze(&services_with(client)).await.unwrap_err();
        assert_eq!(err.error, names::TIMEOUT);
        assert!(
            err.cause.contains("no answer within 600 s"),
            "{}",
            err.cause
        );
        let waited = started.elapsed();
        assert!(
            waited >= OPERATION_TIMEOUT && waited < OPERATION_TIMEOUT + Duration::from_secs(1),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn other_errors_are_failures() {
        let rule = mock!(Client::converse).then_error(|| {
            ConverseError::AccessDeniedException(
                aws_sdk_bedrockruntime::types::error::AccessDeniedException::builder()
                    .message("not allowed to invoke the model")
                    .build(),
            )
        });
        let client = mock_client!(
            aws_sdk_bedrockruntime,
            RuleMode::Sequential,
            [&rule],
            configure
        );
        let err = analyze(&services_with(client)).await.unwrap_err();
        assert_eq!(err.error, names::FAILED);
        assert!(err.cause.contains("not allowed"), "{}", err.cause);
    }

    /// An HTTP client that never answers.
    mod silent {
        use aws_smithy_runtime_api::client::http::{
            HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings,
            SharedHttpConnector,
        };
        use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
        use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

        #[derive(Debug, Clone, Copy)]
        pub(super) struct Silent;

        impl HttpConnector for Silent {
            fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
                HttpConnectorFuture::new(std::future::pending())
            }
        }

        impl HttpClient for Silent {
            fn http_connector(
                &self,
                _settings: &HttpConnectorSettings,
                _components: &RuntimeComponents,
            ) -> SharedHttpConnector {
                SharedHttpConnector::new(Silent)
            }
        }
    }
}
