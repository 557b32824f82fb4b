//! One module per subcommand.

pub mod exec;
pub mod graph;
pub mod process;
pub mod validate;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};
use soar_asl::definition::{Format, load};

/// Reads a definition file (JSON or YAML by extension) and applies `Name=Value` substitutions.
pub fn read_definition(path: &Path, subs: &[String]) -> anyhow::Result<serde_json::Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let substitutions = parse_substitutions(subs)?;
    let format = Format::from_file_name(&path.to_string_lossy());
    load::load(&text, format, &substitutions).with_context(|| format!("{}", path.display()))
}

/// `Name=Value` pairs from `--sub`.
pub fn parse_substitutions(subs: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut map = BTreeMap::new();
    for s in subs {
        let Some((k, v)) = s.split_once('=') else {
            bail!("--sub expects Name=Value, got '{s}'");
        };
        map.insert(k.to_string(), v.to_string());
    }
    Ok(map)
}
