//! Experiments: many replications of several variants of a scenario, in
//! parallel, with common random numbers, resumable and shardable.
//!
//! Replication *r* of every variant uses the streams of `Seed(master, r)`, so
//! variants differ only by what they change. Work items are ordered
//! replication-major (all variants of replication 0, then of 1, ...); they run
//! on all cores and their rows are appended, in order, to `runs.partial.csv`
//! (`append.rs`). The file is therefore always a prefix of the final
//! table: a kill loses at most the rows in flight, `--resume` continues after
//! the last complete row, and the result is byte-identical whatever the thread
//! count. When all rows are in, the file becomes `runs.csv` and the statistics
//! are computed from it.

mod append;
pub mod design_run;
pub mod discover;
pub mod merge;
pub mod spec;
pub mod table;
pub mod text;
pub mod uncertain;

use crate::engine::RunOptions;
use crate::error::Error;
use crate::model::Model;
use crate::outputs::files::write_atomic;
use crate::policy::Doctrine;
use crate::rng::Seed;
use crate::scenario::{ThreatKind, load_scenario, value_at};
pub(crate) use append::append_rows;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use spec::{ExperimentSpec, Kind};
use std::io::Seek;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// A variant ready to run (over plausible worlds: one variant at one point,
/// named `label@point`).
pub struct PlannedVariant {
    pub name: String,
    /// The variant's own name (the `variant` column of `runs.csv`).
    pub label: String,
    /// The point of the uncertain inputs it runs at, if any.
    pub point: Option<usize>,
    pub overrides: Vec<String>,
    /// SHA-256 of the scenario as this variant simulates it.
    pub hash: String,
    /// Which of the plan's variants this is (its own overrides).
    own: usize,
    /// The model, built at planning; over plausible worlds `None`: each
    /// point's models are built when its runs come, so that memory stays
    /// flat in the number of points.
    pub model: Option<Model>,
    /// Value of every varied input in this variant (TOML text).
    pub inputs: Vec<String>,
}

/// An experiment with every variant loaded and validated.
pub struct Plan {
    pub kind: Kind,
    pub scenario_file: String,
    pub runs: u64,
    pub seed: u64,
    pub variants: Vec<PlannedVariant>,
    /// Override paths varied across variants (the input columns).
    pub inputs: Vec<String>,
    pub kinds: Vec<ThreatKind>,
    pub metrics: Vec<String>,
    /// Metrics chosen for summaries (empty = all).
    pub selected: Vec<String>,
    /// Identity of the experiment (everything but the shard).
    pub key: String,
    /// Over plausible worlds: the uncertain inputs' paths and, per point,
    /// their drawn values (empty otherwise).
    pub uncertain_paths: Vec<String>,
    pub points: Vec<Vec<String>>,
    /// The scenario text after the overrides common to every variant.
    pub base_source: String,
    pub scenario_name: String,
    /// SHA-256 of the scenario after the common overrides.
    pub base_hash: String,
    /// The scenario file, the overrides common to every variant, and each
    /// variant's own.
    scenario_path: PathBuf,
    common: Vec<crate::scenario::Override>,
    named: Vec<(String, Vec<crate::scenario::Override>)>,
}

impl Plan {
    /// The models of variants `vs` (all at one point, or all of a single
    /// world): each reads its rates against the tension of the baseline at
    /// its point, calibrated once. Planned models are reused.
    pub fn models(&self, vs: std::ops::Range<usize>) -> Result<Vec<Model>, Error> {
        if self.variants[vs.clone()].iter().all(|v| v.model.is_some()) {
            return Ok(self.variants[vs]
                .iter()
                .map(|v| v.model.clone().expect("planned"))
                .collect());
        }
        let point_ovs: Vec<crate::scenario::Override> = match self.variants[vs.start].point {
            Some(p) => point_overrides(&self.uncertain_paths, &self.points[p])?,
            None => Vec::new(),
        };
        let at: Vec<_> = self.common.iter().chain(&point_ovs).cloned().collect();
        let base = Model::build(&load_scenario(&self.scenario_path, &at)?.scenario).calibrated();
        self.variants[vs]
            .iter()
            .map(|v| {
                let all: Vec<_> = at.iter().chain(&self.named[v.own].1).cloned().collect();
                let mut m = Model::build(&load_scenario(&self.scenario_path, &all)?.scenario);
                m.reuse_calibration(&base);
                Ok(m)
            })
            .collect()
    }

    /// The variants run at each point (1 without plausible worlds).
    pub fn per_point(&self) -> usize {
        self.variants.len() / self.points.len().max(1)
    }
}

/// The overrides that set the uncertain inputs to a point's values.
fn point_overrides(
    paths: &[String],
    values: &[String],
) -> Result<Vec<crate::scenario::Override>, Error> {
    paths
        .iter()
        .zip(values)
        .map(|(path, v)| {
            crate::scenario::Override::parse(&format!("{path}={v}")).map_err(Error::Usage)
        })
        .collect()
}

/// The order of the work items (replication, variant) of a shard: all the
/// variants of replication 0, then of 1, ...; over plausible worlds point by
/// point (each point's replications, each with its variants), so that one
/// point's models serve a run of consecutive items.
pub fn work_order(plan: &Plan, shard: Shard) -> Vec<(u64, usize)> {
    work_items(plan.runs, plan.variants.len(), plan.points.len(), shard)
}

/// [`work_order`] from the counts alone: `runs` replications of `variants`
/// (the variants of `points` points, point by point; 0 without worlds).
pub fn work_items(runs: u64, variants: usize, points: usize, shard: Shard) -> Vec<(u64, usize)> {
    let reps: Vec<u64> = (0..runs).filter(|r| shard.contains(*r)).collect();
    let points = points.max(1);
    let per = variants / points;
    let mut out = Vec::with_capacity(reps.len() * variants);
    for p in 0..points {
        for &r in &reps {
            out.extend((0..per).map(|v| (r, p * per + v)));
        }
    }
    out
}

/// Loads and validates every variant before anything runs or is written.
pub fn plan(spec: &ExperimentSpec) -> Result<Plan, Error> {
    if spec.runs == 0 {
        return Err(Error::Usage("--runs must be at least 1".into()));
    }
    let mut named: Vec<(String, Vec<crate::scenario::Override>)> = Vec::new();
    if spec.kind == Kind::Compare {
        named.push(("baseline".into(), Vec::new()));
    }
    for v in &spec.variants {
        if named.iter().any(|(n, _)| *n == v.name) {
            return Err(Error::Usage(format!(
                "variant name `{}` is used twice",
                v.name
            )));
        }
        named.push((v.name.clone(), v.overrides.clone()));
    }
    if named.is_empty() || (spec.kind == Kind::Sweep && spec.variants.is_empty()) {
        return Err(Error::Usage(
            "nothing to run: no variants or grid points".into(),
        ));
    }
    let mut inputs: Vec<String> = Vec::new();
    for (_, ovs) in named.iter() {
        for o in ovs {
            if !inputs.contains(&o.path) {
                inputs.push(o.path.clone());
            }
        }
    }
    let base = load_scenario(&spec.scenario, &spec.base)?;
    // Over plausible worlds: the points, from the master seed.
    let (uncertain_paths, points) = match (spec.uncertain, &spec.posterior) {
        (Some(_), Some(_)) => {
            return Err(Error::Usage(
                "--uncertain and --posterior both choose the worlds: give one".into(),
            ));
        }
        (None, Some(path)) => {
            if spec.kind != Kind::Compare {
                return Err(Error::Usage(
                    "--posterior runs the variants of a compare over a posterior's worlds".into(),
                ));
            }
            let (paths, pts) = crate::calibration::read_posterior(path)?;
            crate::calibration::check_posterior_fits(path, &paths, &base)?;
            (paths, pts)
        }
        (None, None) => (Vec::new(), Vec::new()),
        (Some(0), None) => return Err(Error::Usage("--uncertain must be at least 1".into())),
        (Some(k), None) => {
            if spec.kind != Kind::Compare {
                return Err(Error::Usage(
                    "--uncertain runs the variants of a compare over plausible worlds".into(),
                ));
            }
            let mut ui = uncertain::Inputs::of(&base);
            ui.merge(&spec.uncertainty, &base.source);
            let at_file = spec.uncertainty_file.clone().unwrap_or_default();
            for (what, ovs) in ui.probes(&spec.uncertainty) {
                if value_at(&base.source, &ovs[0].path).is_none() {
                    return Err(Error::input(
                        &at_file,
                        format!(
                            "uncertainty: `{}` is not a value of the scenario (expected a path that --set accepts)",
                            ovs[0].path
                        ),
                    ));
                }
                let all: Vec<_> = spec.base.iter().chain(&ovs).cloned().collect();
                if let Err(e) = load_scenario(&spec.scenario, &all) {
                    return Err(Error::input(
                        &at_file,
                        format!("uncertainty: drawing {what} makes the scenario invalid ({e})"),
                    ));
                }
            }
            if ui.decls.is_empty() {
                return Err(Error::input(
                    &base.file,
                    "declares no [[uncertainty]]: nothing to draw plausible worlds from",
                ));
            }
            let cube = uncertain::latin_hypercube(k as usize, ui.decls.len(), spec.seed);
            let pts: Vec<Vec<String>> = cube.iter().map(|u| ui.values(u)).collect();
            (ui.paths(), pts)
        }
    };
    let base_source = base.source;
    let base_hash = base.hash;
    let scenario_name = base.scenario.scenario.name.clone();
    let at_points: Vec<Option<usize>> = if points.is_empty() {
        vec![None]
    } else {
        (0..points.len()).map(Some).collect()
    };
    if !points.is_empty() {
        // Input columns: the point, the drawn values, then what variants vary.
        let mut cols = vec!["point".to_string()];
        cols.extend(uncertain_paths.iter().cloned());
        cols.extend(
            inputs
                .iter()
                .filter(|p| !uncertain_paths.contains(p))
                .cloned(),
        );
        inputs = cols;
    }
    // Every variant at every point loads and validates now; over plausible
    // worlds the models are built when their runs come.
    let worlds = !points.is_empty();
    let at_point = |point: Option<usize>| -> Result<Vec<PlannedVariant>, Error> {
        let point_ovs = match point {
            Some(p) => point_overrides(&uncertain_paths, &points[p])?,
            None => Vec::new(),
        };
        let at: Vec<_> = spec.base.iter().chain(&point_ovs).cloned().collect();
        // The baseline's calibration and every variant's file, read and
        // checked, at once.
        let (base_model, loaded) = rayon::join(
            || -> Result<Option<Model>, Error> {
                Ok(if worlds {
                    None
                } else {
                    Some(Model::build(&load_scenario(&spec.scenario, &at)?.scenario).calibrated())
                })
            },
            || {
                named
                    .par_iter()
                    .map(|(name, ovs)| {
                        let all: Vec<_> = at.iter().chain(ovs).cloned().collect();
                        load_scenario(&spec.scenario, &all).map_err(|e| match e {
                            Error::Usage(m) => Error::Usage(format!("variant `{name}`: {m}")),
                            other => other,
                        })
                    })
                    .collect::<Result<Vec<_>, Error>>()
            },
        );
        let (base_model, loaded) = (base_model?, loaded?);
        let mut out = Vec::new();
        for (own, ((name, ovs), loaded)) in named.iter().zip(loaded).enumerate() {
            let model = base_model.as_ref().map(|b| {
                let mut m = Model::build(&loaded.scenario);
                m.reuse_calibration(b);
                m
            });
            let vals = inputs
                .iter()
                .map(|p| match point {
                    Some(k) if p == "point" => k.to_string(),
                    _ => value_at(&loaded.source, p).unwrap_or_default(),
                })
                .collect();
            out.push(PlannedVariant {
                name: match point {
                    Some(k) => format!("{name}@{k}"),
                    None => name.clone(),
                },
                label: name.clone(),
                point,
                overrides: point_ovs
                    .iter()
                    .chain(ovs)
                    .map(|o| format!("{}={}", o.path, o.value_text))
                    .collect(),
                hash: loaded.hash,
                own,
                model,
                inputs: vals,
            });
        }
        Ok(out)
    };
    let variants: Vec<PlannedVariant> = at_points
        .par_iter()
        .map(|&p| at_point(p))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    // Threat kinds and sites: those of the scenario's models (at the file's
    // values of the uncertain inputs; without plausible worlds, the models
    // just built).
    let file_models: Vec<Model> = if worlds {
        named
            .par_iter()
            .map(|(_, ovs)| {
                let all: Vec<_> = spec.base.iter().chain(ovs).cloned().collect();
                load_scenario(&spec.scenario, &all).map(|l| Model::build(&l.scenario))
            })
            .collect::<Result<_, _>>()?
    } else {
        variants
            .iter()
            .map(|v| v.model.clone().expect("built without plausible worlds"))
            .collect()
    };
    let base_model = &file_models[0];
    let kinds: Vec<ThreatKind> = ThreatKind::ALL
        .into_iter()
        .filter(|k| file_models.iter().any(|m| m.kinds[k.index()].is_some()))
        .collect();
    // Per-site columns for the sites of the experiment's scenario.
    let sites: Vec<String> = base_model
        .world
        .sites
        .iter()
        .map(|x| x.id.clone())
        .collect();
    let metrics = table::metric_names(&kinds, &sites);
    for m in &spec.metrics {
        if !metrics.contains(m) {
            return Err(Error::Usage(format!(
                "unknown metric `{m}` (metrics: {}, ...)",
                metrics
                    .iter()
                    .take(6)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let mut h = Sha256::new();
    h.update(format!(
        "pocsim {}\n{}\nseed {}\nruns {}\n",
        crate::VERSION,
        spec.kind.name(),
        spec.seed,
        spec.runs
    ));
    for v in &variants {
        h.update(format!(
            "{}\n{}\n{}\n",
            v.name,
            v.overrides.join(";"),
            v.hash
        ));
    }
    h.update(table::header(&inputs, &metrics));
    let key: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(Plan {
        kind: spec.kind,
        scenario_file: spec.scenario.display().to_string(),
        runs: spec.runs,
        seed: spec.seed,
        variants,
        inputs,
        kinds,
        metrics,
        selected: spec.metrics.clone(),
        key,
        base_source,
        uncertain_paths,
        points,
        scenario_name,
        base_hash,
        scenario_path: spec.scenario.clone(),
        common: spec.base.clone(),
        named,
    })
}

/// A share of the replications: those with `r % count == index - 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    pub const ALL: Shard = Shard { index: 1, count: 1 };

    /// Parses `I/N` with 1 <= I <= N.
    pub fn parse(s: &str) -> Result<Shard, Error> {
        let bad = || {
            Error::Usage(format!(
                "shard `{s}` must be I/N with 1 <= I <= N (e.g. 2/4)"
            ))
        };
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    pub fn contains(&self, r: u64) -> bool {
        r % self.count == self.index - 1
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What a results directory holds: an experiment (`compare`, `sweep`) or a
/// design's analysis (`sensitivity`, `calibrate`); `kind` in the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunKind {
    Compare,
    Sweep,
    Sensitivity,
    Calibrate,
    Plan,
}

impl RunKind {
    pub fn name(self) -> &'static str {
        match self {
            RunKind::Compare => "compare",
            RunKind::Sweep => "sweep",
            RunKind::Sensitivity => "sensitivity",
            RunKind::Calibrate => "calibrate",
            RunKind::Plan => "plan",
        }
    }
}

impl From<Kind> for RunKind {
    fn from(k: Kind) -> RunKind {
        match k {
            Kind::Compare => RunKind::Compare,
            Kind::Sweep => RunKind::Sweep,
        }
    }
}

impl std::fmt::Display for RunKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `manifest.json`: enough to reproduce and to merge.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub pocsim_version: String,
    pub experiment_key: String,
    pub kind: RunKind,
    pub scenario_file: String,
    pub scenario_name: String,
    pub scenario_hash: String,
    pub variants: Vec<ManifestVariant>,
    pub inputs: Vec<String>,
    pub seed: u64,
    pub runs: u64,
    pub shard: Shard,
    pub rows: u64,
    pub threads: usize,
    pub started: String,
    pub finished: Option<String>,
    pub status: String,
    pub command: String,
    /// A design's analysis (`sensitivity`, `calibrate`): what the points are
    /// and how they are analysed, so that `merge` can finish it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<design_run::Analysis>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ManifestVariant {
    pub name: String,
    pub overrides: Vec<String>,
    pub scenario_hash: String,
}

/// How to execute a plan.
pub struct ExecOptions<'a> {
    pub out: PathBuf,
    pub shard: Shard,
    pub resume: bool,
    pub force: bool,
    pub progress: bool,
    pub stop: &'a AtomicBool,
    /// The command line, recorded in the manifest.
    pub command: String,
}

/// How an execution ended.
#[derive(Debug)]
pub enum Outcome {
    /// Statistics, and over plausible worlds the robust effects.
    Complete(table::Stats, Vec<uncertain::Robust>),
    Interrupted {
        done: u64,
        total: u64,
    },
}

pub const RUNS: &str = "runs.csv";
pub const PARTIAL: &str = "runs.partial.csv";
pub const SUMMARY: &str = "summary.csv";
pub const EFFECTS: &str = "effects.csv";
/// Per-site outcomes of every run, one row per variant, replication and site.
pub const SITES: &str = "sites.csv";
/// The drawn values of the uncertain inputs at each point (`--uncertain`).
pub const POINTS: &str = "points.csv";
pub const MANIFEST: &str = "manifest.json";
/// The scenario as simulated (after `--set`), so that charts can re-run it.
pub const SCENARIO: &str = "scenario.toml";
const OWN: [&str; 8] = [
    RUNS, PARTIAL, SUMMARY, EFFECTS, SITES, POINTS, MANIFEST, SCENARIO,
];

fn manifest(
    plan: &Plan,
    shard: Shard,
    rows: u64,
    started: &str,
    status: &str,
    command: &str,
) -> Manifest {
    Manifest {
        pocsim_version: crate::VERSION.into(),
        experiment_key: plan.key.clone(),
        kind: plan.kind.into(),
        scenario_file: plan.scenario_file.clone(),
        scenario_name: plan.scenario_name.clone(),
        scenario_hash: plan.base_hash.clone(),
        variants: plan
            .variants
            .iter()
            .map(|v| ManifestVariant {
                name: v.name.clone(),
                overrides: v.overrides.clone(),
                scenario_hash: v.hash.clone(),
            })
            .collect(),
        inputs: plan.inputs.clone(),
        seed: plan.seed,
        runs: plan.runs,
        shard,
        rows,
        threads: rayon::current_num_threads(),
        started: started.into(),
        finished: None,
        status: status.into(),
        command: command.into(),
        analysis: None,
    }
}

pub fn write_manifest(dir: &Path, m: &Manifest) -> Result<(), Error> {
    let mut v = serde_json::to_vec_pretty(m).expect("manifest serialises");
    v.push(b'\n');
    write_atomic(&dir.join(MANIFEST), &v)
}

pub fn read_manifest(dir: &Path) -> Result<Option<Manifest>, Error> {
    let p = dir.join(MANIFEST);
    match std::fs::read(&p) {
        Ok(b) => {
            let m: Manifest = serde_json::from_slice(&b).map_err(|e| {
                Error::input(
                    &p.display().to_string(),
                    format!("not a pocsim manifest: {e}"),
                )
            })?;
            let Shard { index, count } = m.shard;
            if !(1..=count).contains(&index) {
                return Err(Error::input(
                    &p.display().to_string(),
                    format!("shard: expected I/N with 1 <= I <= N, found {index}/{count}"),
                ));
            }
            Ok(Some(m))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(&p, e)),
    }
}

/// Decides whether `o.out` may receive the experiment identified by `key`,
/// clearing the files it `own`s if forced. `partial` is the file an
/// interrupted run leaves.
pub(crate) fn prepare_dir(
    key: &str,
    own: &[&str],
    partial: &str,
    o: &ExecOptions,
) -> Result<(), Error> {
    let dir = &o.out;
    let exists = dir.exists();
    if exists && !dir.is_dir() {
        return Err(Error::Usage(format!(
            "{} exists and is not a directory",
            dir.display()
        )));
    }
    let clear = || -> Result<(), Error> {
        for f in own {
            let p = dir.join(f);
            if p.exists() {
                std::fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
            }
        }
        Ok(())
    };
    if exists {
        match read_manifest(dir) {
            Ok(Some(m)) if m.experiment_key == key && m.shard == o.shard => {
                if o.force && !o.resume {
                    clear()?;
                } else if dir.join(partial).exists() && !o.resume {
                    return Err(Error::Usage(format!(
                        "{} holds an interrupted run of this experiment: add --resume to finish it, or --force to start again",
                        dir.display()
                    )));
                }
            }
            Ok(Some(m)) => {
                if !o.force {
                    return Err(Error::Usage(format!(
                        "{} already holds a different experiment ({} of {}, {} runs, seed {}, shard {}); choose another --out or pass --force to replace it",
                        dir.display(),
                        m.kind,
                        m.scenario_file,
                        m.runs,
                        m.seed,
                        m.shard
                    )));
                }
                clear()?;
            }
            Ok(None) | Err(_) => {
                // A run killed while writing its first manifest leaves only
                // the half-written file (`.NAME.tmp-PID`): that directory is
                // as good as empty.
                let mut nonempty = false;
                for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
                    let entry = entry.map_err(|e| Error::io(dir, e))?;
                    let name = entry.file_name().to_string_lossy().into_owned();
                    if name.starts_with('.') && name.contains(".tmp-") {
                        let _ = std::fs::remove_file(entry.path());
                    } else {
                        nonempty = true;
                    }
                }
                if nonempty && !o.force {
                    return Err(Error::Usage(format!(
                        "{} is not empty and holds no pocsim experiment; choose another --out or pass --force",
                        dir.display()
                    )));
                }
                clear()?;
            }
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    Ok(())
}

/// Runs (or resumes) a plan into `opts.out`.
pub fn execute(plan: &Plan, opts: &ExecOptions) -> Result<Outcome, Error> {
    prepare_dir(&plan.key, &OWN, PARTIAL, opts)?;
    let dir = &opts.out;
    let started = now_utc();
    write_manifest(
        dir,
        &manifest(plan, opts.shard, 0, &started, "running", &opts.command),
    )?;
    write_atomic(&dir.join(SCENARIO), plan.base_source.as_bytes())?;

    let work = work_order(plan, opts.shard);
    let total = work.len() as u64;
    let header = table::header(&plan.inputs, &plan.metrics);
    let partial = dir.join(PARTIAL);
    let finished_file = dir.join(RUNS);

    let done = if opts.resume && !partial.exists() && finished_file.exists() {
        // Already complete: only the statistics are rebuilt.
        verify_prefix(plan, &finished_file, &header, &work)?.0
    } else {
        let prefix = if opts.resume && partial.exists() {
            Some(verify_prefix(plan, &partial, &header, &work)?)
        } else {
            None
        };
        let done = prefix.map_or(0, |(n, _)| n);
        let mut file = open_partial(&partial, &header, prefix.map(|(_, len)| len))?;
        // Runs of a batch of points (or the single world) at a time, with
        // their models built for the batch and dropped after it.
        let per_point_items = work.len() / plan.points.len().max(1);
        let batch_points = if plan.points.is_empty() {
            1
        } else {
            (rayon::current_num_threads() * 4)
                .max(1)
                .min(plan.points.len())
        };
        let per = plan.per_point();
        let mut done = done as usize;
        let mut complete = true;
        while done < work.len() && complete {
            let first_point = done / per_point_items.max(1);
            let points_here =
                first_point..(first_point + batch_points).min(plan.points.len().max(1));
            let end = points_here.end * per_point_items;
            let models: Vec<Vec<Model>> = points_here
                .clone()
                .into_par_iter()
                .map(|p| plan.models(p * per..(p + 1) * per))
                .collect::<Result<_, _>>()?;
            let model = |v: usize| &models[v / per - points_here.start][v % per];
            let (d, c) = append_rows(
                &mut file,
                &partial,
                done..end,
                work.len(),
                "runs",
                opts,
                |i| {
                    let (r, v) = work[i];
                    let pv = &plan.variants[v];
                    let res = crate::engine::run(
                        model(v),
                        Seed::new(plan.seed, r),
                        &mut Doctrine::default(),
                        RunOptions::default(),
                    );
                    Ok(table::row(
                        &pv.label,
                        r,
                        plan.seed,
                        &pv.inputs,
                        &table::metric_values(&res.summary, &plan.kinds, &site_totals(&res, plan)),
                    ))
                },
            )?;
            done = d;
            complete = c;
        }
        let done = done as u64;
        if !complete {
            let mut m = manifest(
                plan,
                opts.shard,
                done,
                &started,
                "interrupted",
                &opts.command,
            );
            m.finished = Some(now_utc());
            write_manifest(dir, &m)?;
            return Ok(Outcome::Interrupted { done, total });
        }
        drop(file);
        std::fs::rename(&partial, &finished_file).map_err(|e| Error::io(&finished_file, e))?;
        done
    };

    let names: Vec<String> = plan.variants.iter().map(|v| v.name.clone()).collect();
    let compare = plan.kind == Kind::Compare;
    let worlds = !plan.points.is_empty();
    // Over plausible worlds the summary pools each variant's runs over the
    // worlds (the effects are per world, below).
    let labels = variant_labels(plan);
    // The per-site table and the statistics read the same file: both at once.
    let (sites, stats) = rayon::join(
        || table::sites_csv(&finished_file, plan.inputs.len()),
        || {
            table::compute(
                &finished_file,
                if worlds { &labels } else { &names },
                plan.inputs.len(),
                &plan.selected,
                compare && !worlds,
            )
        },
    );
    write_atomic(&dir.join(SITES), sites?.as_bytes())?;
    let stats = stats?;
    write_atomic(&dir.join(SUMMARY), table::summary_csv(&stats).as_bytes())?;
    let robust = if worlds {
        write_atomic(
            &dir.join(POINTS),
            uncertain::points_csv(&plan.uncertain_paths, &plan.points).as_bytes(),
        )?;
        let r = uncertain::robust_from_runs(
            &finished_file,
            &names,
            &labels,
            plan.points.len(),
            plan.inputs.len(),
            &plan.selected,
        )?;
        write_atomic(&dir.join(EFFECTS), uncertain::effects_csv(&r).as_bytes())?;
        r
    } else {
        if compare {
            write_atomic(
                &dir.join(EFFECTS),
                table::effects_csv(&stats.effects).as_bytes(),
            )?;
        }
        Vec::new()
    };
    let mut m = manifest(plan, opts.shard, done, &started, "complete", &opts.command);
    m.finished = Some(now_utc());
    write_manifest(dir, &m)?;
    Ok(Outcome::Complete(stats, robust))
}

/// Opens a partial table for appending: cut to the `keep` bytes of its
/// complete rows when resuming, else started afresh with its header.
pub(crate) fn open_partial(
    partial: &Path,
    header: &str,
    keep: Option<u64>,
) -> Result<std::fs::File, Error> {
    match keep {
        Some(len) => std::fs::OpenOptions::new()
            .write(true)
            .open(partial)
            .and_then(|f| f.set_len(len))
            .map_err(|e| Error::io(partial, e))?,
        None => write_atomic(partial, header.as_bytes())?,
    }
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(partial)
        .map_err(|e| Error::io(partial, e))?;
    file.seek(std::io::SeekFrom::End(0))
        .map_err(|e| Error::io(partial, e))?;
    Ok(file)
}

/// The variants' own names, in order (without the points).
pub fn variant_labels(plan: &Plan) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in &plan.variants {
        if !out.contains(&v.label) {
            out.push(v.label.clone());
        }
    }
    out
}

/// Checks that a runs file is a prefix of the work list; returns the number of
/// complete rows and the byte length they take (a torn last line is dropped).
fn verify_prefix(
    plan: &Plan,
    path: &Path,
    header: &str,
    work: &[(u64, usize)],
) -> Result<(u64, u64), Error> {
    let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = String::from_utf8_lossy(&text);
    let file = path.display().to_string();
    if !text.starts_with(header) {
        return Err(Error::input(
            &file,
            "its header does not match this experiment; use another --out or --force",
        ));
    }
    let mut len = header.len();
    let mut n = 0usize;
    for line in text[header.len()..].split_inclusive('\n') {
        let Some(row) = table::parse_row(line, plan.inputs.len(), plan.metrics.len()) else {
            break; // a torn or corrupt last line: it will be run again
        };
        let Some(&(r, v)) = work.get(n) else {
            return Err(Error::input(
                &file,
                "it holds more rows than this experiment has",
            ));
        };
        let pv = &plan.variants[v];
        let point_ok = pv
            .point
            .is_none_or(|p| row.point.as_deref() == Some(&p.to_string()));
        if row.replication != r || row.variant != pv.label || !point_ok {
            return Err(Error::input(
                &file,
                format!(
                    "row {} is not the expected run (variant {}, replication {r})",
                    n + 2,
                    plan.variants[v].name
                ),
            ));
        }
        len += line.len();
        n += 1;
    }
    Ok((n as u64, len as u64))
}

/// The current time as ISO 8601 UTC (for manifests only).
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86400, secs % 86400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// A run's per-site totals, as many as the experiment has per-site columns
/// (a variant whose world differs gets zeros).
fn site_totals(res: &crate::metrics::RunResult, plan: &Plan) -> Vec<crate::metrics::SiteTotals> {
    let n = plan
        .metrics
        .iter()
        .filter(|m| m.starts_with("site."))
        .count()
        / crate::metrics::registry::SITE_METRICS.len();
    let mut v = res.sites.clone();
    v.resize(n, Default::default());
    v
}

/// A scenario file run with overrides, compiled: its rates read against the
/// tension calibrated on the file as it stands (so that an override changes
/// what it names and nothing else).
pub fn model_of(path: &Path, loaded: &crate::LoadedScenario) -> Result<Model, Error> {
    let base = load_scenario(path, &[])?;
    Ok(crate::engine::variant_model(
        &base.scenario,
        &loaded.scenario,
    ))
}
