//! [`FindingStore`] and [`FindingChangeFeed`] over SQLite.

use std::collections::HashMap;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde_json::Value;

use super::LocalStore;
use super::stored::db;
use super::stored::{from_db, to_db};
use super::tickets::bad_text;
use crate::error::{Result, StoreError};
use crate::findings::asff::MAX_BATCH;
use crate::findings::{
    BatchImportFindingsResponse, BatchUpdateFindingsRequest, BatchUpdateFindingsResponse,
    ChangeContext, ChangeKind, FindingChange, FindingChangeFeed, FindingFilters, FindingIdentifier,
    FindingStore, GetFindingsRequest, GetFindingsResponse, ImportOutcome, StringComparison,
    UnprocessedFinding, apply_update, changed_fields, merge_import, prepare_new, validate_import,
    validate_update,
};
use crate::timefmt::parse_timestamp;

/// The fields of a finding the store indexes, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Indexed {
    aws_account_id: Option<String>,
    control_id: Option<String>,
    compliance_status: Option<String>,
    workflow_status: Option<String>,
    record_state: Option<String>,
    severity_label: Option<String>,
    updated_at: String,
}

impl Indexed {
    fn of(finding: &Value) -> Self {
        let text = |pointer: &str| finding.pointer(pointer).and_then(Value::as_str);
        let get = |pointer: &str| text(pointer).map(str::to_owned);
        let updated_at = text("/UpdatedAt").unwrap_or_default();
        Indexed {
            aws_account_id: get("/AwsAccountId"),
            control_id: get("/Compliance/SecurityControlId"),
            compliance_status: get("/Compliance/Status"),
            workflow_status: get("/Workflow/Status"),
            record_state: get("/RecordState"),
            severity_label: get("/Severity/Label"),
            updated_at: parse_timestamp(updated_at).map_or_else(|| updated_at.to_owned(), to_db),
        }
    }
}

/// A stored finding row.
struct Stored {
    seq: i64,
    updated_at: String,
    set_by_update: u8,
    doc: Value,
}

fn load(conn: &Connection, identifier: &FindingIdentifier) -> Result<Option<Stored>> {
    let key = identifier.id.as_str();
    let row: Option<(i64, String, i64, String)> = conn
        .prepare_cached("SELECT seq, updated_at, set_by_update, doc FROM findings WHERE id = ?1 AND product_arn = ?2")
        .and_then(|mut s| {
            s.query_row(params![identifier.id, identifier.product_arn], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .optional()
        })
        .map_err(db("read finding", key))?;
    row.map(|(seq, updated_at, set_by_update, doc)| {
        let doc = serde_json::from_str(&doc).map_err(|e| StoreError::Json {
            what: "stored finding",
            key: key.to_owned(),
            source: e,
        })?;
        Ok(Stored {
            seq,
            updated_at,
            set_by_update: u8::try_from(set_by_update).unwrap_or(u8::MAX),
            doc,
        })
    })
    .transpose()
}

fn to_text(doc: &Value, key: &str) -> Result<String> {
    serde_json::to_string(doc).map_err(|e| StoreError::Json {
        what: "finding",
        key: key.to_owned(),
        source: e,
    })
}

/// Stores a new finding; returns its JSON text (what the change feed records too).
fn insert(conn: &Connection, identifier: &FindingIdentifier, doc: &Value) -> Result<String> {
    let key = identifier.id.as_str();
    let indexed = Indexed::of(doc);
    let text = to_text(doc, key)?;
    conn.prepare_cached(
        "INSERT INTO findings (id, product_arn, aws_account_id, control_id, compliance_status, workflow_status,
                               record_state, severity_label, updated_at, set_by_update, doc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10)",
    )
    .and_then(|mut s| {
        s.execute(params![
            identifier.id,
            identifier.product_arn,
            indexed.aws_account_id,
            indexed.control_id,
            indexed.compliance_status,
            indexed.workflow_status,
            indexed.record_state,
            indexed.severity_label,
            indexed.updated_at,
            text,
        ])
    })
    .map_err(db("create finding", key))?;
    Ok(text)
}

/// Replaces a stored finding; returns its JSON text (what the change feed records too).
fn update(
    conn: &Connection,
    seq: i64,
    key: &str,
    set_by_update: u8,
    doc: &Value,
) -> Result<String> {
    let indexed = Indexed::of(doc);
    let text = to_text(doc, key)?;
    conn.prepare_cached(
        "UPDATE findings SET aws_account_id = ?2, control_id = ?3, compliance_status = ?4, workflow_status = ?5,
                             record_state = ?6, severity_label = ?7, updated_at = ?8, set_by_update = ?9, doc = ?10
         WHERE seq = ?1",
    )
    .and_then(|mut s| {
        s.execute(params![
            seq,
            indexed.aws_account_id,
            indexed.control_id,
            indexed.compliance_status,
            indexed.workflow_status,
            indexed.record_state,
            indexed.severity_label,
            indexed.updated_at,
            set_by_update,
            text,
        ])
    })
    .map_err(db("update finding", key))?;
    Ok(text)
}

/// The depth of a change caused by `caused_by` (a cause no longer in the feed counts as depth 0).
fn depth_after(conn: &Connection, caused_by: Option<u64>) -> Result<u32> {
    let Some(cause) = caused_by else { return Ok(0) };
    let depth: Option<u32> = conn
        .prepare_cached("SELECT depth FROM finding_changes WHERE seq = ?1")
        .and_then(|mut s| {
            s.query_row([i64::try_from(cause).unwrap_or(i64::MAX)], |row| row.get(0))
                .optional()
        })
        .map_err(db("read change", &cause.to_string()))?;
    Ok(depth.unwrap_or(0).saturating_add(1))
}

struct NewChange<'a> {
    at: &'a str,
    identifier: &'a FindingIdentifier,
    kind: ChangeKind,
    context: &'a ChangeContext,
    depth: u32,
    changed_fields: &'a [String],
    /// The finding as stored, JSON text.
    doc: &'a str,
}

fn append_change(conn: &Connection, change: NewChange<'_>) -> Result<()> {
    let key = change.identifier.id.as_str();
    let fields = serde_json::to_string(change.changed_fields).map_err(|e| StoreError::Json {
        what: "changed fields",
        key: key.to_owned(),
        source: e,
    })?;
    let text = change.doc;
    conn.prepare_cached(
        "INSERT INTO finding_changes (at, finding_id, product_arn, kind, actor, caused_by, depth, changed_fields, doc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .and_then(|mut s| {
        s.execute(params![
            change.at,
            change.identifier.id,
            change.identifier.product_arn,
            change.kind.as_str(),
            change.context.actor,
            change.context.caused_by.map(|seq| i64::try_from(seq).unwrap_or(i64::MAX)),
            change.depth,
            fields,
            text,
        ])
    })
    .map_err(db("record finding change", key))?;
    Ok(())
}

/// The SQL condition and parameters for the filters (parameters numbered from `first`).
fn filter_sql(filters: &FindingFilters, params: &mut Vec<SqlValue>) -> String {
    let mut conditions = Vec::new();
    for (field, list) in filters.fields() {
        if list.is_empty() {
            continue;
        }
        let column = format!("coalesce({}, '')", field.column());
        let mut positive = Vec::new();
        let mut negative = Vec::new();
        for filter in list {
            params.push(SqlValue::Text(filter.value.clone()));
            let p = format!("?{}", params.len());
            let condition = match filter.comparison {
                StringComparison::Equals => format!("{column} = {p}"),
                StringComparison::NotEquals => format!("{column} <> {p}"),
                StringComparison::Prefix => format!("substr({column}, 1, length({p})) = {p}"),
                StringComparison::PrefixNotEquals => {
                    format!("substr({column}, 1, length({p})) <> {p}")
                }
                StringComparison::Contains => format!("instr({column}, {p}) > 0"),
                StringComparison::NotContains => format!("instr({column}, {p}) = 0"),
            };
            if filter.comparison.is_negative() {
                negative.push(condition)
            } else {
                positive.push(condition)
            }
        }
        if !positive.is_empty() {
            conditions.push(format!("({})", positive.join(" OR ")));
        }
        conditions.extend(negative);
    }
    if conditions.is_empty() {
        "1".to_owned()
    } else {
        conditions.join(" AND ")
    }
}

const TOKEN_PREFIX: &str = "soar-local-";

fn row_to_change(row: &rusqlite::Row<'_>) -> rusqlite::Result<(FindingChange, String, String)> {
    let at: String = row.get(1)?;
    let kind: String = row.get(4)?;
    Ok((
        FindingChange {
            seq: row.get::<_, i64>(0)?.try_into().unwrap_or_default(),
            at: from_db(&at)?,
            identifier: FindingIdentifier {
                id: row.get(2)?,
                product_arn: row.get(3)?,
            },
            kind: ChangeKind::parse(&kind).ok_or_else(|| bad_text(4, &kind))?,
            actor: row.get(5)?,
            caused_by: row
                .get::<_, Option<i64>>(6)?
                .map(|seq| seq.try_into().unwrap_or_default()),
            depth: row.get(7)?,
            changed_fields: Vec::new(),
            finding: Value::Null,
        },
        row.get(8)?,
        row.get(9)?,
    ))
}

impl FindingStore for LocalStore {
    fn batch_import_findings(
        &self,
        findings: &[Value],
        context: &ChangeContext,
    ) -> Result<BatchImportFindingsResponse> {
        if findings.len() > MAX_BATCH {
            return Err(StoreError::invalid(
                "BatchImportFindings request",
                "Findings",
                format!(
                    "at most {MAX_BATCH} findings per request, got {}",
                    findings.len()
                ),
            ));
        }
        let now = self.now();
        let at = to_db(now);
        let key = findings
            .first()
            .and_then(|f| f.get("Id"))
            .and_then(Value::as_str)
            .unwrap_or("batch")
            .to_owned();
        self.write("import findings", &key, |tx| {
            let depth = depth_after(tx, context.caused_by)?;
            let mut response = BatchImportFindingsResponse::default();
            for finding in findings {
                let check = match validate_import(finding) {
                    Ok(check) => check,
                    Err(failure) => {
                        response.failed_findings.push(failure);
                        response.outcomes.push(ImportOutcome::Failed);
                        continue;
                    }
                };
                let identifier = &check.identifier;
                let outcome = match load(tx, identifier)? {
                    None => {
                        let doc = prepare_new(finding.clone(), now);
                        let text = insert(tx, identifier, &doc)?;
                        let fields: Vec<String> = doc
                            .as_object()
                            .into_iter()
                            .flat_map(|o| o.keys())
                            .filter(|k| *k != "ProcessedAt")
                            .cloned()
                            .collect();
                        let change = NewChange {
                            at: &at,
                            identifier,
                            kind: ChangeKind::Created,
                            context,
                            depth,
                            changed_fields: &fields,
                            doc: &text,
                        };
                        append_change(tx, change)?;
                        ImportOutcome::Created
                    }
                    Some(stored) if to_db(check.updated_at) <= stored.updated_at => {
                        ImportOutcome::Ignored
                    }
                    Some(stored) => {
                        let doc =
                            merge_import(&stored.doc, finding.clone(), stored.set_by_update, now);
                        let text =
                            update(tx, stored.seq, &identifier.id, stored.set_by_update, &doc)?;
                        let fields = changed_fields(&stored.doc, &doc);
                        let change = NewChange {
                            at: &at,
                            identifier,
                            kind: ChangeKind::Imported,
                            context,
                            depth,
                            changed_fields: &fields,
                            doc: &text,
                        };
                        append_change(tx, change)?;
                        ImportOutcome::Updated
                    }
                };
                response.outcomes.push(outcome);
            }
            response.failed_count =
                u32::try_from(response.failed_findings.len()).unwrap_or(u32::MAX);
            response.success_count =
                u32::try_from(findings.len()).unwrap_or(u32::MAX) - response.failed_count;
            Ok(response)
        })
    }

    fn batch_update_findings(
        &self,
        request: &BatchUpdateFindingsRequest,
        context: &ChangeContext,
    ) -> Result<BatchUpdateFindingsResponse> {
        validate_update(request)?;
        let now = self.now();
        let at = to_db(now);
        let mut occurrences: HashMap<&FindingIdentifier, usize> = HashMap::new();
        for identifier in &request.finding_identifiers {
            *occurrences.entry(identifier).or_default() += 1;
        }
        let key = request.finding_identifiers[0].id.clone();
        self.write("update findings", &key, |tx| {
            let depth = depth_after(tx, context.caused_by)?;
            let mut response = BatchUpdateFindingsResponse::default();
            for identifier in &request.finding_identifiers {
                let unprocessed = |code: &str, message: &str| UnprocessedFinding {
                    finding_identifier: identifier.clone(),
                    error_code: code.to_owned(),
                    error_message: message.to_owned(),
                };
                if occurrences[identifier] > 1 {
                    response.unprocessed_findings.push(unprocessed(
                        "DuplicatedFindingIdentifier",
                        "Finding Identifier is duplicated",
                    ));
                    continue;
                }
                let Some(mut stored) = load(tx, identifier)? else {
                    response
                        .unprocessed_findings
                        .push(unprocessed("FindingNotFound", "Finding Not Found"));
                    continue;
                };
                let before = stored.doc.clone();
                let set = stored.set_by_update | apply_update(&mut stored.doc, request, now);
                let text = update(tx, stored.seq, &identifier.id, set, &stored.doc)?;
                let fields = changed_fields(&before, &stored.doc);
                if !fields.is_empty() {
                    let change = NewChange {
                        at: &at,
                        identifier,
                        kind: ChangeKind::Updated,
                        context,
                        depth,
                        changed_fields: &fields,
                        doc: &text,
                    };
                    append_change(tx, change)?;
                }
                response.processed_findings.push(identifier.clone());
            }
            Ok(response)
        })
    }

    fn get_findings(&self, request: &GetFindingsRequest) -> Result<GetFindingsResponse> {
        let page = request.max_results.unwrap_or(100);
        if !(1..=100).contains(&page) {
            return Err(StoreError::invalid(
                "GetFindings request",
                "MaxResults",
                "must be 1 to 100",
            ));
        }
        let after: i64 = match &request.next_token {
            None => 0,
            Some(token) => token
                .strip_prefix(TOKEN_PREFIX)
                .and_then(|seq| seq.parse().ok())
                .ok_or_else(|| {
                    StoreError::invalid(
                        "GetFindings request",
                        "NextToken",
                        "the token is not valid",
                    )
                })?,
        };
        let mut values = vec![SqlValue::Integer(after)];
        let condition = filter_sql(&request.filters, &mut values);
        values.push(SqlValue::Integer(i64::from(page) + 1));
        let sql = format!(
            "SELECT seq, id, doc FROM findings WHERE seq > ?1 AND {condition} ORDER BY seq LIMIT ?{}",
            values.len()
        );
        let rows: Vec<(i64, String, String)> = self.read(|conn| {
            conn.prepare_cached(&sql)
                .and_then(|mut s| {
                    s.query_map(params_from_iter(values.iter()), |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                    })?
                    .collect()
                })
                .map_err(db("get findings", "filters"))
        })?;
        let more = rows.len() > page as usize;
        let rows = &rows[..rows.len().min(page as usize)];
        let findings = rows
            .iter()
            .map(|(_, id, doc)| {
                serde_json::from_str(doc).map_err(|e| StoreError::Json {
                    what: "stored finding",
                    key: id.clone(),
                    source: e,
                })
            })
            .collect::<Result<Vec<Value>>>()?;
        let next_token = more
            .then(|| {
                rows.last()
                    .map(|(seq, _, _)| format!("{TOKEN_PREFIX}{seq}"))
            })
            .flatten();
        Ok(GetFindingsResponse {
            findings,
            next_token,
        })
    }

    fn get_finding(&self, identifier: &FindingIdentifier) -> Result<Option<Value>> {
        self.read(|conn| load(conn, identifier))
            .map(|stored| stored.map(|stored| stored.doc))
    }
}

impl FindingChangeFeed for LocalStore {
    fn changes_since(&self, cursor: u64, limit: usize) -> Result<Vec<FindingChange>> {
        let cursor = i64::try_from(cursor).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.read(|conn| {
            conn.prepare_cached(
                "SELECT seq, at, finding_id, product_arn, kind, actor, caused_by, depth, changed_fields, doc
                 FROM finding_changes WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )
            .and_then(|mut s| s.query_map(params![cursor, limit], row_to_change)?.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(db("read finding changes", &cursor.to_string()))
        })?;
        rows.into_iter()
            .map(|(mut change, fields, doc)| {
                let json_error = |e| StoreError::Json {
                    what: "finding change",
                    key: change.seq.to_string(),
                    source: e,
                };
                change.changed_fields = serde_json::from_str(&fields).map_err(json_error)?;
                change.finding = serde_json::from_str(&doc).map_err(|e| StoreError::Json {
                    what: "finding change",
                    key: change.seq.to_string(),
                    source: e,
                })?;
                Ok(change)
            })
            .collect()
    }

    fn latest_change(&self) -> Result<u64> {
        self.read(|conn| {
            conn.query_row(
                "SELECT coalesce(max(seq), 0) FROM finding_changes",
                [],
                |row| row.get::<_, i64>(0),
            )
            .map(|seq| seq.try_into().unwrap_or_default())
            .map_err(db("read finding changes", "latest"))
        })
    }
}

/// The bit of a provider field in `set_by_update`, for tests.
#[cfg(test)]
fn bit(field: &str) -> u8 {
    crate::findings::asff::PROVIDER_FIELDS
        .iter()
        .find(|(name, _)| *name == field)
        .map(|(_, bit)| *bit)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::store;
    use super::*;
    use crate::findings::{NoteUpdate, SeverityUpdate, StringFilter, WorkflowUpdate};
    use serde_json::json;

    const PRODUCT: &str = "arn:aws:securityhub:eu-west-1::product/aws/securityhub";

    fn finding(n: usize, updated_at: &str) -> Value {
        json!({
            "SchemaVersion": "2018-10-08",
            "Id": format!("arn:aws:securityhub:eu-west-1:111122223333:security-control/EC2.19/finding/{n}"),
            "ProductArn": PRODUCT,
            "GeneratorId": "security-control/EC2.19",
            "AwsAccountId": "111122223333",
            "Region": "eu-west-1",
            "Types": ["Software and Configuration Checks"],
            "CreatedAt": "2026-11-01T00:00:00.000Z",
            "UpdatedAt": updated_at,
            "Severity": {"Label": "HIGH"},
            "Title": "Security groups should not allow unrestricted access to ports with high risk",
            "Description": "d",
            "Resources": [{"Type": "AwsEc2SecurityGroup", "Id": format!("arn:aws:ec2:eu-west-1:111122223333:security-group/sg-{n}")}],
            "Compliance": {"Status": "FAILED", "SecurityControlId": "EC2.19"},
            "RecordState": "ACTIVE",
            "ProductFields": {"Custom/Field": "survives"}
        })
    }

    fn id(n: usize) -> FindingIdentifier {
        FindingIdentifier::new(
            format!(
                "arn:aws:securityhub:eu-west-1:111122223333:security-control/EC2.19/finding/{n}"
            ),
            PRODUCT,
        )
    }

    fn provider() -> ChangeContext {
        ChangeContext::provider()
    }

    fn workflow(ids: Vec<FindingIdentifier>, status: &str) -> BatchUpdateFindingsRequest {
        BatchUpdateFindingsRequest {
            finding_identifiers: ids,
            workflow: Some(WorkflowUpdate {
                status: Some(status.into()),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn indexed_fields() {
        let mut f = finding(1, "2026-11-02T01:00:00+01:00");
        f["Workflow"] = json!({"Status": "NOTIFIED"});
        let indexed = Indexed::of(&f);
        assert_eq!(indexed.control_id.as_deref(), Some("EC2.19"));
        assert_eq!(indexed.compliance_status.as_deref(), Some("FAILED"));
        assert_eq!(indexed.workflow_status.as_deref(), Some("NOTIFIED"));
        assert_eq!(indexed.severity_label.as_deref(), Some("HIGH"));
        assert_eq!(indexed.updated_at, "2026-11-02T00:00:00.000000000Z");
    }

    #[test]
    fn import_creates_then_updates_only_when_newer() {
        let store = store();
        let response = store
            .batch_import_findings(&[finding(1, "2026-11-02T00:00:00Z")], &provider())
            .unwrap();
        assert_eq!((response.success_count, response.failed_count), (1, 0));
        assert_eq!(response.outcomes, [ImportOutcome::Created]);
        let stored = store.get_finding(&id(1)).unwrap().unwrap();
        assert_eq!(stored["Workflow"]["Status"], "NEW");
        assert_eq!(
            stored["ProductFields"]["Custom/Field"], "survives",
            "unknown fields survive"
        );

        for updated_at in [
            "2026-11-02T00:00:00Z",
            "2026-11-02T00:00:00.000Z",
            "2026-11-01T23:59:59Z",
        ] {
            let response = store
                .batch_import_findings(&[finding(1, updated_at)], &provider())
                .unwrap();
            assert_eq!(response.outcomes, [ImportOutcome::Ignored], "{updated_at}");
            assert_eq!(
                response.success_count, 1,
                "AWS counts an ignored finding as a success"
            );
        }
        let mut newer = finding(1, "2026-11-03T00:00:00Z");
        newer["Title"] = json!("changed");
        let response = store.batch_import_findings(&[newer], &provider()).unwrap();
        assert_eq!(response.outcomes, [ImportOutcome::Updated]);
        assert_eq!(
            store.get_finding(&id(1)).unwrap().unwrap()["Title"],
            "changed"
        );

        let changes = store.changes_since(0, 100).unwrap();
        assert_eq!(
            changes.iter().map(|c| c.kind).collect::<Vec<_>>(),
            [ChangeKind::Created, ChangeKind::Imported]
        );
        assert_eq!(changes[1].changed_fields, ["UpdatedAt", "Title"]);
        assert_eq!(changes[0].actor, "finding-provider");
        assert_eq!(store.latest_change().unwrap(), changes[1].seq);
        assert_eq!(
            store.changes_since(changes[0].seq, 100).unwrap(),
            changes[1..]
        );
    }

    #[test]
    fn invalid_findings_fail_alone_and_big_batches_fail_whole() {
        let store = store();
        let mut bad = finding(2, "2026-11-02T00:00:00Z");
        bad.as_object_mut().unwrap().remove("Title");
        let response = store
            .batch_import_findings(&[finding(1, "2026-11-02T00:00:00Z"), bad], &provider())
            .unwrap();
        assert_eq!((response.success_count, response.failed_count), (1, 1));
        assert_eq!(response.failed_findings[0].id, id(2).id);
        assert_eq!(response.failed_findings[0].error_code, "InvalidInput");
        assert_eq!(
            response.outcomes,
            [ImportOutcome::Created, ImportOutcome::Failed]
        );
        assert!(store.get_finding(&id(2)).unwrap().is_none());

        let many: Vec<Value> = (0..101)
            .map(|n| finding(n, "2026-11-02T00:00:00Z"))
            .collect();
        let err = store.batch_import_findings(&many, &provider()).unwrap_err();
        assert!(matches!(err, StoreError::InvalidInput { .. }), "{err}");
    }

    #[test]
    fn imports_never_undo_customer_updates() {
        let store = store();
        store
            .batch_import_findings(&[finding(1, "2026-11-02T00:00:00Z")], &provider())
            .unwrap();
        let request = BatchUpdateFindingsRequest {
            note: Some(NoteUpdate {
                text: "ticket SEC-1".into(),
                updated_by: "soar".into(),
            }),
            severity: Some(SeverityUpdate {
                label: Some("LOW".into()),
                ..Default::default()
            }),
            ..workflow(vec![id(1)], "NOTIFIED")
        };
        store
            .batch_update_findings(&request, &ChangeContext::new("soar"))
            .unwrap();

        let mut reimport = finding(1, "2026-11-03T00:00:00Z");
        reimport["Workflow"] = json!({"Status": "NEW"});
        reimport["Severity"] = json!({"Label": "CRITICAL"});
        store
            .batch_import_findings(&[reimport], &provider())
            .unwrap();
        let stored = store.get_finding(&id(1)).unwrap().unwrap();
        assert_eq!(stored["Workflow"]["Status"], "NOTIFIED");
        assert_eq!(stored["Note"]["Text"], "ticket SEC-1");
        assert_eq!(
            stored["Severity"]["Label"], "LOW",
            "set by BatchUpdateFindings: kept"
        );
        assert_eq!(
            stored["FindingProviderFields"]["Severity"]["Label"],
            "CRITICAL"
        );
        let set: i64 = store
            .read(|c| {
                Ok(
                    c.query_row("SELECT set_by_update FROM findings", [], |r| r.get(0))
                        .unwrap(),
                )
            })
            .unwrap();
        assert_eq!(set, i64::from(bit("Severity")));
    }

    #[test]
    fn a_failing_control_again_reopens_the_workflow() {
        let store = store();
        let mut passed = finding(1, "2026-11-02T00:00:00Z");
        passed["Compliance"]["Status"] = json!("PASSED");
        store.batch_import_findings(&[passed], &provider()).unwrap();
        store
            .batch_update_findings(
                &workflow(vec![id(1)], "RESOLVED"),
                &ChangeContext::new("soar"),
            )
            .unwrap();
        store
            .batch_import_findings(&[finding(1, "2026-11-03T00:00:00Z")], &provider())
            .unwrap();
        assert_eq!(
            store.get_finding(&id(1)).unwrap().unwrap()["Workflow"]["Status"],
            "NEW"
        );
        let last = store.changes_since(0, 10).unwrap().pop().unwrap();
        assert!(
            last.changed_fields.contains(&"Workflow".to_owned())
                && last.changed_fields.contains(&"Compliance".to_owned())
        );
    }

    #[test]
    fn batch_update_reports_unknown_and_duplicated_identifiers_like_aws() {
        let store = store();
        store
            .batch_import_findings(
                &[
                    finding(1, "2026-11-02T00:00:00Z"),
                    finding(2, "2026-11-02T00:00:00Z"),
                ],
                &provider(),
            )
            .unwrap();
        let before = store.get_finding(&id(1)).unwrap().unwrap();
        let request = workflow(vec![id(1), id(2), id(3), id(2)], "SUPPRESSED");
        let response = store
            .batch_update_findings(&request, &ChangeContext::new("soar"))
            .unwrap();
        assert_eq!(response.processed_findings, [id(1)]);
        let errors: Vec<_> = response
            .unprocessed_findings
            .iter()
            .map(|u| {
                (
                    u.finding_identifier.clone(),
                    u.error_code.as_str(),
                    u.error_message.as_str(),
                )
            })
            .collect();
        assert_eq!(
            errors,
            [
                (
                    id(2),
                    "DuplicatedFindingIdentifier",
                    "Finding Identifier is duplicated"
                ),
                (id(3), "FindingNotFound", "Finding Not Found"),
                (
                    id(2),
                    "DuplicatedFindingIdentifier",
                    "Finding Identifier is duplicated"
                ),
            ]
        );
        let after = store.get_finding(&id(1)).unwrap().unwrap();
        assert_eq!(after["Workflow"]["Status"], "SUPPRESSED");
        assert_eq!(
            after["UpdatedAt"], before["UpdatedAt"],
            "BatchUpdateFindings leaves UpdatedAt alone"
        );
        assert_ne!(after["ProcessedAt"], before["ProcessedAt"]);
        assert_eq!(
            store.get_finding(&id(2)).unwrap().unwrap()["Workflow"]["Status"],
            "NEW"
        );

        let invalid = workflow(vec![id(1)], "CLOSED");
        assert!(matches!(
            store.batch_update_findings(&invalid, &provider()),
            Err(StoreError::InvalidInput { .. })
        ));
    }

    #[test]
    fn the_change_feed_records_what_caused_each_change() {
        let store = store();
        store
            .batch_import_findings(&[finding(1, "2026-11-02T00:00:00Z")], &provider())
            .unwrap();
        let imported = store.changes_since(0, 10).unwrap().pop().unwrap();
        assert_eq!((imported.depth, imported.caused_by), (0, None));

        // Processing the import leads SOAR to set the workflow status...
        let soar = ChangeContext::new("asff-processor").caused_by(imported.seq);
        store
            .batch_update_findings(&workflow(vec![id(1)], "NOTIFIED"), &soar)
            .unwrap();
        let notified = store
            .changes_since(imported.seq, 10)
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(
            (notified.kind, notified.depth, notified.caused_by),
            (ChangeKind::Updated, 1, Some(imported.seq))
        );
        assert_eq!(notified.changed_fields, ["Workflow"]);
        assert_eq!(notified.actor, "asff-processor");
        assert_eq!(notified.finding["Workflow"]["Status"], "NOTIFIED");

        // ...and processing that change again sets the same status: nothing changes, nothing is fed back.
        let again = ChangeContext::new("asff-processor").caused_by(notified.seq);
        let response = store
            .batch_update_findings(&workflow(vec![id(1)], "NOTIFIED"), &again)
            .unwrap();
        assert_eq!(response.processed_findings, [id(1)]);
        assert!(
            store.changes_since(notified.seq, 10).unwrap().is_empty(),
            "no-op updates end the loop"
        );

        store
            .batch_update_findings(&workflow(vec![id(1)], "RESOLVED"), &again)
            .unwrap();
        let resolved = store
            .changes_since(notified.seq, 10)
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(resolved.depth, 2);
        let event = resolved.to_eventbridge_event();
        assert_eq!(
            event["detail"]["findings"][0]["Workflow"]["Status"],
            "RESOLVED"
        );
        assert_eq!(event["region"], "eu-west-1");
    }

    #[test]
    fn get_findings_pages_through_everything_once() {
        let store = store();
        for chunk in (0..250).collect::<Vec<_>>().chunks(100) {
            let batch: Vec<Value> = chunk
                .iter()
                .map(|n| finding(*n, "2026-11-02T00:00:00Z"))
                .collect();
            store.batch_import_findings(&batch, &provider()).unwrap();
        }
        let mut seen = Vec::new();
        let mut request = GetFindingsRequest::default();
        let mut pages = 0;
        loop {
            let page = store.get_findings(&request).unwrap();
            pages += 1;
            seen.extend(
                page.findings
                    .iter()
                    .map(|f| f["Id"].as_str().unwrap().to_owned()),
            );
            match page.next_token {
                Some(token) => request.next_token = Some(token),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        assert_eq!(seen, (0..250).map(|n| id(n).id).collect::<Vec<_>>());

        // Updating findings while paging does not move them.
        let first = store
            .get_findings(&GetFindingsRequest {
                max_results: Some(10),
                ..Default::default()
            })
            .unwrap();
        store
            .batch_update_findings(&workflow(vec![id(3), id(15)], "NOTIFIED"), &provider())
            .unwrap();
        let second = store
            .get_findings(&GetFindingsRequest {
                max_results: Some(10),
                next_token: first.next_token,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(second.findings[0]["Id"], id(10).id);

        for bad in [
            GetFindingsRequest {
                max_results: Some(0),
                ..Default::default()
            },
            GetFindingsRequest {
                max_results: Some(101),
                ..Default::default()
            },
            GetFindingsRequest {
                next_token: Some("garbage".into()),
                ..Default::default()
            },
        ] {
            assert!(matches!(
                store.get_findings(&bad),
                Err(StoreError::InvalidInput { .. })
            ));
        }
    }

    /// The SQL filters select exactly what [`FindingFilters::matches`] (Security Hub's rules) selects,
    /// over findings and filter combinations generated from a fixed seed.
    #[test]
    fn sql_filters_agree_with_the_rules() {
        let store = store();
        let labels = ["LOW", "MEDIUM", "HIGH", "CRITICAL"];
        let statuses = ["NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"];
        let accounts = ["111122223333", "444455556666", "777788889999"];
        let controls = ["EC2.19", "EC2.2", "S3.1", "IAM.8"];
        let mut all = Vec::new();
        for n in 0..80 {
            let mut f = finding(n, "2026-11-02T00:00:00Z");
            f["Severity"]["Label"] = json!(labels[n % 4]);
            f["Workflow"] = json!({"Status": statuses[n / 4 % 4]});
            f["AwsAccountId"] = json!(accounts[n % 3]);
            f["RecordState"] = json!(if n % 5 == 0 { "ARCHIVED" } else { "ACTIVE" });
            if n % 7 == 0 {
                f.as_object_mut().unwrap().remove("Compliance");
            } else {
                f["Compliance"] = json!({"Status": if n % 2 == 0 { "PASSED" } else { "FAILED" }, "SecurityControlId": controls[n % 4]});
            }
            all.push(f);
        }
        for chunk in all.chunks(100) {
            assert_eq!(
                store
                    .batch_import_findings(chunk, &provider())
                    .unwrap()
                    .failed_count,
                0
            );
        }
        let all: Vec<Value> = (0..80)
            .map(|n| store.get_finding(&id(n)).unwrap().unwrap())
            .collect();

        let comparisons = [
            StringComparison::Equals,
            StringComparison::Prefix,
            StringComparison::Contains,
            StringComparison::NotEquals,
            StringComparison::PrefixNotEquals,
            StringComparison::NotContains,
        ];
        let values = [
            "LOW",
            "HIGH",
            "NEW",
            "NOT",
            "EC2",
            "EC2.2",
            "S3.1",
            "1111",
            "444455556666",
            "ACTIVE",
            "PASSED",
            "",
            "E",
        ];
        let mut seed: u64 = 0x5eed;
        let mut next = move |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        for _ in 0..300 {
            let mut filters = FindingFilters::default();
            for _ in 0..1 + next(3) {
                let filter = StringFilter {
                    value: values[next(values.len())].into(),
                    comparison: comparisons[next(6)],
                };
                match next(6) {
                    0 => filters.severity_label.push(filter),
                    1 => filters.workflow_status.push(filter),
                    2 => filters.aws_account_id.push(filter),
                    3 => filters.compliance_security_control_id.push(filter),
                    4 => filters.compliance_status.push(filter),
                    _ => filters.record_state.push(filter),
                }
            }
            let expected: Vec<&Value> = all.iter().filter(|f| filters.matches(f)).collect();
            let got = store
                .get_findings(&GetFindingsRequest {
                    filters: filters.clone(),
                    ..Default::default()
                })
                .unwrap();
            assert_eq!(
                got.findings.iter().collect::<Vec<_>>(),
                expected,
                "{filters:?}"
            );
        }
    }
}
