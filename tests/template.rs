//! template.yaml is the single source of truth: every state machine it declares loads from its
//! DefinitionUri with the substitutions it gives, every `${...}` of every ASL file is one of them, every
//! function's Handler is a task of the registry, and every registry task is deployed.

use std::collections::BTreeSet;
use std::path::Path;

use soar::template::{Deployment, Template};
use soar_functions::Registry;

fn template() -> Template {
    Template::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("template.yaml"))
        .expect("template.yaml")
}

/// The `${Name}` placeholders of a definition's text.
fn placeholders(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let end = after.find('}').expect("closed placeholder");
        out.insert(after[..end].to_string());
        rest = &after[end + 1..];
    }
    out
}

#[test]
fn every_placeholder_of_every_state_machine_is_substituted_and_nothing_else() {
    let t = template();
    assert!(!t.state_machines.is_empty());
    for m in t.state_machines.values() {
        let text = std::fs::read_to_string(&m.definition)
            .unwrap_or_else(|e| panic!("{}: {e}", m.definition.display()));
        let used = placeholders(&text);
        let given: BTreeSet<String> = m.substitutions.keys().cloned().collect();
        assert_eq!(
            used,
            given,
            "{}: placeholders in {} vs DefinitionSubstitutions",
            m.logical_id,
            m.definition.display()
        );
        let subs = t
            .substitutions(m, &Deployment::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let json = soar_asl::definition::load::load(&text, soar_asl::Format::Yaml, &subs)
            .unwrap_or_else(|e| panic!("{}: {e}", m.definition.display()));
        soar_asl::StateMachine::from_json(json)
            .unwrap_or_else(|e| panic!("{}: {e}", m.definition.display()));
    }
}

#[test]
fn every_asl_file_is_deployed_by_the_template() {
    let t = template();
    let deployed: BTreeSet<_> = t
        .state_machines
        .values()
        .map(|m| m.definition.file_name().unwrap().to_owned())
        .collect();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("statemachines");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name();
        assert!(deployed.contains(&name), "{name:?} is not in template.yaml");
    }
}

#[test]
fn template_functions_and_the_registry_are_the_same_set() {
    let t = template();
    let registry = Registry::soar();
    let handlers: BTreeSet<&str> = t.functions.values().map(|f| f.handler.as_str()).collect();
    let registered: BTreeSet<&str> = registry.handlers().collect();
    assert_eq!(handlers, registered);
}
