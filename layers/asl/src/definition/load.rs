//! Reading definition text (JSON or YAML) and applying `${Name}` DefinitionSubstitutions, as SAM does.

use std::collections::BTreeMap;

/// A definition that could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The text is not valid JSON, e.g. a trailing comma.
    #[error("not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The text is not valid YAML, e.g. a tab used for indentation.
    #[error("not valid YAML: {0}")]
    Yaml(String),
    /// A `${Name}` placeholder has no substitution, e.g. `Resource: ${EnrichFunctionArn}` without `--sub`.
    #[error("{location}: no substitution given for ${{{name}}}")]
    MissingSubstitution {
        /// The placeholder's name.
        name: String,
        /// JSON Pointer of the string that holds it.
        location: String,
    },
}

/// The syntax a definition is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `.asl.json`, `.json`
    Json,
    /// `.asl.yaml`, `.yaml`, `.yml`
    Yaml,
}

impl Format {
    /// Picks the format from a file name: YAML for `.yaml`/`.yml`, JSON otherwise.
    pub fn from_file_name(name: &str) -> Format {
        if name.ends_with(".yaml") || name.ends_with(".yml") {
            Format::Yaml
        } else {
            Format::Json
        }
    }
}

/// Parses definition text and replaces every `${Name}` in its string values (keys included) with
/// `substitutions[Name]`, the way CloudFormation applies `DefinitionSubstitutions`.
pub fn load(
    text: &str,
    format: Format,
    substitutions: &BTreeMap<String, String>,
) -> Result<serde_json::Value, LoadError> {
    let mut value: serde_json::Value = match format {
        Format::Json => serde_json::from_str(text)?,
        // serde-saphyr, not the deprecated serde_yaml: it is pure Rust (no unsafe libyaml), maintained, has
        // input budgets against YAML bombs, and reads YAML 1.1 booleans the way SAM's PyYAML-based loader does.
        Format::Yaml => serde_saphyr::from_str(text).map_err(|e| LoadError::Yaml(e.to_string()))?,
    };
    substitute(&mut value, substitutions, &mut String::new())?;
    Ok(value)
}

fn substitute(
    value: &mut serde_json::Value,
    subs: &BTreeMap<String, String>,
    location: &mut String,
) -> Result<(), LoadError> {
    match value {
        serde_json::Value::String(s) if s.contains("${") => {
            *s = substitute_str(s, subs, location)?;
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let len = location.len();
                location.push_str(&format!("/{i}"));
                substitute(item, subs, location)?;
                location.truncate(len);
            }
        }
        serde_json::Value::Object(map) => {
            if map.keys().any(|k| k.contains("${")) {
                let entries = std::mem::take(map);
                for (k, v) in entries {
                    let k = if k.contains("${") {
                        substitute_str(&k, subs, location)?
                    } else {
                        k
                    };
                    map.insert(k, v);
                }
            }
            for (k, v) in map.iter_mut() {
                let len = location.len();
                location.push_str(&crate::diagnostic::pointer("", k));
                substitute(v, subs, location)?;
                location.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

fn substitute_str(
    s: &str,
    subs: &BTreeMap<String, String>,
    location: &str,
) -> Result<String, LoadError> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let name = &after[..end];
        match subs.get(name) {
            Some(v) => out.push_str(v),
            None => {
                return Err(LoadError::MissingSubstitution {
                    name: name.to_string(),
                    location: if location.is_empty() {
                        "/".into()
                    } else {
                        location.to_string()
                    },
                });
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn yaml_and_json_load_to_the_same_value() {
        let yaml = "StartAt: A\nStates:\n  A:\n    Type: Pass\n    End: true\n";
        let json = r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}"#;
        assert_eq!(
            load(yaml, Format::Yaml, &subs(&[])).unwrap(),
            load(json, Format::Json, &subs(&[])).unwrap()
        );
    }

    #[test]
    fn substitutions_replace_placeholders_in_values_and_keys() {
        let json = r#"{"States":{"A":{"Resource":"${Fn}","Comment":"x ${A}-${B} y","${K}":1}}}"#;
        let v = load(
            json,
            Format::Json,
            &subs(&[("Fn", "arn:f"), ("A", "1"), ("B", "2"), ("K", "key")]),
        )
        .unwrap();
        assert_eq!(v["States"]["A"]["Resource"], "arn:f");
        assert_eq!(v["States"]["A"]["Comment"], "x 1-2 y");
        assert_eq!(v["States"]["A"]["key"], 1);
    }

    #[test]
    fn a_missing_substitution_names_the_placeholder_and_where() {
        let json = r#"{"States":{"Enrich":{"Resource":"${EnrichArn}"}}}"#;
        let err = load(json, Format::Json, &subs(&[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "/States/Enrich/Resource: no substitution given for ${EnrichArn}"
        );
    }

    #[test]
    fn bad_yaml_is_an_error() {
        assert!(matches!(
            load("a: [1, 2", Format::Yaml, &subs(&[])),
            Err(LoadError::Yaml(_))
        ));
    }
}
