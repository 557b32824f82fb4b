//! `soar`: SOAR for AWS Security Hub, and a local runner for any AWS Step Functions state machine.
//!
//! Exit codes are decided in one place, [`main`]: 0 success, 1 a failed execution or an invalid file,
//! 2 bad usage or a definition that cannot run.

mod cmd;

/// mimalloc: the engine and the task functions allocate many small values from several threads, where
/// glibc's allocator is slow (see benches/pipeline.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "soar",
    version,
    about = "SOAR for AWS Security Hub, and a local runner for AWS Step Functions state machines"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run Security Hub findings through SOAR on the embedded defaults and show the route each took.
    Process(cmd::process::Args),
    /// Run one execution of a state machine and print {"status", "output" | "error", "cause"} as JSON.
    Exec(cmd::exec::Args),
    /// Check definitions the way AWS's ValidateStateMachineDefinition does.
    Validate(cmd::validate::Args),
    /// Draw a state machine as a Mermaid or Graphviz diagram.
    Graph(cmd::graph::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let outcome = match cli.command {
        Command::Process(args) => cmd::process::run(args),
        Command::Exec(args) => cmd::exec::run(args),
        Command::Validate(args) => cmd::validate::run(args),
        Command::Graph(args) => cmd::graph::run(args),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("soar: {e:#}");
            ExitCode::from(2)
        }
    }
}
