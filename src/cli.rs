//! The command line of the `pocsim` binary: every subcommand and its flags
//! (clap definitions only; `commands` does the work).

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "pocsim",
    version,
    about = "Simulate UN police protecting civilians: scenarios, replications, caveats."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Simulate one replication of a scenario and summarise it.
    #[command(
        after_help = "Example:\n  pocsim run scenarios/tutorial.toml --seed 7 --out out/run1\n  pocsim run scenarios/tutorial.toml --set 'forces.fpus[0].caveats.approval_required=true'"
    )]
    Run(RunArgs),
    /// Compare variants with the scenario as it stands (the baseline), paired over replications.
    #[command(
        after_help = "Example:\n  pocsim compare scenarios/tutorial.toml \\\n      --variant 'approval:forces.fpus[0].caveats.approval_required=true' \\\n      --variant 'more-vehicles:forces.fpus[0].vehicles=24' --runs 2000 --seed 1 --out out/caveats\n\nA variant is NAME:PATH=VALUE, with several overrides separated by `;`."
    )]
    Compare(CompareArgs),
    /// Run every point of a grid (or of a design file) of scenario values.
    #[command(
        after_help = "Example:\n  pocsim sweep scenarios/tutorial.toml --grid 'forces.fpus[0].count=1,2,3' \\\n      --grid 'mandate.hrddp=\"support\",\"suspend\"' --runs 500 --out out/sweep\n  pocsim sweep scenarios/tutorial.toml --design design.csv --runs 200 --out out/lhs"
    )]
    Sweep(SweepArgs),
    /// Run an experiment described in a file (scenario, variants or grid, runs, seed, metrics).
    #[command(
        after_help = "Example:\n  pocsim experiment experiments/tutorial-caveats.toml\n  pocsim experiment experiments/tutorial-caveats.toml --shard 2/4 --out out/shard2"
    )]
    Experiment(ExperimentFileArgs),
    /// Which declared uncertain inputs decide a metric, or a variant's effect
    /// (Morris elementary effects or Sobol indices).
    #[command(
        after_help = "Example:\n  pocsim sensitivity scenarios/tutorial.toml --method morris --points 20 --runs 10 --out out/morris\n  pocsim sensitivity scenarios/tutorial.toml --method sobol --points 256 --runs 5 \\\n      --variant 'approval:forces.fpus[0].caveats.approval_required=true' --out out/sobol"
    )]
    Sensitivity(SensitivityArgs),
    /// Fit the declared uncertain inputs to the scenario's public figures
    /// (approximate Bayesian computation, rejection).
    #[command(
        after_help = "Example:\n  pocsim calibrate scenarios/tutorial.toml --points 200 --runs 20 --out out/abc\n  pocsim compare scenarios/tutorial.toml --variant 'approval:forces.fpus[0].caveats.approval_required=true' \\\n      --posterior out/abc/posterior.csv --runs 50 --out out/approval-posterior"
    )]
    Calibrate(CalibrateArgs),
    /// The cheapest deployment that meets protection targets in most
    /// plausible worlds (a search over the levers in a file: NSGA-II, then
    /// confirmation with fresh replications).
    #[command(
        after_help = "Example:\n  pocsim plan scenarios/tutorial.toml --levers experiments/tutorial-levers.toml \\\n      --target 'civilians_killed<=4' --confidence 0.8 --uncertain 20 --budget-evals 60 --out out/plan"
    )]
    Plan(PlanArgs),
    /// Where a variant's effect exceeds a threshold across plausible worlds (PRIM).
    #[command(
        after_help = "Example:\n  pocsim discover out/worlds --variant approval --metric civilians_harmed --above 5 --out out/worlds/discover"
    )]
    Discover(DiscoverArgs),
    /// Merge the shards of one experiment into outputs identical to a single run.
    #[command(after_help = "Example:\n  pocsim merge out/all out/shard1 out/shard2 out/shard3")]
    Merge(MergeArgs),
    /// A training exercise: trainees take the operations centre's decisions (full screen, or plain lines).
    #[command(
        after_help = "Example:\n  pocsim exercise scenarios/exercise-half-day-course.toml --team alpha --seed 3 --log out/alpha.json\n  pocsim exercise scenarios/exercise-half-day-course.toml --team alpha --seed 3 --decisions out/alpha.json   # replay a log\n\nFull screen (a terminal): the clock starts stopped; space starts and pauses it, and it stops by\nitself at every decision and message. Trainees: arrows or 1-9 choose, [ ] fewer or more platoons,\nEnter sends, + adds military support, w asks for a waiver, h holds, x leaves unanswered, Tab then s\nsuspends or resumes HRDDP support at a site, o gives an order (below). Trainer: i adds an inject at\nthe chosen site, < > change the speed, q ends.\n\nPlain (--plain, or no terminal): type an option's number (2), 2x3 for three platoons, 2+5 for\nmilitary support, `w 3`, `wait`, `decline`, `inject KIND SITE [TEXT]`, or `doctrine`.\n\nOrders, at any stop (plain) or on the order line (o): `escort approve [UNIT]` / `escort refuse`,\n`patrol SITE,SITE [with UNIT]` / `patrol none` (today's plan), `talk SITE [via TEAM]` (dialogue),\n`alert UNIT` (military), `suspend SITE` / `resume SITE` / `conditions SITE` (HRDDP)."
    )]
    Exercise(ExerciseArgs),
    /// After-action review of exercise logs: one team against doctrine, or a class debrief of several.
    #[command(
        after_help = "Examples:\n  pocsim review out/alpha.json --runs 500 --out out/alpha-review\n  pocsim review out/class/alpha.json out/class/bravo.json --out out/debrief   # the class debrief"
    )]
    Review(ReviewArgs),
    /// A classroom exercise in the browser: a white cell and several syndicates on one local server.
    #[command(
        after_help = "Example:\n  pocsim classroom scenarios/exercise-half-day-course.toml --teams alpha,bravo,charlie --seed 3 --dir out/class\n\nPrints one address for the white cell and one per syndicate, each with its own token. Stop with\nCtrl-C; the same command with the same --dir resumes every syndicate where it was."
    )]
    Classroom(ClassroomArgs),
    /// The events list (MSEL) as CSV, for trainers who write injects in a spreadsheet.
    #[command(subcommand)]
    Msel(MselCommand),
    /// Run an experiment past one machine (writes a job script to standard output).
    #[command(subcommand)]
    Cluster(ClusterCommand),
    /// Write OUT_DIR/report.html for a finished experiment (charts, effects in plain words, methods).
    #[command(
        after_help = "Example:\n  pocsim report out/caveats    # then open out/caveats/report.html in a browser"
    )]
    Report(ReportArgs),
    /// Write the calibration report: each scenario's baseline next to its public figures (Markdown).
    #[command(
        name = "validation-report",
        after_help = "Example:\n  pocsim validation-report scenarios/*.toml --runs 200 --out docs/validation.md"
    )]
    ValidationReport(ValidationReportArgs),
    /// Check a scenario file and report every problem with its line and column.
    #[command(
        after_help = "Example:\n  pocsim validate scenarios/tutorial.toml\n  pocsim validate scenarios/tutorial.toml --set 'forces.fpus[0].count=3'"
    )]
    Validate(ValidateArgs),
}

#[derive(Subcommand)]
pub enum ClusterCommand {
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
        #[command(flatten)]
        resources: SlurmResources,
    },
    /// A plan as a Slurm job array: every task a shard of one search, through the shared filesystem.
    #[command(
        name = "slurm-plan",
        after_help = "Example:\n  pocsim cluster slurm-plan --shards 8 --cpus 4 -- scenarios/tutorial.toml \\\n      --levers experiments/tutorial-levers.toml --target 'civilians_harmed<=158' \\\n      --confidence 0.8 --uncertain 20 --budget-evals 400 --out /shared/out/plan > plan.sbatch\n  sbatch plan.sbatch           # shard 1 writes the plan in /shared/out/plan\n\nThe tasks run at once and exchange candidates through OUT/shards/; the plan equals a\nplan on one machine byte for byte."
    )]
    SlurmPlan {
        /// Number of shards (array tasks, all running at once).
        #[arg(long)]
        shards: u64,
        #[command(flatten)]
        resources: SlurmResources,
        /// After `--`: the arguments of `pocsim plan` (scenario, --levers,
        /// --target, ..., --out on the shared filesystem).
        #[arg(last = true, required = true, value_name = "PLAN ARGS")]
        plan: Vec<String>,
    },
}

/// What each task of a Slurm array asks for.
#[derive(clap::Args)]
pub struct SlurmResources {
    /// CPUs per task (rayon uses them all).
    #[arg(long, default_value_t = 2)]
    pub cpus: u32,
    /// Wall time per task (HH:MM:SS); default: estimated from a short run on this machine.
    #[arg(long)]
    pub time: Option<String>,
    /// Memory per task.
    #[arg(long, default_value = "1G")]
    pub mem: String,
    /// Slurm partition (default: the cluster's default partition).
    #[arg(long)]
    pub partition: Option<String>,
    /// Path of the pocsim binary on the compute nodes (default: this one).
    #[arg(long)]
    pub pocsim: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct ExperimentArgs {
    /// Replications per variant.
    #[arg(long)]
    pub runs: u64,
    /// Master seed (replication i of every variant uses the same streams).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// Override applied to every variant, baseline included: PATH=VALUE (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Metrics for the summary and effects (comma-separated; default all).
    #[arg(long, value_delimiter = ',')]
    pub metrics: Vec<String>,
    #[command(flatten)]
    pub exec: ExecArgs,
}

#[derive(clap::Args)]
pub struct ExecArgs {
    /// Finish an interrupted run in the same directory.
    #[arg(long)]
    pub resume: bool,
    /// Replace another experiment's results in the output directory.
    #[arg(long)]
    pub force: bool,
    /// Run only shard I of N (1-based): replications r with r % N == I - 1.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Do not draw the charts in OUT/plots.
    #[arg(long)]
    pub no_plots: bool,
    /// Worker threads (default: all cores, or RAYON_NUM_THREADS).
    #[arg(long)]
    pub threads: Option<usize>,
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Master seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Replication index (the stream within the seed).
    #[arg(long, default_value_t = 0)]
    pub replication: u64,
    /// Override a scenario value before validation: PATH=VALUE (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Write summary.json, timeseries.csv and events.csv here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace files in --out that hold other results.
    #[arg(long)]
    pub force: bool,
    /// Print the summary as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also draw charts into OUT/plots (needs --out).
    #[arg(long, requires = "out")]
    pub plots: bool,
    /// Check the model's invariants after every event (slower; stops on a violation).
    #[arg(long)]
    pub self_check: bool,
}

#[derive(clap::Args)]
pub struct CompareArgs {
    pub scenario: PathBuf,
    /// NAME:PATH=VALUE[;PATH=VALUE...] (repeatable; without any, the
    /// baseline alone: its distribution over the runs).
    #[arg(long = "variant")]
    pub variants: Vec<String>,
    /// Run every variant at K points drawn from the scenario's [[uncertainty]]
    /// (Latin hypercube from the seed) and report effects across plausible worlds.
    #[arg(long, value_name = "K")]
    pub uncertain: Option<u64>,
    /// Run every variant at the points of a calibration's posterior.csv instead.
    #[arg(long, value_name = "FILE")]
    pub posterior: Option<PathBuf>,
    #[command(flatten)]
    pub common: ExperimentArgs,
}

#[derive(clap::Args)]
pub struct SweepArgs {
    pub scenario: PathBuf,
    /// PATH=VALUE,VALUE,... (repeatable; the points are all combinations).
    #[arg(long = "grid", conflicts_with = "design")]
    pub grid: Vec<String>,
    /// CSV whose header names override paths; one row per design point.
    #[arg(long)]
    pub design: Option<PathBuf>,
    #[command(flatten)]
    pub common: ExperimentArgs,
}

#[derive(clap::Args)]
pub struct ExperimentFileArgs {
    pub file: PathBuf,
    /// Output directory (default: the file's `out`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replications (default: the file's `runs`).
    #[arg(long)]
    pub runs: Option<u64>,
    #[command(flatten)]
    pub exec: ExecArgs,
}

#[derive(clap::Args)]
pub struct SensitivityArgs {
    pub scenario: PathBuf,
    /// morris (screening, trajectories) or sobol (Saltelli design, N(k+2) points).
    #[arg(long)]
    pub method: String,
    /// Sobol: also the second-order indices (N(2k+2) points; sensitivity-s2.csv).
    #[arg(long)]
    pub second_order: bool,
    /// Metric analysed (repeatable; default civilians_harmed).
    #[arg(long = "metric")]
    pub metrics: Vec<String>,
    /// Analyse this variant's paired effect instead of the metric's level: NAME:PATH=VALUE[;...].
    #[arg(long)]
    pub variant: Option<String>,
    /// Morris: trajectories; Sobol: base sample size N.
    #[arg(long, default_value_t = 20)]
    pub points: usize,
    /// Replications per point (the same streams at every point).
    #[arg(long, default_value_t = 10)]
    pub runs: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long)]
    pub out: PathBuf,
    /// Override applied at every point: PATH=VALUE (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    #[command(flatten)]
    pub exec: ExecArgs,
}

#[derive(clap::Args)]
pub struct CalibrateArgs {
    pub scenario: PathBuf,
    /// Prior points (a Latin hypercube over the declared inputs).
    #[arg(long, default_value_t = 200)]
    pub points: usize,
    /// Replications per point.
    #[arg(long, default_value_t = 20)]
    pub runs: u64,
    /// Share of the points kept, the closest to the targets.
    #[arg(long, default_value_t = 0.1)]
    pub accept: f64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long)]
    pub out: PathBuf,
    /// Override applied at every point: PATH=VALUE (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    #[command(flatten)]
    pub exec: ExecArgs,
}

#[derive(clap::Args)]
pub struct PlanArgs {
    pub scenario: PathBuf,
    /// The levers file: what the planner controls and what it costs.
    #[arg(long)]
    pub levers: PathBuf,
    /// A target: METRIC<=VALUE or METRIC>=VALUE (repeatable; the first is the
    /// protection objective of the front).
    #[arg(long = "target", value_name = "METRIC<=VALUE", required = true)]
    pub targets: Vec<String>,
    /// Share of plausible worlds in which every target must hold.
    #[arg(long, default_value_t = 0.9)]
    pub confidence: f64,
    /// Plausible worlds drawn from the scenario's declared uncertainty
    /// (without it: the scenario as it stands, one world).
    #[arg(long, value_name = "K")]
    pub uncertain: Option<u64>,
    /// Distinct candidates the search may evaluate.
    #[arg(long, default_value_t = 60)]
    pub budget_evals: usize,
    /// Replications per world for each candidate of the search.
    #[arg(long, default_value_t = 20)]
    pub runs: u64,
    /// Fresh replications per world to confirm each of the cheapest candidates.
    #[arg(long, default_value_t = 40)]
    pub confirm_runs: u64,
    /// How many of the cheapest candidates meeting the targets are confirmed at
    /// a time, cheapest first, until one holds on fresh replications.
    #[arg(long, default_value_t = 5)]
    pub confirm: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long)]
    pub out: PathBuf,
    /// Override applied to every candidate: PATH=VALUE (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Finish an interrupted plan in the same directory.
    #[arg(long)]
    pub resume: bool,
    /// Run as shard I of N (1-based) of one plan whose --out is on a shared
    /// filesystem: every shard follows the search and evaluates its share of
    /// each batch; shard 1 writes the plan (see `pocsim cluster slurm-plan`).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Replace another experiment's results in the output directory.
    #[arg(long)]
    pub force: bool,
    /// No progress messages.
    #[arg(long)]
    pub quiet: bool,
    /// Do not draw the charts in OUT/plots.
    #[arg(long)]
    pub no_plots: bool,
    /// Worker threads (default: all cores, or RAYON_NUM_THREADS).
    #[arg(long)]
    pub threads: Option<usize>,
}

#[derive(clap::Args)]
pub struct DiscoverArgs {
    /// A finished `compare --uncertain` directory.
    pub dir: PathBuf,
    #[arg(long)]
    pub variant: String,
    #[arg(long)]
    pub metric: String,
    /// Worlds where the variant's paired effect is above this are of interest.
    #[arg(long)]
    pub above: f64,
    /// Where boxes.csv goes (default DIR/discover).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Share of the remaining worlds peeled at each step.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Smallest share of the worlds a box may hold.
    #[arg(long, default_value_t = 0.05)]
    pub min_mass: f64,
    /// The reported box is the densest with at least this coverage.
    #[arg(long, default_value_t = 0.5)]
    pub min_coverage: f64,
    /// Replace an earlier discovery in OUT.
    #[arg(long)]
    pub force: bool,
    /// No progress messages (PRIM prints none; accepted like every command's).
    #[arg(long)]
    pub quiet: bool,
    /// Do not draw the chart in OUT/plots.
    #[arg(long)]
    pub no_plots: bool,
}

#[derive(clap::Args)]
pub struct MergeArgs {
    pub out: PathBuf,
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Replace another experiment's results in OUT.
    #[arg(long)]
    pub force: bool,
    /// Metrics for the summary (comma-separated; default all).
    #[arg(long, value_delimiter = ',')]
    pub metrics: Vec<String>,
}

#[derive(clap::Args)]
pub struct ExerciseArgs {
    /// The scenario (one with `[[injects]]` gives the trainees messages).
    pub scenario: PathBuf,
    /// The team's name (in the log and the review).
    #[arg(long, default_value = "")]
    pub team: String,
    /// Teams on the same seed face the same luck.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Save the session's log here after every decision (what was shown, what was chosen, the outcome).
    #[arg(long)]
    pub log: Option<PathBuf>,
    /// Replay the decisions of a log or hand-written decisions file instead of asking.
    #[arg(long)]
    pub decisions: Option<PathBuf>,
    /// Line-by-line mode, for a terminal that cannot do full screen or for a
    /// projector (also used when input or output is not a terminal).
    #[arg(long)]
    pub plain: bool,
    /// Full screen: simulated hours per second of wall time while the clock runs.
    #[arg(long, default_value_t = 0.5)]
    pub speed: f64,
    /// Replace an existing log.
    #[arg(long)]
    pub force: bool,
    /// An events list (CSV, see `pocsim msel export`) that replaces the scenario's injects.
    #[arg(long)]
    pub msel: Option<PathBuf>,
    /// Change a scenario value for this session (kept in the log, re-applied by review).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

#[derive(Subcommand)]
pub enum MselCommand {
    /// Write a scenario's events list as CSV (order, time, from, to, title, description, expected_actions, kind, site, incident, escort).
    #[command(
        after_help = "Example:\n  pocsim msel export scenarios/exercise-half-day-course.toml --out msel.csv\n  pocsim classroom scenarios/exercise-half-day-course.toml --msel msel.csv --teams alpha,bravo --dir out/class"
    )]
    Export(MselExportArgs),
    /// Check an events list against its scenario: every problem at once, with its line and column.
    #[command(
        after_help = "Example:\n  pocsim msel check scenarios/exercise-half-day-course.toml msel.csv"
    )]
    Check(MselCheckArgs),
}

#[derive(clap::Args)]
pub struct MselExportArgs {
    pub scenario: PathBuf,
    /// The CSV file to write.
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
}

#[derive(clap::Args)]
pub struct MselCheckArgs {
    pub scenario: PathBuf,
    pub msel: PathBuf,
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

#[derive(clap::Args)]
pub struct ClassroomArgs {
    /// The scenario (its `[[injects]]` are the events list, unless --msel replaces them).
    pub scenario: PathBuf,
    /// The syndicates, comma-separated (letters, digits, - or _).
    #[arg(long, value_delimiter = ',', required = true)]
    pub teams: Vec<String>,
    /// Every syndicate plays this seed: the same luck, different decisions.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where the class is saved (class.json, a log per syndicate, the debrief); an existing class there is resumed.
    #[arg(long)]
    pub dir: PathBuf,
    /// Address to listen on; 0.0.0.0:PORT opens it to the classroom's network (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// An events list (CSV, see `pocsim msel export`) that replaces the scenario's injects.
    #[arg(long)]
    pub msel: Option<PathBuf>,
    /// Simulated hours per second of wall time while a clock runs.
    #[arg(long, default_value_t = 0.25)]
    pub speed: f64,
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

#[derive(clap::Args)]
pub struct ReviewArgs {
    /// The exercise log; several logs (a class's syndicates) give the class debrief.
    #[arg(required = true)]
    pub logs: Vec<PathBuf>,
    /// Doctrine replications to place the team's draw among.
    #[arg(long, default_value_t = 500)]
    pub runs: u64,
    /// Output directory (review.html, review.md).
    #[arg(long)]
    pub out: PathBuf,
    /// The scenario file, if not where the log says.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    #[arg(long)]
    pub force: bool,
}

#[derive(clap::Args)]
pub struct ReportArgs {
    /// The experiment's output directory.
    pub dir: PathBuf,
}

#[derive(clap::Args)]
pub struct ValidationReportArgs {
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Replications per scenario.
    #[arg(long, default_value_t = 200)]
    pub runs: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write here (atomically) instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct ValidateArgs {
    pub scenario: PathBuf,
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}
