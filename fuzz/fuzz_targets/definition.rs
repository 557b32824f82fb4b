//! Definition loading (JSON or YAML, `${Name}` substitutions, validation, compilation) must return `Ok` or
//! `Err` for any text: never panic, hang or overflow the stack.
//!
//! `layers/asl/tests/fuzz_regressions.rs` runs the same calls on stable over `fuzz/seeds/definition` and
//! `fuzz/regressions/definition`.

#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use soar_asl::{Format, StateMachine};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let substitutions = BTreeMap::from([(
        "Fn".to_string(),
        "arn:aws:lambda:eu-west-1:111122223333:function:fn".to_string(),
    )]);
    for format in [Format::Json, Format::Yaml] {
        let _ = StateMachine::parse(text, format, &substitutions);
    }
});
