//! Map state checks: item source, processor, concurrency and failure tolerance, Distributed Map fields.

use serde_json::{Map, Value};

use super::state::{StateCx, field_query_language, wrong_language_message};
use super::{Ql, Scope, Validator, codes};
use crate::diagnostic::pointer;
use crate::path::Root;

/// Fields only a Distributed Map uses. The Map page lists ItemReader, ItemBatcher and ResultWriter under
/// "Distributed Map state fields".
const DISTRIBUTED_ONLY: &[&str] = &["ItemReader", "ItemBatcher", "ResultWriter"];

/// Whether a Map state runs in DISTRIBUTED mode (its processor's `ProcessorConfig.Mode`).
fn is_distributed(obj: &Map<String, Value>) -> bool {
    ["ItemProcessor", "Iterator"].iter().any(|key| {
        obj.get(*key)
            .and_then(|p| p.get("ProcessorConfig"))
            .and_then(|c| c.get("Mode"))
            .and_then(Value::as_str)
            == Some("DISTRIBUTED")
    })
}

/// `arn:<partition>:states:::<service>:<api>` resources.
fn is_states_resource(arn: &str, allowed: &[&str]) -> bool {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("states"), Some(""), Some(""), Some(api)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    !partition.is_empty() && allowed.contains(&api)
}

impl Validator {
    /// The value of a Map-only field.
    pub(crate) fn map_field(&mut self, cx: &StateCx<'_>, key: &str, value: &Value, floc: &str) {
        let ql = cx.ql;
        match key {
            "ItemProcessor" | "Iterator" => self.processor(value, floc),
            // The Map page: "ItemsPath ... a reference path"; it may read the context object ($$) or a
            // variable.
            "ItemsPath" => {
                self.reference_path(value, floc);
            }
            // "Items (JSONata only): a JSON array or a JSONata expression that must evaluate to an array".
            "Items" => match value {
                Value::Array(_) => self.jsonata_value(value, floc),
                Value::String(s) => self.jsonata_string(s, floc),
                _ => self.schema(floc, "Expected value of type [ARRAY]"),
            },
            "ItemSelector" => match ql {
                Ql::JsonPath => self.payload_template(value, floc),
                Ql::Jsonata => match value {
                    Value::Object(_) => self.jsonata_value(value, floc),
                    Value::String(s) => self.jsonata_string(s, floc),
                    _ => self.schema(floc, "Expected value of type [OBJECT]"),
                },
            },
            // Measured on AWS: "MaxConcurrency ... Minimum value is 0", and no maximum (a value beyond
            // the integer range is accepted and capped at run time).
            "MaxConcurrency" => self.integer_or_expression(ql, value, floc, 0, None),
            // "ToleratedFailurePercentage ... Minimum value is 0.0 ... Maximum value is 100.0" (measured).
            "ToleratedFailurePercentage" => {
                self.number_or_expression(ql, value, floc, 0.0, Some(100.0))
            }
            "ToleratedFailureCount" => self.integer_or_expression(ql, value, floc, 0, None),
            // Measured on AWS: these are Reference Paths and only ItemsPath may read the context object.
            "MaxConcurrencyPath"
            | "ToleratedFailurePercentagePath"
            | "ToleratedFailureCountPath" => self.number_path(value, floc),
            "ItemReader" => self.item_reader(ql, value, floc),
            "ItemBatcher" => self.item_batcher(ql, value, floc),
            "ResultWriter" => self.result_writer(ql, value, floc),
            "Label" => self.map_label(value, floc),
            _ => {}
        }
    }

    /// Rules on the combination of a Map state's fields.
    pub(crate) fn map_shape(&mut self, cx: &StateCx<'_>) {
        let loc = cx.loc;
        // The Map page: "ItemProcessor (Required) ... replaces the now deprecated Iterator field".
        match (cx.has("ItemProcessor"), cx.has("Iterator")) {
            (false, false) => self.required(loc, &["ItemProcessor"]),
            (true, true) => {
                self.only_one_of(&cx.field("ItemProcessor"), &["ItemProcessor", "Iterator"])
            }
            _ => {}
        }
        // "ItemSelector ... replaces the now deprecated Parameters field".
        self.exclusive(cx, "ItemSelector", "Parameters");
        // Measured on AWS: "There should only be one of the following fields: [MaxConcurrency,
        // MaxConcurrencyPath]", at MaxConcurrency.
        self.exclusive(cx, "MaxConcurrency", "MaxConcurrencyPath");
        self.exclusive(
            cx,
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
        );
        self.exclusive(cx, "ToleratedFailureCount", "ToleratedFailureCountPath");
        if !is_distributed(cx.obj) {
            for key in DISTRIBUTED_ONLY {
                if cx.has(key) {
                    self.schema(
                        loc,
                        format!("Field '{key}' is only supported in DISTRIBUTED mode"),
                    );
                }
            }
        }
    }

    /// A Map `ItemProcessor` or `Iterator`: a state list plus `ProcessorConfig`.
    fn processor(&mut self, value: &Value, loc: &str) {
        let Some(processor) = self.expect_object(value, loc) else {
            return;
        };
        if let Some(config) = processor.get("ProcessorConfig") {
            self.processor_config(config, &pointer(loc, "ProcessorConfig"));
        }
        self.machine(processor, loc, Scope::Processor);
    }

    /// `ProcessorConfig`: "Mode ... INLINE or DISTRIBUTED", "ExecutionType ... STANDARD or EXPRESS" (for
    /// DISTRIBUTED only).
    fn processor_config(&mut self, value: &Value, loc: &str) {
        let Some(config) = self.expect_object(value, loc) else {
            return;
        };
        self.only_fields(config, loc, &["Mode", "ExecutionType"]);
        if let Some(mode) = config.get("Mode") {
            self.one_of(mode, &pointer(loc, "Mode"), &["INLINE", "DISTRIBUTED"]);
        }
        if let Some(ty) = config.get("ExecutionType") {
            self.one_of(ty, &pointer(loc, "ExecutionType"), &["STANDARD", "EXPRESS"]);
        }
        match config.get("Mode").and_then(Value::as_str) {
            Some("DISTRIBUTED") if !config.contains_key("ExecutionType") => {
                self.required(loc, &["ExecutionType"])
            }
            Some("INLINE") | None if config.contains_key("ExecutionType") => {
                self.not_supported(loc, "ExecutionType")
            }
            _ => {}
        }
    }

    /// A `*Path` field giving a number: a Reference Path that may not read the context object.
    fn number_path(&mut self, value: &Value, loc: &str) {
        if let Some(path) = self.reference_path(value, loc)
            && *path.root() == Root::Context
        {
            self.schema(
                loc,
                "Value is not a Reference Path: the context object is not allowed here",
            );
        }
    }

    /// A sub-object field (`ItemReader.Parameters` / `Arguments`) in the query language of the state.
    /// Measured on AWS: the other language's field is reported at that field.
    fn sub_field_language(&mut self, ql: Ql, key: &str, loc: &str) -> bool {
        match field_query_language(key) {
            Some(field_ql) if field_ql != ql => {
                self.schema(loc, wrong_language_message(ql, key, field_ql));
                false
            }
            _ => true,
        }
    }

    /// Parameters or Arguments of an ItemReader or ResultWriter.
    fn integration_arguments(&mut self, ql: Ql, value: &Value, loc: &str) {
        match ql {
            Ql::JsonPath => self.payload_template(value, loc),
            Ql::Jsonata => match value {
                Value::String(s) => self.jsonata_string(s, loc),
                _ => self.jsonata_value(value, loc),
            },
        }
    }

    /// `ItemReader`: "Resource", "ReaderConfig", "Parameters" (JSONPath) or "Arguments" (JSONata).
    fn item_reader(&mut self, ql: Ql, value: &Value, loc: &str) {
        let Some(reader) = self.expect_object(value, loc) else {
            return;
        };
        self.only_fields(
            reader,
            loc,
            &["Resource", "ReaderConfig", "Parameters", "Arguments"],
        );
        if !reader.contains_key("Resource") {
            self.required(loc, &["Resource"]);
        }
        for (key, item) in reader {
            let floc = pointer(loc, key);
            match key.as_str() {
                "Resource" => {
                    if let Some(arn) = self.expect_string(item, &floc)
                        && !is_states_resource(arn, &["s3:getObject", "s3:listObjectsV2"])
                    {
                        self.schema(
                            &floc,
                            "The field 'Resource' does not match any of the allowed values",
                        );
                    }
                }
                "ReaderConfig" => self.reader_config(ql, item, &floc),
                "Parameters" | "Arguments" if self.sub_field_language(ql, key, &floc) => {
                    self.integration_arguments(ql, item, &floc);
                }
                _ => {}
            }
        }
    }

    /// `ItemReader.ReaderConfig`.
    fn reader_config(&mut self, ql: Ql, value: &Value, loc: &str) {
        let Some(config) = self.expect_object(value, loc) else {
            return;
        };
        self.only_fields(
            config,
            loc,
            &[
                "InputType",
                "CSVHeaderLocation",
                "CSVHeaders",
                "CSVDelimiter",
                "MaxItems",
                "MaxItemsPath",
                "ManifestType",
            ],
        );
        for (key, item) in config {
            let floc = pointer(loc, key);
            match key.as_str() {
                "InputType" => self.one_of(
                    item,
                    &floc,
                    &["CSV", "JSON", "JSONL", "MANIFEST", "PARQUET"],
                ),
                "CSVHeaderLocation" => self.one_of(item, &floc, &["FIRST_ROW", "GIVEN"]),
                "CSVDelimiter" => {
                    self.one_of(item, &floc, &["COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"])
                }
                "ManifestType" => self.one_of(item, &floc, &["ATHENA_DATA", "S3_INVENTORY"]),
                "CSVHeaders" => {
                    if let Some(headers) = self.expect_array(item, &floc) {
                        for (i, header) in headers.iter().enumerate() {
                            self.expect_string(header, &pointer(&floc, i));
                        }
                    }
                }
                // Measured on AWS: "ReaderConfig.MaxItems has Maximum value is 100000000".
                "MaxItems" => self.integer_or_expression(ql, item, &floc, 0, Some(100_000_000)),
                "MaxItemsPath" if self.sub_field_language(ql, key, &floc) => {
                    self.number_path(item, &floc)
                }
                _ => {}
            }
        }
        if config.contains_key("MaxItems") && config.contains_key("MaxItemsPath") {
            self.only_one_of(&pointer(loc, "MaxItems"), &["MaxItems", "MaxItemsPath"]);
        }
        if config.get("CSVHeaderLocation").and_then(Value::as_str) == Some("GIVEN")
            && !config.contains_key("CSVHeaders")
        {
            self.required(loc, &["CSVHeaders"]);
        }
    }

    /// `ItemBatcher`: "MaxItemsPerBatch", "MaxInputBytesPerBatch" (and their `*Path`), "BatchInput".
    fn item_batcher(&mut self, ql: Ql, value: &Value, loc: &str) {
        const FIELDS: &[&str] = &[
            "MaxItemsPerBatch",
            "MaxItemsPerBatchPath",
            "MaxInputBytesPerBatch",
            "MaxInputBytesPerBatchPath",
            "BatchInput",
        ];
        let Some(batcher) = self.expect_object(value, loc) else {
            return;
        };
        self.only_fields(batcher, loc, FIELDS);
        for (key, item) in batcher {
            let floc = pointer(loc, key);
            if !self.sub_field_language(ql, key, &floc) {
                continue;
            }
            match key.as_str() {
                "MaxItemsPerBatch" => self.integer_or_expression(ql, item, &floc, 0, None),
                // The Map page: "MaxInputBytesPerBatch ... maximum 256 KiB".
                "MaxInputBytesPerBatch" => {
                    self.integer_or_expression(ql, item, &floc, 0, Some(262_144))
                }
                "MaxItemsPerBatchPath" | "MaxInputBytesPerBatchPath" => {
                    self.number_path(item, &floc)
                }
                "BatchInput" => match ql {
                    Ql::JsonPath => self.payload_template(item, &floc),
                    Ql::Jsonata => self.jsonata_value(item, &floc),
                },
                _ => {}
            }
        }
        for (literal, path) in [
            ("MaxItemsPerBatch", "MaxItemsPerBatchPath"),
            ("MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath"),
        ] {
            if batcher.contains_key(literal) && batcher.contains_key(path) {
                self.only_one_of(&pointer(loc, literal), &[literal, path]);
            }
        }
        // "You must specify at least one of MaxItemsPerBatch or MaxInputBytesPerBatch".
        if !FIELDS[..4].iter().any(|f| batcher.contains_key(*f)) {
            self.required(loc, &["MaxItemsPerBatch"]);
        }
    }

    /// `ResultWriter`: "Resource" with "Parameters"/"Arguments" to export results, "WriterConfig" to shape
    /// them. Measured by floci against AWS: an empty ResultWriter and a Resource without Parameters are
    /// refused at the ResultWriter; the resource is `s3:putObject`.
    fn result_writer(&mut self, ql: Ql, value: &Value, loc: &str) {
        let Some(writer) = self.expect_object(value, loc) else {
            return;
        };
        self.only_fields(
            writer,
            loc,
            &["Resource", "Parameters", "Arguments", "WriterConfig"],
        );
        if writer.is_empty() {
            self.schema(loc, "Value cannot be empty");
        }
        for (key, item) in writer {
            let floc = pointer(loc, key);
            match key.as_str() {
                "Resource" => {
                    if let Some(arn) = self.expect_string(item, &floc)
                        && !is_states_resource(arn, &["s3:putObject"])
                    {
                        self.schema(
                            &floc,
                            "The field 'Resource' does not match any of the allowed values",
                        );
                    }
                }
                "Parameters" | "Arguments" if self.sub_field_language(ql, key, &floc) => {
                    self.integration_arguments(ql, item, &floc);
                }
                "WriterConfig" => self.writer_config(item, &floc),
                _ => {}
            }
        }
        let arguments = match ql {
            Ql::JsonPath => "Parameters",
            Ql::Jsonata => "Arguments",
        };
        if writer.contains_key("Resource") && !writer.contains_key(arguments) {
            self.required(loc, &[arguments]);
        }
    }

    /// `ResultWriter.WriterConfig`: "Transformation" (NONE, COMPACT, FLATTEN) and "OutputType" (JSON,
    /// JSONL), both required.
    fn writer_config(&mut self, value: &Value, loc: &str) {
        let Some(config) = self.expect_object(value, loc) else {
            return;
        };
        self.only_fields(config, loc, &["Transformation", "OutputType"]);
        let missing: Vec<&str> = ["Transformation", "OutputType"]
            .into_iter()
            .filter(|f| !config.contains_key(*f))
            .collect();
        if !missing.is_empty() {
            self.required(loc, &missing);
        }
        if let Some(t) = config.get("Transformation") {
            self.one_of(
                t,
                &pointer(loc, "Transformation"),
                &["NONE", "COMPACT", "FLATTEN"],
            );
        }
        if let Some(t) = config.get("OutputType") {
            self.one_of(t, &pointer(loc, "OutputType"), &["JSON", "JSONL"]);
        }
    }

    /// `Label`: the Map page, "Label ... must be unique within the state machine and can't exceed 40
    /// characters", without whitespace, brackets, wildcards, special or control characters.
    fn map_label(&mut self, value: &Value, loc: &str) {
        let Some(label) = self.expect_string(value, loc) else {
            return;
        };
        if label.chars().count() > 40 {
            self.error(
                codes::INVALID_LABEL_NAME,
                loc,
                format!("Label '{label}' exceeds the 40-character limit allowed by the service"),
            );
        } else if label.is_empty() || label.chars().any(invalid_label_char) {
            self.error(
                codes::INVALID_LABEL_NAME,
                loc,
                format!("Label '{label}' contains invalid characters"),
            );
        }
        self.label(label, loc);
    }
}

/// Characters a Map label may not contain: whitespace, brackets `< > { } [ ]`, wildcards `? *`, special
/// characters `" # % \ ^ | ~ ` $ & , ; : /` and control characters.
fn invalid_label_char(c: char) -> bool {
    c.is_whitespace() || c.is_control() || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c)
}
