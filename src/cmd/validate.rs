//! `soar validate`: check definitions and print every diagnostic.

use std::path::PathBuf;

use soar_asl::{Severity, validate::validate};

/// Arguments of `soar validate`.
#[derive(clap::Args)]
pub struct Args {
    /// Definition files (.asl.json, .asl.yaml, ...).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// A DefinitionSubstitutions entry, Name=Value (repeatable).
    #[arg(long = "sub", value_name = "NAME=VALUE")]
    subs: Vec<String>,
}

/// Runs `soar validate`: exit 0 when every file is valid, 1 otherwise.
pub fn run(args: Args) -> anyhow::Result<u8> {
    let mut invalid = 0;
    for file in &args.files {
        let json = match super::read_definition(file, &args.subs) {
            Ok(json) => json,
            Err(e) => {
                println!("{}: error: {e:#}", file.display());
                invalid += 1;
                continue;
            }
        };
        let diagnostics = validate(&json);
        let errors = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        for d in &diagnostics {
            println!("{}: {d}", file.display());
        }
        if errors == 0 {
            println!("{}: valid", file.display());
        } else {
            invalid += 1;
        }
    }
    Ok(if invalid == 0 { 0 } else { 1 })
}
