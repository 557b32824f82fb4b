//! [`SecurityHubFindings`]: the [`FindingStore`] over AWS Security Hub.
//!
//! # Findings stay JSON
//!
//! The trait works on ASFF findings as JSON and must keep every field, the ones this crate has never
//! heard of included. The SDK's typed ASFF (`AwsSecurityFinding` and its hundreds of nested types) would
//! drop what it does not model and cost a conversion both ways. But ASFF JSON *is* Security Hub's wire
//! format (restJson1), so the findings travel as raw JSON while the SDK still does everything else
//! (endpoint resolution, SigV4 signing, retries, error parsing):
//!
//! * `BatchImportFindings` is sent with an empty typed finding list, and an interceptor
//!   ([`Intercept::modify_before_retry_loop`], after serialization and before the attempts, each of
//!   which is signed) replaces the serialized body with `{"Findings": [...]}` written from the caller's
//!   JSON, and sets `Content-Length` to match. Every attempt signs and sends that body.
//! * `GetFindings` is sent with typed filters (only string filters; see [`FindingFilters`]). For a
//!   successful response, an interceptor ([`Intercept::modify_before_deserialization`]) puts a body
//!   of ours in front of the response body: as the SDK reads it, every byte is copied aside and the
//!   SDK itself gets `{}`, an empty typed output. The findings and `NextToken` are read from the copy.
//!   So the findings are never deserialized into the SDK's ASFF types (in debug builds those need more
//!   than 8 MiB of stack for one finding with resource details). Error responses are left alone and
//!   parsed by the SDK as usual.
//! * `BatchUpdateFindings` has a small typed request and response, so it uses them.
//!
//! # Differences from the embedded store
//!
//! * The [`ChangeContext`] is not sent anywhere: on AWS, changes reach SOAR through EventBridge, and
//!   Security Hub records who changed a finding itself. There is no [`FindingChangeFeed`].
//! * [`BatchImportFindingsResponse::outcomes`] is empty: Security Hub says which findings failed, not
//!   which were created, updated or ignored.
//! * `GetFindings` asks for the findings oldest first (`SortCriteria` `CreatedAt` ascending), the closest
//!   Security Hub has to the embedded store's creation order.
//!
//! # Errors
//!
//! `InvalidInputException` (a request Security Hub refused as a whole, e.g. an unknown workflow status)
//! is [`StoreError::InvalidInput`]; everything else is mapped as in the rest of the crate:
//! `TooManyRequestsException` (HTTP 429) and 5xx are transient.
//!
//! [`FindingChangeFeed`]: soar_store::FindingChangeFeed

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use aws_sdk_securityhub::Client;
use aws_sdk_securityhub::config::http::HttpResponse;
use aws_sdk_securityhub::config::interceptors::{
    BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextMut,
};
use aws_sdk_securityhub::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_securityhub::error::{BoxError, ProvideErrorMetadata, SdkError};
use aws_sdk_securityhub::types::{
    AwsSecurityFindingFilters, AwsSecurityFindingIdentifier, NoteUpdate, RelatedFinding,
    SeverityLabel, SeverityUpdate, SortCriterion, SortOrder, StringFilterComparison,
    VerificationState, WorkflowStatus, WorkflowUpdate,
};
use aws_smithy_types::body::SdkBody;
use bytes::Bytes;
use http_body::Frame;
use serde_json::Value;
use soar_store::findings::{
    BatchImportFindingsResponse, BatchUpdateFindingsRequest, BatchUpdateFindingsResponse,
    ChangeContext, FindingFilters, FindingIdentifier, FindingStore, GetFindingsRequest,
    GetFindingsResponse, ImportFailure, StringComparison, StringFilter, UnprocessedFinding,
};
use soar_store::{Result, StoreError};

use crate::{AwsBackend, backend_error};

const SERVICE: &str = "SecurityHub";
/// `BatchImportFindings` takes at most this many findings.
const MAX_IMPORT: usize = 100;

/// A [`FindingStore`] over Security Hub's `BatchImportFindings`, `BatchUpdateFindings` and `GetFindings`,
/// findings kept as raw JSON; see the module docs.
#[derive(Clone, Debug)]
pub struct SecurityHubFindings {
    backend: AwsBackend,
    client: Client,
}

impl SecurityHubFindings {
    /// Security Hub in the backend's account and region.
    pub fn new(backend: &AwsBackend) -> Self {
        SecurityHubFindings {
            backend: backend.clone(),
            client: Client::new(backend.sdk_config()),
        }
    }
}

/// Replaces the serialized request body with these bytes (raw JSON).
#[derive(Debug)]
struct RawRequestBody(Vec<u8>);

impl Intercept for RawRequestBody {
    fn name(&self) -> &'static str {
        "SoarRawRequestBody"
    }

    // Once, before the retry loop: every attempt clones this request, then signs it (so the signature
    // covers the new body).
    fn modify_before_retry_loop(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> std::result::Result<(), BoxError> {
        let request = context.request_mut();
        *request.body_mut() = SdkBody::from(self.0.clone());
        // The serializer set the length of the placeholder's body.
        request
            .headers_mut()
            .insert("Content-Length", self.0.len().to_string());
        Ok(())
    }
}

/// GetFindings' raw response body. An interceptor ([`Intercept::modify_before_deserialization`])
/// puts a [`TeeBody`] in front of a successful response's body: the SDK reads `{}` (an empty output)
/// while the real bytes land here.
#[derive(Clone, Debug, Default)]
struct RawFindingsResponse(Arc<Mutex<Vec<u8>>>);

impl RawFindingsResponse {
    fn buffer(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Intercept for RawFindingsResponse {
    fn name(&self) -> &'static str {
        "SoarRawFindingsResponse"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> std::result::Result<(), BoxError> {
        let response = context.response_mut();
        // Error responses go to the SDK's deserializer untouched, so they are parsed as usual.
        if !response.status().is_success() {
            return Ok(());
        }
        // A new attempt (after a body that broke off, say) starts from nothing.
        self.buffer().clear();
        let inner = std::mem::replace(response.body_mut(), SdkBody::taken());
        *response.body_mut() = SdkBody::from_body_1_x(TeeBody {
            inner,
            sink: self.clone(),
            finished: false,
        });
        response.headers_mut().remove("Content-Length");
        Ok(())
    }
}

/// A response body that copies every byte of `inner` to `sink` and yields only `{}`, so the findings
/// are never deserialized into the SDK's ASFF types: that would be wasted work, and in debug builds
/// those deeply nested deserializers need more than 8 MiB of stack for one finding with resource
/// details.
struct TeeBody {
    inner: SdkBody,
    sink: RawFindingsResponse,
    finished: bool,
}

impl http_body::Body for TeeBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        if this.finished {
            return Poll::Ready(None);
        }
        loop {
            match Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => {
                    // A JSON response has no trailers worth keeping.
                    if let Ok(data) = frame.into_data() {
                        this.sink.buffer().extend_from_slice(&data);
                    }
                }
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(None) => {
                    this.finished = true;
                    return Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"{}")))));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// Maps an SDK error: `InvalidInputException` is the caller's fault ([`StoreError::InvalidInput`]).
fn error<E>(
    what: &'static str,
    op: &'static str,
    key: &str,
    error: SdkError<E, HttpResponse>,
) -> StoreError
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
{
    if error.code() == Some("InvalidInputException") {
        let message = error.message().unwrap_or("invalid input").to_owned();
        return StoreError::invalid(what, key, message);
    }
    backend_error(SERVICE, op, key, error)
}

fn malformed(op: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::Backend {
        op,
        key: "response".to_owned(),
        source: message.into().into(),
    }
}

/// `{"Findings": [...]}`, written from the findings as they are.
fn import_body(findings: &[Value]) -> Result<Vec<u8>> {
    let mut body = b"{\"Findings\":".to_vec();
    serde_json::to_writer(&mut body, findings).map_err(|e| StoreError::Json {
        what: "findings",
        key: "BatchImportFindings".to_owned(),
        source: e,
    })?;
    body.push(b'}');
    Ok(body)
}

fn comparison(comparison: StringComparison) -> StringFilterComparison {
    match comparison {
        StringComparison::Equals => StringFilterComparison::Equals,
        StringComparison::Prefix => StringFilterComparison::Prefix,
        StringComparison::Contains => StringFilterComparison::Contains,
        StringComparison::NotEquals => StringFilterComparison::NotEquals,
        StringComparison::PrefixNotEquals => StringFilterComparison::PrefixNotEquals,
        StringComparison::NotContains => StringFilterComparison::NotContains,
    }
}

fn string_filters(
    filters: &[StringFilter],
) -> Option<Vec<aws_sdk_securityhub::types::StringFilter>> {
    (!filters.is_empty()).then(|| {
        filters
            .iter()
            .map(|filter| {
                aws_sdk_securityhub::types::StringFilter::builder()
                    .value(&filter.value)
                    .comparison(comparison(filter.comparison))
                    .build()
            })
            .collect()
    })
}

/// Security Hub's filters for ours.
fn aws_filters(filters: &FindingFilters) -> AwsSecurityFindingFilters {
    // Destructured without `..`: a filter added to `FindingFilters` must be added here too, not
    // silently dropped.
    let FindingFilters {
        id,
        aws_account_id,
        product_arn,
        compliance_security_control_id,
        compliance_status,
        workflow_status,
        record_state,
        severity_label,
    } = filters;
    AwsSecurityFindingFilters::builder()
        .set_id(string_filters(id))
        .set_aws_account_id(string_filters(aws_account_id))
        .set_product_arn(string_filters(product_arn))
        .set_compliance_security_control_id(string_filters(compliance_security_control_id))
        .set_compliance_status(string_filters(compliance_status))
        .set_workflow_status(string_filters(workflow_status))
        .set_record_state(string_filters(record_state))
        .set_severity_label(string_filters(severity_label))
        .build()
}

/// One `GetFindings` call: the page's findings as raw JSON, and the next token.
async fn get_findings_page(
    client: &Client,
    request: GetFindingsRequest,
    op: &'static str,
) -> Result<GetFindingsResponse> {
    let max_results = request
        .max_results
        .map(|max| {
            i32::try_from(max)
                .map_err(|_| StoreError::invalid("GetFindings request", "MaxResults", "too large"))
        })
        .transpose()?;
    let raw = RawFindingsResponse::default();
    client
        .get_findings()
        .filters(aws_filters(&request.filters))
        .sort_criteria(
            SortCriterion::builder()
                .field("CreatedAt")
                .sort_order(SortOrder::Ascending)
                .build(),
        )
        .set_next_token(request.next_token)
        .set_max_results(max_results)
        .customize()
        .interceptor(raw.clone())
        .send()
        .await
        .map_err(|e| error("GetFindings request", op, "filters", e))?;
    let body = std::mem::take(&mut *raw.buffer());
    let mut page: serde_json::Map<String, Value> =
        serde_json::from_slice(&body).map_err(|e| StoreError::Json {
            what: "GetFindings response",
            key: "response".to_owned(),
            source: e,
        })?;
    let findings = match page.remove("Findings") {
        Some(Value::Array(findings)) => findings,
        None | Some(Value::Null) => Vec::new(),
        Some(_) => return Err(malformed(op, "Findings is not a list")),
    };
    let next_token = match page.remove("NextToken") {
        Some(Value::String(token)) if !token.is_empty() => Some(token),
        _ => None,
    };
    Ok(GetFindingsResponse {
        findings,
        next_token,
    })
}

fn identifier(id: &FindingIdentifier) -> AwsSecurityFindingIdentifier {
    AwsSecurityFindingIdentifier::builder()
        .id(&id.id)
        .product_arn(&id.product_arn)
        .build()
}

fn from_identifier(id: Option<AwsSecurityFindingIdentifier>) -> FindingIdentifier {
    let id = id.unwrap_or_else(|| AwsSecurityFindingIdentifier::builder().build());
    FindingIdentifier {
        id: id.id.unwrap_or_default(),
        product_arn: id.product_arn.unwrap_or_default(),
    }
}

fn percent(name: &'static str, value: Option<i64>) -> Result<Option<i32>> {
    value
        .map(|value| {
            i32::try_from(value).map_err(|_| {
                StoreError::invalid("BatchUpdateFindings request", name, "out of range")
            })
        })
        .transpose()
}

impl FindingStore for SecurityHubFindings {
    fn batch_import_findings(
        &self,
        findings: &[Value],
        _context: &ChangeContext,
    ) -> Result<BatchImportFindingsResponse> {
        const OP: &str = "BatchImportFindings";
        if findings.len() > MAX_IMPORT {
            return Err(StoreError::invalid(
                "BatchImportFindings request",
                "Findings",
                format!(
                    "{} findings: at most {MAX_IMPORT} per request",
                    findings.len()
                ),
            ));
        }
        if findings.is_empty() {
            return Ok(BatchImportFindingsResponse::default());
        }
        let body = import_body(findings)?;
        let request = self
            .client
            .batch_import_findings()
            // A placeholder: the interceptor sends the findings as they are.
            .set_findings(Some(Vec::new()))
            .customize()
            .interceptor(RawRequestBody(body));
        let output = self.backend.run(async move {
            request
                .send()
                .await
                .map_err(|e| error("BatchImportFindings request", OP, "batch", e))
        })??;
        let count = |count: Option<i32>| u32::try_from(count.unwrap_or(0)).unwrap_or(0);
        Ok(BatchImportFindingsResponse {
            failed_count: count(output.failed_count),
            success_count: count(output.success_count),
            failed_findings: output
                .failed_findings
                .unwrap_or_default()
                .into_iter()
                .map(|failure| ImportFailure {
                    id: failure.id.unwrap_or_default(),
                    error_code: failure.error_code.unwrap_or_default(),
                    error_message: failure.error_message.unwrap_or_default(),
                })
                .collect(),
            // Security Hub does not say which findings were created, updated or ignored.
            outcomes: Vec::new(),
        })
    }

    fn batch_update_findings(
        &self,
        request: &BatchUpdateFindingsRequest,
        _context: &ChangeContext,
    ) -> Result<BatchUpdateFindingsResponse> {
        const OP: &str = "BatchUpdateFindings";
        // Destructured without `..`, like the filters: a new field must be sent, not dropped.
        let BatchUpdateFindingsRequest {
            finding_identifiers,
            note,
            severity,
            verification_state,
            confidence,
            criticality,
            types,
            user_defined_fields,
            workflow,
            related_findings,
        } = request;
        let severity = match severity {
            Some(severity) => Some(
                SeverityUpdate::builder()
                    .set_normalized(percent("Severity.Normalized", severity.normalized)?)
                    .set_product(severity.product)
                    .set_label(severity.label.as_deref().map(SeverityLabel::from))
                    .build(),
            ),
            None => None,
        };
        let call = self
            .client
            .batch_update_findings()
            .set_finding_identifiers(Some(finding_identifiers.iter().map(identifier).collect()))
            .set_note(note.as_ref().map(|note| {
                NoteUpdate::builder()
                    .text(&note.text)
                    .updated_by(&note.updated_by)
                    .build()
            }))
            .set_severity(severity)
            .set_verification_state(verification_state.as_deref().map(VerificationState::from))
            .set_confidence(percent("Confidence", *confidence)?)
            .set_criticality(percent("Criticality", *criticality)?)
            .set_types(types.clone())
            .set_user_defined_fields(
                user_defined_fields
                    .as_ref()
                    .map(|fields| fields.clone().into_iter().collect()),
            )
            .set_workflow(workflow.as_ref().map(|workflow| {
                WorkflowUpdate::builder()
                    .set_status(workflow.status.as_deref().map(WorkflowStatus::from))
                    .build()
            }))
            .set_related_findings(related_findings.as_ref().map(|related| {
                related
                    .iter()
                    .map(|id| {
                        RelatedFinding::builder()
                            .id(&id.id)
                            .product_arn(&id.product_arn)
                            .build()
                    })
                    .collect()
            }));
        let output = self.backend.run(async move {
            call.send()
                .await
                .map_err(|e| error("BatchUpdateFindings request", OP, "batch", e))
        })??;
        Ok(BatchUpdateFindingsResponse {
            processed_findings: output
                .processed_findings
                .unwrap_or_default()
                .into_iter()
                .map(|id| from_identifier(Some(id)))
                .collect(),
            unprocessed_findings: output
                .unprocessed_findings
                .unwrap_or_default()
                .into_iter()
                .map(|unprocessed| UnprocessedFinding {
                    finding_identifier: from_identifier(unprocessed.finding_identifier),
                    error_code: unprocessed.error_code.unwrap_or_default(),
                    error_message: unprocessed.error_message.unwrap_or_default(),
                })
                .collect(),
        })
    }

    fn get_findings(&self, request: &GetFindingsRequest) -> Result<GetFindingsResponse> {
        let client = self.client.clone();
        let request = request.clone();
        self.backend
            .run(async move { get_findings_page(&client, request, "GetFindings").await })?
    }

    fn get_finding(&self, wanted: &FindingIdentifier) -> Result<Option<Value>> {
        const OP: &str = "GetFindings (one finding)";
        let client = self.client.clone();
        let wanted = wanted.clone();
        self.backend.run(async move {
            let mut request = GetFindingsRequest {
                filters: FindingFilters {
                    id: vec![StringFilter::equals(&wanted.id)],
                    product_arn: vec![StringFilter::equals(&wanted.product_arn)],
                    ..FindingFilters::default()
                },
                next_token: None,
                max_results: None,
            };
            // The filters select at most one finding; its identity is checked again here all the
            // same, so that an endpoint that ignores filters (moto) cannot return another one.
            loop {
                let page = get_findings_page(&client, request.clone(), OP).await?;
                let found = page.findings.into_iter().find(|finding| {
                    finding.get("Id").and_then(Value::as_str) == Some(&wanted.id)
                        && finding.get("ProductArn").and_then(Value::as_str)
                            == Some(&wanted.product_arn)
                });
                if found.is_some() || page.next_token.is_none() {
                    return Ok(found);
                }
                request.next_token = page.next_token;
            }
        })?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn import_body_is_the_findings_as_they_are() {
        let findings = [
            json!({"Id": "a", "Unknown": {"Nested": [1, 2.5, null]}}),
            json!({"Id": "b"}),
        ];
        let body = import_body(&findings).unwrap();
        let parsed: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(parsed, json!({"Findings": findings}));
    }

    #[test]
    fn every_comparison_has_its_aws_name() {
        for (ours, name) in [
            (StringComparison::Equals, "EQUALS"),
            (StringComparison::Prefix, "PREFIX"),
            (StringComparison::Contains, "CONTAINS"),
            (StringComparison::NotEquals, "NOT_EQUALS"),
            (StringComparison::PrefixNotEquals, "PREFIX_NOT_EQUALS"),
            (StringComparison::NotContains, "NOT_CONTAINS"),
        ] {
            assert_eq!(comparison(ours).as_str(), name);
            assert_eq!(serde_json::to_value(ours).unwrap(), name);
        }
    }
}
