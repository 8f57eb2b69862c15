//! The `pocsim` command line: parses arguments and calls the library.

use clap::{Parser, Subcommand};
use pocsim::engine::RunOptions;
use pocsim::output::{OutputSet, events_csv, summary_json, timeseries_csv};
use pocsim::{Doctrine, Error, Model, Override, Seed, load_scenario, run};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "pocsim",
    version,
    about = "Simulate UN police protecting civilians: scenarios, replications, caveats."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate one replication of a scenario and summarise it.
    #[command(
        after_help = "Example:\n  pocsim run scenarios/tutorial.toml --seed 7 --out out/run1\n  pocsim run scenarios/tutorial.toml --set 'forces.fpus[0].caveats.approval_required=true'"
    )]
    Run {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Master seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Replication index (the stream within the seed).
        #[arg(long, default_value_t = 0)]
        replication: u64,
        /// Override a scenario value before validation: PATH=VALUE (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// Write summary.json, timeseries.csv and events.csv here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace files in --out that hold other results.
        #[arg(long)]
        force: bool,
        /// Print the summary as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check a scenario file and report every problem with its line and column.
    #[command(
        after_help = "Example:\n  pocsim validate scenarios/tutorial.toml\n  pocsim validate scenarios/tutorial.toml --set 'forces.fpus[0].count=3'"
    )]
    Validate {
        scenario: PathBuf,
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
    },
}

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

fn parse_overrides(set: &[String]) -> Result<Vec<Override>, Error> {
    set.iter()
        .map(|s| Override::parse(s).map_err(Error::Usage))
        .collect()
}

fn dispatch(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Run {
            scenario,
            seed,
            replication,
            set,
            out,
            force,
            json,
        } => cmd_run(
            scenario,
            Seed::new(seed, replication),
            &set,
            out,
            force,
            json,
        ),
        Command::Validate { scenario, set } => {
            let loaded = load_scenario(&scenario, &parse_overrides(&set)?)?;
            let m = Model::build(&loaded.scenario);
            say(&format!(
                "{}: valid — \"{}\": {} sites, {} roads, {} units, {} threat processes, {} days (sha256 {})",
                loaded.file,
                loaded.scenario.scenario.name,
                m.world.len(),
                m.world.roads.len(),
                m.units.len(),
                m.processes.len(),
                loaded.scenario.clock.horizon_days,
                &loaded.hash[..12]
            ));
            Ok(())
        }
    }
}

/// Simulates one replication, prints a summary and optionally writes files.
fn cmd_run(
    scenario: PathBuf,
    seed: Seed,
    set: &[String],
    out: Option<PathBuf>,
    force: bool,
    json: bool,
) -> Result<(), Error> {
    let loaded = load_scenario(&scenario, &parse_overrides(set)?)?;
    let model = Model::build(&loaded.scenario);
    let opts = RunOptions {
        record_site_days: out.is_some(),
        record_events: out.is_some(),
        ..RunOptions::default()
    };
    let result = run(&model, seed, &mut Doctrine::default(), opts);
    if let Some(dir) = &out {
        let mut files = OutputSet::new(dir);
        files.add("summary.json", summary_json(&loaded, seed, &result));
        files.add("timeseries.csv", timeseries_csv(&model, &result));
        files.add("events.csv", events_csv(&model, &result));
        files.commit(force)?;
    }
    if json {
        say(&String::from_utf8_lossy(&summary_json(
            &loaded, seed, &result,
        )));
    } else {
        say(&pocsim::metrics::render_summary(
            &loaded.scenario.scenario.name,
            &model,
            seed,
            &result,
        ));
        if let Some(dir) = &out {
            say(&format!(
                "wrote {}/summary.json, timeseries.csv, events.csv",
                dir.display()
            ));
        }
    }
    Ok(())
}

/// Prints to stdout; a closed pipe (`| head`) ends the program quietly.
fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{}", text.trim_end()).is_err() || out.flush().is_err() {
        std::process::exit(0);
    }
}
