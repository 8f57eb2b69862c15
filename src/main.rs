//! The `pocsim` command line: parses arguments and calls the library.

use clap::{Parser, Subcommand};
use pocsim::engine::RunOptions;
use pocsim::experiment::spec::{self, ExperimentSpec, Kind};
use pocsim::experiment::{self, ExecOptions, Outcome, Shard, merge, text};
use pocsim::output::{OutputSet, events_csv, summary_json, timeseries_csv};
use pocsim::{Doctrine, Error, Model, Override, Seed, load_scenario, run};
use std::io::IsTerminal;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

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
        /// Also draw charts into OUT/plots (needs --out).
        #[arg(long, requires = "out")]
        plots: bool,
        /// Check the model's invariants after every event (slower; stops on a violation).
        #[arg(long)]
        self_check: bool,
    },
    /// Compare variants with the scenario as it stands (the baseline), paired over replications.
    #[command(
        after_help = "Example:\n  pocsim compare scenarios/tutorial.toml \\\n      --variant 'approval:forces.fpus[0].caveats.approval_required=true' \\\n      --variant 'more-vehicles:forces.fpus[0].vehicles=24' --runs 2000 --seed 1 --out out/caveats\n\nA variant is NAME:PATH=VALUE, with several overrides separated by `;`."
    )]
    Compare {
        scenario: PathBuf,
        /// NAME:PATH=VALUE[;PATH=VALUE...] (repeatable; without any, the
        /// baseline alone: its distribution over the runs).
        #[arg(long = "variant")]
        variants: Vec<String>,
        /// Run every variant at K points drawn from the scenario's [[uncertainty]]
        /// (Latin hypercube from the seed) and report effects across plausible worlds.
        #[arg(long, value_name = "K")]
        uncertain: Option<u64>,
        /// Run every variant at the points of a calibration's posterior.csv instead.
        #[arg(long, value_name = "FILE")]
        posterior: Option<PathBuf>,
        #[command(flatten)]
        common: ExperimentArgs,
    },
    /// Run every point of a grid (or of a design file) of scenario values.
    #[command(
        after_help = "Example:\n  pocsim sweep scenarios/tutorial.toml --grid 'forces.fpus[0].count=1,2,3' \\\n      --grid 'mandate.hrddp=\"support\",\"suspend\"' --runs 500 --out out/sweep\n  pocsim sweep scenarios/tutorial.toml --design design.csv --runs 200 --out out/lhs"
    )]
    Sweep {
        scenario: PathBuf,
        /// PATH=VALUE,VALUE,... (repeatable; the points are all combinations).
        #[arg(long = "grid", conflicts_with = "design")]
        grid: Vec<String>,
        /// CSV whose header names override paths; one row per design point.
        #[arg(long)]
        design: Option<PathBuf>,
        #[command(flatten)]
        common: ExperimentArgs,
    },
    /// Run an experiment described in a file (scenario, variants or grid, runs, seed, metrics).
    #[command(
        after_help = "Example:\n  pocsim experiment experiments/tutorial-caveats.toml\n  pocsim experiment experiments/tutorial-caveats.toml --shard 2/4 --out out/shard2"
    )]
    Experiment {
        file: PathBuf,
        /// Output directory (default: the file's `out`).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replications (default: the file's `runs`).
        #[arg(long)]
        runs: Option<u64>,
        #[command(flatten)]
        exec: ExecArgs,
    },
    /// Which declared uncertain inputs decide a metric, or a variant's effect
    /// (Morris elementary effects or Sobol indices).
    #[command(
        after_help = "Example:\n  pocsim sensitivity scenarios/tutorial.toml --method morris --points 20 --runs 10 --out out/morris\n  pocsim sensitivity scenarios/tutorial.toml --method sobol --points 256 --runs 5 \\\n      --variant 'approval:forces.fpus[0].caveats.approval_required=true' --out out/sobol"
    )]
    Sensitivity {
        scenario: PathBuf,
        /// morris (screening, trajectories) or sobol (Saltelli design, N(k+2) points).
        #[arg(long)]
        method: String,
        /// Sobol: also the second-order indices (N(2k+2) points; sensitivity-s2.csv).
        #[arg(long)]
        second_order: bool,
        /// Metric analysed (repeatable; default civilians_harmed).
        #[arg(long = "metric")]
        metrics: Vec<String>,
        /// Analyse this variant's paired effect instead of the metric's level: NAME:PATH=VALUE[;...].
        #[arg(long)]
        variant: Option<String>,
        /// Morris: trajectories; Sobol: base sample size N.
        #[arg(long, default_value_t = 20)]
        points: usize,
        /// Replications per point (the same streams at every point).
        #[arg(long, default_value_t = 10)]
        runs: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
        /// Override applied at every point: PATH=VALUE (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        #[command(flatten)]
        exec: ExecArgs,
    },
    /// Fit the declared uncertain inputs to the scenario's public figures
    /// (approximate Bayesian computation, rejection).
    #[command(
        after_help = "Example:\n  pocsim calibrate scenarios/tutorial.toml --points 200 --runs 20 --out out/abc\n  pocsim compare scenarios/tutorial.toml --variant 'approval:forces.fpus[0].caveats.approval_required=true' \\\n      --posterior out/abc/posterior.csv --runs 50 --out out/approval-posterior"
    )]
    Calibrate {
        scenario: PathBuf,
        /// Prior points (a Latin hypercube over the declared inputs).
        #[arg(long, default_value_t = 200)]
        points: usize,
        /// Replications per point.
        #[arg(long, default_value_t = 20)]
        runs: u64,
        /// Share of the points kept, the closest to the targets.
        #[arg(long, default_value_t = 0.1)]
        accept: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
        /// Override applied at every point: PATH=VALUE (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        #[command(flatten)]
        exec: ExecArgs,
    },
    /// Where a variant's effect exceeds a threshold across plausible worlds (PRIM).
    #[command(
        after_help = "Example:\n  pocsim discover out/worlds --variant approval --metric civilians_harmed --above 5 --out out/worlds/discover"
    )]
    Discover {
        /// A finished `compare --uncertain` directory.
        dir: PathBuf,
        #[arg(long)]
        variant: String,
        #[arg(long)]
        metric: String,
        /// Worlds where the variant's paired effect is above this are of interest.
        #[arg(long)]
        above: f64,
        /// Where boxes.csv goes (default DIR/discover).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Share of the remaining worlds peeled at each step.
        #[arg(long, default_value_t = 0.05)]
        alpha: f64,
        /// Smallest share of the worlds a box may hold.
        #[arg(long, default_value_t = 0.05)]
        min_mass: f64,
        /// The reported box is the densest with at least this coverage.
        #[arg(long, default_value_t = 0.5)]
        min_coverage: f64,
        /// Replace an earlier discovery in OUT.
        #[arg(long)]
        force: bool,
        /// No progress messages (PRIM prints none; accepted like every command's).
        #[arg(long)]
        quiet: bool,
        /// Do not draw the chart in OUT/plots.
        #[arg(long)]
        no_plots: bool,
    },
    /// Merge the shards of one experiment into outputs identical to a single run.
    #[command(after_help = "Example:\n  pocsim merge out/all out/shard1 out/shard2 out/shard3")]
    Merge {
        out: PathBuf,
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Replace another experiment's results in OUT.
        #[arg(long)]
        force: bool,
        /// Metrics for the summary (comma-separated; default all).
        #[arg(long, value_delimiter = ',')]
        metrics: Vec<String>,
    },
    /// A training exercise: trainees take the operations centre's decisions (full screen, or plain lines).
    #[command(
        after_help = "Example:\n  pocsim exercise scenarios/exercise-half-day-course.toml --team alpha --seed 3 --log out/alpha.json\n  pocsim exercise scenarios/exercise-half-day-course.toml --team alpha --seed 3 --decisions out/alpha.json   # replay a log\n\nFull screen (a terminal): the clock starts stopped; space starts and pauses it, and it stops by\nitself at every decision and message. Trainees: arrows or 1-9 choose, [ ] fewer or more platoons,\nEnter sends, + adds military support, w asks for a waiver, h holds, x leaves unanswered, Tab then s\nsuspends or resumes HRDDP support at a site. Trainer: i adds an inject at the chosen site, < >\nchange the speed, q ends.\n\nPlain (--plain, or no terminal): type an option's number (2), 2x3 for three platoons, 2+5 for\nmilitary support, `w 3`, `wait`, `decline`, `suspend SITE` / `resume SITE`,\n`inject KIND SITE [TEXT]`, or `doctrine`."
    )]
    Exercise {
        /// The scenario (one with `[[injects]]` gives the trainees messages).
        scenario: PathBuf,
        /// The team's name (in the log and the review).
        #[arg(long, default_value = "")]
        team: String,
        /// Teams on the same seed face the same luck.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Save the session's log here after every decision (what was shown, what was chosen, the outcome).
        #[arg(long)]
        log: Option<PathBuf>,
        /// Replay the decisions of a log or hand-written decisions file instead of asking.
        #[arg(long)]
        decisions: Option<PathBuf>,
        /// Line-by-line mode, for a terminal that cannot do full screen or for a
        /// projector (also used when input or output is not a terminal).
        #[arg(long)]
        plain: bool,
        /// Full screen: simulated hours per second of wall time while the clock runs.
        #[arg(long, default_value_t = 0.5)]
        speed: f64,
        /// Replace an existing log.
        #[arg(long)]
        force: bool,
        /// Change a scenario value for this session (kept in the log, re-applied by review).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
    },
    /// After-action review of an exercise log: the team against doctrine, luck, the decisions that mattered.
    #[command(
        after_help = "Example:\n  pocsim review out/alpha.json --runs 500 --out out/alpha-review"
    )]
    Review {
        /// The exercise log.
        log: PathBuf,
        /// Doctrine replications to place the team's draw among.
        #[arg(long, default_value_t = 500)]
        runs: u64,
        /// Output directory (review.html, review.md).
        #[arg(long)]
        out: PathBuf,
        /// The scenario file, if not where the log says.
        #[arg(long)]
        scenario: Option<PathBuf>,
        #[arg(long)]
        force: bool,
    },
    /// Run an experiment past one machine (writes a job script to standard output).
    #[command(subcommand)]
    Cluster(ClusterCommand),
    /// Write OUT_DIR/report.html for a finished experiment (charts, effects in plain words, methods).
    #[command(
        after_help = "Example:\n  pocsim report out/caveats    # then open out/caveats/report.html in a browser"
    )]
    Report {
        /// The experiment's output directory.
        dir: PathBuf,
    },
    /// Write the calibration report: each scenario's baseline next to its public figures (Markdown).
    #[command(
        name = "validation-report",
        after_help = "Example:\n  pocsim validation-report scenarios/*.toml --runs 200 --out docs/validation.md"
    )]
    ValidationReport {
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Replications per scenario.
        #[arg(long, default_value_t = 200)]
        runs: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write here (atomically) instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
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

#[derive(Subcommand)]
enum ClusterCommand {
    /// A Slurm job array, one shard per task, plus a merge job that runs after them.
    #[command(
        after_help = "Example:\n  pocsim cluster slurm experiments/tutorial-caveats.toml --shards 64 --out /shared/out/caveats > caveats.sbatch\n  sbatch caveats.sbatch        # merged results appear in /shared/out/caveats/merged"
    )]
    Slurm {
        /// Experiment file.
        experiment: PathBuf,
        /// Number of shards (array tasks).
        #[arg(long)]
        shards: u64,
        /// Output directory on the shared filesystem (shards/, logs/, merged/).
        #[arg(long)]
        out: PathBuf,
        /// At most this many shards at once.
        #[arg(long)]
        throttle: Option<u64>,
        /// CPUs per task (rayon uses them all).
        #[arg(long, default_value_t = 2)]
        cpus: u32,
        /// Wall time per task (HH:MM:SS); default: estimated by a short calibration run.
        #[arg(long)]
        time: Option<String>,
        /// Memory per task.
        #[arg(long, default_value = "1G")]
        mem: String,
        #[arg(long)]
        partition: Option<String>,
        /// Path of the pocsim binary on the compute nodes (default: this one).
        #[arg(long)]
        pocsim: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct ExperimentArgs {
    /// Replications per variant.
    #[arg(long)]
    runs: u64,
    /// Master seed (replication i of every variant uses the same streams).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
    /// Override applied to every variant, baseline included: PATH=VALUE (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
    /// Metrics for the summary and effects (comma-separated; default all).
    #[arg(long, value_delimiter = ',')]
    metrics: Vec<String>,
    #[command(flatten)]
    exec: ExecArgs,
}

#[derive(clap::Args)]
struct ExecArgs {
    /// Finish an interrupted run in the same directory.
    #[arg(long)]
    resume: bool,
    /// Replace another experiment's results in the output directory.
    #[arg(long)]
    force: bool,
    /// Run only shard I of N (1-based): replications r with r % N == I - 1.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Do not draw the charts in OUT/plots.
    #[arg(long)]
    no_plots: bool,
    /// Worker threads (default: all cores, or RAYON_NUM_THREADS).
    #[arg(long)]
    threads: Option<usize>,
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
            plots,
            self_check,
        } => cmd_run(
            scenario,
            Seed::new(seed, replication),
            &set,
            out,
            force,
            json,
            plots,
            self_check,
        ),
        Command::Compare {
            scenario,
            variants,
            uncertain,
            posterior,
            common,
        } => {
            let spec = ExperimentSpec {
                kind: Kind::Compare,
                scenario,
                base: parse_overrides(&common.set)?,
                variants: variants
                    .iter()
                    .map(|v| spec::parse_variant(v))
                    .collect::<Result<_, _>>()?,
                runs: common.runs,
                seed: common.seed,
                metrics: common.metrics,
                uncertain,
                posterior,
                uncertainty: Vec::new(),
                uncertainty_file: None,
            };
            cmd_experiment(spec, common.out, &common.exec)
        }
        Command::Sweep {
            scenario,
            grid,
            design,
            common,
        } => {
            let variants = match design {
                Some(d) => spec::design_variants(&d)?,
                None => {
                    let axes = grid
                        .iter()
                        .map(|g| spec::parse_axis(g))
                        .collect::<Result<Vec<_>, _>>()?;
                    spec::grid_variants(&axes)?
                }
            };
            let spec = ExperimentSpec {
                kind: Kind::Sweep,
                scenario,
                base: parse_overrides(&common.set)?,
                variants,
                runs: common.runs,
                seed: common.seed,
                metrics: common.metrics,
                uncertain: None,
                posterior: None,
                uncertainty: Vec::new(),
                uncertainty_file: None,
            };
            cmd_experiment(spec, common.out, &common.exec)
        }
        Command::Experiment {
            file,
            out,
            runs,
            exec,
        } => {
            let (mut spec, file_out) = spec::read_experiment_file(&file)?;
            if let Some(r) = runs {
                spec.runs = r;
            }
            let out = out.or(file_out).ok_or_else(|| {
                Error::Usage(format!(
                    "{}: no output directory: give --out or `out` in the file",
                    file.display()
                ))
            })?;
            cmd_experiment(spec, out, &exec)
        }
        Command::Merge {
            out,
            shards,
            force,
            metrics,
        } => {
            let o = match merge::merge(&out, &shards, force, &metrics)? {
                merge::Merged::Design(m) => return finish_design(&out, &m, shards.len()),
                merge::Merged::Experiment(o) => o,
            };
            say(&format!(
                "merged {} shards of {} ({} rows) into {}",
                shards.len(),
                o.manifest.scenario_file,
                o.manifest.rows,
                out.display()
            ));
            if !o.robust.is_empty() {
                let mut labels: Vec<&str> = o
                    .manifest
                    .variants
                    .iter()
                    .map(|v| v.name.rsplit_once('@').map_or(v.name.as_str(), |(l, _)| l))
                    .collect();
                labels.sort_unstable();
                labels.dedup();
                let points = o.manifest.variants.len() / labels.len().max(1);
                say(&text::render_robust(&o.robust, &metrics, points));
            } else if o.manifest.kind == experiment::RunKind::Compare {
                say(&text::render_effects(&o.stats.effects, &metrics));
            } else {
                say(&text::render_summary(&o.stats, &metrics));
            }
            Ok(())
        }
        Command::Cluster(ClusterCommand::Slurm {
            experiment,
            shards,
            out,
            throttle,
            cpus,
            time,
            mem,
            partition,
            pocsim,
        }) => {
            let (spec, _) = spec::read_experiment_file(&experiment)?;
            let plan = experiment::plan(&spec)?;
            if shards == 0 || shards > plan.runs {
                return Err(Error::Usage(format!(
                    "--shards must be from 1 to the number of runs ({})",
                    plan.runs
                )));
            }
            let time = match time {
                Some(t) => t,
                None => {
                    let hours = pocsim::cluster::calibrate(&plan, shards, cpus);
                    let t = pocsim::cluster::slurm_time(hours);
                    eprintln!(
                        "estimated wall time per shard: {t} (calibration run; give --time to set it)"
                    );
                    t
                }
            };
            let pocsim_bin = match pocsim {
                Some(p) => pocsim::cluster::absolute(&p),
                None => std::env::current_exe().map_err(|e| Error::io("pocsim", e))?,
            };
            let name = experiment
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "pocsim".into());
            let job = pocsim::cluster::SlurmJob {
                pocsim: pocsim_bin,
                experiment: pocsim::cluster::absolute(&experiment),
                out: pocsim::cluster::absolute(&out),
                shards,
                throttle,
                cpus_per_task: cpus,
                time,
                mem,
                partition,
                job_name: format!("pocsim-{name}"),
            };
            let text = pocsim::cluster::script(&job)?;
            // Slurm opens the log files before the job starts: their directory must exist.
            for d in [job.out.join("logs"), job.out.join("shards")] {
                std::fs::create_dir_all(&d).map_err(|e| Error::io(&d, e))?;
            }
            say(&text);
            Ok(())
        }
        Command::Exercise {
            scenario,
            team,
            seed,
            log,
            decisions,
            plain,
            speed,
            force,
            set,
        } => {
            let loaded = load_scenario(&scenario, &parse_overrides(&set)?)?;
            let model = model_of(&scenario, &loaded)?;
            let seed = Seed::new(seed, 0);
            if !(speed.is_finite() && speed > 0.0) {
                return Err(Error::Usage(format!(
                    "--speed: expected simulated hours per second above 0, got {speed}"
                )));
            }
            // Refuse to replace a log before the session, not after it.
            if let Some(path) = &log
                && path.exists()
                && !force
            {
                return Err(Error::input(
                    &path.display().to_string(),
                    "a log is already there; choose another --log or pass --force to replace it"
                        .to_string(),
                ));
            }
            if let Some(dir) = log
                .as_ref()
                .and_then(|p| p.parent())
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            }
            let session =
                pocsim::exercise::Session::new(&loaded, &model, seed, &team).autosave(log.clone());
            let (session, result) = match &decisions {
                Some(file) => {
                    let past = pocsim::exercise::read_log(file)?;
                    if past.seed != seed.master {
                        return Err(Error::input(
                            &file.display().to_string(),
                            format!(
                                "this log was played with seed {}; pass --seed {} to replay it",
                                past.seed, past.seed
                            ),
                        ));
                    }
                    let mut replay =
                        pocsim::exercise::Replay::new(&past, &loaded, &file.display().to_string())?;
                    let mut out = pocsim::exercise::play_session(session, &mut replay);
                    // The replayed choices after a hand-over were standard procedure's.
                    out.0.handed_over_h = past.handed_over_h;
                    if let Some(e) = &replay.error {
                        return Err(Error::input(&file.display().to_string(), e.clone()));
                    }
                    if let Some(d) = replay.leftover() {
                        let at = match d.incident {
                            Some(i) if d.kind.is_empty() => format!("for incident {i}"),
                            Some(i) => format!("for incident {i} ({} at {})", d.kind, d.site),
                            None => "between decisions".to_string(),
                        };
                        return Err(Error::input(
                            &file.display().to_string(),
                            format!(
                                "a decision {} {at}, when nothing of the kind was pending",
                                if d.time_h.is_nan() {
                                    "(no time given)".to_string()
                                } else {
                                    format!("at {:.2} h", d.time_h)
                                }
                            ),
                        ));
                    }
                    out
                }
                None if !plain
                    && std::io::stdin().is_terminal()
                    && std::io::stdout().is_terminal() =>
                {
                    let mut app = pocsim::exercise::tui::App::new(session, speed);
                    pocsim::exercise::tui::run(&mut app)
                        .map_err(|e| Error::Usage(format!("the terminal failed: {e}")))?;
                    app.session.finish()
                }
                None => {
                    let stdin = std::io::stdin();
                    let mut trainee =
                        pocsim::exercise::plain::Plain::new(stdin.lock(), std::io::stdout());
                    pocsim::exercise::play_session(session, &mut trainee)
                }
            };
            if let Some(path) = &log {
                pocsim::output::write_atomic(path, &pocsim::exercise::log_bytes(&session))?;
            }
            say(&pocsim::metrics::render_summary(
                &loaded.scenario.scenario.name,
                &model,
                seed,
                &result,
            ));
            say(&format!(
                "{} decisions taken{}",
                session.decisions.len(),
                log.map(|l| format!("; log in {}", l.display()))
                    .unwrap_or_default()
            ));
            Ok(())
        }
        Command::Review {
            log,
            runs,
            out,
            scenario,
            force,
        } => {
            let file = log.display().to_string();
            let past = pocsim::exercise::read_log(&log)?;
            let scenario = scenario.unwrap_or_else(|| PathBuf::from(&past.scenario_file));
            let loaded = load_scenario(&scenario, &parse_overrides(&past.overrides)?)?;
            let model = model_of(&scenario, &loaded)?;
            let r = pocsim::exercise::review::review(&past, &loaded, &model, runs, &file)?;
            let mut files = OutputSet::new(&out);
            files.add(
                "review.html",
                pocsim::exercise::review::html(&r).into_bytes(),
            );
            files.add(
                "review.md",
                pocsim::exercise::review::markdown(&r).into_bytes(),
            );
            files.commit(force)?;
            say(&pocsim::exercise::review::markdown(&r));
            say(&format!(
                "wrote {}/review.html and review.md",
                out.display()
            ));
            Ok(())
        }
        Command::Sensitivity {
            scenario,
            method,
            second_order,
            metrics,
            variant,
            points,
            runs,
            seed,
            out,
            set,
            exec,
        } => {
            let spec = pocsim::sensitivity::Spec {
                scenario,
                base: parse_overrides(&set)?,
                method: pocsim::sensitivity::Method::parse(&method)?,
                second_order,
                metrics,
                variant,
                points,
                runs,
                seed,
                plots: !exec.no_plots,
            };
            let opts = exec_options(&out, &exec)?;
            let done = with_threads(exec.threads, || pocsim::sensitivity::analyse(&spec, &opts))?;
            if let Some(outcome) = finished(done, "points", &out)? {
                say(&pocsim::sensitivity::render(&outcome, runs));
                say(&format!(
                    "wrote {0}/sensitivity.csv, {0}/design.csv and the charts in {0}/plots",
                    out.display()
                ));
            }
            Ok(())
        }
        Command::Calibrate {
            scenario,
            points,
            runs,
            accept,
            seed,
            out,
            set,
            exec,
        } => {
            let spec = pocsim::calibration::Spec {
                scenario,
                base: parse_overrides(&set)?,
                points,
                runs,
                accept,
                seed,
                plots: !exec.no_plots,
            };
            let opts = exec_options(&out, &exec)?;
            let done = with_threads(exec.threads, || {
                pocsim::calibration::calibrate(&spec, &opts)
            })?;
            if let Some(fit) = finished(done, "points", &out)? {
                say(&pocsim::calibration::render(&fit));
                say(&format!(
                    "wrote {0}/posterior.csv, {0}/abc.csv, {0}/targets.csv and the charts in {0}/plots",
                    out.display()
                ));
            }
            Ok(())
        }
        Command::Discover {
            dir,
            variant,
            metric,
            above,
            out,
            alpha,
            min_mass,
            min_coverage,
            force,
            quiet: _,
            no_plots,
        } => {
            let spec = pocsim::experiment::discover::Spec {
                out: out.unwrap_or_else(|| dir.join("discover")),
                dir,
                variant,
                metric,
                above,
                alpha,
                min_mass,
                min_coverage,
                force,
                plots: !no_plots,
            };
            say(&pocsim::experiment::discover::discover(&spec)?);
            Ok(())
        }
        Command::Report { dir } => {
            // Charts are of one world's variants; over plausible worlds the
            // report is the robust effects.
            let worlds = pocsim::experiment::read_manifest(&dir)?.is_some_and(|m| {
                m.analysis.is_some() || m.inputs.first().is_some_and(|c| c == "point")
            });
            let charts = if worlds {
                Vec::new()
            } else {
                pocsim::plot::data::experiment_charts(&dir)?
            };
            if !worlds {
                pocsim::plot::write_all(&dir.join("plots"), &charts)?;
            }
            let html = pocsim::report::experiment_report(&dir, &charts)?;
            let path = dir.join("report.html");
            pocsim::output::write_atomic(&path, html.as_bytes())?;
            say(&format!("wrote {}", path.display()));
            Ok(())
        }
        Command::ValidationReport {
            scenarios,
            runs,
            seed,
            out,
        } => {
            if runs == 0 {
                return Err(Error::Usage("--runs must be at least 1".into()));
            }
            let mut reports = Vec::new();
            for p in &scenarios {
                let loaded = load_scenario(p, &[])?;
                reports.push(pocsim::validation::report_scenario(&loaded, runs, seed)?);
            }
            let files: Vec<String> = scenarios.iter().map(|p| p.display().to_string()).collect();
            let command = format!(
                "pocsim validation-report {} --runs {runs} --seed {seed}",
                files.join(" ")
            );
            let text = pocsim::validation::render(&reports, runs, seed, &command);
            match out {
                Some(o) => {
                    pocsim::output::write_atomic(&o, text.as_bytes())?;
                    say(&format!("wrote {}", o.display()));
                }
                None => say(&text),
            }
            Ok(())
        }
        Command::Validate { scenario, set } => {
            let loaded = load_scenario(&scenario, &parse_overrides(&set)?)?;
            let m = model_of(&scenario, &loaded)?;
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
            for w in m.warnings() {
                eprintln!("warning: {}: {w}", loaded.file);
            }
            Ok(())
        }
    }
}

/// Simulates one replication, prints a summary and optionally writes files.
#[allow(clippy::too_many_arguments)] // one per command-line option
fn cmd_run(
    scenario: PathBuf,
    seed: Seed,
    set: &[String],
    out: Option<PathBuf>,
    force: bool,
    json: bool,
    plots: bool,
    self_check: bool,
) -> Result<(), Error> {
    let loaded = load_scenario(&scenario, &parse_overrides(set)?)?;
    let model = model_of(&scenario, &loaded)?;
    let opts = RunOptions {
        record_site_days: out.is_some(),
        record_events: out.is_some(),
        self_check,
        ..RunOptions::default()
    };
    let result = run(&model, seed, &mut Doctrine::default(), opts);
    if let Some(dir) = &out {
        let mut files = OutputSet::new(dir);
        files.add("summary.json", summary_json(&loaded, seed, &result));
        files.add("timeseries.csv", timeseries_csv(&model, &result));
        files.add("events.csv", events_csv(&model, &result));
        files.commit(force)?;
        if plots {
            let charts = pocsim::plot::data::run_charts(&model, &result)?;
            pocsim::plot::write_all(&dir.join("plots"), &charts)?;
        }
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

/// Plans, runs (or resumes) and summarises an experiment.
/// Stops a long command cleanly at the first interrupt (the finished rows are
/// kept for `--resume`) and at once at the second.
static STOP: AtomicBool = AtomicBool::new(false);

/// How to execute into `out`, with the interrupt handler installed.
fn exec_options(out: &Path, a: &ExecArgs) -> Result<ExecOptions<'static>, Error> {
    let shard = match &a.shard {
        Some(s) => Shard::parse(s)?,
        None => Shard::ALL,
    };
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
    Ok(ExecOptions {
        out: out.to_path_buf(),
        shard,
        resume: a.resume,
        force: a.force,
        progress: !a.quiet && std::io::stderr().is_terminal(),
        stop: &STOP,
        command: std::env::args().collect::<Vec<_>>().join(" "),
    })
}

/// Says how to finish an interrupted run (and exits 130).
fn interrupted(done: u64, total: u64, what: &str, out: &Path, partial: &str) -> ! {
    let mut cmd: Vec<String> = std::env::args().collect();
    if !cmd.iter().any(|x| x == "--resume") {
        cmd.push("--resume".into());
    }
    eprintln!(
        "interrupted after {done} of {total} {what}; the finished rows are kept in {}/{partial}.\nTo finish: {}",
        out.display(),
        cmd.join(" ")
    );
    std::process::exit(130);
}

/// The analysis of a design, or what a shard or an interrupt leaves.
fn finished<T>(
    f: pocsim::experiment::design_run::Finished<T>,
    what: &str,
    out: &Path,
) -> Result<Option<T>, Error> {
    use pocsim::experiment::design_run::{EVALUATIONS_PARTIAL, Finished};
    match f {
        Finished::Complete(t) => Ok(Some(t)),
        Finished::Shard { done, total } => {
            say(&format!(
                "evaluated {done} of {total} {what} of this shard into {}/evaluations.csv; when every shard is done: pocsim merge OUT {} ...",
                out.display(),
                out.display()
            ));
            Ok(None)
        }
        Finished::Interrupted { done, total } => {
            interrupted(done, total, what, out, EVALUATIONS_PARTIAL)
        }
    }
}

/// After `merge` of a design's shards: its analysis, computed in `out` from
/// the merged evaluations.
fn finish_design(out: &Path, m: &experiment::Manifest, shards: usize) -> Result<(), Error> {
    let opts = ExecOptions {
        out: out.to_path_buf(),
        shard: Shard::ALL,
        resume: true,
        force: false,
        progress: false,
        stop: &STOP,
        command: m.command.clone(),
    };
    say(&format!(
        "merged {shards} shards of {} ({} points) into {}",
        m.scenario_file,
        m.rows,
        out.display()
    ));
    match m.kind {
        experiment::RunKind::Sensitivity => {
            let spec = pocsim::sensitivity::Spec::from_manifest(out, m)?;
            if let Some(o) = finished(pocsim::sensitivity::analyse(&spec, &opts)?, "points", out)? {
                say(&pocsim::sensitivity::render(&o, m.runs));
            }
        }
        _ => {
            let spec = pocsim::calibration::Spec::from_manifest(out, m)?;
            if let Some(f) = finished(pocsim::calibration::calibrate(&spec, &opts)?, "points", out)?
            {
                say(&pocsim::calibration::render(&f));
            }
        }
    }
    Ok(())
}

fn cmd_experiment(spec: ExperimentSpec, out: PathBuf, a: &ExecArgs) -> Result<(), Error> {
    let plan = with_threads(a.threads, || experiment::plan(&spec))?;
    let opts = exec_options(&out, a)?;
    let shard = opts.shard;
    let outcome = with_threads(a.threads, || experiment::execute(&plan, &opts))?;
    match outcome {
        Outcome::Interrupted { done, total } => {
            interrupted(done, total, "runs", &out, experiment::PARTIAL)
        }
        Outcome::Complete(stats, robust) => {
            let runs_here = (0..plan.runs).filter(|r| shard.contains(*r)).count();
            let what = if plan.variants.len() == 1 {
                "the baseline alone".to_string()
            } else if plan.points.is_empty() {
                format!("{} variants", plan.variants.len())
            } else {
                format!(
                    "{} variants x {} plausible worlds",
                    experiment::variant_labels(&plan).len(),
                    plan.points.len()
                )
            };
            say(&format!(
                "{} of {}: {what} x {} replications (seed {}, shard {}) -> {}",
                plan.kind.name(),
                plan.scenario_file,
                runs_here,
                plan.seed,
                shard,
                out.display()
            ));
            if !robust.is_empty() {
                say(&text::render_robust(
                    &robust,
                    &plan.selected,
                    plan.points.len(),
                ));
                if !a.no_plots {
                    let harm: Vec<_> = robust
                        .iter()
                        .filter(|r| r.metric == "civilians_harmed")
                        .cloned()
                        .collect();
                    if !harm.is_empty() {
                        let h = (200 + 120 * harm.len() as u32).max(420);
                        let chart = pocsim::render_chart!(
                            "worlds",
                            "Effects in every plausible world",
                            (1100, h),
                            pocsim::plot::sensitivity::worlds,
                            &harm[..]
                        )
                        .map_err(|e| Error::Usage(format!("drawing the charts: {e}")))?;
                        pocsim::plot::write_all(&out.join("plots"), &[chart])?;
                        say(&format!(
                            "chart: {}/plots/worlds.png and .svg",
                            out.display()
                        ));
                    }
                }
            } else if plan.kind == Kind::Compare && plan.per_point() > 1 {
                say(&text::render_effects(&stats.effects, &plan.selected));
            } else {
                say(&text::render_summary(&stats, &plan.selected));
            }
            if !a.no_plots && shard == Shard::ALL && plan.points.is_empty() {
                with_threads(a.threads, || draw_plots(&out))?;
            }
        }
    }
    Ok(())
}

/// Draws every chart of a finished experiment into DIR/plots.
fn draw_plots(dir: &std::path::Path) -> Result<(), Error> {
    let charts = pocsim::plot::data::experiment_charts(dir)?;
    pocsim::plot::write_all(&dir.join("plots"), &charts)?;
    say(&format!(
        "charts: {}/plots/{{{}}}.png and .svg",
        dir.display(),
        charts
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(",")
    ));
    Ok(())
}

/// Prints to stdout; a closed pipe (`| head`) ends the program quietly.
fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{}", text.trim_end()).is_err() || out.flush().is_err() {
        std::process::exit(0);
    }
}

/// The model of a scenario file run with overrides: its rates read against
/// the tension calibrated on the file as it is.
fn model_of(path: &std::path::Path, loaded: &pocsim::LoadedScenario) -> Result<Model, Error> {
    let base = load_scenario(path, &[])?;
    Ok(pocsim::engine::variant_model(
        &base.scenario,
        &loaded.scenario,
    ))
}

/// Runs `f` on `threads` worker threads (`None`: rayon's default pool).
fn with_threads<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> Result<T, Error> + Send,
) -> Result<T, Error> {
    match threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map_err(|e| Error::Usage(format!("cannot start {n} threads: {e}")))?
            .install(f),
        None => f(),
    }
}
