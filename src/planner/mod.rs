//! `pocsim plan`: the cheapest deployment that meets protection targets in
//! most plausible worlds.
//!
//! The levers (`levers`) span the deployments a planner may choose; each
//! candidate is simulated in K plausible worlds (the scenario's declared
//! uncertainty, drawn as for `compare --uncertain`), with the same
//! replications for every candidate (common random numbers) and each world's
//! own (so that the worlds do not share one draw's luck). A target holds in a world when the metric's mean over the
//! replications satisfies it; a candidate meets it when it holds in at least
//! the `confidence` share of worlds.
//!
//! Three phases, all recorded in `plan.csv`:
//! 1. **search** (`search`): NSGA-II for the front of cost against the first
//!    target's metric, within the budget of distinct candidates;
//! 2. **confirm**: ranking and selection of the cheapest candidates on the
//!    front that meet the targets, each re-run with fresh replications (the
//!    same for all, so that the choice is not the search's luck); the
//!    cheapest that still meets every target is recommended;
//! 3. **neighbour**: each lever moved one step from the recommendation, to
//!    say what each lever buys per dollar.
//!
//! Rows are appended to `plan.partial.csv` as they are evaluated; `--resume`
//! reads them back and replays the search, which is a pure function of the
//! seed and the evaluations, so that the result is byte-identical.
//!
//! **Shards** (`--shard I/N`, one per task of a Slurm array): every shard
//! follows the same search, and of each batch of candidates evaluates those
//! at positions `p` with `p % N == I - 1`, appending their rows to
//! `OUT/shards/I/plan.rows.csv`; before the search goes on it reads the
//! other shards' rows for the rest of the batch from their files (a shared
//! filesystem is the only channel). Since an evaluation is a pure function
//! of the candidate and its replications, every shard meets the same rows
//! and takes the same steps, and shard 1 writes the plan's tables in `OUT`,
//! byte-identical to a plan on one machine.

pub mod levers;
pub mod report;
pub mod search;
pub mod surrogate;

use crate::engine::RunOptions;
use crate::error::Error;
use crate::experiment::table::{metric_names, metric_values, num};
use crate::experiment::uncertain::{Inputs, latin_hypercube};
use crate::experiment::{ExecOptions, Manifest, RunKind, Shard, now_utc, write_manifest};
use crate::model::Model;
use crate::outputs::files::{csv_field, write_atomic};
use crate::policy::Doctrine;
use crate::rng::Seed;
use crate::scenario::{LoadedScenario, Override, ThreatKind, load_scenario, load_scenario_str};
use levers::Levers;
use rayon::prelude::*;
use search::{Score, Settings};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Every evaluated candidate (the final table).
pub const PLAN: &str = "plan.csv";
/// The evaluations of a plan in progress.
pub const PLAN_PARTIAL: &str = "plan.partial.csv";
/// The non-dominated candidates.
pub const FRONT: &str = "front.csv";
/// What each lever buys, one step from the recommendation.
pub const LEVERS: &str = "levers.csv";
/// The recommendation in words.
pub const RECOMMENDATION: &str = "recommendation.md";
/// The levers file as used.
pub const LEVERS_FILE: &str = "levers.toml";
/// A shard's evaluations (in `OUT/shards/I/`), read by the other shards.
pub const SHARD_ROWS: &str = "plan.rows.csv";
const OWN: &[&str] = &[
    PLAN,
    PLAN_PARTIAL,
    FRONT,
    LEVERS,
    RECOMMENDATION,
    LEVERS_FILE,
];

/// How a target compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    AtMost,
    AtLeast,
}

/// A constraint on an outcome: `metric<=value` or `metric>=value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub metric: String,
    pub op: Op,
    pub value: f64,
}

impl Target {
    /// Parses `civilians_killed<=5` (also `>=`).
    pub fn parse(text: &str) -> Result<Target, String> {
        let (metric, op, value) = if let Some((m, v)) = text.split_once("<=") {
            (m, Op::AtMost, v)
        } else if let Some((m, v)) = text.split_once(">=") {
            (m, Op::AtLeast, v)
        } else {
            return Err(format!(
                "--target `{text}`: expected METRIC<=VALUE or METRIC>=VALUE, e.g. civilians_killed<=5"
            ));
        };
        let value: f64 = v_parse(value)
            .ok_or_else(|| format!("--target `{text}`: `{}` is not a number", value.trim()))?;
        Ok(Target {
            metric: metric.trim().to_string(),
            op,
            value,
        })
    }

    pub fn text(&self) -> String {
        let op = match self.op {
            Op::AtMost => "<=",
            Op::AtLeast => ">=",
        };
        format!("{}{op}{}", self.metric, num(self.value))
    }

    fn holds(&self, x: f64) -> bool {
        match self.op {
            Op::AtMost => x <= self.value,
            Op::AtLeast => x >= self.value,
        }
    }
}

fn v_parse(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|x| x.is_finite())
}

/// What to plan.
#[derive(Debug, Clone)]
pub struct Spec {
    pub scenario: PathBuf,
    pub levers_file: PathBuf,
    pub targets: Vec<Target>,
    /// Share of plausible worlds in which every target must hold.
    pub confidence: f64,
    /// Plausible worlds (none: the scenario as it stands, one world).
    pub uncertain: Option<u64>,
    /// Distinct candidates the search may evaluate.
    pub budget: usize,
    /// Replications per world in the search.
    pub runs: u64,
    /// Fresh replications per world to confirm a candidate.
    pub confirm_runs: u64,
    /// How many of the cheapest feasible front candidates are confirmed at a
    /// time (batches go on up the front until one holds).
    pub confirm: usize,
    pub seed: u64,
    /// Overrides applied to every candidate.
    pub base: Vec<Override>,
}

/// One candidate's evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Eval {
    pub cost: f64,
    /// Per target: (mean over worlds, 10th and 90th percentiles over worlds,
    /// share of worlds where it holds).
    pub targets: Vec<TargetEval>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetEval {
    pub mean: f64,
    /// Standard error of `mean` from the replications' noise within each
    /// world (the worlds are the same for every candidate): what tells two
    /// candidates' means apart.
    pub se: f64,
    pub p10: f64,
    pub p90: f64,
    pub met_share: f64,
}

impl Eval {
    /// Meets every target in at least `confidence` of the worlds.
    pub fn feasible(&self, confidence: f64) -> bool {
        self.targets
            .iter()
            .all(|t| t.met_share >= confidence - 1e-12)
    }

    fn score(&self, spec: &Spec) -> Score {
        let t0 = &self.targets[0];
        Score {
            cost: self.cost,
            objective: match spec.targets[0].op {
                Op::AtMost => t0.mean,
                Op::AtLeast => -t0.mean,
            },
            violation: self
                .targets
                .iter()
                .map(|t| (spec.confidence - t.met_share).max(0.0))
                .sum(),
        }
    }
}

/// Which phase evaluated a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    Search,
    Confirm,
    Neighbour,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Search => "search",
            Phase::Confirm => "confirm",
            Phase::Neighbour => "neighbour",
        }
    }
}

/// One row of `plan.csv`.
#[derive(Debug, Clone)]
pub struct Row {
    pub phase: Phase,
    pub generation: usize,
    pub genes: Vec<usize>,
    pub eval: Eval,
}

/// A finished plan.
#[derive(Debug, Clone)]
pub struct Plan {
    pub levers: Levers,
    pub targets: Vec<Target>,
    pub confidence: f64,
    pub worlds: usize,
    pub runs: u64,
    pub confirm_runs: u64,
    pub rows: Vec<Row>,
    /// Indices of `rows` on the front (search rows).
    pub front: Vec<usize>,
    /// The recommended deployment (a confirm row), if any candidate held.
    pub recommended: Option<usize>,
    pub settings: Settings,
    pub stop: search::Stop,
    pub generations: usize,
    pub space: f64,
    /// Days the scenario simulates (outcomes are counted over them).
    pub horizon_days: f64,
}

/// How a plan ended.
pub enum Finished {
    Complete(Box<Plan>),
    /// A shard other than the first: its rows are written; shard 1 writes
    /// the plan's tables.
    ShardDone {
        rows: u64,
    },
    Interrupted {
        done: u64,
    },
}

/// Everything an evaluation needs, built once.
struct Context<'a> {
    spec: &'a Spec,
    text: String,
    file: String,
    levers: Levers,
    /// Per world: its overrides and its calibrated model.
    worlds: Vec<(Vec<Override>, Model)>,
    kinds: Vec<ThreatKind>,
    sites: Vec<String>,
    /// Column of each target in the metric values.
    cols: Vec<usize>,
}

impl Context<'_> {
    /// A candidate's cost a year (no simulation).
    fn cost(&self, genes: &[usize]) -> Result<f64, Error> {
        let at: Vec<Override> = self
            .spec
            .base
            .iter()
            .cloned()
            .chain(self.levers.overrides(genes))
            .collect();
        let plain = Model::build(&load_scenario_str(&self.text, &self.file, &at)?.scenario);
        Ok(levers::cost_usd_per_year(
            &plain,
            &self.levers.prices,
            self.levers.extra_usd(genes),
        ))
    }

    /// Simulates a candidate in every world over replications `reps`.
    fn evaluate(&self, genes: &[usize], reps: std::ops::Range<u64>) -> Result<Eval, Error> {
        let lever_ovs = self.levers.overrides(genes);
        let cost = self.cost(genes)?;
        let models: Vec<Model> = self
            .worlds
            .par_iter()
            .map(|(w, base)| {
                let all: Vec<Override> = self
                    .spec
                    .base
                    .iter()
                    .cloned()
                    .chain(w.iter().cloned())
                    .chain(lever_ovs.iter().cloned())
                    .collect();
                let loaded = load_scenario_str(&self.text, &self.file, &all)?;
                let mut m = Model::build(&loaded.scenario);
                m.reuse_calibration(base);
                Ok(m)
            })
            .collect::<Result<_, Error>>()?;
        let n_runs = reps.end - reps.start;
        let items: Vec<(usize, u64)> = (0..models.len())
            .flat_map(|w| reps.clone().map(move |r| (w, r)))
            .collect();
        let values: Vec<Vec<f64>> = items
            .par_iter()
            .map(|&(w, r)| {
                let res = crate::run(
                    &models[w],
                    world_seed(self.spec.seed, w, r),
                    &mut Doctrine::default(),
                    RunOptions::default(),
                );
                let sites = if self.sites.is_empty() {
                    &[][..]
                } else {
                    &res.sites[..]
                };
                let v = metric_values(&res.summary, &self.kinds, sites);
                self.cols.iter().map(|&c| v[c]).collect()
            })
            .collect();
        let targets = self
            .spec
            .targets
            .iter()
            .enumerate()
            .map(|(t, target)| {
                // Per world: the mean over its replications, and that
                // mean's variance.
                let per_world: Vec<(f64, f64)> = (0..models.len())
                    .map(|w| {
                        let k = w * n_runs as usize;
                        let xs: Vec<f64> = values[k..k + n_runs as usize]
                            .iter()
                            .map(|v| v[t])
                            .filter(|x| x.is_finite())
                            .collect();
                        let n = xs.len() as f64;
                        if xs.is_empty() {
                            return (f64::NAN, f64::NAN);
                        }
                        let m = xs.iter().sum::<f64>() / n;
                        let var = if xs.len() > 1 {
                            xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0)
                        } else {
                            0.0
                        };
                        (m, var / n)
                    })
                    .collect();
                let mut means: Vec<f64> = per_world.iter().map(|w| w.0).collect();
                let met = means.iter().filter(|&&x| target.holds(x)).count();
                let k = means.len() as f64;
                let mean = means.iter().sum::<f64>() / k;
                let se = per_world.iter().map(|w| w.1).sum::<f64>().sqrt() / k;
                means.sort_by(f64::total_cmp);
                TargetEval {
                    mean,
                    se,
                    p10: crate::metrics::quantile_sorted(&means, 0.1),
                    p90: crate::metrics::quantile_sorted(&means, 0.9),
                    met_share: met as f64 / means.len() as f64,
                }
            })
            .collect();
        Ok(Eval { cost, targets })
    }
}

/// The cheapest confirmed candidate that still met every target (the first
/// of equal cost).
fn cheapest_confirmed(rows: &[Row], confidence: f64) -> Option<usize> {
    rows.iter()
        .enumerate()
        .filter(|(_, r)| r.phase == Phase::Confirm && r.eval.feasible(confidence))
        .min_by(|(a, x), (b, y)| x.eval.cost.total_cmp(&y.eval.cost).then(a.cmp(b)))
        .map(|(i, _)| i)
}

/// Without a recommendation, the search candidate closest to meeting every
/// target: the least total shortfall of met shares, then the cheapest.
pub fn closest(rows: &[Row], confidence: f64) -> Option<usize> {
    let short = |e: &Eval| -> f64 {
        e.targets
            .iter()
            .map(|t| (confidence - t.met_share).max(0.0))
            .sum()
    };
    rows.iter()
        .enumerate()
        .filter(|(_, r)| r.phase == Phase::Search)
        .min_by(|(a, x), (b, y)| {
            short(&x.eval)
                .total_cmp(&short(&y.eval))
                .then(x.eval.cost.total_cmp(&y.eval.cost))
                .then(a.cmp(b))
        })
        .map(|(i, _)| i)
}

/// The candidate and each lever one step from it (every other value of a list).
fn neighbours(levers: &Levers, c: &[usize]) -> Vec<Vec<usize>> {
    let mut around: Vec<Vec<usize>> = vec![c.to_vec()];
    for (j, l) in levers.levers.iter().enumerate() {
        for g in search::steps(c[j], l.values.len(), l.ordinal) {
            let mut n = c.to_vec();
            n[j] = g;
            around.push(n);
        }
    }
    around
}

/// Replication `r` in world `w`: the same for every candidate (common random
/// numbers between candidates), its own in each world, so that the worlds do
/// not all share one draw's luck and the share of worlds meeting a target is
/// not off in all of them at once. World 0 is the scenario's own seed.
fn world_seed(master: u64, w: usize, r: u64) -> Seed {
    if w == 0 {
        Seed::new(master, r)
    } else {
        Seed::new(crate::rng::mix(master ^ crate::rng::mix(w as u64)), r)
    }
}

/// Wilson score interval (90%) for a share of `n` worlds.
pub fn wilson(share: f64, n: usize) -> (f64, f64) {
    let n = n as f64;
    if n == 0.0 {
        return (0.0, 1.0);
    }
    let z = 1.644_853_626_951_472_2_f64;
    let d = 1.0 + z * z / n;
    let c = (share + z * z / (2.0 * n)) / d;
    let h = z * ((share * (1.0 - share) / n + z * z / (4.0 * n * n)).sqrt()) / d;
    ((c - h).max(0.0), (c + h).min(1.0))
}

/// Checks everything before anything runs: the scenario, the levers file, the
/// targets and the numbers.
fn prepare(spec: &Spec) -> Result<(Context<'_>, LoadedScenario), Error> {
    if !(spec.confidence > 0.0 && spec.confidence < 1.0) {
        return Err(Error::Usage(format!(
            "--confidence: expected a share strictly between 0 and 1, got {}",
            spec.confidence
        )));
    }
    if spec.targets.is_empty() {
        return Err(Error::Usage("expected at least one --target".into()));
    }
    if spec.runs == 0 || spec.confirm_runs == 0 {
        return Err(Error::Usage(
            "--runs and --confirm-runs must be at least 1".into(),
        ));
    }
    if spec.budget < 2 {
        return Err(Error::Usage("--budget-evals must be at least 2".into()));
    }
    if spec.uncertain == Some(0) {
        return Err(Error::Usage(
            "--uncertain: expected at least 1 world".into(),
        ));
    }
    let file = spec.scenario.display().to_string();
    let text = std::fs::read_to_string(&spec.scenario).map_err(|e| Error::io(&spec.scenario, e))?;
    let loaded = load_scenario(&spec.scenario, &spec.base)?;
    let levers = levers::read(&spec.levers_file, &text, &file, &spec.base)?;
    let mut kinds: Vec<ThreatKind> = loaded.scenario.threat_kinds.keys().copied().collect();
    kinds.sort_by_key(|k| k.index());
    let needs_sites = spec.targets.iter().any(|t| t.metric.starts_with("site."));
    let sites: Vec<String> = if needs_sites {
        loaded
            .scenario
            .geography
            .sites
            .iter()
            .map(|s| s.id.clone())
            .collect()
    } else {
        Vec::new()
    };
    let names = metric_names(&kinds, &sites);
    let mut cols = Vec::new();
    for t in &spec.targets {
        match names.iter().position(|n| *n == t.metric) {
            Some(c) => cols.push(c),
            None => {
                return Err(Error::Usage(format!(
                    "--target `{}`: unknown metric `{}` (metrics: {}, a threat kind's as `KIND.FIELD`, a site's as `site.ID.FIELD`)",
                    t.text(),
                    t.metric,
                    crate::metrics::registry::METRICS
                        .iter()
                        .map(|m| m.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
    }
    for (i, t) in spec.targets.iter().enumerate() {
        if spec.targets[..i].iter().any(|u| u.metric == t.metric) {
            return Err(Error::Usage(format!(
                "--target `{}`: a second target on `{}`; give one per metric",
                t.text(),
                t.metric
            )));
        }
    }
    // The worlds: the scenario as it stands, or K points of its uncertainty.
    let inputs = Inputs::of(&loaded);
    let world_ovs: Vec<Vec<Override>> = match spec.uncertain {
        None => vec![Vec::new()],
        Some(k) => {
            if inputs.decls.is_empty() {
                return Err(Error::input(
                    &file,
                    "--uncertain needs [[uncertainty]] declarations in the scenario",
                ));
            }
            latin_hypercube(k as usize, inputs.decls.len(), spec.seed)
                .iter()
                .map(|u| inputs.overrides(&inputs.values(u)))
                .collect()
        }
    };
    let worlds = world_ovs
        .into_par_iter()
        .map(|w| {
            let all: Vec<Override> = spec.base.iter().cloned().chain(w.iter().cloned()).collect();
            let l = load_scenario_str(&text, &file, &all)?;
            Ok((w, Model::build(&l.scenario).calibrated()))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok((
        Context {
            spec,
            text,
            file,
            levers,
            worlds,
            kinds,
            sites,
            cols,
        },
        loaded,
    ))
}

/// Columns per target in `plan.csv`.
const FIELDS: usize = 7;

/// The columns of `plan.csv`.
fn header(levers: &Levers, targets: &[Target]) -> String {
    let mut h = String::from("candidate,phase,generation");
    for l in &levers.levers {
        h.push(',');
        h.push_str(&csv_field(&l.path));
    }
    h.push_str(",cost_usd_per_year");
    for t in targets {
        for f in ["mean", "se", "p10", "p90", "met_share", "met_lo", "met_hi"] {
            h.push_str(&format!(",{}.{f}", csv_field(&t.metric)));
        }
    }
    h.push_str(",feasible\n");
    h
}

/// One row of `plan.csv`.
fn row_text(k: usize, r: &Row, levers: &Levers, confidence: f64, worlds: usize) -> String {
    let mut s = format!("{k},{},{}", r.phase.name(), r.generation);
    for (l, &g) in levers.levers.iter().zip(&r.genes) {
        s.push(',');
        s.push_str(&shown(&l.values[g]));
    }
    s.push(',');
    s.push_str(&num(r.eval.cost));
    for t in &r.eval.targets {
        let (lo, hi) = wilson(t.met_share, worlds);
        for x in [t.mean, t.se, t.p10, t.p90, t.met_share, lo, hi] {
            s.push(',');
            s.push_str(&num(x));
        }
    }
    s.push_str(if r.eval.feasible(confidence) {
        ",true\n"
    } else {
        ",false\n"
    });
    s
}

/// Reads the complete rows of a partial table back, and the bytes they and
/// the header take (what a resumed plan keeps).
type Cached = Vec<(Phase, Vec<usize>, Eval)>;
fn read_partial(path: &Path, levers: &Levers, n_targets: usize) -> Result<(Cached, u64), Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::new();
    let mut lines = text.split_inclusive('\n').filter(|l| l.ends_with('\n'));
    let mut keep = lines.next().map_or(0, |h| h.len() as u64);
    for full in lines {
        let line = full.trim_end_matches('\n');
        let f: Vec<String> = crate::experiment::table::split_csv(line);
        let nl = levers.levers.len();
        if f.len() != 3 + nl + 1 + FIELDS * n_targets + 1 {
            break;
        }
        let phase = match f[1].as_str() {
            "search" => Phase::Search,
            "confirm" => Phase::Confirm,
            _ => Phase::Neighbour,
        };
        let genes: Option<Vec<usize>> = levers
            .levers
            .iter()
            .zip(&f[3..3 + nl])
            .map(|(l, v)| {
                l.values
                    .iter()
                    .position(|x| x.trim_matches('"') == v.as_str())
            })
            .collect();
        let Some(genes) = genes else { break };
        let x = |i: usize| crate::experiment::table::parse_num(&f[i]).unwrap_or(f64::NAN);
        let cost = x(3 + nl);
        let targets = (0..n_targets)
            .map(|t| {
                let b = 3 + nl + 1 + FIELDS * t;
                TargetEval {
                    mean: x(b),
                    se: x(b + 1),
                    p10: x(b + 2),
                    p90: x(b + 3),
                    met_share: x(b + 4),
                }
            })
            .collect();
        out.push((phase, genes, Eval { cost, targets }));
        keep += full.len() as u64;
    }
    Ok((out, keep))
}

/// Checks a plan's inputs as `plan` does before anything runs, and estimates
/// the wall time in hours of each of `shards` tasks on `cpus` CPUs from one
/// candidate's evaluation here: three times the estimate, plus ten minutes.
pub fn estimate_shard_hours(spec: &Spec, shards: u64, cpus: u32) -> Result<f64, Error> {
    let (ctx, _) = prepare(spec)?;
    let probe = spec.runs.clamp(1, 2);
    let t0 = std::time::Instant::now();
    ctx.evaluate(&vec![0; ctx.levers.levers.len()], 0..probe)?;
    let cpu_s = t0.elapsed().as_secs_f64() * rayon::current_num_threads() as f64;
    let per_candidate = cpu_s * spec.runs as f64 / probe as f64;
    // The search's budget, a few rounds of confirmations on fresh
    // replications, and the lever steps around the recommendation.
    let confirmations =
        (2 * spec.confirm.max(1)) as f64 * spec.confirm_runs as f64 / spec.runs as f64;
    let steps = 4.0 * ctx.levers.levers.len() as f64;
    let candidates = spec.budget as f64 + confirmations + steps;
    let hours = per_candidate * (candidates / shards.max(1) as f64).ceil()
        / f64::from(cpus.max(1))
        / 3600.0;
    Ok(hours * 3.0 + 10.0 / 60.0)
}

/// Where shard `index` of a plan in `out` works.
pub fn shard_dir(out: &Path, index: u64) -> PathBuf {
    out.join("shards").join(index.to_string())
}

/// A sharded plan's directory must not hold another experiment's results
/// (shard 1 writes the plan's tables there), unless forced.
fn refuse_foreign(out: &Path, key: &str, force: bool) -> Result<(), Error> {
    match crate::experiment::read_manifest(out) {
        Ok(Some(m)) if m.experiment_key != key && !force => Err(Error::Usage(format!(
            "{} already holds a different experiment ({} of {}, seed {}); choose another --out or pass --force to replace it",
            out.display(),
            m.kind,
            m.scenario_file,
            m.seed
        ))),
        _ => Ok(()),
    }
}

/// The rows the other shards of this plan have written so far (a shard's
/// directory holding another plan is not read).
fn sibling_rows(
    out: &Path,
    shard: Shard,
    key: &str,
    levers: &Levers,
    n_targets: usize,
) -> Result<Cached, Error> {
    let mut all = Vec::new();
    for j in (1..=shard.count).filter(|&j| j != shard.index) {
        let d = shard_dir(out, j);
        let ours = matches!(
            crate::experiment::read_manifest(&d),
            Ok(Some(m)) if m.experiment_key == key
        );
        let f = d.join(SHARD_ROWS);
        if ours && f.exists() {
            all.extend(read_partial(&f, levers, n_targets)?.0);
        }
    }
    Ok(all)
}

/// A lever's value as the tables show it (a site id without its quotes).
fn shown(v: &str) -> String {
    csv_field(v.trim_matches('"'))
}

/// Identity of a plan: everything that changes its result.
fn key(spec: &Spec, loaded: &LoadedScenario, levers_text: &str, population: usize) -> String {
    let mut h = Sha256::new();
    h.update(format!(
        "pocsim {}\nplan\nseed {}\nruns {} {}\nconfirm {}\nbudget {}\npopulation {}\nworlds {:?}\nconfidence {}\n{}\n",
        crate::VERSION,
        spec.seed,
        spec.runs,
        spec.confirm_runs,
        spec.confirm,
        spec.budget,
        population,
        spec.uncertain,
        spec.confidence,
        loaded.hash
    ));
    for t in &spec.targets {
        h.update(t.text());
        h.update("\n");
    }
    h.update(levers_text);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Plans (or resumes a plan) into `opts.out`.
pub fn plan(spec: &Spec, opts: &ExecOptions) -> Result<Finished, Error> {
    let (ctx, loaded) = prepare(spec)?;
    let levers = ctx.levers.clone();
    let n_worlds = ctx.worlds.len();
    let population = (2 * levers.levers.len()).clamp(8, 20).min(spec.budget);
    let settings = Settings {
        sizes: levers.levers.iter().map(|l| l.values.len()).collect(),
        ordinal: levers.levers.iter().map(|l| l.ordinal).collect(),
        population,
        budget: spec.budget,
        stall: 6,
        seed: spec.seed,
    };
    let levers_text =
        std::fs::read_to_string(&spec.levers_file).map_err(|e| Error::io(&spec.levers_file, e))?;
    let key = key(spec, &loaded, &levers_text, population);
    let shard = opts.shard;
    let sharded = shard.count > 1;
    // A shard works in OUT/shards/I; the plan's tables go to OUT.
    let work = ExecOptions {
        out: if sharded {
            shard_dir(&opts.out, shard.index)
        } else {
            opts.out.clone()
        },
        shard,
        resume: opts.resume,
        force: opts.force,
        progress: opts.progress,
        stop: opts.stop,
        command: opts.command.clone(),
    };
    if sharded {
        refuse_foreign(&opts.out, &key, opts.force)?;
    }
    let partial_name = if sharded { SHARD_ROWS } else { PLAN_PARTIAL };
    crate::experiment::prepare_dir(&key, OWN, partial_name, &work)?;
    let dir = &work.out;
    let started = now_utc();
    let lever_paths: Vec<String> = levers.levers.iter().map(|l| l.path.clone()).collect();
    let manifest = |rows: u64, status: &str, finished: Option<String>, shard: Shard| Manifest {
        pocsim_version: crate::VERSION.into(),
        experiment_key: key.clone(),
        kind: RunKind::Plan,
        scenario_file: spec.scenario.display().to_string(),
        scenario_name: loaded.scenario.scenario.name.clone(),
        scenario_hash: loaded.hash.clone(),
        variants: Vec::new(),
        inputs: lever_paths.clone(),
        seed: spec.seed,
        runs: spec.runs,
        shard,
        rows,
        threads: rayon::current_num_threads(),
        started: started.clone(),
        finished,
        status: status.into(),
        command: opts.command.clone(),
        analysis: None,
    };
    write_manifest(dir, &manifest(0, "running", None, shard))?;
    write_atomic(
        &dir.join(crate::experiment::SCENARIO),
        loaded.source.as_bytes(),
    )?;
    write_atomic(&dir.join(LEVERS_FILE), levers_text.as_bytes())?;
    let partial = dir.join(partial_name);
    let head = header(&levers, &spec.targets);
    // Rows already evaluated (a resumed plan), in order.
    let mut cached: HashMap<(Phase, Vec<usize>), Eval> = HashMap::new();
    let mut keep = None;
    if work.resume && partial.exists() {
        let (rows, bytes) = read_partial(&partial, &levers, spec.targets.len())?;
        for (p, g, e) in rows {
            cached.insert((p, g), e);
        }
        keep = Some(bytes);
    }
    let mut file = crate::experiment::open_partial(&partial, &head, keep)?;
    let mut rows: Vec<Row> = Vec::new();
    let mut appended = cached.len();
    let mut waited = false;
    // Evaluates a batch (in parallel over candidates' runs), appending new
    // rows; a shard evaluates its share and reads the rest from its siblings.
    let mut eval_batch = |batch: &[Vec<usize>],
                          phase: Phase,
                          generation: usize,
                          reps: std::ops::Range<u64>,
                          rows: &mut Vec<Row>|
     -> Result<Vec<Eval>, Error> {
        // A neighbour the search already ran on the same replications is reused.
        let look = |cached: &HashMap<(Phase, Vec<usize>), Eval>, g: &Vec<usize>| {
            if phase == Phase::Neighbour && cached.contains_key(&(Phase::Search, g.clone())) {
                (Phase::Search, g.clone())
            } else {
                (phase, g.clone())
            }
        };
        let mut out: Vec<Option<Eval>> = Vec::with_capacity(batch.len());
        for (p, g) in batch.iter().enumerate() {
            let e = match cached.get(&look(&cached, g)) {
                Some(e) => Some(e.clone()),
                None if shard.contains(p as u64) => {
                    let e = ctx.evaluate(g, reps.clone())?;
                    cached.insert((phase, g.clone()), e.clone());
                    let r = Row {
                        phase,
                        generation,
                        genes: g.clone(),
                        eval: e.clone(),
                    };
                    let line = row_text(appended, &r, &levers, spec.confidence, n_worlds);
                    file.write_all(line.as_bytes())
                        .and_then(|_| file.sync_data())
                        .map_err(|er| Error::io(&partial, er))?;
                    appended += 1;
                    Some(e)
                }
                None => None,
            };
            out.push(e);
        }
        // The other shards' candidates of this batch, from their files
        // (looked for at once, then less and less often, up to twice a second).
        let mut pause_ms = 5;
        while out.iter().any(Option::is_none) {
            if opts.stop.load(std::sync::atomic::Ordering::SeqCst) {
                break;
            }
            for (p, g, e) in sibling_rows(&opts.out, shard, &key, &levers, spec.targets.len())? {
                cached.entry((p, g)).or_insert(e);
            }
            for (slot, g) in out.iter_mut().zip(batch) {
                if slot.is_none() {
                    *slot = cached.get(&look(&cached, g)).cloned();
                }
            }
            if out.iter().any(Option::is_none) {
                if opts.progress && !waited {
                    eprintln!("\rplan: shard {shard}: waiting for the other shards' candidates");
                    waited = true;
                }
                std::thread::sleep(std::time::Duration::from_millis(pause_ms));
                pause_ms = (pause_ms * 2).min(500);
            }
        }
        // Interrupted while waiting: the caller sees the stop and ends.
        let missing = Eval {
            cost: f64::NAN,
            targets: vec![
                TargetEval {
                    mean: f64::NAN,
                    se: f64::NAN,
                    p10: f64::NAN,
                    p90: f64::NAN,
                    met_share: 0.0,
                };
                spec.targets.len()
            ],
        };
        let out: Vec<Eval> = out
            .into_iter()
            .map(|e| e.unwrap_or_else(|| missing.clone()))
            .collect();
        for (g, e) in batch.iter().zip(&out) {
            rows.push(Row {
                phase,
                generation,
                genes: g.clone(),
                eval: e.clone(),
            });
        }
        Ok(out)
    };
    let stopped = || opts.stop.load(std::sync::atomic::Ordering::SeqCst);

    // 1. Search.
    let mut generation = 0;
    let archive = search::search(
        &settings,
        opts.stop,
        |g| ctx.cost(g),
        |batch| {
            let evals = eval_batch(batch, Phase::Search, generation, 0..spec.runs, &mut rows)?;
            generation += 1;
            if opts.progress {
                eprint!("\rplan: {} candidates evaluated", rows.len());
            }
            Ok(evals.iter().map(|e| e.score(spec)).collect())
        },
    )?;
    if opts.progress {
        eprintln!();
    }
    if archive.stop == Some(search::Stop::Interrupted) {
        return Ok(Finished::Interrupted {
            done: rows.len() as u64,
        });
    }
    // The generation of each search row is the search's own count.
    for (r, c) in rows.iter_mut().zip(&archive.candidates) {
        r.generation = c.2;
    }
    let scores: Vec<Score> = archive.candidates.iter().map(|c| c.1).collect();
    let front = search::front(&scores);

    // 2. Confirm the cheapest feasible candidates on the front.
    let mut feasible_front: Vec<usize> = front
        .iter()
        .copied()
        .filter(|&i| rows[i].eval.feasible(spec.confidence))
        .collect();
    feasible_front.sort_by(|&a, &b| {
        rows[a]
            .eval
            .cost
            .total_cmp(&rows[b].eval.cost)
            .then(a.cmp(&b))
    });
    // In batches of `confirm`, cheapest first, until one holds.
    let fresh = spec.runs..spec.runs + spec.confirm_runs;
    let mut recommended = None;
    for chunk in feasible_front.chunks(spec.confirm.max(1)) {
        let to_confirm: Vec<Vec<usize>> = chunk.iter().map(|&i| rows[i].genes.clone()).collect();
        let confirmed = eval_batch(&to_confirm, Phase::Confirm, 0, fresh.clone(), &mut rows)?;
        if stopped() {
            return Ok(Finished::Interrupted {
                done: rows.len() as u64,
            });
        }
        let first_confirm = rows.len() - confirmed.len();
        recommended = confirmed
            .iter()
            .position(|e| e.feasible(spec.confidence))
            .map(|k| first_confirm + k);
        if recommended.is_some() {
            break;
        }
    }

    // 2b. For each caveat (a yes/no lever), the cheapest deployment meeting
    // the targets with it kept and with it waived, confirmed the same way,
    // so that what a waiver saves rests on confirmed candidates; then the
    // cheapest confirmed candidate of all is recommended.
    for (j, lever) in levers.levers.iter().enumerate() {
        if !lever.is_yes_no() {
            continue;
        }
        for v in 0..2 {
            let confirmed = |rows: &[Row], g: &[usize]| {
                rows.iter()
                    .any(|r| r.phase == Phase::Confirm && r.genes.as_slice() == g)
            };
            if rows.iter().any(|r| {
                r.phase == Phase::Confirm && r.genes[j] == v && r.eval.feasible(spec.confidence)
            }) {
                continue;
            }
            let mut untried: Vec<usize> = (0..rows.len())
                .filter(|&i| {
                    let r = &rows[i];
                    r.phase == Phase::Search
                        && r.genes[j] == v
                        && r.eval.feasible(spec.confidence)
                        && !confirmed(&rows, &r.genes)
                })
                .collect();
            untried.sort_by(|&a, &b| {
                rows[a]
                    .eval
                    .cost
                    .total_cmp(&rows[b].eval.cost)
                    .then(a.cmp(&b))
            });
            for chunk in untried.chunks(spec.confirm.max(1)) {
                let batch: Vec<Vec<usize>> = chunk.iter().map(|&i| rows[i].genes.clone()).collect();
                let e = eval_batch(&batch, Phase::Confirm, 0, fresh.clone(), &mut rows)?;
                if stopped() {
                    return Ok(Finished::Interrupted {
                        done: rows.len() as u64,
                    });
                }
                if e.iter().any(|e| e.feasible(spec.confidence)) {
                    break;
                }
            }
        }
    }
    recommended = cheapest_confirmed(&rows, spec.confidence).or(recommended);

    // 3. Each lever one step from the recommendation (or the cheapest on the
    // front). A cheaper step that meets the targets is confirmed in its turn
    // and, if it holds, recommended instead, until no cheaper step does: the
    // recommendation is then a local optimum of one-step moves.
    let mut centre = recommended
        .map(|i| rows[i].genes.clone())
        .or_else(|| closest(&rows, spec.confidence).map(|i| rows[i].genes.clone()));
    let mut round = 0;
    // A candidate already confirmed is not confirmed again (one that held
    // and is cheaper would be the recommendation already).
    let mut tried: std::collections::HashSet<Vec<usize>> = rows
        .iter()
        .filter(|r| r.phase == Phase::Confirm)
        .map(|r| r.genes.clone())
        .collect();
    while let Some(c) = centre.take() {
        let around = neighbours(&levers, &c);
        let start = rows.len();
        eval_batch(&around, Phase::Neighbour, round, 0..spec.runs, &mut rows)?;
        if stopped() {
            return Ok(Finished::Interrupted {
                done: rows.len() as u64,
            });
        }
        round += 1;
        if recommended.is_none() || round > 50 {
            break;
        }
        let here = rows[start].eval.cost;
        let mut cheaper: Vec<usize> = (start + 1..rows.len())
            .filter(|&k| rows[k].eval.cost < here && rows[k].eval.feasible(spec.confidence))
            .filter(|&k| !tried.contains(&rows[k].genes))
            .collect();
        cheaper.sort_by(|&a, &b| {
            rows[a]
                .eval
                .cost
                .total_cmp(&rows[b].eval.cost)
                .then(a.cmp(&b))
        });
        for k in cheaper {
            let g = rows[k].genes.clone();
            tried.insert(g.clone());
            let e = eval_batch(
                std::slice::from_ref(&g),
                Phase::Confirm,
                0,
                fresh.clone(),
                &mut rows,
            )?;
            if stopped() {
                return Ok(Finished::Interrupted {
                    done: rows.len() as u64,
                });
            }
            if e[0].feasible(spec.confidence) {
                recommended = Some(rows.len() - 1);
                centre = Some(g);
                break;
            }
        }
    }
    drop(file);

    let plan = Plan {
        horizon_days: loaded.scenario.clock.horizon_days,
        space: levers.space(),
        levers,
        targets: spec.targets.clone(),
        confidence: spec.confidence,
        worlds: n_worlds,
        runs: spec.runs,
        confirm_runs: spec.confirm_runs,
        front,
        recommended,
        settings,
        stop: archive.stop.unwrap_or(search::Stop::Budget),
        generations: archive.generations,
        rows,
    };
    if sharded && shard.index != 1 {
        write_manifest(
            dir,
            &manifest(appended as u64, "complete", Some(now_utc()), shard),
        )?;
        return Ok(Finished::ShardDone {
            rows: appended as u64,
        });
    }
    // The final tables (shard 1 of several writes them in OUT, beside the
    // shards), then the partial one goes.
    let tables = &opts.out;
    if sharded {
        write_atomic(
            &tables.join(crate::experiment::SCENARIO),
            loaded.source.as_bytes(),
        )?;
        write_atomic(&tables.join(LEVERS_FILE), levers_text.as_bytes())?;
    }
    let mut table = head.clone();
    for (k, r) in plan.rows.iter().enumerate() {
        table.push_str(&row_text(k, r, &plan.levers, plan.confidence, plan.worlds));
    }
    write_atomic(&tables.join(PLAN), table.as_bytes())?;
    let mut f = head;
    for &i in &plan.front {
        f.push_str(&row_text(
            i,
            &plan.rows[i],
            &plan.levers,
            plan.confidence,
            plan.worlds,
        ));
    }
    write_atomic(&tables.join(FRONT), f.as_bytes())?;
    write_atomic(&tables.join(LEVERS), report::levers_csv(&plan).as_bytes())?;
    write_atomic(
        &tables.join(RECOMMENDATION),
        report::recommendation(&plan).as_bytes(),
    )?;
    let rows_n = plan.rows.len() as u64;
    if sharded {
        // The shard's own rows stay for the other shards to read.
        write_manifest(
            dir,
            &manifest(appended as u64, "complete", Some(now_utc()), shard),
        )?;
    } else {
        std::fs::remove_file(&partial).map_err(|e| Error::io(&partial, e))?;
    }
    write_manifest(
        tables,
        &manifest(rows_n, "complete", Some(now_utc()), Shard::ALL),
    )?;
    Ok(Finished::Complete(Box::new(plan)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_and_refuse() {
        let t = Target::parse("civilians_killed<=5").unwrap();
        assert_eq!(
            (t.metric.as_str(), t.op, t.value),
            ("civilians_killed", Op::AtMost, 5.0)
        );
        assert_eq!(
            Target::parse(" responded_share >= 0.5 ").unwrap().op,
            Op::AtLeast
        );
        assert!(Target::parse("civilians_killed<5").is_err());
        assert!(Target::parse("civilians_killed<=many").is_err());
    }

    #[test]
    fn wilson_interval_brackets_the_share() {
        let (lo, hi) = wilson(0.9, 40);
        assert!(lo < 0.9 && hi > 0.9 && lo > 0.75 && hi < 0.98, "{lo} {hi}");
        assert_eq!(wilson(1.0, 10).1, 1.0);
    }
}
