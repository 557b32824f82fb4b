//! Static analysis of a parsed expression, done once at compile time: which variables and which
//! parts of them it reads, which Step Functions functions it calls, whether it is a plain variable
//! path that can be read without jsonata-core, and the checks AWS applies when it accepts a
//! definition.

use std::collections::{HashMap, HashSet};

use jsonata_core::ast::{AstNode, BinaryOp, PathStep, Stage};

use super::convert::Need;
use super::functions;

/// What an expression reads and calls.
#[derive(Debug, Default)]
pub(crate) struct Reads {
    /// Each variable the expression names (without `$`), with the parts of it that it reads, in the
    /// order it first names them.
    pub(crate) variables: Variables,
    /// The Step Functions functions ([`functions::NAMES`]) it names.
    pub(crate) functions: Vec<&'static str>,
    /// The first JSONata 2.1 operator found (`??` or `?:`); AWS implements JSONata 2.0.6.
    pub(crate) newer_operator: Option<&'static str>,
    /// Whether a `%` (parent) step appears: its value is an ancestor of a step's value, which a
    /// pruned copy would not hold in full, so every variable is then needed whole.
    pub(crate) has_parent: bool,
    /// The members of `$states` the expression names (`$states.errorOutput...`).
    pub(crate) states_members: Vec<Box<str>>,
}

/// The variables a [`Reads`] names. A map, so that an expression naming thousands of variables is
/// analysed in linear time.
pub(crate) type Variables = indexmap::IndexMap<Box<str>, Need, foldhash::fast::RandomState>;

impl Reads {
    fn need(&mut self, name: &str, need: Need) {
        if let Some(f) = functions::NAMES.iter().find(|f| **f == name)
            && !self.functions.contains(f)
        {
            self.functions.push(f);
        }
        match self.variables.get_mut(name) {
            Some(existing) => existing.merge(need),
            None => {
                self.variables.insert(name.into(), need);
            }
        }
    }

    /// The union of two expressions' reads (for a template's expressions, bound together).
    pub(crate) fn merge(&mut self, other: &Reads) {
        for (name, need) in &other.variables {
            self.need(name, need.clone());
        }
    }

    /// The need for variable `name`, if the expression reads it.
    #[cfg(test)]
    pub(crate) fn variable(&self, name: &str) -> Option<&Need> {
        self.variables.get(name)
    }
}

/// Everything [`Reads`] records about `ast`.
pub(crate) fn reads(ast: &AstNode) -> Reads {
    let mut reads = Reads::default();
    walk(ast, &mut reads);
    if reads.has_parent {
        for need in reads.variables.values_mut() {
            *need = Need::Whole;
        }
    }
    reads
}

/// A step that only reads a member: no predicate, binding, sort or tuple bookkeeping.
fn plain(step: &PathStep) -> bool {
    step.stages.is_empty()
        && step.focus.is_none()
        && step.index_var.is_none()
        && step.ancestor_label.is_none()
        && !step.is_tuple
        && !step.inner_tuple
}

/// If `steps` start at a variable (`$v.a.b...`), the variable and the member names read from it
/// before the first step that does more than read a member; and whether every step was such a read.
fn variable_path(steps: &[PathStep]) -> Option<(&str, Vec<&str>, bool)> {
    let first = steps.first()?;
    let AstNode::Variable(name) = &first.node else {
        return None;
    };
    if name.is_empty() || !plain(first) {
        return None;
    }
    let mut keys = Vec::new();
    for step in &steps[1..] {
        let AstNode::Name(key) = &step.node else {
            return Some((name, keys, false));
        };
        keys.push(key.as_str());
        if !plain(step) {
            return Some((name, keys, false));
        }
    }
    Some((name, keys, true))
}

fn walk(node: &AstNode, reads: &mut Reads) {
    match node {
        AstNode::Variable(name) if !name.is_empty() => reads.need(name, Need::Whole),
        AstNode::Path { steps } => {
            if let Some((name, keys, _)) = variable_path(steps) {
                if name == "states"
                    && let Some(first) = keys.first()
                    && !reads.states_members.iter().any(|m| &**m == *first)
                {
                    reads.states_members.push((*first).into());
                }
                reads.need(name, Need::path(&keys));
                // The variable itself has been accounted for; the rest may hold predicates.
                for step in &steps[1..] {
                    walk_step(step, reads);
                }
            } else {
                for step in steps {
                    walk_step(step, reads);
                }
            }
        }
        // A call resolves the name as a variable first, so an execution variable of that name is
        // what gets called, as when AWS declares the variables in front of the expression.
        AstNode::Function { name, args, .. } => {
            reads.need(name, Need::Whole);
            args.iter().for_each(|a| walk(a, reads));
        }
        AstNode::Binary { op, lhs, rhs } => {
            match op {
                BinaryOp::Coalesce => reads.newer_operator = reads.newer_operator.or(Some("??")),
                BinaryOp::Default => reads.newer_operator = reads.newer_operator.or(Some("?:")),
                _ => {}
            }
            walk(lhs, reads);
            walk(rhs, reads);
        }
        AstNode::Parent(_) => reads.has_parent = true,
        _ => children(node, &mut |child| walk(child, reads)),
    }
}

fn walk_step(step: &PathStep, reads: &mut Reads) {
    walk(&step.node, reads);
    for stage in &step.stages {
        if let Stage::Filter(filter) = stage {
            walk(filter, reads);
        }
    }
}

/// Calls `f` on each direct child of `node` (path steps' nodes and filters included).
fn children(node: &AstNode, f: &mut impl FnMut(&AstNode)) {
    match node {
        AstNode::Path { steps } => {
            for step in steps {
                f(&step.node);
                for stage in &step.stages {
                    if let Stage::Filter(filter) = stage {
                        f(filter);
                    }
                }
            }
        }
        AstNode::Binary { lhs, rhs, .. } => {
            f(lhs);
            f(rhs);
        }
        AstNode::Unary { operand, .. } => f(operand),
        AstNode::Function { args, .. } => args.iter().for_each(f),
        AstNode::Call { procedure, args } => {
            f(procedure);
            args.iter().for_each(f);
        }
        AstNode::Lambda { body, .. } => f(body),
        AstNode::Array(items) | AstNode::Block(items) | AstNode::ArrayGroup(items) => {
            items.iter().for_each(f)
        }
        AstNode::Object(pairs) => pairs.iter().for_each(|(k, v)| {
            f(k);
            f(v);
        }),
        AstNode::ObjectTransform { input, pattern } => {
            f(input);
            pattern.iter().for_each(|(k, v)| {
                f(k);
                f(v);
            });
        }
        AstNode::Conditional {
            condition,
            then_branch,
            else_branch,
        } => {
            f(condition);
            f(then_branch);
            if let Some(e) = else_branch {
                f(e);
            }
        }
        AstNode::FunctionApplication(inner) => f(inner),
        AstNode::Sort { input, terms } => {
            f(input);
            terms.iter().for_each(|(t, _)| f(t));
        }
        AstNode::Transform {
            location,
            update,
            delete,
        } => {
            f(location);
            f(update);
            if let Some(d) = delete {
                f(d);
            }
        }
        AstNode::String(_)
        | AstNode::Name(_)
        | AstNode::Number(_)
        | AstNode::Boolean(_)
        | AstNode::Null
        | AstNode::Undefined
        | AstNode::Placeholder
        | AstNode::Regex { .. }
        | AstNode::Variable(_)
        | AstNode::ParentVariable(_)
        | AstNode::Wildcard
        | AstNode::Descendant
        | AstNode::Parent(_) => {}
    }
}

/// A variable read through member names only (`$x`, `$states.input.a.b`): the variable and the
/// names.
pub(crate) fn simple_path(ast: &AstNode) -> Option<(Box<str>, Vec<Box<str>>)> {
    match ast {
        AstNode::Variable(name) if !name.is_empty() => Some((name.as_str().into(), Vec::new())),
        AstNode::Path { steps } => match variable_path(steps)? {
            (name, keys, true) => Some((name.into(), keys.into_iter().map(Into::into).collect())),
            _ => None,
        },
        _ => None,
    }
}

/// The prefix of every synthetic variable [`rewrite`] introduces; no expression can name it.
pub(crate) const SLOT_PREFIX: char = '\u{1}';

/// A member path whose value is bound to a synthetic variable: `$variable.keys[0].keys[1]...`.
#[derive(Debug, PartialEq)]
pub(crate) struct Slot {
    pub(crate) variable: Box<str>,
    pub(crate) keys: Vec<Box<str>>,
}

/// An expression with its member reads (`$states.input.a.b`) replaced by synthetic variables, which
/// the caller binds to the values read straight from the engine's values. Binding one value costs
/// less than building the objects around it, and jsonata-core then walks no path.
#[derive(Debug)]
pub(crate) struct Rewrite {
    pub(crate) ast: AstNode,
    pub(crate) slots: Vec<Slot>,
    /// What the rewritten expression still reads, the synthetic variables aside.
    pub(crate) reads: Reads,
}

impl Slot {
    /// The synthetic variable's name.
    pub(crate) fn name(index: usize) -> String {
        format!("{SLOT_PREFIX}{index}")
    }
}

/// The rewrite of `ast`, if it reads any member path. The rewritten expression means the same
/// as the original as long as no value along a path before its last member is an array (JSONata
/// maps a step over an array); the caller checks that when it reads the values and falls back to
/// the original otherwise. Not done when `%` appears: a parent step needs the path's objects.
pub(crate) fn rewrite(ast: &AstNode, original: &Reads) -> Option<Rewrite> {
    if original.has_parent {
        return None;
    }
    let mut local = HashSet::new();
    bound_locally(ast, &mut local);
    let mut slots = Slots {
        slots: Vec::new(),
        index: HashMap::new(),
        local,
    };
    let ast = rewrite_node(ast, &mut slots);
    let slots = slots.slots;
    if slots.is_empty() {
        return None;
    }
    let mut reads = reads(&ast);
    reads
        .variables
        .retain(|name, _| !name.starts_with(SLOT_PREFIX));
    Some(Rewrite { ast, slots, reads })
}

/// The slots found so far, and the names the expression binds itself (a lambda's parameters, `:=`,
/// `@$v`, `#$i`), whose reads refer to those bindings and stay as they are.
struct Slots {
    slots: Vec<Slot>,
    /// Where each (variable, keys) is in `slots`.
    index: HashMap<(Box<str>, Vec<Box<str>>), usize>,
    local: HashSet<String>,
}

fn bound_locally(node: &AstNode, out: &mut HashSet<String>) {
    match node {
        AstNode::Lambda { params, .. } => out.extend(params.iter().cloned()),
        AstNode::Binary {
            op: BinaryOp::ColonEqual,
            lhs,
            ..
        } => {
            if let AstNode::Variable(name) = &**lhs {
                out.insert(name.clone());
            }
        }
        AstNode::Path { steps } => {
            for step in steps {
                out.extend(step.focus.iter().cloned());
                out.extend(step.index_var.iter().cloned());
                for stage in &step.stages {
                    if let Stage::Index(name) = stage {
                        out.insert(name.clone());
                    }
                }
            }
        }
        _ => {}
    }
    children(node, &mut |child| bound_locally(child, out));
}

/// The variable and the number of member steps after it that can move into a slot: plain member
/// reads, the last of which may carry predicates (they then apply to the slot's value). A `[]`
/// stays on its step: on a variable it keeps a lone value as it is, on a step it wraps it.
fn movable_prefix(steps: &[PathStep]) -> Option<(&str, usize)> {
    let first = steps.first()?;
    let AstNode::Variable(name) = &first.node else {
        return None;
    };
    if name.is_empty() || !plain(first) {
        return None;
    }
    let mut n = 0;
    for step in &steps[1..] {
        let AstNode::Name(_) = &step.node else { break };
        let only_filters = step.focus.is_none()
            && step.index_var.is_none()
            && step.ancestor_label.is_none()
            && !step.is_tuple
            && !step.inner_tuple
            && step.stages.iter().all(|s| matches!(s, Stage::Filter(_)));
        if !only_filters {
            break;
        }
        n += 1;
        if !step.stages.is_empty() {
            break;
        }
    }
    (n > 0).then_some((name.as_str(), n))
}

fn slot_for(slots: &mut Slots, variable: &str, keys: Vec<Box<str>>) -> String {
    let Slots { slots, index, .. } = slots;
    let i = *index
        .entry((variable.into(), keys))
        .or_insert_with_key(|(variable, keys)| {
            slots.push(Slot {
                variable: variable.clone(),
                keys: keys.clone(),
            });
            slots.len() - 1
        });
    Slot::name(i)
}

fn rewrite_step(step: &PathStep, slots: &mut Slots) -> PathStep {
    let mut out = step.clone();
    out.node = rewrite_node(&step.node, slots);
    out.stages = rewrite_stages(&step.stages, slots);
    // A step whose node changed is a new step to jsonata-core's per-step caches.
    out.id = Default::default();
    out
}

fn rewrite_stages(stages: &[Stage], slots: &mut Slots) -> Vec<Stage> {
    stages
        .iter()
        .map(|stage| match stage {
            Stage::Filter(f) => Stage::Filter(Box::new(rewrite_node(f, slots))),
            other => other.clone(),
        })
        .collect()
}

fn rewrite_node(node: &AstNode, slots: &mut Slots) -> AstNode {
    let mut r = |n: &AstNode| rewrite_node(n, slots);
    match node {
        AstNode::Path { steps } => {
            if let Some((variable, n)) =
                movable_prefix(steps).filter(|(v, _)| !slots.local.contains(*v))
            {
                let keys = steps[1..=n]
                    .iter()
                    .map(|s| match &s.node {
                        AstNode::Name(k) => k.as_str().into(),
                        _ => unreachable!("movable_prefix counts member steps only"),
                    })
                    .collect();
                let slot = slot_for(slots, variable, keys);
                let stages = rewrite_stages(&steps[n].stages, slots);
                let rest: Vec<PathStep> = steps[n + 1..]
                    .iter()
                    .map(|s| rewrite_step(s, slots))
                    .collect();
                if stages.is_empty() && rest.is_empty() {
                    return AstNode::Variable(slot);
                }
                let mut first = PathStep::new(AstNode::Variable(slot));
                first.stages = stages;
                let mut steps = vec![first];
                steps.extend(rest);
                return AstNode::Path { steps };
            }
            AstNode::Path {
                steps: steps.iter().map(|s| rewrite_step(s, slots)).collect(),
            }
        }
        AstNode::Binary { op, lhs, rhs } => AstNode::Binary {
            op: *op,
            lhs: Box::new(r(lhs)),
            rhs: Box::new(r(rhs)),
        },
        AstNode::Unary { op, operand } => AstNode::Unary {
            op: *op,
            operand: Box::new(r(operand)),
        },
        AstNode::Function {
            name,
            args,
            is_builtin,
        } => AstNode::Function {
            name: name.clone(),
            args: args.iter().map(r).collect(),
            is_builtin: *is_builtin,
        },
        AstNode::Call { procedure, args } => AstNode::Call {
            procedure: Box::new(r(procedure)),
            args: args.iter().map(&mut r).collect(),
        },
        AstNode::Lambda {
            params,
            body,
            signature,
            thunk,
        } => AstNode::Lambda {
            params: params.clone(),
            body: Box::new(r(body)),
            signature: signature.clone(),
            thunk: *thunk,
        },
        AstNode::Array(items) => AstNode::Array(items.iter().map(r).collect()),
        AstNode::Block(items) => AstNode::Block(items.iter().map(r).collect()),
        AstNode::ArrayGroup(items) => AstNode::ArrayGroup(items.iter().map(r).collect()),
        AstNode::Object(pairs) => {
            AstNode::Object(pairs.iter().map(|(k, v)| (r(k), r(v))).collect())
        }
        AstNode::ObjectTransform { input, pattern } => AstNode::ObjectTransform {
            input: Box::new(r(input)),
            pattern: pattern.iter().map(|(k, v)| (r(k), r(v))).collect(),
        },
        AstNode::Conditional {
            condition,
            then_branch,
            else_branch,
        } => AstNode::Conditional {
            condition: Box::new(r(condition)),
            then_branch: Box::new(r(then_branch)),
            else_branch: else_branch.as_ref().map(|e| Box::new(r(e))),
        },
        AstNode::FunctionApplication(inner) => AstNode::FunctionApplication(Box::new(r(inner))),
        AstNode::Sort { input, terms } => AstNode::Sort {
            input: Box::new(r(input)),
            terms: terms.iter().map(|(t, asc)| (r(t), *asc)).collect(),
        },
        AstNode::Transform {
            location,
            update,
            delete,
        } => AstNode::Transform {
            location: Box::new(r(location)),
            update: Box::new(r(update)),
            delete: delete.as_ref().map(|d| Box::new(r(d))),
        },
        leaf => leaf.clone(),
    }
}

/// Whether `ast` reads nothing and calls nothing, so its value is fixed at compile time. Ranges
/// are left to run time (`[1..9999999]` is a literal too, and a large one).
pub(crate) fn is_constant(ast: &AstNode) -> bool {
    let here = match ast {
        AstNode::String(_) | AstNode::Number(_) | AstNode::Boolean(_) | AstNode::Null => true,
        AstNode::Array(_)
        | AstNode::Object(_)
        | AstNode::Unary { .. }
        | AstNode::Conditional { .. } => true,
        AstNode::Block(_) => true,
        AstNode::Binary { op, .. } => !matches!(
            op,
            BinaryOp::ColonEqual
                | BinaryOp::ChainPipe
                | BinaryOp::FocusBind
                | BinaryOp::IndexBind
                | BinaryOp::Range
        ),
        _ => false,
    };
    let mut all = here;
    if here {
        children(ast, &mut |child| all = all && is_constant(child));
    }
    all
}

/// The first reference AWS refuses when it accepts a definition: a name read from the context at
/// the top level (a JSONata state has no context value; the input is `$states.input`), `$` at the
/// top level, or `$$` anywhere. The message is AWS's, as Floci records it
/// ("Reference to 'phone' at the top level is not supported.").
pub(crate) fn unsupported_reference(ast: &AstNode) -> Option<String> {
    let mut found = None;
    check_refs(ast, true, &mut found);
    found
}

fn check_refs(node: &AstNode, top: bool, found: &mut Option<String>) {
    if found.is_some() {
        return;
    }
    match node {
        AstNode::ParentVariable(_) => *found = Some("Reference to '$$' is not supported.".into()),
        AstNode::Variable(name) if name.is_empty() && top => {
            *found = Some("Reference to '$' is not supported.".into());
        }
        AstNode::Name(name) if top => {
            *found = Some(format!(
                "Reference to '{name}' at the top level is not supported."
            ));
        }
        AstNode::Path { steps } => {
            for (i, step) in steps.iter().enumerate() {
                // Only the first step reads the top-level context; later steps and every
                // predicate read the value the path has reached.
                check_refs(&step.node, top && i == 0, found);
                for stage in &step.stages {
                    if let Stage::Filter(filter) = stage {
                        check_refs(filter, false, found);
                    }
                }
            }
        }
        AstNode::ObjectTransform { input, pattern } => {
            check_refs(input, top, found);
            for (k, v) in pattern {
                check_refs(k, false, found);
                check_refs(v, false, found);
            }
        }
        AstNode::Sort { input, terms } => {
            check_refs(input, top, found);
            for (t, _) in terms {
                check_refs(t, false, found);
            }
        }
        AstNode::FunctionApplication(inner) => check_refs(inner, false, found),
        AstNode::Transform { .. } => children(node, &mut |child| check_refs(child, false, found)),
        _ => children(node, &mut |child| check_refs(child, top, found)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonata_core::parser::parse;

    fn reads_of(src: &str) -> Reads {
        reads(&parse(src).unwrap())
    }

    /// Reads were once looked up in lists, which made an expression with 20,000 member reads or
    /// variables take 15 to 40 seconds to analyse (found feeding the definition fuzz target large
    /// inputs). The bound is loose: linear analysis takes well under a second even unoptimised.
    #[test]
    fn thousands_of_distinct_reads_are_analysed_in_linear_time() {
        let n = 20_000;
        let members: Vec<String> = (0..n).map(|i| format!("$states.input.a{i}.b")).collect();
        let bindings: Vec<String> = (0..n).map(|i| format!("$v{i} := $w{i}.a")).collect();
        for (src, variables) in [
            (format!("[{}]", members.join(",")), 0),
            (format!("({})", bindings.join(";")), n),
        ] {
            let ast = parse(&src).unwrap();
            let start = std::time::Instant::now();
            let rewrite = rewrite(&ast, &reads(&ast)).unwrap();
            assert_eq!(rewrite.slots.len(), n);
            assert_eq!(rewrite.reads.variables.len(), variables);
            let elapsed = start.elapsed();
            assert!(elapsed.as_secs() < 5, "{elapsed:?}");
        }
    }

    #[test]
    fn member_paths_are_recorded_per_variable() {
        let r = reads_of("$states.input.a.b & $states.context.Execution.Id & $v");
        assert_eq!(
            r.variable("states"),
            Some(&Need::members([
                ("input".into(), Need::path(&["a", "b"])),
                ("context".into(), Need::path(&["Execution", "Id"])),
            ]))
        );
        assert_eq!(r.variable("v"), Some(&Need::Whole));
        assert!(r.functions.is_empty());
    }

    #[test]
    fn anything_but_a_member_read_needs_the_value_whole() {
        let r = reads_of("$states.input.items[price > 1].name");
        assert_eq!(r.variable("states"), Some(&Need::path(&["input", "items"])));
        let r = reads_of("$keys($states.input)");
        assert_eq!(r.variable("states"), Some(&Need::path(&["input"])));
        let r = reads_of("($s := $states; $s.input)");
        assert_eq!(r.variable("states"), Some(&Need::Whole));
        let r = reads_of("$states.input.a.b.%.c");
        assert_eq!(r.variable("states"), Some(&Need::Whole));
        let r = reads_of("$map($states.input.xs, function($x){ $x * $factor })");
        assert_eq!(r.variable("factor"), Some(&Need::Whole));
        assert_eq!(r.variable("states"), Some(&Need::path(&["input", "xs"])));
    }

    #[test]
    fn step_functions_functions_are_found_called_or_passed() {
        let r = reads_of("$partition($range(1, 5, 1), 2) ~> $map($hash)");
        assert_eq!(r.functions, vec!["partition", "range", "hash"]);
        assert_eq!(reads_of("$a ?? 1").newer_operator, Some("??"));
        assert_eq!(reads_of("$a ?: 1").newer_operator, Some("?:"));
    }

    #[test]
    fn simple_paths_and_constants() {
        let p = |s: &str| simple_path(&parse(s).unwrap());
        assert_eq!(
            p("$states.input.a"),
            Some(("states".into(), vec!["input".into(), "a".into()]))
        );
        assert_eq!(p("$x"), Some(("x".into(), vec![])));
        assert_eq!(p("$states.input.a[0]"), None);
        assert_eq!(p("$states.input.*"), None);
        assert_eq!(p("a.b"), None);
        let c = |s: &str| is_constant(&parse(s).unwrap());
        assert!(c("1"));
        assert!(c("{'a': [1, 'two', true and false], 'b': -2 * 3}"));
        assert!(!c("[1..3]"));
        assert!(!c("$x := 1"));
        assert!(!c("$now()"));
        assert!(!c("{'a': $states.input}"));
    }

    #[test]
    fn member_reads_become_slots() {
        let ast =
            parse("$states.input.a.b = $states.input.a.b & $v.x[0].y & $sum($states.input.c)")
                .unwrap();
        let rw = rewrite(&ast, &reads(&ast)).unwrap();
        let slots: Vec<(&str, Vec<&str>)> = rw
            .slots
            .iter()
            .map(|s| (&*s.variable, s.keys.iter().map(|k| &**k).collect()))
            .collect();
        assert_eq!(
            slots,
            [
                ("states", vec!["input", "a", "b"]),
                ("v", vec!["x"]),
                ("states", vec!["input", "c"])
            ]
        );
        // `$sum` is looked up as a variable first; nothing else is left to bind.
        let names: Vec<&str> = rw.reads.variables.iter().map(|(n, _)| &**n).collect();
        assert_eq!(names, ["sum"]);
        assert!(rewrite(&parse("$states").unwrap(), &Reads::default()).is_none());
        let ast = parse("$states.input.a.%").unwrap();
        assert!(rewrite(&ast, &reads(&ast)).is_none());
        // Names the expression binds itself are not read from the execution.
        let ast =
            parse("$map($states.input.a, function($x){ $x.b }) ~> ($v := {'a': 1}; $v.a)").unwrap();
        let rw = rewrite(&ast, &reads(&ast)).unwrap();
        assert_eq!(
            rw.slots,
            [Slot {
                variable: "states".into(),
                keys: vec!["input".into(), "a".into()]
            }]
        );
    }

    #[test]
    fn top_level_context_references_are_refused() {
        let u = |s: &str| unsupported_reference(&parse(s).unwrap());
        assert_eq!(
            u("phone"),
            Some("Reference to 'phone' at the top level is not supported.".into())
        );
        assert_eq!(
            u("$count(items)"),
            Some("Reference to 'items' at the top level is not supported.".into())
        );
        assert_eq!(
            u("$$.a"),
            Some("Reference to '$$' is not supported.".into())
        );
        assert_eq!(u("$"), Some("Reference to '$' is not supported.".into()));
        assert_eq!(u("$states.input.items[value > 3].name"), None);
        assert_eq!(u("$states.input.items.(a + b)"), None);
        assert_eq!(u("$states.input.items[$ > 1]"), None);
        assert_eq!(u("$states.input.items{ k: v }"), None);
        assert_eq!(
            u("$map($states.input.a, function($x){ b })"),
            Some("Reference to 'b' at the top level is not supported.".into())
        );
    }
}
