//! Turns a definition (already validated) into the compiled [`Machine`]: parses every path, template,
//! rule and expression once and resolves state names to indexes.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value as Json;

use super::model::*;
use crate::Value;
use crate::choice::Condition;
use crate::diagnostic::{Diagnostic, pointer};
use crate::jsonata;
use crate::path::Path;
use crate::payload::Template;
use crate::value::Str;

const COMPILE: &str = "SCHEMA_VALIDATION_FAILED";

/// Compiles a machine (top level, branch or item processor) found at JSON Pointer `at`.
pub(crate) fn machine(
    def: &Json,
    at: &str,
    inherited: QueryLanguage,
    errs: &mut Vec<Diagnostic>,
) -> Machine {
    let language = match def.get("QueryLanguage").and_then(Json::as_str) {
        Some("JSONata") => QueryLanguage::Jsonata,
        Some(_) => QueryLanguage::JsonPath,
        None => inherited,
    };
    let empty = serde_json::Map::new();
    let states_json = def
        .get("States")
        .and_then(Json::as_object)
        .unwrap_or(&empty);
    let index: HashMap<&str, usize> = states_json
        .keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let states_at = pointer(at, "States");
    let start = match def
        .get("StartAt")
        .and_then(Json::as_str)
        .and_then(|s| index.get(s))
    {
        Some(&i) => i,
        None => {
            errs.push(Diagnostic::error(
                "MISSING_TRANSITION_TARGET",
                pointer(at, "StartAt"),
                "StartAt does not name a state of this machine",
            ));
            0
        }
    };
    let states = states_json
        .iter()
        .map(|(name, s)| {
            let mut c = Compiler {
                at: pointer(&states_at, name),
                json: s,
                index: &index,
                errs,
            };
            c.state(name, language)
        })
        .collect();
    Machine {
        start,
        states,
        timeout_seconds: def.get("TimeoutSeconds").and_then(Json::as_u64),
    }
}

struct Compiler<'a> {
    at: String,
    json: &'a Json,
    index: &'a HashMap<&'a str, usize>,
    errs: &'a mut Vec<Diagnostic>,
}

impl<'a> Compiler<'a> {
    fn state(&mut self, name: &str, machine_language: QueryLanguage) -> State {
        let language = match self.str("QueryLanguage") {
            Some("JSONata") => QueryLanguage::Jsonata,
            Some("JSONPath") => QueryLanguage::JsonPath,
            _ => machine_language,
        };
        let ty = self.str("Type").unwrap_or("");
        let next = match self.str("Next") {
            Some(n) => self.target(n, "Next"),
            None => None,
        };
        let kind = match ty {
            "Pass" => Kind::Pass {
                result: self.json.get("Result").map(Value::from),
            },
            "Task" => Kind::Task(Box::new(Task {
                resource: self.str("Resource").unwrap_or("").into(),
                timeout: self.dynamic("TimeoutSeconds", "TimeoutSecondsPath", language),
                heartbeat: self.dynamic("HeartbeatSeconds", "HeartbeatSecondsPath", language),
            })),
            "Choice" => Kind::Choice(Box::new(self.choice(language))),
            "Wait" => Kind::Wait(self.wait(language)),
            "Succeed" => Kind::Succeed,
            "Fail" => Kind::Fail {
                error: self.dynamic("Error", "ErrorPath", language),
                cause: self.dynamic("Cause", "CausePath", language),
            },
            "Parallel" => {
                let branches = self
                    .json
                    .get("Branches")
                    .and_then(Json::as_array)
                    .map(|bs| {
                        bs.iter()
                            .enumerate()
                            .map(|(i, b)| {
                                let at = pointer(&pointer(&self.at, "Branches"), i);
                                Arc::new(machine(b, &at, language, self.errs))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Kind::Parallel { branches }
            }
            "Map" => Kind::Map(Box::new(self.map(language))),
            other => {
                self.err("Type", format!("unknown state type '{other}'"));
                Kind::Succeed
            }
        };
        let io = match language {
            QueryLanguage::JsonPath => {
                // Map's legacy `Parameters` is its ItemSelector, not a state-level Parameters.
                let parameters = if ty == "Map" {
                    None
                } else {
                    self.template("Parameters")
                };
                Io::JsonPath {
                    input_path: self.opt_path("InputPath"),
                    parameters,
                    result_selector: self.template("ResultSelector"),
                    result_path: self.opt_path("ResultPath"),
                    output_path: self.opt_path("OutputPath"),
                }
            }
            QueryLanguage::Jsonata => Io::Jsonata {
                arguments: self.jsonata("Arguments"),
                output: self.jsonata("Output"),
            },
        };
        let assign = self.assign(self.json.get("Assign"), "Assign", language);
        let retry = self.retriers();
        let catch = self.catchers(language);
        State {
            name: name.into(),
            language,
            kind,
            next,
            io,
            assign,
            retry,
            catch,
        }
    }

    fn str(&self, field: &str) -> Option<&'a str> {
        let json: &'a Json = self.json;
        json.get(field).and_then(Json::as_str)
    }

    fn err(&mut self, field: &str, message: impl Into<String>) {
        self.errs.push(Diagnostic::error(
            COMPILE,
            pointer(&self.at, field),
            message,
        ));
    }

    fn target(&mut self, name: &str, field: &str) -> Option<usize> {
        match self.index.get(name) {
            Some(&i) => Some(i),
            None => {
                self.errs.push(Diagnostic::error(
                    "MISSING_TRANSITION_TARGET",
                    pointer(&self.at, field),
                    format!("no state named '{name}' in this scope"),
                ));
                None
            }
        }
    }

    fn path(&mut self, field: &str, text: &str) -> Option<Path> {
        match Path::parse(text) {
            Ok(p) => Some(p),
            Err(e) => {
                self.err(field, e.to_string());
                None
            }
        }
    }

    fn opt_path(&mut self, field: &str) -> OptPath {
        match self.json.get(field) {
            None => OptPath::Default,
            Some(Json::Null) => OptPath::Null,
            Some(Json::String(s)) => self.path(field, s).map_or(OptPath::Default, OptPath::Path),
            Some(_) => {
                self.err(field, "must be a path string or null");
                OptPath::Default
            }
        }
    }

    fn template(&mut self, field: &str) -> Option<Template> {
        let json = self.json.get(field)?;
        match Template::compile(json) {
            Ok(t) => Some(t),
            Err(e) => {
                self.errs.push(Diagnostic::error(
                    COMPILE,
                    format!("{}{}", pointer(&self.at, field), e.pointer),
                    e.message,
                ));
                None
            }
        }
    }

    fn jsonata_at(
        &mut self,
        json: &Json,
        location: String,
        field_name: &str,
    ) -> Option<jsonata::Template> {
        match jsonata::Template::compile(json, field_name) {
            Ok(t) => Some(t),
            Err(e) => {
                self.errs.push(Diagnostic::error(
                    "INVALID_JSONATA",
                    location,
                    e.to_string(),
                ));
                None
            }
        }
    }

    fn jsonata(&mut self, field: &str) -> Option<jsonata::Template> {
        let json = self.json.get(field)?;
        self.jsonata_at(json, pointer(&self.at, field), field)
    }

    fn assign(
        &mut self,
        json: Option<&Json>,
        location: &str,
        language: QueryLanguage,
    ) -> Option<Assign> {
        let json = json?;
        match language {
            QueryLanguage::JsonPath => match Template::compile(json) {
                Ok(t) => Some(Assign::JsonPath(t)),
                Err(e) => {
                    self.errs.push(Diagnostic::error(
                        COMPILE,
                        format!("{}{}", pointer(&self.at, location), e.pointer),
                        e.message,
                    ));
                    None
                }
            },
            QueryLanguage::Jsonata => self
                .jsonata_at(json, pointer(&self.at, location), "Assign")
                .map(Assign::Jsonata),
        }
    }

    /// A field that is a literal or, in JSONPath, read from its `...Path` twin; in JSONata, a literal or an
    /// expression.
    fn dynamic(
        &mut self,
        field: &str,
        path_field: &str,
        language: QueryLanguage,
    ) -> Option<Dynamic> {
        if let Some(Json::String(p)) = self.json.get(path_field) {
            if crate::intrinsics::Intrinsic::looks_like_call(p) {
                return match crate::intrinsics::Intrinsic::parse(p) {
                    Ok(i) => Some(Dynamic::Intrinsic(i)),
                    Err(e) => {
                        self.err(path_field, e.to_string());
                        None
                    }
                };
            }
            return self.path(path_field, p).map(Dynamic::Path);
        }
        let json = self.json.get(field)?;
        if language == QueryLanguage::Jsonata && jsonata::is_expression_value(json) {
            return self
                .jsonata_at(json, pointer(&self.at, field), field)
                .map(Dynamic::Jsonata);
        }
        Some(Dynamic::Literal(Value::from(json)))
    }

    fn choice(&mut self, language: QueryLanguage) -> Choice {
        let default = match self.str("Default") {
            Some(d) => self.target(d, "Default"),
            None => None,
        };
        let rules_json = self
            .json
            .get("Choices")
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default();
        let mut rules = Vec::with_capacity(rules_json.len());
        for (i, rule) in rules_json.iter().enumerate() {
            let at = pointer(&pointer(&self.at, "Choices"), i);
            let next = match rule.get("Next").and_then(Json::as_str) {
                Some(n) => match self.index.get(n) {
                    Some(&t) => t,
                    None => {
                        self.errs.push(Diagnostic::error(
                            "MISSING_TRANSITION_TARGET",
                            pointer(&at, "Next"),
                            format!("no state named '{n}' in this scope"),
                        ));
                        continue;
                    }
                },
                None => {
                    self.errs.push(Diagnostic::error(
                        COMPILE,
                        pointer(&at, "Next"),
                        "a Choice rule needs Next",
                    ));
                    continue;
                }
            };
            let test = if let Some(cond) = rule.get("Condition") {
                // AWS names these fields `Choices[i]/Condition` and `Choices[i]/Output` in its causes.
                match self.jsonata_at(
                    cond,
                    pointer(&at, "Condition"),
                    &format!("Choices[{i}]/Condition"),
                ) {
                    Some(t) => ChoiceTest::Jsonata(t),
                    None => continue,
                }
            } else {
                match Condition::compile(rule) {
                    Ok(c) => ChoiceTest::JsonPath(c),
                    Err(e) => {
                        self.errs.push(Diagnostic::error(
                            COMPILE,
                            format!("{at}{}", e.pointer),
                            e.message,
                        ));
                        continue;
                    }
                }
            };
            let assign_at = format!("Choices/{i}/Assign");
            let assign = self.assign(rule.get("Assign"), &assign_at, language);
            let output = match rule.get("Output") {
                Some(o) => {
                    self.jsonata_at(o, pointer(&at, "Output"), &format!("Choices[{i}]/Output"))
                }
                None => None,
            };
            rules.push(ChoiceRule {
                test,
                next,
                assign,
                output,
            });
        }
        Choice { rules, default }
    }

    fn wait(&mut self, language: QueryLanguage) -> Wait {
        if let Some(d) = self.dynamic("Seconds", "SecondsPath", language) {
            Wait::Seconds(d)
        } else if let Some(d) = self.dynamic("Timestamp", "TimestampPath", language) {
            if let Dynamic::Literal(Value::String(s)) = &d
                && crate::exec::time::parse_timestamp(s).is_none()
            {
                self.err("Timestamp", format!("'{s}' is not an RFC 3339 timestamp"));
            }
            Wait::Timestamp(d)
        } else {
            self.err(
                "Seconds",
                "a Wait state needs one of Seconds, SecondsPath, Timestamp, TimestampPath",
            );
            Wait::Seconds(Dynamic::Literal(Value::int(0)))
        }
    }

    fn retriers(&mut self) -> Vec<Retrier> {
        let Some(list) = self.json.get("Retry").and_then(Json::as_array) else {
            return Vec::new();
        };
        list.iter()
            .map(|r| Retrier {
                error_equals: strings(r.get("ErrorEquals")),
                interval_seconds: r
                    .get("IntervalSeconds")
                    .and_then(Json::as_f64)
                    .unwrap_or(1.0),
                max_attempts: r
                    .get("MaxAttempts")
                    .and_then(Json::as_u64)
                    .unwrap_or(3)
                    .min(u32::MAX as u64) as u32,
                backoff_rate: r.get("BackoffRate").and_then(Json::as_f64).unwrap_or(2.0),
                max_delay_seconds: r.get("MaxDelaySeconds").and_then(Json::as_f64),
                full_jitter: r.get("JitterStrategy").and_then(Json::as_str) == Some("FULL"),
            })
            .collect()
    }

    fn catchers(&mut self, language: QueryLanguage) -> Vec<Catcher> {
        let Some(list) = self.json.get("Catch").and_then(Json::as_array).cloned() else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(list.len());
        for (i, c) in list.iter().enumerate() {
            let at = pointer(&pointer(&self.at, "Catch"), i);
            let Some(next) = c
                .get("Next")
                .and_then(Json::as_str)
                .and_then(|n| self.index.get(n).copied())
            else {
                self.errs.push(Diagnostic::error(
                    "MISSING_TRANSITION_TARGET",
                    pointer(&at, "Next"),
                    "Catch Next does not name a state in this scope",
                ));
                continue;
            };
            let result_path = match c.get("ResultPath") {
                None => OptPath::Default,
                Some(Json::Null) => OptPath::Null,
                Some(Json::String(p)) => {
                    let field = format!("Catch/{i}/ResultPath");
                    self.path(&field, p).map_or(OptPath::Default, OptPath::Path)
                }
                Some(_) => OptPath::Default,
            };
            let output = match c.get("Output") {
                Some(o) => self.jsonata_at(o, pointer(&at, "Output"), "Output"),
                None => None,
            };
            let assign = self.assign(c.get("Assign"), &format!("Catch/{i}/Assign"), language);
            out.push(Catcher {
                error_equals: strings(c.get("ErrorEquals")),
                next,
                result_path,
                output,
                assign,
            });
        }
        out
    }

    fn map(&mut self, language: QueryLanguage) -> MapState {
        let (processor_json, processor_field) = match self.json.get("ItemProcessor") {
            Some(p) => (p.clone(), "ItemProcessor"),
            None => (
                self.json.get("Iterator").cloned().unwrap_or(Json::Null),
                "Iterator",
            ),
        };
        let processor_at = pointer(&self.at, processor_field);
        let processor = Arc::new(machine(&processor_json, &processor_at, language, self.errs));
        let distributed = processor_json
            .get("ProcessorConfig")
            .and_then(|c| c.get("Mode"))
            .and_then(Json::as_str)
            == Some("DISTRIBUTED");
        let selector_field = if self.json.get("ItemSelector").is_some() {
            "ItemSelector"
        } else {
            "Parameters"
        };
        let (item_selector, item_selector_jsonata) = match language {
            QueryLanguage::JsonPath => (self.template(selector_field), None),
            QueryLanguage::Jsonata => (None, self.jsonata(selector_field)),
        };
        let items = match self.json.get("Items") {
            Some(json) if language == QueryLanguage::Jsonata => {
                let at = pointer(&self.at, "Items");
                self.jsonata_at(json, at, "Items").map(Dynamic::Jsonata)
            }
            Some(json) => Some(Dynamic::Literal(Value::from(json))),
            None => None,
        };
        let item_reader = self
            .json
            .get("ItemReader")
            .map(|r| self.item_reader(r, language));
        let item_batcher = self.json.get("ItemBatcher").map(|b| {
            let mut sub = self.sub("ItemBatcher", b);
            let (batch_input, batch_input_jsonata) = match language {
                QueryLanguage::JsonPath => (sub.template("BatchInput"), None),
                QueryLanguage::Jsonata => (None, sub.jsonata("BatchInput")),
            };
            ItemBatcher {
                max_items: sub.dynamic("MaxItemsPerBatch", "MaxItemsPerBatchPath", language),
                max_bytes: sub.dynamic(
                    "MaxInputBytesPerBatch",
                    "MaxInputBytesPerBatchPath",
                    language,
                ),
                batch_input,
                batch_input_jsonata,
            }
        });
        let result_writer = self.json.get("ResultWriter").map(|w| {
            let mut sub = self.sub("ResultWriter", w);
            let (parameters, arguments) = match language {
                QueryLanguage::JsonPath => (sub.template("Parameters"), None),
                QueryLanguage::Jsonata => (None, sub.jsonata("Arguments")),
            };
            let config = w.get("WriterConfig");
            let transformation = config
                .and_then(|c| c.get("Transformation"))
                .and_then(Json::as_str)
                .map(|t| match t {
                    "NONE" => Transformation::None,
                    "FLATTEN" => Transformation::Flatten,
                    _ => Transformation::Compact,
                });
            ResultWriter {
                parameters,
                arguments,
                transformation,
                jsonl: config
                    .and_then(|c| c.get("OutputType"))
                    .and_then(Json::as_str)
                    == Some("JSONL"),
            }
        });
        let express_children = processor_json
            .get("ProcessorConfig")
            .and_then(|c| c.get("ExecutionType"))
            .and_then(Json::as_str)
            == Some("EXPRESS");
        MapState {
            processor,
            distributed,
            items_path: self.opt_path("ItemsPath"),
            items,
            item_selector,
            item_selector_jsonata,
            max_concurrency: self.dynamic("MaxConcurrency", "MaxConcurrencyPath", language),
            tolerated_failure_count: self.dynamic(
                "ToleratedFailureCount",
                "ToleratedFailureCountPath",
                language,
            ),
            tolerated_failure_percentage: self.dynamic(
                "ToleratedFailurePercentage",
                "ToleratedFailurePercentagePath",
                language,
            ),
            item_reader,
            item_batcher,
            result_writer,
            label: self.str("Label").map(Str::from),
            express_children,
        }
    }

    /// A compiler for the sub-object `field` of this one (ItemReader, ItemBatcher, ...).
    fn sub<'b>(&'b mut self, field: &str, json: &'b Json) -> Compiler<'b> {
        Compiler {
            at: pointer(&self.at, field),
            json,
            index: self.index,
            errs: self.errs,
        }
    }

    fn item_reader(&mut self, json: &Json, language: QueryLanguage) -> ItemReader {
        let mut sub = self.sub("ItemReader", json);
        let resource = if json
            .get("Resource")
            .and_then(Json::as_str)
            .is_some_and(|r| r.ends_with(":s3:listObjectsV2"))
        {
            ReaderResource::ListObjectsV2
        } else {
            ReaderResource::GetObject
        };
        let (parameters, arguments) = match language {
            QueryLanguage::JsonPath => (sub.template("Parameters"), None),
            QueryLanguage::Jsonata => (None, sub.jsonata("Arguments")),
        };
        let config = json.get("ReaderConfig").unwrap_or(&Json::Null);
        let text = |field: &str| config.get(field).and_then(Json::as_str);
        let input_type = match text("InputType") {
            Some("CSV") => InputType::Csv,
            Some("JSONL") => InputType::Jsonl,
            Some("MANIFEST") => InputType::Manifest,
            Some("PARQUET") => InputType::Parquet,
            _ => InputType::Json,
        };
        let csv_headers = match text("CSVHeaderLocation") {
            Some("GIVEN") => CsvHeaders::Given(
                strings(config.get("CSVHeaders"))
                    .into_iter()
                    .map(Str::from)
                    .collect(),
            ),
            _ => CsvHeaders::FirstRow,
        };
        let csv_delimiter = match text("CSVDelimiter") {
            Some("PIPE") => b'|',
            Some("SEMICOLON") => b';',
            Some("SPACE") => b' ',
            Some("TAB") => b'\t',
            _ => b',',
        };
        let max_items =
            sub.sub("ReaderConfig", config)
                .dynamic("MaxItems", "MaxItemsPath", language);
        ItemReader {
            resource,
            input_type,
            csv_headers,
            csv_delimiter,
            max_items,
            parameters,
            arguments,
        }
    }
}

fn strings(v: Option<&Json>) -> Vec<String> {
    v.and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
