//! The `pocsim` command line: parses arguments, calls the function that does
//! each subcommand, and turns an error into one message and an exit code.

mod cli;
mod commands;

use clap::Parser;
use cli::{Cli, Command};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "{e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn dispatch(cli: Cli) -> Result<(), pocsim::Error> {
    match cli.command {
        Command::Run(a) => commands::run(a),
        Command::Compare(a) => commands::compare(a),
        Command::Sweep(a) => commands::sweep(a),
        Command::Experiment(a) => commands::experiment(a),
        Command::Merge(a) => commands::merge(a),
        Command::Cluster(c) => commands::cluster(c),
        Command::Exercise(a) => commands::exercise(a),
        Command::Review(a) => commands::review(a),
        Command::Classroom(a) => commands::classroom(a),
        Command::Msel(c) => commands::msel(c),
        Command::Sensitivity(a) => commands::sensitivity(a),
        Command::Calibrate(a) => commands::calibrate(a),
        Command::Plan(a) => commands::plan(a),
        Command::Discover(a) => commands::discover(a),
        Command::Report(a) => commands::report(a),
        Command::ValidationReport(a) => commands::validation_report(a),
        Command::Validate(a) => commands::validate(a),
    }
}
