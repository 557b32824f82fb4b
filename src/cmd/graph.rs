//! `soar graph`: draw a state machine (Mermaid flowchart or Graphviz dot), nested branches and item
//! processors as subgraphs.

use std::fmt::Write;
use std::path::PathBuf;

use serde_json::Value as Json;

/// Output formats.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum GraphFormat {
    /// A Mermaid flowchart (renders on GitHub and in most Markdown viewers).
    Mermaid,
    /// Graphviz dot.
    Dot,
}

/// Arguments of `soar graph`.
#[derive(clap::Args)]
pub struct Args {
    /// The definition.
    file: PathBuf,
    /// The diagram format.
    #[arg(long, value_enum, default_value = "mermaid")]
    format: GraphFormat,
    /// A DefinitionSubstitutions entry, Name=Value (repeatable).
    #[arg(long = "sub", value_name = "NAME=VALUE")]
    subs: Vec<String>,
}

/// Runs `soar graph`.
pub fn run(args: Args) -> anyhow::Result<u8> {
    let json = super::read_definition(&args.file, &args.subs)?;
    print!("{}", render(&json, args.format));
    Ok(0)
}

struct Edge {
    from: String,
    to: String,
    label: Option<String>,
    error_path: bool,
}

struct Graph {
    nodes: Vec<(String, String, String)>, // id, label, type
    edges: Vec<Edge>,
    clusters: Vec<(String, String, Graph)>, // id, label, body
    start: String,
}

fn node_id(scope: &str, name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{scope}{clean}")
}

fn build(machine: &Json, scope: &str) -> Graph {
    let mut g = Graph {
        nodes: Vec::new(),
        edges: Vec::new(),
        clusters: Vec::new(),
        start: String::new(),
    };
    let start = machine.get("StartAt").and_then(Json::as_str).unwrap_or("");
    g.start = node_id(scope, start);
    let Some(states) = machine.get("States").and_then(Json::as_object) else {
        return g;
    };
    for (name, state) in states {
        let id = node_id(scope, name);
        let ty = state
            .get("Type")
            .and_then(Json::as_str)
            .unwrap_or("?")
            .to_string();
        g.nodes.push((id.clone(), name.clone(), ty.clone()));
        let edge = |to: &str, label: Option<String>, error_path: bool, g: &mut Graph| {
            g.edges.push(Edge {
                from: id.clone(),
                to: node_id(scope, to),
                label,
                error_path,
            })
        };
        if let Some(next) = state.get("Next").and_then(Json::as_str) {
            edge(next, None, false, &mut g);
        }
        if let Some(choices) = state.get("Choices").and_then(Json::as_array) {
            for (i, c) in choices.iter().enumerate() {
                if let Some(next) = c.get("Next").and_then(Json::as_str) {
                    edge(next, Some(format!("rule {i}")), false, &mut g);
                }
            }
        }
        if let Some(default) = state.get("Default").and_then(Json::as_str) {
            edge(default, Some("default".into()), false, &mut g);
        }
        if let Some(catches) = state.get("Catch").and_then(Json::as_array) {
            for c in catches {
                if let Some(next) = c.get("Next").and_then(Json::as_str) {
                    let errors: Vec<&str> = c
                        .get("ErrorEquals")
                        .and_then(Json::as_array)
                        .map(|a| a.iter().filter_map(Json::as_str).collect())
                        .unwrap_or_default();
                    edge(
                        next,
                        Some(format!("catch {}", errors.join(", "))),
                        true,
                        &mut g,
                    );
                }
            }
        }
        if let Some(branches) = state.get("Branches").and_then(Json::as_array) {
            for (i, b) in branches.iter().enumerate() {
                let sub_scope = format!("{id}_b{i}_");
                g.clusters.push((
                    format!("{id}_b{i}"),
                    format!("{name} branch {i}"),
                    build(b, &sub_scope),
                ));
            }
        }
        if let Some(p) = state.get("ItemProcessor").or_else(|| state.get("Iterator")) {
            let sub_scope = format!("{id}_items_");
            g.clusters.push((
                format!("{id}_items"),
                format!("{name} items"),
                build(p, &sub_scope),
            ));
        }
    }
    g
}

fn render(def: &Json, format: GraphFormat) -> String {
    let g = build(def, "");
    let mut out = String::new();
    match format {
        GraphFormat::Mermaid => {
            out.push_str("flowchart TD\n    __start((start)) --> ");
            out.push_str(&g.start);
            out.push('\n');
            mermaid(&g, &mut out, 1);
            for (id, _, ty) in all_nodes(&g) {
                if ty == "Succeed" || ty == "Fail" {
                    let _ = writeln!(out, "    class {id} {}", ty.to_lowercase());
                }
            }
            out.push_str("    classDef succeed fill:#d4f7d4,stroke:#2a2\n    classDef fail fill:#f7d4d4,stroke:#a22\n");
        }
        GraphFormat::Dot => {
            out.push_str("digraph StateMachine {\n    rankdir=TB;\n    node [shape=box, style=rounded];\n    __start [shape=circle, label=\"start\"];\n");
            let _ = writeln!(out, "    __start -> {};", g.start);
            dot(&g, &mut out, 1);
            out.push_str("}\n");
        }
    }
    out
}

fn all_nodes(g: &Graph) -> Vec<&(String, String, String)> {
    let mut v: Vec<_> = g.nodes.iter().collect();
    for (_, _, sub) in &g.clusters {
        v.extend(all_nodes(sub));
    }
    v
}

fn mermaid_label(s: &str) -> String {
    s.replace('"', "#quot;")
}

fn mermaid(g: &Graph, out: &mut String, depth: usize) {
    let pad = "    ".repeat(depth);
    for (id, name, ty) in &g.nodes {
        let shape = match ty.as_str() {
            "Choice" => format!("{{\"{}<br/><i>{ty}</i>\"}}", mermaid_label(name)),
            _ => format!("[\"{}<br/><i>{ty}</i>\"]", mermaid_label(name)),
        };
        let _ = writeln!(out, "{pad}{id}{shape}");
    }
    for e in &g.edges {
        let arrow = if e.error_path { "-.->" } else { "-->" };
        match &e.label {
            Some(l) => {
                let _ = writeln!(
                    out,
                    "{pad}{} {arrow}|\"{}\"| {}",
                    e.from,
                    mermaid_label(l),
                    e.to
                );
            }
            None => {
                let _ = writeln!(out, "{pad}{} {arrow} {}", e.from, e.to);
            }
        }
    }
    for (id, label, sub) in &g.clusters {
        let _ = writeln!(out, "{pad}subgraph {id}[\"{}\"]", mermaid_label(label));
        let _ = writeln!(out, "{pad}    {id}__start((start)) --> {}", sub.start);
        mermaid(sub, out, depth + 1);
        let _ = writeln!(out, "{pad}end");
        let parent = id
            .rsplit_once("_b")
            .map(|(p, _)| p)
            .unwrap_or(id.trim_end_matches("_items"));
        let _ = writeln!(out, "{pad}{parent} -.- {id}");
    }
}

fn dot_label(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn dot(g: &Graph, out: &mut String, depth: usize) {
    let pad = "    ".repeat(depth);
    for (id, name, ty) in &g.nodes {
        let shape = match ty.as_str() {
            "Choice" => ", shape=diamond",
            "Succeed" => ", color=green",
            "Fail" => ", color=red",
            _ => "",
        };
        let _ = writeln!(
            out,
            "{pad}{id} [label=\"{}\\n({ty})\"{shape}];",
            dot_label(name)
        );
    }
    for e in &g.edges {
        let style = if e.error_path {
            ", style=dashed, color=red"
        } else {
            ""
        };
        let label = e
            .label
            .as_deref()
            .map(|l| format!("label=\"{}\"", dot_label(l)))
            .unwrap_or_default();
        let _ = writeln!(out, "{pad}{} -> {} [{label}{style}];", e.from, e.to);
    }
    for (id, label, sub) in &g.clusters {
        let _ = writeln!(
            out,
            "{pad}subgraph cluster_{id} {{\n{pad}    label=\"{}\";",
            dot_label(label)
        );
        let _ = writeln!(
            out,
            "{pad}    {id}__start [shape=circle, label=\"start\"];\n{pad}    {id}__start -> {};",
            sub.start
        );
        dot(sub, out, depth + 1);
        let _ = writeln!(out, "{pad}}}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def() -> Json {
        serde_json::json!({
            "StartAt": "Decide",
            "States": {
                "Decide": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "Fan"}], "Default": "Done"},
                "Fan": {"Type": "Parallel", "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}],
                         "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Oops"}], "Next": "Done"},
                "Oops": {"Type": "Fail", "Error": "E"},
                "Done": {"Type": "Succeed"}
            }
        })
    }

    #[test]
    fn mermaid_has_every_state_edge_and_branch() {
        let m = render(&def(), GraphFormat::Mermaid);
        assert!(
            m.starts_with("flowchart TD\n    __start((start)) --> Decide\n"),
            "{m}"
        );
        assert!(m.contains("Decide -->|\"rule 0\"| Fan"), "{m}");
        assert!(m.contains("Decide -->|\"default\"| Done"), "{m}");
        assert!(m.contains("Fan -.->|\"catch States.ALL\"| Oops"), "{m}");
        assert!(m.contains("subgraph Fan_b0[\"Fan branch 0\"]"), "{m}");
        assert!(m.contains("Fan_b0_A[\"A<br/><i>Pass</i>\"]"), "{m}");
        assert!(m.contains("class Oops fail"), "{m}");
    }

    #[test]
    fn dot_is_a_digraph_with_clusters() {
        let d = render(&def(), GraphFormat::Dot);
        assert!(d.starts_with("digraph StateMachine {"), "{d}");
        assert!(
            d.contains("Decide [label=\"Decide\\n(Choice)\", shape=diamond];"),
            "{d}"
        );
        assert!(d.contains("subgraph cluster_Fan_b0 {"), "{d}");
        assert!(
            d.contains("Fan -> Oops [label=\"catch States.ALL\", style=dashed, color=red];"),
            "{d}"
        );
        assert!(d.trim_end().ends_with('}'));
    }
}
