//! Replays the definition fuzz target (`fuzz/fuzz_targets/definition.rs`) on stable: every file in
//! `fuzz/seeds/definition` and `fuzz/regressions/definition` (inputs the fuzzer once crashed on) must load in
//! both formats to `Ok` or `Err`, without panicking, hanging or overflowing the stack.
//!
//! Loading runs on a thread with the 8 MiB stack of a main thread, where the fuzz target and the `soar`
//! command load definitions (a test thread has 2 MiB, and unoptimised frames are several times larger).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use soar_asl::{Format, StateMachine};

/// The fuzz target's body, for one input.
fn load_both_formats(data: &[u8]) {
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
}

fn files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_file() && !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    files.sort();
    files
}

/// Loads every file of `fuzz/<dir>` and returns how many there are.
fn replay(dir: &str) -> usize {
    let files = files(dir);
    let count = files.len();
    let failed: Vec<String> = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            files
                .iter()
                .filter(|path| {
                    let data = std::fs::read(path).unwrap();
                    std::panic::catch_unwind(|| load_both_formats(&data)).is_err()
                })
                .map(|path| path.display().to_string())
                .collect()
        })
        .unwrap()
        .join()
        .unwrap();
    assert!(failed.is_empty(), "loading panicked on: {failed:#?}");
    count
}

#[test]
fn seeds_load_without_panicking() {
    assert!(replay("seeds/definition") >= 20);
}

#[test]
fn fuzzer_regressions_load_without_panicking() {
    replay("regressions/definition");
}
