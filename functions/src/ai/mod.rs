//! AI analysis of incidents: the prompt of the incident's type (`ai-prompts/`, embedded) is filled from
//! the scratchpad with its secrets redacted, and an [`Analyst`] answers in plain text and HTML, which
//! [`analyze_incident`] puts into `messages.ai`.
//!
//! Two analysts:
//! - [`BedrockAnalyst`]: Amazon Bedrock's Converse API with the model `SOAR_BEDROCK_MODEL_ID`
//!   (template.yaml's `BedrockModelId`), a 600 s operation timeout, throttling retried by the SDK with
//!   backoff and then raised as [`names::THROTTLING`] for the state machine to retry.
//! - [`LocalAnalyst`] (the embedded default, and on AWS without a model id): a deterministic summary
//!   built from the same context, marked as not AI-generated.
//!
//! Modules: [`prompts`] (the files and the placeholder syntax), [`context`] (what prompts are filled
//! from), [`redact`] (no secret reaches a prompt), [`local`], [`bedrock`], [`analyze_incident`].

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

pub mod analyze_incident;
pub mod bedrock;
pub mod context;
pub mod local;
pub mod prompts;
pub mod redact;

pub use bedrock::BedrockAnalyst;
pub use local::LocalAnalyst;

use crate::TaskError;
use crate::tickets::escape_html;

/// The error names the AI tasks raise.
pub mod names {
    /// Bedrock kept throttling after the SDK's retries: the state machine retries later.
    pub const THROTTLING: &str = "AI.Throttling";
    /// Bedrock did not answer within the operation timeout (600 s).
    pub const TIMEOUT: &str = "AI.Timeout";
    /// Bedrock refused or failed otherwise (access denied, unknown model, no text in the answer).
    pub const FAILED: &str = "AI.Failed";
    /// A prompt could not be filled (a placeholder names nothing in the context).
    pub const PROMPT: &str = "AI.PromptError";
}

/// What an analyst is asked.
#[derive(Debug, Clone)]
pub struct Request {
    /// The prompt file it was filled from.
    pub prompt_file: &'static str,
    /// The filled prompt (secrets redacted).
    pub prompt: String,
    /// The redacted context the prompt was filled from.
    pub context: Value,
}

/// An analyst's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    /// For plain-text e-mails and tickets.
    pub plaintext: String,
    /// The same, as an HTML fragment (everything escaped).
    pub html: String,
    /// Who wrote it: `bedrock` or `local`.
    pub analyst: &'static str,
    /// The model, for Bedrock.
    pub model: Option<String>,
}

/// A running analysis.
pub type AnalysisFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Analysis, TaskError>> + Send + 'a>>;

/// Writes the analysis of an incident.
pub trait Analyst: Send + Sync {
    /// Answers `request`; a failure is a [`TaskError`] named from [`names`].
    fn analyze<'a>(&'a self, request: &'a Request) -> AnalysisFuture<'a>;
}

/// Plain text as an HTML fragment: paragraphs at blank lines, line breaks kept, everything escaped
/// (the model read attacker-influenced text, so its answer is never trusted as markup).
pub fn text_to_html(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lines: Vec<String> = p.lines().map(escape_html).collect();
            format!("<p>{}</p>", lines.join("<br>\n"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_paragraphs() {
        assert_eq!(
            text_to_html("A <b>bold</b> claim.\nSecond line.\n\n- x & y\n"),
            "<p>A &lt;b&gt;bold&lt;/b&gt; claim.<br>\nSecond line.</p>\n<p>- x &amp; y</p>"
        );
    }
}
