//! What each subcommand of the `pocsim` binary does: one function per
//! subcommand, called by `main` with its parsed flags.

use crate::cli::*;
use pocsim::engine::RunOptions;
use pocsim::experiment::spec::{self, ExperimentSpec, Kind};
use pocsim::experiment::{self, ExecOptions, Outcome, Shard, merge, text};
use pocsim::outputs::files::{OutputSet, events_csv, summary_json, timeseries_csv};
use pocsim::{Doctrine, Error, Override, Seed, load_scenario};
use std::io::IsTerminal;
use std::io::Write;
use std::path::{Path, PathBuf};

use std::sync::atomic::{AtomicBool, Ordering};

/// `pocsim run`.
pub fn run(a: RunArgs) -> Result<(), Error> {
    let RunArgs {
        scenario,
        seed,
        replication,
        set,
        out,
        force,
        json,
        plots,
        self_check,
    } = a;
    cmd_run(
        scenario,
        Seed::new(seed, replication),
        &set,
        out,
        force,
        json,
        plots,
        self_check,
    )
}

/// `pocsim compare`.
pub fn compare(a: CompareArgs) -> Result<(), Error> {
    let CompareArgs {
        scenario,
        variants,
        uncertain,
        posterior,
        common,
    } = a;
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

/// `pocsim sweep`.
pub fn sweep(a: SweepArgs) -> Result<(), Error> {
    let SweepArgs {
        scenario,
        grid,
        design,
        common,
    } = a;
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

/// `pocsim experiment`.
pub fn experiment(a: ExperimentFileArgs) -> Result<(), Error> {
    let ExperimentFileArgs {
        file,
        out,
        runs,
        exec,
    } = a;
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

/// `pocsim merge`.
pub fn merge(a: MergeArgs) -> Result<(), Error> {
    let MergeArgs {
        out,
        shards,
        force,
        metrics,
    } = a;
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

/// `pocsim cluster slurm`.
pub fn cluster(c: ClusterCommand) -> Result<(), Error> {
    let (experiment, shards, out, throttle, r) = match c {
        ClusterCommand::Slurm {
            experiment,
            shards,
            out,
            throttle,
            resources,
        } => (experiment, shards, out, throttle, resources),
        ClusterCommand::SlurmPlan {
            shards,
            resources,
            plan,
        } => return slurm_plan(shards, resources, plan),
    };
    let name = experiment
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "pocsim".into());
    let job = pocsim::cluster::SlurmJob {
        pocsim: binary_on_nodes(r.pocsim)?,
        experiment: pocsim::cluster::absolute(&experiment),
        out: pocsim::cluster::absolute(&out),
        shards,
        throttle,
        cpus_per_task: r.cpus,
        time: r.time.clone().unwrap_or_default(),
        mem: r.mem,
        partition: r.partition,
        job_name: format!("pocsim-{name}"),
    };
    let (text, note) = pocsim::cluster::prepare(job, r.time.is_none())?;
    if let Some(n) = note {
        eprintln!("{n}");
    }
    say(&text);
    Ok(())
}

/// The `pocsim` binary as the compute nodes see it.
fn binary_on_nodes(given: Option<PathBuf>) -> Result<PathBuf, Error> {
    match given {
        Some(p) => Ok(pocsim::cluster::absolute(&p)),
        None => std::env::current_exe().map_err(|e| Error::io("pocsim", e)),
    }
}

/// `pocsim cluster slurm-plan`: checks the plan as `plan` would, estimates
/// the wall time, and prints the job script.
fn slurm_plan(shards: u64, r: SlurmResources, plan: Vec<String>) -> Result<(), Error> {
    let SlurmResources {
        cpus,
        time,
        mem,
        partition,
        pocsim,
    } = r;
    use clap::Parser;
    let parsed = crate::cli::Cli::try_parse_from(
        ["pocsim", "plan"]
            .into_iter()
            .map(String::from)
            .chain(plan.iter().cloned()),
    )
    .map_err(|e| {
        let text = e.render().to_string();
        let text = text.trim_start_matches("error: ").trim_end();
        Error::Usage(format!("the plan after `--`: {text}"))
    })?;
    let crate::cli::Command::Plan(a) = parsed.command else {
        unreachable!("parsed as `pocsim plan`")
    };
    if a.shard.is_some() || a.resume {
        return Err(Error::Usage(
            "the plan after `--`: leave out --shard and --resume (every task gets its own)".into(),
        ));
    }
    if shards == 0 {
        return Err(Error::Usage("--shards must be at least 1".into()));
    }
    let spec = plan_spec(&a)?;
    let time = match time {
        Some(t) => t,
        None => {
            let hours = with_threads(a.threads, || {
                pocsim::planner::estimate_shard_hours(&spec, shards, cpus)
            })?;
            let t = pocsim::cluster::slurm_time(hours);
            eprintln!(
                "estimated wall time per shard: {t} (one candidate's evaluation here; give --time to set it)"
            );
            t
        }
    };
    let abs = |p: &Path| pocsim::cluster::absolute(p).display().to_string();
    let mut args = vec![abs(&a.scenario), "--levers".into(), abs(&a.levers)];
    for t in &a.targets {
        args.extend(["--target".into(), t.clone()]);
    }
    args.extend([
        "--confidence".into(),
        a.confidence.to_string(),
        "--budget-evals".into(),
        a.budget_evals.to_string(),
        "--runs".into(),
        a.runs.to_string(),
        "--confirm-runs".into(),
        a.confirm_runs.to_string(),
        "--confirm".into(),
        a.confirm.to_string(),
        "--seed".into(),
        a.seed.to_string(),
    ]);
    if let Some(k) = a.uncertain {
        args.extend(["--uncertain".into(), k.to_string()]);
    }
    for o in &a.set {
        args.extend(["--set".into(), o.clone()]);
    }
    if a.no_plots {
        args.push("--no-plots".into());
    }
    let out = pocsim::cluster::absolute(&a.out);
    let name = a
        .scenario
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "pocsim".into());
    let job = pocsim::cluster::PlanJob {
        pocsim: binary_on_nodes(pocsim)?,
        args,
        out: out.clone(),
        shards,
        cpus_per_task: cpus,
        time,
        mem,
        partition,
        job_name: format!("pocsim-plan-{name}"),
    };
    let text = pocsim::cluster::plan_script(&job)?;
    for d in [out.join("logs"), out.join("shards")] {
        std::fs::create_dir_all(&d).map_err(|e| Error::io(&d, e))?;
    }
    say(&text);
    Ok(())
}

/// `pocsim exercise`.
pub fn exercise(a: ExerciseArgs) -> Result<(), Error> {
    let ExerciseArgs {
        scenario,
        team,
        seed,
        log,
        decisions,
        plain,
        speed,
        force,
        msel,
        set,
    } = a;
    let done = pocsim::exercise::conduct(pocsim::exercise::Setup {
        msel,
        overrides: parse_overrides(&set)?,
        scenario,
        team,
        seed: Seed::new(seed, 0),
        log: log.clone(),
        decisions,
        plain,
        speed,
        force,
    })?;
    say(&done.summary);
    say(&format!(
        "{} decisions taken{}",
        done.log.decisions.len(),
        log.map(|l| format!("; log in {}", l.display()))
            .unwrap_or_default()
    ));
    Ok(())
}

/// `pocsim review`.
pub fn review(a: ReviewArgs) -> Result<(), Error> {
    let ReviewArgs {
        logs,
        runs,
        out,
        scenario,
        force,
    } = a;
    let mut past = Vec::new();
    for log in &logs {
        past.push(pocsim::exercise::read_log(log)?);
    }
    let files: Vec<String> = logs.iter().map(|l| l.display().to_string()).collect();
    // One scenario for the class: the first log's, and every log must match it
    // (the review's replay checks each against the scenario's hash).
    let scenario = scenario.unwrap_or_else(|| PathBuf::from(&past[0].scenario_file));
    let mut loaded = load_scenario(&scenario, &parse_overrides(&past[0].overrides)?)?;
    if !past[0].msel.is_empty() {
        pocsim::exercise::msel::apply(&mut loaded, &past[0].msel);
    }
    let model = experiment::model_of(&scenario, &loaded)?;
    let mut files_out = OutputSet::new(&out);
    if past.len() == 1 {
        let r = pocsim::exercise::review::review(&past[0], &loaded, &model, runs, &files[0])?;
        files_out.add(
            "review.html",
            pocsim::exercise::review::html(&r).into_bytes(),
        );
        files_out.add(
            "review.md",
            pocsim::exercise::review::markdown(&r).into_bytes(),
        );
        files_out.commit(force)?;
        say(&pocsim::exercise::review::markdown(&r));
        say(&format!(
            "wrote {}/review.html and review.md",
            out.display()
        ));
        return Ok(());
    }
    for (log, file) in past.iter().zip(&files).skip(1) {
        if log.overrides != past[0].overrides {
            return Err(Error::input(
                file,
                format!(
                    "this log was played with other --set overrides ({}) than {} ({}): a class debrief compares syndicates of one scenario",
                    log.overrides.join(" "),
                    files[0],
                    past[0].overrides.join(" ")
                ),
            ));
        }
    }
    let d = pocsim::exercise::debrief::class_review(&past, &files, &loaded, &model, runs)?;
    let md = pocsim::exercise::debrief::class_markdown(&d);
    files_out.add(
        "debrief.html",
        pocsim::exercise::debrief::class_html(&d).into_bytes(),
    );
    files_out.add("debrief.md", md.clone().into_bytes());
    files_out.commit(force)?;
    say(&md);
    say(&format!(
        "wrote {}/debrief.html and debrief.md",
        out.display()
    ));
    Ok(())
}

pub fn classroom(a: ClassroomArgs) -> Result<(), Error> {
    pocsim::classroom::serve(pocsim::classroom::Setup {
        overrides: parse_overrides(&a.set)?,
        scenario: a.scenario,
        teams: a.teams,
        seed: a.seed,
        dir: a.dir,
        bind: a.bind,
        msel: a.msel,
        speed: a.speed,
    })
}

pub fn msel(c: MselCommand) -> Result<(), Error> {
    use pocsim::exercise::msel;
    match c {
        MselCommand::Export(a) => {
            let loaded = load_scenario(&a.scenario, &parse_overrides(&a.set)?)?;
            let items: Vec<msel::Item> = msel::items(&loaded.scenario)
                .into_iter()
                .map(|(_, i)| i)
                .collect();
            if a.out.exists() && !a.force {
                return Err(Error::input(
                    &a.out.display().to_string(),
                    "a file is already there; pass --force to replace it".to_string(),
                ));
            }
            pocsim::outputs::files::write_atomic(&a.out, &msel::to_csv(&items))?;
            say(&format!(
                "wrote {} injects to {}",
                items.len(),
                a.out.display()
            ));
            Ok(())
        }
        MselCommand::Check(a) => {
            let loaded = load_scenario(&a.scenario, &parse_overrides(&a.set)?)?;
            let items = msel::read_csv(&a.msel, &loaded.scenario)?;
            for w in msel::warnings(&items, &loaded.scenario, &a.msel.display().to_string()) {
                eprintln!("warning: {w}");
            }
            say(&format!(
                "{}: {} injects, no problems",
                a.msel.display(),
                items.len()
            ));
            Ok(())
        }
    }
}

/// `pocsim sensitivity`.
pub fn sensitivity(a: SensitivityArgs) -> Result<(), Error> {
    let SensitivityArgs {
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
    } = a;
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

/// `pocsim calibrate`.
pub fn calibrate(a: CalibrateArgs) -> Result<(), Error> {
    let CalibrateArgs {
        scenario,
        points,
        runs,
        accept,
        seed,
        out,
        set,
        exec,
    } = a;
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

/// `pocsim plan`.
/// What `pocsim plan`'s arguments ask for.
fn plan_spec(a: &PlanArgs) -> Result<pocsim::planner::Spec, Error> {
    let targets = a
        .targets
        .iter()
        .map(|t| pocsim::planner::Target::parse(t).map_err(Error::Usage))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(pocsim::planner::Spec {
        scenario: a.scenario.clone(),
        levers_file: a.levers.clone(),
        targets,
        confidence: a.confidence,
        uncertain: a.uncertain,
        budget: a.budget_evals,
        runs: a.runs,
        confirm_runs: a.confirm_runs,
        confirm: a.confirm,
        seed: a.seed,
        base: parse_overrides(&a.set)?,
    })
}

pub fn plan(a: PlanArgs) -> Result<(), Error> {
    let spec = plan_spec(&a)?;
    let exec = ExecArgs {
        resume: a.resume,
        force: a.force,
        shard: a.shard,
        quiet: a.quiet,
        no_plots: a.no_plots,
        threads: a.threads,
    };
    let out = a.out;
    let opts = exec_options(&out, &exec)?;
    let shard = opts.shard;
    match with_threads(exec.threads, || pocsim::planner::plan(&spec, &opts))? {
        pocsim::planner::Finished::Interrupted { done } if shard.count > 1 => interrupted(
            done,
            spec.budget as u64,
            "candidates",
            &pocsim::planner::shard_dir(&out, shard.index),
            pocsim::planner::SHARD_ROWS,
        ),
        pocsim::planner::Finished::Interrupted { done } => interrupted(
            done,
            spec.budget as u64,
            "candidates",
            &out,
            pocsim::planner::PLAN_PARTIAL,
        ),
        pocsim::planner::Finished::ShardDone { rows } => {
            say(&format!(
                "shard {shard}: {rows} candidates evaluated, in {}; shard 1 writes the plan in {}",
                pocsim::planner::shard_dir(&out, shard.index).display(),
                out.display()
            ));
            Ok(())
        }
        pocsim::planner::Finished::Complete(plan) => {
            say(&pocsim::planner::report::recommendation(&plan));
            if !exec.no_plots {
                with_threads(exec.threads, || {
                    pocsim::outputs::plot::plan::write_charts(&out, &plan)
                })?;
            }
            say(&format!(
                "wrote {0}/plan.csv, front.csv, levers.csv, recommendation.md{1}",
                out.display(),
                if exec.no_plots {
                    ""
                } else {
                    " and the charts in plots/"
                }
            ));
            Ok(())
        }
    }
}

/// `pocsim discover`.
pub fn discover(a: DiscoverArgs) -> Result<(), Error> {
    let DiscoverArgs {
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
    } = a;
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

/// `pocsim report`.
pub fn report(a: ReportArgs) -> Result<(), Error> {
    let ReportArgs { dir } = a;
    // Charts are of one world's variants; over plausible worlds the
    // report is the robust effects.
    let worlds = pocsim::experiment::read_manifest(&dir)?.is_some_and(|m| {
        m.analysis.is_some()
            || m.kind == pocsim::experiment::RunKind::Plan
            || m.inputs.first().is_some_and(|c| c == "point")
    });
    let charts = if worlds {
        Vec::new()
    } else {
        pocsim::outputs::plot::data::experiment_charts(&dir, None)?
    };
    if !worlds {
        pocsim::outputs::plot::write_all(&dir.join("plots"), &charts)?;
    }
    let html = pocsim::outputs::report::experiment_report(&dir, &charts)?;
    let path = dir.join("report.html");
    pocsim::outputs::files::write_atomic(&path, html.as_bytes())?;
    say(&format!("wrote {}", path.display()));
    Ok(())
}

/// `pocsim validation-report`.
pub fn validation_report(a: ValidationReportArgs) -> Result<(), Error> {
    let ValidationReportArgs {
        scenarios,
        runs,
        seed,
        out,
    } = a;
    if runs == 0 {
        return Err(Error::Usage("--runs must be at least 1".into()));
    }
    let mut reports = Vec::new();
    for p in &scenarios {
        let loaded = load_scenario(p, &[])?;
        reports.push(pocsim::outputs::validation_report::report_scenario(
            &loaded, runs, seed,
        )?);
    }
    let files: Vec<String> = scenarios.iter().map(|p| p.display().to_string()).collect();
    let command = format!(
        "pocsim validation-report {} --runs {runs} --seed {seed}",
        files.join(" ")
    );
    let text = pocsim::outputs::validation_report::render(&reports, runs, seed, &command);
    match out {
        Some(o) => {
            pocsim::outputs::files::write_atomic(&o, text.as_bytes())?;
            say(&format!("wrote {}", o.display()));
        }
        None => say(&text),
    }
    Ok(())
}

/// `pocsim validate`.
pub fn validate(a: ValidateArgs) -> Result<(), Error> {
    let ValidateArgs { scenario, set } = a;
    let loaded = load_scenario(&scenario, &parse_overrides(&set)?)?;
    let m = experiment::model_of(&scenario, &loaded)?;
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

pub(crate) fn parse_overrides(set: &[String]) -> Result<Vec<Override>, Error> {
    set.iter()
        .map(|s| Override::parse(s).map_err(Error::Usage))
        .collect()
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
    let model = experiment::model_of(&scenario, &loaded)?;
    let opts = RunOptions {
        record_site_days: out.is_some(),
        record_events: out.is_some(),
        self_check,
        ..RunOptions::default()
    };
    let result = pocsim::run(&model, seed, &mut Doctrine::default(), opts);
    if let Some(dir) = &out {
        let mut files = OutputSet::new(dir);
        files.add("summary.json", summary_json(&loaded, seed, &result));
        files.add("timeseries.csv", timeseries_csv(&model, &result));
        files.add("events.csv", events_csv(&model, &result));
        files.commit(force)?;
        if plots {
            let charts = pocsim::outputs::plot::data::run_charts(&model, &result)?;
            pocsim::outputs::plot::write_all(&dir.join("plots"), &charts)?;
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
                if !a.no_plots
                    && pocsim::outputs::plot::data::write_worlds_chart(&out, &robust)?.is_some()
                {
                    say(&format!(
                        "chart: {}/plots/worlds.png and .svg",
                        out.display()
                    ));
                }
            } else if plan.kind == Kind::Compare && plan.per_point() > 1 {
                say(&text::render_effects(&stats.effects, &plan.selected));
            } else {
                say(&text::render_summary(&stats, &plan.selected));
            }
            if !a.no_plots && shard == Shard::ALL && plan.points.is_empty() {
                with_threads(a.threads, || draw_plots(&out, &stats))?;
            }
        }
    }
    Ok(())
}

/// Draws every chart of a finished experiment into DIR/plots.
fn draw_plots(dir: &std::path::Path, stats: &experiment::table::Stats) -> Result<(), Error> {
    let charts = pocsim::outputs::plot::data::experiment_charts(dir, Some(stats))?;
    pocsim::outputs::plot::write_all(&dir.join("plots"), &charts)?;
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
