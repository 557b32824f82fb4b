//! Distributed Map: a Map Run whose items come from the state input or an `ItemReader` (S3 objects), are
//! optionally grouped by an `ItemBatcher`, run as child executions, and are returned or exported by a
//! `ResultWriter`.
//!
//! Behaviour follows AWS's recordings in `tests/distributed-map/` (see its README): the parent history
//! has `MapRunStarted`/`MapRunSucceeded`/`MapRunFailed` and no per-item events; `MapStateStarted.length`
//! is 0 when an ItemReader is used; a bad limit read through a `...Path` fails the state with
//! `States.Runtime` before any Map Run starts.

use std::sync::Arc;

use futures::stream::{self, StreamExt};

use super::context::{LazyContext, StateContext, StateScope};
use super::io::{dynamic, states_binding};
use super::map::{Tolerance, not_a_number, number, whole_number};
use super::run::{MAX_PAYLOAD_BYTES, Run, failed};
use super::time::format_timestamp;
use super::{Execution, ExecutionOptions, Identity, Status, WorkflowType, object};
use crate::Value;
use crate::definition::model::{
    CsvHeaders, Dynamic, InputType, ItemBatcher, ItemReader, MapState, ReaderResource,
    ResultWriter, State, Transformation,
};
use crate::error::{StatesError, names};
use crate::exec::jsonata_glue::EvalExt;
use crate::history::Details;
use crate::objects::{ObjectStore, ObjectStoreError};
use crate::value::{Map, Str};

/// AWS's ceiling for `ReaderConfig.MaxItems`; larger values read everything.
const MAX_ITEMS_CEILING: i64 = 100_000_000;

/// Everything a Map Run needs that is evaluated before it starts.
struct Plan {
    /// Items taken from the state input (`None` when an ItemReader reads them).
    inline_items: Option<Vec<Value>>,
    concurrency: usize,
    tolerance: Tolerance,
    /// `ReaderConfig.MaxItems` as evaluated (0: no limit).
    max_items: i64,
}

/// One child execution's outcome, kept for the result and the ResultWriter.
struct Child {
    execution: Execution,
    input: Value,
    state_machine_arn: String,
}

impl Run {
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn distributed_map(
        self: &Arc<Self>,
        state: &State,
        map: &MapState,
        raw_input: &Value,
        effective: Value,
        sctx: &StateContext,
        variables: &Value,
        last: &mut u64,
    ) -> Result<Value, StatesError> {
        let ctx = LazyContext::new(&self.context, sctx);
        let inline_items = match map.item_reader {
            None => Some(self.map_items(map, raw_input, &effective, sctx, variables)?),
            Some(_) => None,
        };
        let length = inline_items.as_ref().map_or(0, Vec::len);
        *last = self.record(*last, "MapStateStarted", || Details::MapStateStarted {
            length,
        })?;
        // Limits that cannot be read fail the state here, before a Map Run exists (as AWS records).
        let plan = Plan {
            inline_items,
            concurrency: max_concurrency(map, raw_input, &effective, &ctx, variables)?,
            tolerance: Tolerance::evaluate(map, raw_input, &effective, &ctx, variables)?,
            max_items: match &map.item_reader {
                Some(reader) => max_items(reader, raw_input, &effective, &ctx, variables)?,
                None => 0,
            },
        };

        let label = map.label.clone().unwrap_or_else(|| state.name.clone());
        let run_id = uuid::Uuid::new_v4().to_string();
        let inner = &self.engine.inner;
        let sm_name = self.context.state_machine_name();
        let map_run_arn = format!(
            "arn:aws:states:{}:{}:mapRun:{sm_name}/{label}:{run_id}",
            inner.region, inner.account
        );
        *last = self.record(*last, "MapRunStarted", || Details::MapRunStarted {
            map_run_arn: map_run_arn.as_str().into(),
        })?;
        let outcome = self
            .map_run(
                map,
                plan,
                raw_input,
                &effective,
                sctx,
                variables,
                &label,
                &run_id,
                &map_run_arn,
            )
            .await;
        match outcome {
            Ok(result) => {
                *last = self.record(*last, "MapRunSucceeded", || Details::None)?;
                *last = self.record(*last, "MapStateSucceeded", || Details::None)?;
                Ok(result)
            }
            Err(e) => {
                *last = self.record(*last, "MapRunFailed", || {
                    failed("mapRunFailedEventDetails", &e, None)
                })?;
                *last = self.record(*last, "MapStateFailed", || {
                    failed("mapStateFailedEventDetails", &e, None)
                })?;
                Err(e)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn map_run(
        self: &Arc<Self>,
        map: &MapState,
        plan: Plan,
        raw_input: &Value,
        effective: &Value,
        sctx: &StateContext,
        variables: &Value,
        label: &str,
        run_id: &str,
        map_run_arn: &str,
    ) -> Result<Value, StatesError> {
        let ctx = LazyContext::new(&self.context, sctx);
        let items = match (plan.inline_items, &map.item_reader) {
            (Some(items), _) => items,
            (None, Some(reader)) => {
                self.read_items(
                    reader,
                    plan.max_items,
                    raw_input,
                    effective,
                    &ctx,
                    variables,
                )
                .await?
            }
            (None, None) => Vec::new(),
        };
        let selected = self.select_items(map, items, raw_input, effective, sctx, variables)?;
        let inputs = match &map.item_batcher {
            Some(batcher) => batch(batcher, selected, raw_input, effective, &ctx, variables)?,
            None => selected,
        };
        let children = self
            .run_children(map, inputs, plan.concurrency, &plan.tolerance, label)
            .await?;
        match &map.result_writer {
            None => Ok(Value::from_vec(
                children
                    .iter()
                    .flat_map(|c| transform(c, Transformation::Compact))
                    .collect(),
            )),
            Some(writer) => {
                self.write_results(
                    writer,
                    &children,
                    raw_input,
                    effective,
                    &ctx,
                    variables,
                    run_id,
                    map_run_arn,
                )
                .await
            }
        }
    }

    /// Runs every input as a child execution, at most `concurrency` at a time, stopping once the
    /// tolerated failure threshold is passed.
    async fn run_children(
        self: &Arc<Self>,
        map: &MapState,
        inputs: Vec<Value>,
        concurrency: usize,
        tolerance: &Tolerance,
        label: &str,
    ) -> Result<Vec<Child>, StatesError> {
        let inner = &self.engine.inner;
        let sm_name = format!("{}/{label}", self.context.state_machine_name());
        let sm_arn = self.engine.state_machine_arn(&sm_name);
        let kind = if map.express_children {
            "express"
        } else {
            "execution"
        };
        // A child is an execution of its own: no parent variables, its own history and quota.
        let options = ExecutionOptions {
            name: None,
            state_machine_name: sm_name.clone(),
            history: false,
            workflow_type: if map.express_children {
                WorkflowType::Express
            } else {
                WorkflowType::Standard
            },
            ..self.options.clone()
        };
        let total = inputs.len();
        let runs = inputs.into_iter().map(|input| {
            let name = uuid::Uuid::new_v4().to_string();
            let identity = Identity {
                arn: format!(
                    "arn:aws:states:{}:{}:{kind}:{sm_name}:{name}",
                    inner.region, inner.account
                ),
                name,
                state_machine_arn: sm_arn.to_string(),
                state_machine_name: sm_name.clone(),
            };
            let options = &options;
            let engine = &self.engine;
            let sm_arn = &sm_arn;
            async move {
                let execution = engine
                    .run(&map.processor, input.clone(), identity, options)
                    .await;
                Child {
                    execution,
                    input,
                    state_machine_arn: sm_arn.to_string(),
                }
            }
        });
        let concurrency = if concurrency == 0 {
            usize::MAX
        } else {
            concurrency
        };
        let mut children = Vec::with_capacity(total);
        let mut failures = 0;
        let mut stream = std::pin::pin!(stream::iter(runs).buffered(concurrency));
        while let Some(child) = stream.next().await {
            if child.execution.status != Status::Succeeded {
                failures += 1;
                if tolerance.exceeded(failures, total) {
                    return Err(Tolerance::exceeded_error());
                }
            }
            children.push(child);
        }
        Ok(children)
    }

    /// Reads the items an ItemReader points at.
    async fn read_items(
        &self,
        reader: &ItemReader,
        max_items: i64,
        raw_input: &Value,
        effective: &Value,
        ctx: &LazyContext<'_>,
        variables: &Value,
    ) -> Result<Vec<Value>, StatesError> {
        let args = if let Some(t) = &reader.parameters {
            t.eval(&StateScope {
                input: effective,
                context: ctx,
                variables,
            })?
        } else if let Some(t) = &reader.arguments {
            t.eval(&states_binding(ctx, raw_input, None, None), variables)?
        } else {
            Value::object()
        };
        if max_items < 0 {
            return Err(reader_failed("field MaxItems must be positive"));
        }
        let limit = if max_items == 0 || max_items > MAX_ITEMS_CEILING {
            usize::MAX
        } else {
            max_items as usize
        };
        let text = |field: &str| args.get(field).and_then(Value::as_str).map(str::to_string);
        let bucket = text("Bucket").ok_or_else(|| {
            reader_failed(format!(
                "The ItemReader's parameters must give a Bucket string, but were {args}"
            ))
        })?;
        let store = self.engine.object_store().ok_or_else(|| {
            reader_failed(format!(
                "No object store is configured to read from bucket '{bucket}' (soar exec: --s3-dir DIR serves s3://BUCKET/KEY from DIR/BUCKET/KEY)"
            ))
        })?;
        match reader.resource {
            ReaderResource::ListObjectsV2 => {
                let prefix = text("Prefix").unwrap_or_default();
                let objects = store
                    .list_objects(&bucket, &prefix)
                    .await
                    .map_err(s3_failure)?;
                Ok(objects
                    .into_iter()
                    .take(limit)
                    .map(|o| {
                        object([
                            ("Etag", Value::string(o.etag)),
                            ("Key", Value::string(o.key)),
                            ("LastModified", Value::int(o.last_modified.unix_timestamp())),
                            ("Size", Value::int(o.size as i64)),
                            ("StorageClass", Value::string(o.storage_class)),
                        ])
                    })
                    .collect())
            }
            ReaderResource::GetObject => {
                let key = text("Key").ok_or_else(|| {
                    reader_failed(format!(
                        "The ItemReader's parameters must give a Key string, but were {args}"
                    ))
                })?;
                let body = store.get_object(&bucket, &key).await.map_err(s3_failure)?;
                let source = format!("s3://{bucket}/{key}");
                parse_items(reader, &body, limit, &source)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn write_results(
        &self,
        writer: &ResultWriter,
        children: &[Child],
        raw_input: &Value,
        effective: &Value,
        ctx: &LazyContext<'_>,
        variables: &Value,
        run_id: &str,
        map_run_arn: &str,
    ) -> Result<Value, StatesError> {
        let args = if let Some(t) = &writer.parameters {
            Some(t.eval(&StateScope {
                input: effective,
                context: ctx,
                variables,
            })?)
        } else if let Some(t) = &writer.arguments {
            Some(t.eval(&states_binding(ctx, raw_input, None, None), variables)?)
        } else {
            None
        };
        let Some(args) = args else {
            // WriterConfig alone: the reshaped results become the state's result.
            let how = writer.transformation.unwrap_or(Transformation::Compact);
            return Ok(Value::from_vec(
                children.iter().flat_map(|c| transform(c, how)).collect(),
            ));
        };
        let how = writer.transformation.unwrap_or(Transformation::None);
        let bucket = args
            .get("Bucket")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| {
                writer_failed(format!(
                    "The ResultWriter's parameters must give a Bucket string, but were {args}"
                ))
            })?;
        let prefix = args
            .get("Prefix")
            .and_then(Value::as_str)
            .map(|p| format!("{}/", p.trim_end_matches('/')))
            .unwrap_or_default();
        let store = self.engine.object_store().ok_or_else(|| {
            writer_failed(format!(
                "No object store is configured to write results to bucket '{bucket}' (soar exec: --s3-dir DIR)"
            ))
        })?;
        let folder = format!("{prefix}{run_id}");
        let (succeeded, failed): (Vec<&Child>, Vec<&Child>) = children
            .iter()
            .partition(|c| c.execution.status == Status::Succeeded);
        let mut files: Map = Map::default();
        for (status, group) in [("SUCCEEDED", succeeded), ("FAILED", failed)] {
            let mut listed = Vec::new();
            if !group.is_empty() {
                let results: Vec<Value> = group.iter().flat_map(|c| transform(c, how)).collect();
                let body = encode(&results, writer.jsonl);
                let key = format!("{folder}/{status}_0.json");
                let size = body.len();
                put(store.as_ref(), &bucket, &key, body).await?;
                listed.push(object([
                    ("Key", Value::string(key)),
                    ("Size", Value::int(size as i64)),
                ]));
            }
            files.insert(Str::from(status), Value::from_vec(listed));
        }
        files.insert("PENDING".into(), Value::from_vec(Vec::new()));
        let manifest = object([
            ("DestinationBucket", Value::string(bucket.as_str())),
            ("MapRunArn", Value::string(map_run_arn)),
            ("ResultFiles", Value::from_map(files)),
        ]);
        let key = format!("{folder}/manifest.json");
        put(
            store.as_ref(),
            &bucket,
            &key,
            manifest.to_json_string().into_bytes(),
        )
        .await?;
        Ok(object([
            ("MapRunArn", Value::string(map_run_arn)),
            (
                "ResultWriterDetails",
                object([
                    ("Bucket", Value::string(bucket)),
                    ("Key", Value::string(key)),
                ]),
            ),
        ]))
    }
}

async fn put(
    store: &dyn ObjectStore,
    bucket: &str,
    key: &str,
    body: Vec<u8>,
) -> Result<(), StatesError> {
    store
        .put_object(bucket, key, body)
        .await
        .map_err(|e| writer_failed(format!("{} ({})", e.message, e.code)))
}

fn encode(results: &[Value], jsonl: bool) -> Vec<u8> {
    if jsonl {
        let mut out = String::new();
        for r in results {
            out.push_str(&r.to_json_string());
            out.push('\n');
        }
        out.into_bytes()
    } else {
        Value::from_vec(results.to_vec())
            .to_json_string()
            .into_bytes()
    }
}

/// A child's result as a ResultWriter transformation shapes it; a failed child is always its full
/// execution record ("If a child workflow execution fails, Step Functions returns its execution result
/// unchanged").
fn transform(child: &Child, how: Transformation) -> Vec<Value> {
    let e = &child.execution;
    match (&e.output, how) {
        (Some(output), Transformation::Compact) => vec![output.clone()],
        (Some(output), Transformation::Flatten) => match output.as_array() {
            Some(items) => items.clone(),
            None => vec![output.clone()],
        },
        _ => vec![record(child)],
    }
}

/// A child's execution record, as DescribeExecution and AWS's result files give it.
fn record(child: &Child) -> Value {
    let e = &child.execution;
    let mut pairs = vec![
        ("ExecutionArn", Value::string(e.arn.as_str())),
        ("Input", Value::string(child.input.to_json_string())),
        ("InputDetails", object([("Included", Value::Bool(true))])),
        ("Name", Value::string(e.name.as_str())),
    ];
    if let Some(output) = &e.output {
        pairs.push(("Output", Value::string(output.to_json_string())));
        pairs.push(("OutputDetails", object([("Included", Value::Bool(true))])));
    }
    if let Some(error) = &e.error {
        pairs.push(("Error", Value::string(error.error.as_str())));
        if let Some(cause) = &error.cause {
            pairs.push(("Cause", Value::string(cause.as_str())));
        }
    }
    pairs.extend([
        ("StartDate", Value::string(format_timestamp(e.start_date))),
        (
            "StateMachineArn",
            Value::string(child.state_machine_arn.as_str()),
        ),
        ("Status", Value::string(e.status.as_str())),
        ("StopDate", Value::string(format_timestamp(e.stop_date))),
    ]);
    object(pairs)
}

/// Groups items into child inputs `{"BatchInput": ..., "Items": [...]}`.
fn batch(
    batcher: &ItemBatcher,
    items: Vec<Value>,
    raw_input: &Value,
    effective: &Value,
    ctx: &LazyContext<'_>,
    variables: &Value,
) -> Result<Vec<Value>, StatesError> {
    let limit = |d: &Option<Dynamic>, field: &str| -> Result<Option<usize>, StatesError> {
        let Some(d) = d else { return Ok(None) };
        let v = dynamic(d, field, raw_input, effective, ctx, variables)?;
        match whole_number(&v) {
            Some(n) if n > 0 => Ok(Some(n as usize)),
            _ => Err(not_a_number(d, field, &v, "a positive integer")),
        }
    };
    let max_items = limit(&batcher.max_items, "MaxItemsPerBatch")?.unwrap_or(usize::MAX);
    let max_bytes = limit(&batcher.max_bytes, "MaxInputBytesPerBatch")?
        .unwrap_or(MAX_PAYLOAD_BYTES)
        .min(MAX_PAYLOAD_BYTES);
    let batch_input = if let Some(t) = &batcher.batch_input {
        Some(t.eval(&StateScope {
            input: effective,
            context: ctx,
            variables,
        })?)
    } else if let Some(t) = &batcher.batch_input_jsonata {
        Some(t.eval(&states_binding(ctx, raw_input, None, None), variables)?)
    } else {
        None
    };
    // `{"BatchInput":<b>,"Items":[]}` without the items; each item adds its size and a comma.
    let base = batch_input.as_ref().map_or(0, |b| b.json_size() + 14) + 11;
    let wrap = |items: Vec<Value>| {
        let mut pairs = Vec::with_capacity(2);
        if let Some(b) = &batch_input {
            pairs.push(("BatchInput", b.clone()));
        }
        pairs.push(("Items", Value::from_vec(items)));
        object(pairs)
    };
    let mut batches = Vec::new();
    let mut current: Vec<Value> = Vec::new();
    let mut size = base;
    for item in items {
        let item_size = item.json_size() + 1;
        // An item larger than the byte limit on its own still travels, alone in its batch.
        if !current.is_empty() && (current.len() == max_items || size + item_size > max_bytes) {
            batches.push(wrap(std::mem::take(&mut current)));
            size = base;
        }
        size += item_size;
        current.push(item);
    }
    if !current.is_empty() {
        batches.push(wrap(current));
    }
    Ok(batches)
}

/// Parses an object's body into items per `ReaderConfig.InputType`, keeping at most `limit`.
fn parse_items(
    reader: &ItemReader,
    body: &[u8],
    limit: usize,
    source: &str,
) -> Result<Vec<Value>, StatesError> {
    let text = || {
        std::str::from_utf8(body)
            .map_err(|e| reader_failed(format!("{source} is not UTF-8 text: {e}")))
    };
    match reader.input_type {
        InputType::Json => {
            let value = Value::from_json_str(text()?)
                .map_err(|e| reader_failed(format!("{source} is not valid JSON: {e}")))?;
            match value.as_array() {
                Some(items) => Ok(items.iter().take(limit).cloned().collect()),
                None => Err(reader_failed("Attempting to map over non-iterable node.")),
            }
        }
        InputType::Jsonl => text()?
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .take(limit)
            .map(|(n, line)| {
                Value::from_json_str(line).map_err(|e| {
                    reader_failed(format!("{source} line {} is not valid JSON: {e}", n + 1))
                })
            })
            .collect(),
        InputType::Csv => parse_csv(reader, body, limit, source),
        InputType::Manifest | InputType::Parquet => Err(reader_failed(format!(
            "soar's engine does not read ItemReader InputType {:?} ({source}); use JSON, JSONL or CSV",
            reader.input_type
        ))),
    }
}

/// CSV rows as objects keyed by the headers. Every value is a string; a short row is padded with "",
/// extra fields are dropped (as AWS does).
fn parse_csv(
    reader: &ItemReader,
    body: &[u8],
    limit: usize,
    source: &str,
) -> Result<Vec<Value>, StatesError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(reader.csv_delimiter)
        .from_reader(body);
    let mut records = csv.records();
    let bad = |e: csv::Error| reader_failed(format!("{source} is not valid CSV: {e}"));
    let headers: Vec<Str> = match &reader.csv_headers {
        CsvHeaders::Given(headers) => headers.clone(),
        CsvHeaders::FirstRow => match records.next() {
            Some(row) => row.map_err(bad)?.iter().map(Str::from).collect(),
            None => Vec::new(),
        },
    };
    let mut seen = std::collections::HashSet::new();
    if !headers.iter().all(|h| seen.insert(h)) {
        return Err(reader_failed("CSV headers cannot contain duplicates."));
    }
    let mut items = Vec::new();
    for row in records.take(limit) {
        let row = row.map_err(bad)?;
        let mut m = Map::default();
        for (i, header) in headers.iter().enumerate() {
            m.insert(header.clone(), Value::string(row.get(i).unwrap_or("")));
        }
        items.push(Value::from_map(m));
    }
    Ok(items)
}

/// `MaxConcurrency(/Path)`: 0 (the default) means as many as possible.
fn max_concurrency(
    map: &MapState,
    raw_input: &Value,
    effective: &Value,
    ctx: &LazyContext<'_>,
    variables: &Value,
) -> Result<usize, StatesError> {
    let Some(d) = &map.max_concurrency else {
        return Ok(0);
    };
    let v = dynamic(d, "MaxConcurrency", raw_input, effective, ctx, variables)?;
    match whole_number(&v) {
        Some(n) if n >= 0 => Ok(n as usize),
        _ => Err(not_a_number(d, "MaxConcurrency", &v, "a valid integer")),
    }
}

/// `ReaderConfig.MaxItems(/Path)`; a negative value fails later, inside the Map Run, as AWS does.
fn max_items(
    reader: &ItemReader,
    raw_input: &Value,
    effective: &Value,
    ctx: &LazyContext<'_>,
    variables: &Value,
) -> Result<i64, StatesError> {
    let Some(d) = &reader.max_items else {
        return Ok(0);
    };
    let v = dynamic(d, "MaxItems", raw_input, effective, ctx, variables)?;
    match number(&v) {
        Some(n) if n.fract() == 0.0 => Ok(n as i64),
        _ => Err(not_a_number(d, "MaxItems", &v, "a valid integer")),
    }
}

fn reader_failed(cause: impl Into<String>) -> StatesError {
    StatesError::new(names::ITEM_READER_FAILED, cause)
}

fn writer_failed(cause: impl Into<String>) -> StatesError {
    StatesError::new(names::RESULT_WRITER_FAILED, cause)
}

fn s3_failure(e: ObjectStoreError) -> StatesError {
    reader_failed(format!("{} ({})", e.message, e.code))
}
