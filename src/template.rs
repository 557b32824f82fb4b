//! Reading `template.yaml` (AWS SAM), the single source of truth for which state machines exist, which
//! definition file each one runs and which `DefinitionSubstitutions` it gets. The local runner resolves
//! those substitutions exactly as CloudFormation would for a chosen region and account, so a local run and
//! a deployed run execute the same definition.
//!
//! The template uses CloudFormation's long-form intrinsics (`Fn::GetAtt: [X, Arn]`, `Ref: X`,
//! `Fn::Sub: ...`): they are plain YAML, which every YAML parser reads the same way. Short-form tags
//! (`!GetAtt`) are refused with an error naming where they are.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

/// Why the template could not be read or a substitution could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The template's path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The text is not YAML or JSON.
    #[error("{path}: not valid YAML: {message}")]
    Yaml {
        /// The template's path.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A value the runner needs is missing or has the wrong shape.
    #[error("{path}: {location}: {message}")]
    Invalid {
        /// The template's path.
        path: PathBuf,
        /// JSON Pointer of the offending value, e.g. `/Resources/AsffProcessor/Properties/DefinitionUri`.
        location: String,
        /// What is wrong.
        message: String,
    },
}

/// A Lambda function of the template (`AWS::Serverless::Function`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    /// Its logical id, e.g. `GetAccountDataFunction`.
    pub logical_id: String,
    /// `Handler`: the name of the task in SOAR's function registry (the Lambda bootstrap dispatches on it).
    pub handler: String,
    /// `FunctionName` when set as a literal, else the logical id (what its ARN ends with locally).
    pub name: String,
}

/// A state machine of the template (`AWS::Serverless::StateMachine`).
#[derive(Clone, Debug, PartialEq)]
pub struct StateMachine {
    /// Its logical id, e.g. `AsffProcessor`.
    pub logical_id: String,
    /// `Name` when set as a literal, else the logical id.
    pub name: String,
    /// `DefinitionUri`, relative to the template's folder.
    pub definition: PathBuf,
    /// `DefinitionSubstitutions` as written (intrinsics unresolved).
    pub substitutions: BTreeMap<String, Json>,
}

/// The parts of `template.yaml` the local runner needs.
#[derive(Clone, Debug)]
pub struct Template {
    path: PathBuf,
    resources: serde_json::Map<String, Json>,
    parameters: serde_json::Map<String, Json>,
    /// Every `AWS::Serverless::Function`, by logical id.
    pub functions: BTreeMap<String, Function>,
    /// Every `AWS::Serverless::StateMachine`, by logical id.
    pub state_machines: BTreeMap<String, StateMachine>,
}

/// Where the template is deployed: the values of the pseudo parameters and any parameter overrides.
#[derive(Clone, Debug)]
pub struct Deployment {
    /// `AWS::Region`.
    pub region: String,
    /// `AWS::AccountId`.
    pub account: String,
    /// `AWS::Partition`.
    pub partition: String,
    /// Parameter values that replace the template's defaults.
    pub parameters: BTreeMap<String, String>,
}

impl Default for Deployment {
    /// The engine's local identity (the same region and account `soar_asl::Engine` uses in ARNs).
    fn default() -> Deployment {
        Deployment {
            region: "us-east-1".into(),
            account: "123456789012".into(),
            partition: "aws".into(),
            parameters: BTreeMap::new(),
        }
    }
}

impl Template {
    /// Reads and indexes the template at `path`.
    pub fn load(path: &Path) -> Result<Template, TemplateError> {
        let text = std::fs::read_to_string(path).map_err(|source| TemplateError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Template::parse(&text, path)
    }

    /// Parses template text; `path` locates `DefinitionUri`s and names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Template, TemplateError> {
        let yaml_error = |message: String| TemplateError::Yaml {
            path: path.to_path_buf(),
            message,
        };
        if let Some((line, tag)) = short_form_tag(text) {
            return Err(yaml_error(format!(
                "line {line}: short-form tag {tag}: write the long form (Fn::GetAtt, Ref, Fn::Sub, ...)"
            )));
        }
        // serde-saphyr (maintained, pure Rust) rather than the deprecated serde_yaml; see soar-asl's loader.
        let root: Json = serde_saphyr::from_str(text).map_err(|e| yaml_error(e.to_string()))?;
        let invalid = |location: &str, message: &str| TemplateError::Invalid {
            path: path.to_path_buf(),
            location: location.to_string(),
            message: message.to_string(),
        };
        let resources = root
            .get("Resources")
            .and_then(Json::as_object)
            .cloned()
            .ok_or_else(|| invalid("/Resources", "the template has no Resources"))?;
        let parameters = root
            .get("Parameters")
            .and_then(Json::as_object)
            .cloned()
            .unwrap_or_default();
        let mut functions = BTreeMap::new();
        let mut state_machines = BTreeMap::new();
        for (id, resource) in &resources {
            let at = format!("/Resources/{id}/Properties");
            let props = resource.get("Properties").cloned().unwrap_or(Json::Null);
            let literal = |field: &str| props.get(field).and_then(Json::as_str).map(str::to_string);
            match resource.get("Type").and_then(Json::as_str) {
                Some("AWS::Serverless::Function") => {
                    let handler = literal("Handler").ok_or_else(|| {
                        invalid(
                            &format!("{at}/Handler"),
                            "a function needs a Handler string",
                        )
                    })?;
                    functions.insert(
                        id.clone(),
                        Function {
                            logical_id: id.clone(),
                            handler,
                            name: literal("FunctionName").unwrap_or_else(|| id.clone()),
                        },
                    );
                }
                Some("AWS::Serverless::StateMachine") => {
                    let uri = literal("DefinitionUri").ok_or_else(|| {
                        invalid(
                            &format!("{at}/DefinitionUri"),
                            "a state machine needs DefinitionUri (a file in statemachines/): soar keeps no second copy of a definition",
                        )
                    })?;
                    let substitutions = match props.get("DefinitionSubstitutions") {
                        None => BTreeMap::new(),
                        Some(Json::Object(m)) => m.clone().into_iter().collect(),
                        Some(_) => {
                            return Err(invalid(
                                &format!("{at}/DefinitionSubstitutions"),
                                "must be a mapping",
                            ));
                        }
                    };
                    let folder = path.parent().unwrap_or(Path::new("."));
                    state_machines.insert(
                        id.clone(),
                        StateMachine {
                            logical_id: id.clone(),
                            name: literal("Name").unwrap_or_else(|| id.clone()),
                            definition: folder.join(uri),
                            substitutions,
                        },
                    );
                }
                _ => {}
            }
        }
        Ok(Template {
            path: path.to_path_buf(),
            resources,
            parameters,
            functions,
            state_machines,
        })
    }

    /// The template's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The state machine named `name` (its `Name` or logical id).
    pub fn state_machine(&self, name: &str) -> Option<&StateMachine> {
        self.state_machines
            .values()
            .find(|m| m.name == name || m.logical_id == name)
    }

    /// The ARN a resource's `Ref`/`Fn::GetAtt Arn` gives once deployed to `to`.
    pub fn arn_of(&self, logical_id: &str, to: &Deployment) -> Option<String> {
        let Deployment {
            region,
            account,
            partition,
            ..
        } = to;
        if let Some(f) = self.functions.get(logical_id) {
            return Some(format!(
                "arn:{partition}:lambda:{region}:{account}:function:{}",
                f.name
            ));
        }
        if let Some(m) = self.state_machines.get(logical_id) {
            return Some(format!(
                "arn:{partition}:states:{region}:{account}:stateMachine:{}",
                m.name
            ));
        }
        None
    }

    /// `machine`'s `DefinitionSubstitutions` with every intrinsic resolved for deployment `to`.
    pub fn substitutions(
        &self,
        machine: &StateMachine,
        to: &Deployment,
    ) -> Result<BTreeMap<String, String>, TemplateError> {
        machine
            .substitutions
            .iter()
            .map(|(name, value)| {
                let at = format!(
                    "/Resources/{}/Properties/DefinitionSubstitutions/{name}",
                    machine.logical_id
                );
                self.resolve(value, to, &at).map(|v| (name.clone(), v))
            })
            .collect()
    }

    /// Resolves one value: a literal, `Ref`, `Fn::GetAtt` or `Fn::Sub`.
    fn resolve(&self, value: &Json, to: &Deployment, at: &str) -> Result<String, TemplateError> {
        let invalid = |message: String| TemplateError::Invalid {
            path: self.path.clone(),
            location: at.to_string(),
            message,
        };
        match value {
            Json::String(s) => Ok(s.clone()),
            Json::Number(n) => Ok(n.to_string()),
            Json::Bool(b) => Ok(b.to_string()),
            Json::Object(m) if m.len() == 1 => {
                let (key, arg) = m.iter().next().expect("one entry");
                match key.as_str() {
                    "Ref" => {
                        let name = arg
                            .as_str()
                            .ok_or_else(|| invalid("Ref takes a name".into()))?;
                        self.reference(name, to).ok_or_else(|| {
                            invalid(format!("Ref {name}: no such parameter or resource"))
                        })
                    }
                    "Fn::GetAtt" => {
                        let parts: Vec<&str> = match arg {
                            Json::String(s) => s.splitn(2, '.').collect(),
                            Json::Array(a) => a.iter().filter_map(Json::as_str).collect(),
                            _ => Vec::new(),
                        };
                        match parts.as_slice() {
                            [id, "Arn"] => self.arn_of(id, to).ok_or_else(|| {
                                invalid(format!(
                                    "Fn::GetAtt {id}.Arn: no such function or state machine"
                                ))
                            }),
                            [id, "Name"] => self
                                .resources
                                .contains_key(*id)
                                .then(|| id.to_string())
                                .ok_or_else(|| {
                                    invalid(format!("Fn::GetAtt {id}.Name: no such resource"))
                                }),
                            _ => Err(invalid(format!(
                                "Fn::GetAtt {arg}: soar resolves only Arn and Name"
                            ))),
                        }
                    }
                    "Fn::Sub" => {
                        let text = arg.as_str().ok_or_else(|| {
                            invalid("soar resolves Fn::Sub with a string only".into())
                        })?;
                        self.sub(text, to).map_err(invalid)
                    }
                    other => Err(invalid(format!(
                        "{other} is not resolved by soar's local runner"
                    ))),
                }
            }
            other => Err(invalid(format!("cannot turn {other} into a substitution"))),
        }
    }

    /// `Ref`: a parameter's value, a pseudo parameter, or a resource's name/ARN.
    fn reference(&self, name: &str, to: &Deployment) -> Option<String> {
        match name {
            "AWS::Region" => return Some(to.region.clone()),
            "AWS::AccountId" => return Some(to.account.clone()),
            "AWS::Partition" => return Some(to.partition.clone()),
            "AWS::StackName" => return Some("soar".into()),
            _ => {}
        }
        if let Some(v) = to.parameters.get(name) {
            return Some(v.clone());
        }
        if let Some(p) = self.parameters.get(name) {
            return p.get("Default").map(|d| match d {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            });
        }
        if self.state_machines.contains_key(name) {
            return self.arn_of(name, to);
        }
        // Functions, tables, queues...: `Ref` gives the physical name; locally the logical id.
        self.resources.get(name).map(|r| {
            r.pointer("/Properties/TableName")
                .or_else(|| r.pointer("/Properties/FunctionName"))
                .and_then(Json::as_str)
                .map_or_else(|| name.to_string(), str::to_string)
        })
    }

    /// `Fn::Sub`: `${Name}` and `${Id.Attr}` replaced; `${!Literal}` kept as `${Literal}`.
    fn sub(&self, text: &str, to: &Deployment) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| format!("Fn::Sub: unclosed ${{ in {text:?}"))?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some((id, "Arn")) = name.split_once('.') {
                out.push_str(
                    &self
                        .arn_of(id, to)
                        .ok_or_else(|| format!("Fn::Sub: no resource {id}"))?,
                );
            } else {
                out.push_str(
                    &self
                        .reference(name, to)
                        .ok_or_else(|| format!("Fn::Sub: ${{{name}}} is not defined"))?,
                );
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// The first short-form CloudFormation tag (`!Ref`, `!GetAtt`...) outside quotes and comments, if any.
fn short_form_tag(text: &str) -> Option<(usize, String)> {
    const TAGS: &[&str] = &[
        "!Ref",
        "!GetAtt",
        "!Sub",
        "!Join",
        "!If",
        "!Equals",
        "!Not",
        "!And",
        "!Or",
        "!Select",
        "!Split",
        "!FindInMap",
        "!ImportValue",
        "!GetAZs",
        "!Base64",
        "!Condition",
    ];
    for (n, line) in text.lines().enumerate() {
        let code = line.split(" #").next().unwrap_or(line);
        if code.trim_start().starts_with('#') {
            continue;
        }
        for tag in TAGS {
            if let Some(pos) = code.find(tag) {
                let next = code[pos + tag.len()..].chars().next();
                let quoted = code[..pos].matches(['"', '\'']).count() % 2 == 1;
                if !quoted && next.is_none_or(|c| !c.is_alphanumeric()) {
                    return Some((n + 1, tag.to_string()));
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"
Transform: AWS::Serverless-2016-10-31
Parameters:
  TicketTableName:
    Type: String
    Default: soar-tickets
Resources:
  GetAccountDataFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: get_account_data
  Tickets:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: soar-tickets-table
  AutoRemediations:
    Type: AWS::Serverless::StateMachine
    Properties:
      Name: SOARAutoRemediations
      DefinitionUri: statemachines/auto_remediations.asl.yaml
  AsffProcessor:
    Type: AWS::Serverless::StateMachine
    Properties:
      Name: SOARASFFProcessor
      DefinitionUri: statemachines/asff_processor.asl.yaml
      DefinitionSubstitutions:
        GetAccountDataFunctionArn:
          Fn::GetAtt: [GetAccountDataFunction, Arn]
        AutoRemediationsArn:
          Ref: AutoRemediations
        TicketTable:
          Ref: TicketTableName
        TableName:
          Ref: Tickets
        Retries: 10
        Queue:
          Fn::Sub: "https://sqs.${AWS::Region}.amazonaws.com/${AWS::AccountId}/q-${!Literal}"
"#;

    fn template() -> Template {
        Template::parse(TEMPLATE, Path::new("/repo/template.yaml")).unwrap()
    }

    #[test]
    fn substitutions_resolve_as_cloudformation_would() {
        let t = template();
        let machine = t.state_machine("SOARASFFProcessor").unwrap();
        assert_eq!(
            machine.definition,
            Path::new("/repo/statemachines/asff_processor.asl.yaml")
        );
        let to = Deployment {
            region: "eu-west-1".into(),
            account: "111122223333".into(),
            ..Deployment::default()
        };
        let subs = t.substitutions(machine, &to).unwrap();
        assert_eq!(
            subs["GetAccountDataFunctionArn"],
            "arn:aws:lambda:eu-west-1:111122223333:function:GetAccountDataFunction"
        );
        assert_eq!(
            subs["AutoRemediationsArn"],
            "arn:aws:states:eu-west-1:111122223333:stateMachine:SOARAutoRemediations"
        );
        assert_eq!(subs["TicketTable"], "soar-tickets");
        assert_eq!(subs["TableName"], "soar-tickets-table");
        assert_eq!(subs["Retries"], "10");
        assert_eq!(
            subs["Queue"],
            "https://sqs.eu-west-1.amazonaws.com/111122223333/q-${Literal}"
        );
        assert_eq!(
            t.functions["GetAccountDataFunction"].handler,
            "get_account_data"
        );
    }

    #[test]
    fn parameter_overrides_win_over_defaults() {
        let t = template();
        let machine = t.state_machine("AsffProcessor").unwrap();
        let mut to = Deployment::default();
        to.parameters
            .insert("TicketTableName".into(), "other".into());
        assert_eq!(
            t.substitutions(machine, &to).unwrap()["TicketTable"],
            "other"
        );
    }

    #[test]
    fn unknown_references_and_short_tags_are_errors_naming_where() {
        let bad = TEMPLATE.replace("Ref: TicketTableName", "Ref: Nope");
        let t = Template::parse(&bad, Path::new("t.yaml")).unwrap();
        let e = t
            .substitutions(
                t.state_machine("AsffProcessor").unwrap(),
                &Deployment::default(),
            )
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/Resources/AsffProcessor/Properties/DefinitionSubstitutions/TicketTable")
                && e.contains("Ref Nope"),
            "{e}"
        );
        let short = TEMPLATE.replace(
            "Fn::GetAtt: [GetAccountDataFunction, Arn]",
            "!GetAtt GetAccountDataFunction.Arn",
        );
        let e = Template::parse(&short, Path::new("t.yaml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("!GetAtt") && e.contains("line "), "{e}");
    }

    #[test]
    fn a_state_machine_without_definition_uri_is_refused() {
        let inline = TEMPLATE.replace(
            "DefinitionUri: statemachines/auto_remediations.asl.yaml",
            "Definition: {}",
        );
        let e = Template::parse(&inline, Path::new("t.yaml"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/Resources/AutoRemediations/Properties/DefinitionUri"),
            "{e}"
        );
    }
}
