//! The compiled state machine: every path, template, rule and expression parsed once, every transition
//! resolved to an index, so that running it re-parses nothing.

use std::sync::Arc;

use crate::Value;
use crate::choice::Condition;
use crate::jsonata;
use crate::path::Path;
use crate::payload::Template;
use crate::value::Str;

/// The query language a state uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryLanguage {
    /// `JSONPath` (the default).
    JsonPath,
    /// `JSONata`.
    Jsonata,
}

/// A machine: the top level, a Parallel branch or a Map item processor.
#[derive(Debug)]
pub struct Machine {
    /// Index of `StartAt` in `states`.
    pub start: usize,
    /// The states, in definition order.
    pub states: Vec<State>,
    /// Top-level `TimeoutSeconds`.
    pub timeout_seconds: Option<u64>,
}

/// One state.
#[derive(Debug)]
pub struct State {
    /// The state's name.
    pub name: Str,
    /// Its query language.
    pub language: QueryLanguage,
    /// What it does.
    pub kind: Kind,
    /// Where it goes when done; `None` for `End: true` and for states that never continue.
    pub next: Option<usize>,
    /// Input and output processing.
    pub io: Io,
    /// `Assign`.
    pub assign: Option<Assign>,
    /// `Retry`, for Task, Parallel and Map.
    pub retry: Vec<Retrier>,
    /// `Catch`, for Task, Parallel and Map.
    pub catch: Vec<Catcher>,
}

/// Input/output processing of a state in its query language.
#[derive(Debug)]
pub enum Io {
    /// JSONPath: InputPath → Parameters → (work) → ResultSelector → ResultPath → OutputPath.
    JsonPath {
        /// `InputPath`.
        input_path: OptPath,
        /// `Parameters` (`ItemSelector` for Map is kept on the Map).
        parameters: Option<Template>,
        /// `ResultSelector`.
        result_selector: Option<Template>,
        /// `ResultPath`.
        result_path: OptPath,
        /// `OutputPath`.
        output_path: OptPath,
    },
    /// JSONata: `Arguments` → (work) → `Output`.
    Jsonata {
        /// `Arguments`.
        arguments: Option<jsonata::Template>,
        /// `Output`.
        output: Option<jsonata::Template>,
    },
}

/// A path field that may be absent (meaning `$`) or `null`.
#[derive(Debug)]
pub enum OptPath {
    /// Not given: `$`.
    Default,
    /// `null`: discard (InputPath/OutputPath give `{}`, ResultPath keeps the input).
    Null,
    /// A path.
    Path(Path),
}

/// `Assign` in either query language.
#[derive(Debug)]
pub enum Assign {
    /// JSONPath: a payload template.
    JsonPath(Template),
    /// JSONata: a template of expressions.
    Jsonata(jsonata::Template),
}

/// A value that is fixed, read from a path, or computed by a JSONata expression (e.g. `Seconds`,
/// `SecondsPath`, `"{% ... %}"`).
#[derive(Debug)]
pub enum Dynamic {
    /// A literal.
    Literal(Value),
    /// JSONPath `...Path` field.
    Path(Path),
    /// An intrinsic function in a `...Path` field (e.g. `ErrorPath: "States.Format(...)"`).
    Intrinsic(crate::intrinsics::Intrinsic),
    /// A JSONata template.
    Jsonata(jsonata::Template),
}

/// A Retrier.
#[derive(Debug, Clone)]
pub struct Retrier {
    /// `ErrorEquals`.
    pub error_equals: Vec<String>,
    /// `IntervalSeconds` (default 1).
    pub interval_seconds: f64,
    /// `MaxAttempts` (default 3).
    pub max_attempts: u32,
    /// `BackoffRate` (default 2.0).
    pub backoff_rate: f64,
    /// `MaxDelaySeconds`.
    pub max_delay_seconds: Option<f64>,
    /// `JitterStrategy: FULL`.
    pub full_jitter: bool,
}

/// A Catcher.
#[derive(Debug)]
pub struct Catcher {
    /// `ErrorEquals`.
    pub error_equals: Vec<String>,
    /// `Next`.
    pub next: usize,
    /// `ResultPath` (JSONPath).
    pub result_path: OptPath,
    /// `Output` (JSONata).
    pub output: Option<jsonata::Template>,
    /// `Assign`.
    pub assign: Option<Assign>,
}

/// What a state does.
#[derive(Debug)]
pub enum Kind {
    /// Pass.
    Pass {
        /// `Result`.
        result: Option<Value>,
    },
    /// Task.
    Task(Box<Task>),
    /// Choice.
    Choice(Box<Choice>),
    /// Wait.
    Wait(Wait),
    /// Succeed.
    Succeed,
    /// Fail.
    Fail {
        /// `Error`/`ErrorPath`.
        error: Option<Dynamic>,
        /// `Cause`/`CausePath`.
        cause: Option<Dynamic>,
    },
    /// Parallel.
    Parallel {
        /// `Branches`.
        branches: Vec<Arc<Machine>>,
    },
    /// Map.
    Map(Box<MapState>),
}

/// A Task state.
#[derive(Debug)]
pub struct Task {
    /// `Resource` (after substitutions).
    pub resource: Str,
    /// `TimeoutSeconds` / `TimeoutSecondsPath`.
    pub timeout: Option<Dynamic>,
    /// `HeartbeatSeconds` / `HeartbeatSecondsPath`.
    pub heartbeat: Option<Dynamic>,
}

/// A Choice state.
#[derive(Debug)]
pub struct Choice {
    /// `Choices`.
    pub rules: Vec<ChoiceRule>,
    /// `Default`.
    pub default: Option<usize>,
}

/// One entry of `Choices`.
#[derive(Debug)]
pub struct ChoiceRule {
    /// The test.
    pub test: ChoiceTest,
    /// `Next`.
    pub next: usize,
    /// `Assign`.
    pub assign: Option<Assign>,
    /// `Output` (JSONata).
    pub output: Option<jsonata::Template>,
}

/// A Choice rule's test.
#[derive(Debug)]
pub enum ChoiceTest {
    /// JSONPath comparison rules.
    JsonPath(Condition),
    /// JSONata `Condition`.
    Jsonata(jsonata::Template),
}

/// A Wait state: exactly one of its four fields.
#[derive(Debug)]
pub enum Wait {
    /// `Seconds` / `SecondsPath` / JSONata `Seconds`.
    Seconds(Dynamic),
    /// `Timestamp` / `TimestampPath` / JSONata `Timestamp`.
    Timestamp(Dynamic),
}

/// A Map state.
#[derive(Debug)]
pub struct MapState {
    /// The item processor (`ItemProcessor` or legacy `Iterator`).
    pub processor: Arc<Machine>,
    /// `ProcessorConfig.Mode: DISTRIBUTED`.
    pub distributed: bool,
    /// `ItemsPath` (JSONPath).
    pub items_path: OptPath,
    /// `Items` (JSONata, or a JSONPath literal array... JSONata only per AWS).
    pub items: Option<Dynamic>,
    /// `ItemSelector` (or legacy `Parameters`) in JSONPath.
    pub item_selector: Option<Template>,
    /// `ItemSelector` in JSONata.
    pub item_selector_jsonata: Option<jsonata::Template>,
    /// `MaxConcurrency` / `MaxConcurrencyPath`.
    pub max_concurrency: Option<Dynamic>,
    /// `ToleratedFailureCount` / `...Path`.
    pub tolerated_failure_count: Option<Dynamic>,
    /// `ToleratedFailurePercentage` / `...Path`.
    pub tolerated_failure_percentage: Option<Dynamic>,
    /// `ItemReader` (Distributed).
    pub item_reader: Option<ItemReader>,
    /// `ItemBatcher` (Distributed).
    pub item_batcher: Option<ItemBatcher>,
    /// `ResultWriter` (Distributed).
    pub result_writer: Option<ResultWriter>,
    /// `Label` (Distributed): names the Map Run and its child executions; the state name when absent.
    pub label: Option<Str>,
    /// `ProcessorConfig.ExecutionType: EXPRESS` (Distributed): children have no history quota.
    pub express_children: bool,
}

/// `ItemReader`: where a Distributed Map reads its items.
#[derive(Debug)]
pub struct ItemReader {
    /// `Resource`: `arn:aws:states:::s3:getObject` or `...:s3:listObjectsV2`.
    pub resource: ReaderResource,
    /// `ReaderConfig.InputType` (getObject only).
    pub input_type: InputType,
    /// `ReaderConfig.CSVHeaderLocation` and `CSVHeaders`.
    pub csv_headers: CsvHeaders,
    /// `ReaderConfig.CSVDelimiter` as a byte (`,` unless set).
    pub csv_delimiter: u8,
    /// `ReaderConfig.MaxItems` / `MaxItemsPath`.
    pub max_items: Option<Dynamic>,
    /// `Parameters` (JSONPath): Bucket, Key, VersionId or Bucket, Prefix.
    pub parameters: Option<Template>,
    /// `Arguments` (JSONata).
    pub arguments: Option<jsonata::Template>,
}

/// The S3 action an ItemReader uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderResource {
    /// `s3:getObject`: one object's content, parsed per `InputType`.
    GetObject,
    /// `s3:listObjectsV2`: one item per object under a prefix.
    ListObjectsV2,
}

/// `ReaderConfig.InputType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputType {
    /// A JSON array.
    Json,
    /// One JSON value per line.
    Jsonl,
    /// Delimited text, one object per row.
    Csv,
    /// An Athena or S3 Inventory manifest (not read by soar's engine).
    Manifest,
    /// Parquet (not read by soar's engine).
    Parquet,
}

/// Where CSV column names come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsvHeaders {
    /// `FIRST_ROW` (the default).
    FirstRow,
    /// `GIVEN` with `CSVHeaders`.
    Given(Vec<Str>),
}

/// `ItemBatcher`: group items into batches for each child execution.
#[derive(Debug)]
pub struct ItemBatcher {
    /// `MaxItemsPerBatch` / `...Path`.
    pub max_items: Option<Dynamic>,
    /// `MaxInputBytesPerBatch` / `...Path`.
    pub max_bytes: Option<Dynamic>,
    /// `BatchInput` in JSONPath (added to every batch as `BatchInput`).
    pub batch_input: Option<Template>,
    /// `BatchInput` in JSONata.
    pub batch_input_jsonata: Option<jsonata::Template>,
}

/// `ResultWriter`: export the children's results to S3 and/or reshape them.
#[derive(Debug)]
pub struct ResultWriter {
    /// `Parameters` (JSONPath) with Bucket and Prefix; `None` when only `WriterConfig` is given.
    pub parameters: Option<Template>,
    /// `Arguments` (JSONata).
    pub arguments: Option<jsonata::Template>,
    /// `WriterConfig.Transformation`; `None` when not given.
    pub transformation: Option<Transformation>,
    /// `WriterConfig.OutputType`: JSON (default) or JSONL.
    pub jsonl: bool,
}

/// `WriterConfig.Transformation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transformation {
    /// Each child's execution record (ARN, input, output, status, dates).
    None,
    /// Each child's output only.
    Compact,
    /// Like COMPACT, with array outputs flattened into the result.
    Flatten,
}
