//! [`SecurityHubFindings`](soar_aws::SecurityHubFindings) at the HTTP level, for what moto cannot show:
//! it has no `BatchUpdateFindings` and ignores `GetFindings`' filters. A fake HTTP connector records
//! every request the SDK sends (method, path, headers, body) and answers from a script, so these tests
//! check the exact JSON on the wire, the raw JSON coming back, retries and error mapping.
//!
//! A connector of our own rather than `aws-smithy-mocks` or `aws-smithy-http-client`'s test clients:
//! those need the `test-util` feature of `aws-smithy-http-client`, which changes the features of a
//! crate every SDK crate depends on, so the whole SDK would be compiled twice (once with it for tests,
//! once without for builds).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_securityhub::config::http::{HttpRequest, HttpResponse};
use aws_sdk_securityhub::config::{Credentials, SharedCredentialsProvider};
use aws_smithy_async::time::StaticTimeSource;
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, SharedHttpConnector, http_client_fn,
};
use aws_smithy_types::body::SdkBody;
use serde_json::{Value, json};
use soar_aws::AwsBackend;
use soar_store::StoreError;
use soar_store::findings::{
    BatchUpdateFindingsRequest, ChangeContext, FindingFilters, FindingIdentifier, FindingStore,
    GetFindingsRequest, NoteUpdate, SeverityUpdate, StringComparison, StringFilter, WorkflowUpdate,
};

const PRODUCT: &str = "arn:aws:securityhub:eu-west-1::product/aws/securityhub";

/// A request as the connector received it.
#[derive(Debug, Clone)]
struct Sent {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Sent {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// A scripted answer: status, `x-amzn-errortype` (for errors) and body.
type Answer = (u16, Option<&'static str>, String);

/// Records requests and answers them in order.
#[derive(Debug, Clone, Default)]
struct FakeSecurityHub {
    sent: Arc<Mutex<Vec<Sent>>>,
    answers: Arc<Mutex<VecDeque<Answer>>>,
}

impl FakeSecurityHub {
    fn answer(&self, status: u16, error_type: Option<&'static str>, body: Value) -> &Self {
        self.answers
            .lock()
            .unwrap()
            .push_back((status, error_type, body.to_string()));
        self
    }

    fn sent(&self) -> Vec<Sent> {
        self.sent.lock().unwrap().clone()
    }

    /// A backend whose SDK calls go to this fake: fixed region and credentials, and retries with
    /// a millisecond back-off so that tests of throttling are quick.
    fn backend(&self) -> AwsBackend {
        let fake = self.clone();
        let config = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "AKIDEXAMPLE",
                "secret",
                None,
                None,
                "test",
            )))
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(3)
                    .with_initial_backoff(Duration::from_millis(1))
                    .with_max_backoff(Duration::from_millis(5)),
            )
            .http_client(http_client_fn(move |_, _| {
                SharedHttpConnector::new(fake.clone())
            }))
            .build();
        AwsBackend::from_sdk_config(config).unwrap()
    }
}

impl HttpConnector for FakeSecurityHub {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        self.sent.lock().unwrap().push(Sent {
            method: request.method().to_owned(),
            path: request.uri().to_owned(),
            headers: request
                .headers()
                .iter()
                .map(|(key, value)| (key.to_owned(), value.to_owned()))
                .collect(),
            body: request.body().bytes().expect("an in-memory body").to_vec(),
        });
        let (status, error_type, body) = self
            .answers
            .lock()
            .unwrap()
            .pop_front()
            .expect("a scripted answer for every request");
        let mut response = HttpResponse::new(status.try_into().unwrap(), SdkBody::from(body));
        response
            .headers_mut()
            .insert("Content-Type", "application/json");
        if let Some(error_type) = error_type {
            response
                .headers_mut()
                .insert("x-amzn-errortype", error_type);
        }
        HttpConnectorFuture::ready(Ok(response))
    }
}

/// A finding with fields no SDK type models, and deep resource details (which the SDK's typed
/// deserializer would need a huge stack for, in debug builds).
fn finding(id: &str) -> Value {
    json!({
        "SchemaVersion": "2018-10-08",
        "Id": id,
        "ProductArn": PRODUCT,
        "AwsAccountId": "111122223333",
        "CreatedAt": "2026-11-23T12:00:00Z",
        "UpdatedAt": "2026-11-23T12:00:00Z",
        "Severity": {"Label": "CRITICAL", "Normalized": 90, "Original": "9.8"},
        "Title": "EC2 instances should not have a public IPv4 address",
        "Resources": [{
            "Type": "AwsEc2Instance",
            "Id": "arn:aws:ec2:eu-west-1:111122223333:instance/i-1",
            "Details": {"AwsEc2Instance": {
                "NetworkInterfaces": [{"NetworkInterfaceId": "eni-1"}],
                "MetadataOptions": {"HttpTokens": "required", "FutureOption": {"Nested": [1, 2]}}
            }}
        }],
        "Workflow": {"Status": "NEW"},
        "SoarUnknownField": {"List": [1, 2.5, null, true, "x"], "Number": 12345678901234i64}
    })
}

fn filter(value: &str, comparison: StringComparison) -> StringFilter {
    StringFilter {
        value: value.into(),
        comparison,
    }
}

/// GetFindings sends every filter, the page size and token, oldest first; the findings come back as
/// the raw JSON of the response, unknown fields and all.
#[test]
fn get_findings_sends_the_filters_and_returns_raw_json() {
    let fake = FakeSecurityHub::default();
    let findings = vec![finding("f-1"), finding("f-2")];
    fake.answer(
        200,
        None,
        json!({"Findings": findings, "NextToken": "page-3"}),
    );
    let store = fake.backend().findings();
    use StringComparison::*;
    let request = GetFindingsRequest {
        filters: FindingFilters {
            id: vec![filter("f-", Prefix)],
            aws_account_id: vec![
                filter("111122223333", Equals),
                filter("444455556666", Equals),
            ],
            product_arn: vec![filter("securityhub", Contains)],
            compliance_security_control_id: vec![filter("EC2.", PrefixNotEquals)],
            compliance_status: vec![filter("PASSED", NotEquals)],
            workflow_status: vec![filter("SUPPRESSED", NotEquals)],
            record_state: vec![filter("ACTIVE", Equals)],
            severity_label: vec![filter("LOW", NotContains)],
        },
        next_token: Some("page-2".into()),
        max_results: Some(50),
    };
    let page = store.get_findings(&request).unwrap();
    assert_eq!(page.findings, findings, "lossless");
    assert_eq!(page.next_token.as_deref(), Some("page-3"));

    let sent = fake.sent();
    assert_eq!(sent.len(), 1);
    let sent = &sent[0];
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        (
            "POST",
            "https://securityhub.eu-west-1.amazonaws.com/findings"
        )
    );
    assert_eq!(sent.header("content-type"), Some("application/json"));
    let authorization = sent.header("authorization").expect("signed");
    assert!(
        authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
            && authorization.contains("/eu-west-1/securityhub/aws4_request"),
        "{authorization}"
    );
    let filters = json!({
        "Id": [{"Value": "f-", "Comparison": "PREFIX"}],
        "AwsAccountId": [{"Value": "111122223333", "Comparison": "EQUALS"},
                         {"Value": "444455556666", "Comparison": "EQUALS"}],
        "ProductArn": [{"Value": "securityhub", "Comparison": "CONTAINS"}],
        "ComplianceSecurityControlId": [{"Value": "EC2.", "Comparison": "PREFIX_NOT_EQUALS"}],
        "ComplianceStatus": [{"Value": "PASSED", "Comparison": "NOT_EQUALS"}],
        "WorkflowStatus": [{"Value": "SUPPRESSED", "Comparison": "NOT_EQUALS"}],
        "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
        "SeverityLabel": [{"Value": "LOW", "Comparison": "NOT_CONTAINS"}]
    });
    assert_eq!(
        sent.json(),
        json!({
            "Filters": filters,
            "SortCriteria": [{"Field": "CreatedAt", "SortOrder": "asc"}],
            "NextToken": "page-2",
            "MaxResults": 50
        })
    );
    // soar-store's filters serialize to Security Hub's own JSON: the same thing.
    assert_eq!(serde_json::to_value(&request.filters).unwrap(), filters);

    // No filters, last page.
    fake.answer(200, None, json!({"Findings": []}));
    let page = store.get_findings(&GetFindingsRequest::default()).unwrap();
    assert_eq!((page.findings.len(), page.next_token), (0, None));
    assert_eq!(
        fake.sent()[1].json(),
        json!({"Filters": {}, "SortCriteria": [{"Field": "CreatedAt", "SortOrder": "asc"}]})
    );
}

/// get_finding filters on Id and ProductArn, and checks the identity of what comes back.
#[test]
fn get_finding_filters_on_the_identity() {
    let fake = FakeSecurityHub::default();
    fake.answer(
        200,
        None,
        json!({"Findings": [finding("other"), finding("f-1")]}),
    );
    let store = fake.backend().findings();
    let found = store
        .get_finding(&FindingIdentifier::new("f-1", PRODUCT))
        .unwrap();
    assert_eq!(found, Some(finding("f-1")));
    assert_eq!(
        fake.sent()[0].json()["Filters"],
        json!({"Id": [{"Value": "f-1", "Comparison": "EQUALS"}],
               "ProductArn": [{"Value": PRODUCT, "Comparison": "EQUALS"}]})
    );
    // Paged until found or no page is left.
    fake.answer(
        200,
        None,
        json!({"Findings": [finding("other")], "NextToken": "t"}),
    )
    .answer(200, None, json!({"Findings": []}));
    assert_eq!(
        store
            .get_finding(&FindingIdentifier::new("f-9", PRODUCT))
            .unwrap(),
        None
    );
    assert_eq!(fake.sent()[2].json()["NextToken"], "t");
}

/// BatchImportFindings sends the caller's JSON as it is, with a matching Content-Length, signed; a
/// throttled attempt is retried with the same body.
#[test]
fn batch_import_sends_the_raw_findings() {
    let fake = FakeSecurityHub::default();
    fake.answer(
        429,
        Some("TooManyRequestsException"),
        json!({"message": "Rate exceeded"}),
    )
    .answer(
        200,
        None,
        json!({"FailedCount": 1, "SuccessCount": 1,
               "FailedFindings": [{"Id": "f-2", "ErrorCode": "InvalidInput", "ErrorMessage": "bad"}]}),
    );
    let store = fake.backend().findings();
    let findings = [finding("f-1"), finding("f-2")];
    let response = store
        .batch_import_findings(&findings, &ChangeContext::provider())
        .unwrap();
    assert_eq!((response.success_count, response.failed_count), (1, 1));
    assert_eq!(response.failed_findings[0].id, "f-2");
    assert_eq!(response.failed_findings[0].error_code, "InvalidInput");
    assert_eq!(response.failed_findings[0].error_message, "bad");

    let sent = fake.sent();
    assert_eq!(sent.len(), 2, "retried once after the 429");
    for attempt in &sent {
        assert_eq!(attempt.method, "POST");
        assert!(
            attempt.path.ends_with("/findings/import"),
            "{}",
            attempt.path
        );
        assert_eq!(attempt.json(), json!({"Findings": findings}));
        assert_eq!(
            attempt.header("content-length"),
            Some(attempt.body.len().to_string().as_str())
        );
        assert!(attempt.header("authorization").is_some());
    }
}

/// The signature covers the findings, not the placeholder the SDK serialized: on a stopped clock, two
/// requests whose bodies differ only in content (same length) get different signatures, and the same
/// body gets the same one.
#[test]
fn batch_import_signs_the_raw_body() {
    let fake = FakeSecurityHub::default();
    let ok = json!({"FailedCount": 0, "SuccessCount": 1, "FailedFindings": []});
    for _ in 0..3 {
        fake.answer(200, None, ok.clone());
    }
    let backend = fake.backend();
    let stopped = backend
        .sdk_config()
        .to_builder()
        .time_source(StaticTimeSource::from_secs(1_795_000_000))
        .build();
    let store = AwsBackend::from_sdk_config(stopped).unwrap().findings();
    for id in ["f-a", "f-b", "f-a"] {
        store
            .batch_import_findings(&[finding(id)], &ChangeContext::provider())
            .unwrap();
    }
    let sent = fake.sent();
    let signature = |sent: &Sent| {
        let authorization = sent.header("authorization").unwrap();
        let signed_headers = authorization
            .split("SignedHeaders=")
            .nth(1)
            .and_then(|rest| rest.split(',').next())
            .unwrap();
        // Nothing random (such as amz-sdk-invocation-id) is signed, or this test would prove nothing.
        assert_eq!(
            signed_headers,
            "content-length;content-type;host;x-amz-date;x-amz-user-agent"
        );
        authorization
            .rsplit("Signature=")
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(sent[0].header("x-amz-date"), sent[1].header("x-amz-date"));
    assert_eq!(sent[0].body.len(), sent[1].body.len());
    assert_ne!(
        signature(&sent[0]),
        signature(&sent[1]),
        "the body is signed"
    );
    assert_eq!(signature(&sent[0]), signature(&sent[2]));
}

/// BatchUpdateFindings sends the typed request, which is soar-store's request JSON exactly, and maps
/// the processed and unprocessed findings.
#[test]
fn batch_update_sends_every_field() {
    let fake = FakeSecurityHub::default();
    fake.answer(
        200,
        None,
        json!({
            "ProcessedFindings": [{"Id": "f-1", "ProductArn": PRODUCT}],
            "UnprocessedFindings": [{"FindingIdentifier": {"Id": "f-9", "ProductArn": PRODUCT},
                                     "ErrorCode": "FindingNotFound", "ErrorMessage": "Finding Not Found"}]
        }),
    );
    let store = fake.backend().findings();
    let request = BatchUpdateFindingsRequest {
        finding_identifiers: vec![
            FindingIdentifier::new("f-1", PRODUCT),
            FindingIdentifier::new("f-9", PRODUCT),
        ],
        note: Some(NoteUpdate {
            text: "Ticket SEC-1 opened".into(),
            updated_by: "soar".into(),
        }),
        severity: Some(SeverityUpdate {
            normalized: Some(70),
            product: Some(7.5),
            label: Some("HIGH".into()),
        }),
        verification_state: Some("TRUE_POSITIVE".into()),
        confidence: Some(80),
        criticality: Some(60),
        types: Some(vec![
            "Software and Configuration Checks/Vulnerabilities/CVE".into(),
        ]),
        user_defined_fields: Some([("ticket".to_owned(), "SEC-1".to_owned())].into()),
        workflow: Some(WorkflowUpdate {
            status: Some("NOTIFIED".into()),
        }),
        related_findings: Some(vec![FindingIdentifier::new("f-2", PRODUCT)]),
    };
    let response = store
        .batch_update_findings(&request, &ChangeContext::new("soar"))
        .unwrap();
    assert_eq!(
        response.processed_findings,
        [FindingIdentifier::new("f-1", PRODUCT)]
    );
    assert_eq!(response.unprocessed_findings.len(), 1);
    let unprocessed = &response.unprocessed_findings[0];
    assert_eq!(
        unprocessed.finding_identifier,
        FindingIdentifier::new("f-9", PRODUCT)
    );
    assert_eq!(
        (
            unprocessed.error_code.as_str(),
            unprocessed.error_message.as_str()
        ),
        ("FindingNotFound", "Finding Not Found")
    );

    let sent = &fake.sent()[0];
    assert_eq!(sent.method, "PATCH");
    assert!(
        sent.path.ends_with("/findings/batchupdate"),
        "{}",
        sent.path
    );
    assert_eq!(
        sent.json(),
        json!({
            "FindingIdentifiers": [{"Id": "f-1", "ProductArn": PRODUCT}, {"Id": "f-9", "ProductArn": PRODUCT}],
            "Note": {"Text": "Ticket SEC-1 opened", "UpdatedBy": "soar"},
            "Severity": {"Normalized": 70, "Product": 7.5, "Label": "HIGH"},
            "VerificationState": "TRUE_POSITIVE",
            "Confidence": 80,
            "Criticality": 60,
            "Types": ["Software and Configuration Checks/Vulnerabilities/CVE"],
            "UserDefinedFields": {"ticket": "SEC-1"},
            "Workflow": {"Status": "NOTIFIED"},
            "RelatedFindings": [{"Id": "f-2", "ProductArn": PRODUCT}]
        })
    );
    // soar-store's request is Security Hub's JSON: nothing was lost on the way.
    assert_eq!(sent.json(), serde_json::to_value(&request).unwrap());

    // Only the identifiers and the workflow: nothing else is sent.
    fake.answer(
        200,
        None,
        json!({"ProcessedFindings": [], "UnprocessedFindings": []}),
    );
    store
        .batch_update_findings(
            &BatchUpdateFindingsRequest {
                finding_identifiers: vec![FindingIdentifier::new("f-1", PRODUCT)],
                workflow: Some(WorkflowUpdate {
                    status: Some("SUPPRESSED".into()),
                }),
                ..Default::default()
            },
            &ChangeContext::new("soar"),
        )
        .unwrap();
    assert_eq!(
        fake.sent()[1].json(),
        json!({"FindingIdentifiers": [{"Id": "f-1", "ProductArn": PRODUCT}],
               "Workflow": {"Status": "SUPPRESSED"}})
    );
}

/// TooManyRequestsException (HTTP 429) is retried by the SDK, then transient (`Store.Busy`);
/// InvalidInputException is the caller's error; other errors keep their code, also on GetFindings,
/// whose successful responses take another path.
#[test]
fn errors_are_mapped() {
    let fake = FakeSecurityHub::default();
    for _ in 0..3 {
        fake.answer(
            429,
            Some("TooManyRequestsException"),
            json!({"message": "Rate exceeded"}),
        );
    }
    let store = fake.backend().findings();
    let update = BatchUpdateFindingsRequest {
        finding_identifiers: vec![FindingIdentifier::new("f-1", PRODUCT)],
        workflow: Some(WorkflowUpdate {
            status: Some("NOTIFIED".into()),
        }),
        ..Default::default()
    };
    let err = store
        .batch_update_findings(&update, &ChangeContext::new("soar"))
        .unwrap_err();
    assert_eq!(fake.sent().len(), 3, "the SDK tried three times");
    assert!(err.is_transient(), "{err:?}");
    assert_eq!(err.error_name(), "Store.Busy");
    let source = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<soar_store::error::ServiceError>())
        .expect("a ServiceError source");
    assert_eq!(
        (source.service, source.code.as_deref()),
        ("SecurityHub", Some("TooManyRequestsException"))
    );
    assert_eq!(source.message, "Rate exceeded");

    fake.answer(
        400,
        Some("InvalidInputException"),
        json!({"Message": "Invalid workflow status BOGUS", "Code": "InvalidInputException"}),
    );
    let err = store
        .batch_update_findings(&update, &ChangeContext::new("soar"))
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidInput { .. }), "{err:?}");
    assert!(
        err.to_string().contains("Invalid workflow status BOGUS"),
        "{err}"
    );
    assert!(!err.is_transient());

    fake.answer(
        403,
        Some("AccessDeniedException"),
        json!({"Message": "not authorized"}),
    );
    let err = store
        .get_findings(&GetFindingsRequest::default())
        .unwrap_err();
    assert!(!err.is_transient(), "{err:?}");
    let source = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<soar_store::error::ServiceError>())
        .expect("a ServiceError source");
    assert_eq!(source.code.as_deref(), Some("AccessDeniedException"));

    // A 429 on GetFindings, then a page: retried, and the page is the second answer's.
    fake.answer(
        429,
        Some("TooManyRequestsException"),
        json!({"message": "Rate exceeded"}),
    )
    .answer(200, None, json!({"Findings": [finding("f-1")]}));
    let page = store.get_findings(&GetFindingsRequest::default()).unwrap();
    assert_eq!(page.findings, [finding("f-1")]);

    // More than 100 findings never reach Security Hub.
    let sent_before = fake.sent().len();
    let many: Vec<_> = (0..101).map(|i| finding(&format!("f-{i}"))).collect();
    assert!(matches!(
        store.batch_import_findings(&many, &ChangeContext::provider()),
        Err(StoreError::InvalidInput { .. })
    ));
    assert_eq!(fake.sent().len(), sent_before);
}
