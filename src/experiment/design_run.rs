//! Evaluating a design point by point, as `sensitivity` and `calibrate` do:
//! resumable, shardable and mergeable exactly like a compare.
//!
//! A design is a list of points (values of the declared uncertain inputs);
//! evaluating a point runs the same replications at it (common random numbers
//! across the design) and gives one number per output. Points are evaluated
//! on all cores and their rows are appended, in order, to
//! `evaluations.partial.csv` (`append.rs`), so the file is always a prefix of
//! the final table: a kill loses at most the points in flight, `--resume` continues after
//! the last complete row, and the table is byte-identical whatever the thread
//! count. Shard I of N evaluates the points p with p % N == I − 1; `pocsim
//! merge` interleaves the shards' rows back into one machine's order and the
//! analysis then runs on the merged table. Only the table of outputs (a few
//! numbers per point) is held for the analysis, never the points' models.

use super::table::{num, parse_num, split_csv};
use super::{
    ExecOptions, MANIFEST, Manifest, SCENARIO, Shard, append_rows, now_utc, open_partial,
    prepare_dir, write_manifest,
};
use crate::error::Error;
use crate::outputs::files::{csv_field, write_atomic};
use crate::scenario::LoadedScenario;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// Every point's values and outputs, in design order.
pub const EVALUATIONS: &str = "evaluations.csv";
/// The evaluations of a run in progress (a prefix of the final table).
pub const EVALUATIONS_PARTIAL: &str = "evaluations.partial.csv";

/// What a design's points are and how they are analysed: enough, with the
/// scenario as simulated (`scenario.toml`), to finish the analysis after a
/// merge.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Analysis {
    /// `morris`, `sobol` or `abc-rejection`.
    pub method: String,
    /// `--points` as given (trajectories, base sample size, prior points).
    pub points: usize,
    /// The metrics analysed (sensitivity).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<String>,
    /// The variant whose paired effect is analysed, `NAME:PATH=VALUE;...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Sobol: the second-order indices too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub second_order: bool,
    /// The share of prior points accepted (calibrate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept: Option<f64>,
    /// Points evaluated in all (the design and any extra points).
    pub evaluations: usize,
}

/// A design ready to evaluate.
pub struct Job<'a> {
    /// `Sensitivity` or `Calibrate`.
    pub kind: super::RunKind,
    pub scenario_file: String,
    /// The scenario after the overrides applied at every point.
    pub base: &'a LoadedScenario,
    pub analysis: Analysis,
    pub seed: u64,
    pub runs: u64,
    /// Paths of the uncertain inputs (columns).
    pub inputs: Vec<String>,
    /// Names of the outputs (columns).
    pub outputs: Vec<String>,
    /// Every point's values (TOML text), in design order.
    pub values: Vec<Vec<String>>,
    /// The files this analysis writes (cleared by `--force`).
    pub own: &'static [&'static str],
}

impl Job<'_> {
    /// Identity of the analysis: everything but the shard.
    pub fn key(&self) -> String {
        let mut h = Sha256::new();
        h.update(format!(
            "pocsim {}\n{}\nseed {}\nruns {}\n{}\n",
            crate::VERSION,
            self.kind.name(),
            self.seed,
            self.runs,
            self.base.hash
        ));
        h.update(serde_json::to_vec(&self.analysis).expect("analysis serialises"));
        h.update(self.header());
        for v in &self.values {
            h.update(v.join(","));
            h.update("\n");
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    fn header(&self) -> String {
        let mut s = String::from("point");
        for c in self.inputs.iter().chain(&self.outputs) {
            s.push(',');
            s.push_str(&csv_field(c));
        }
        s.push('\n');
        s
    }

    fn row(&self, p: usize, out: &[f64]) -> String {
        let mut s = p.to_string();
        for v in &self.values[p] {
            s.push(',');
            s.push_str(&csv_field(v));
        }
        for x in out {
            s.push(',');
            s.push_str(&num(*x));
        }
        s.push('\n');
        s
    }

    fn manifest(
        &self,
        shard: Shard,
        rows: u64,
        started: &str,
        status: &str,
        cmd: &str,
    ) -> Manifest {
        Manifest {
            pocsim_version: crate::VERSION.into(),
            experiment_key: self.key(),
            kind: self.kind,
            scenario_file: self.scenario_file.clone(),
            scenario_name: self.base.scenario.scenario.name.clone(),
            scenario_hash: self.base.hash.clone(),
            variants: Vec::new(),
            inputs: self.inputs.clone(),
            seed: self.seed,
            runs: self.runs,
            shard,
            rows,
            threads: rayon::current_num_threads(),
            started: started.into(),
            finished: None,
            status: status.into(),
            command: cmd.into(),
            analysis: Some(self.analysis.clone()),
        }
    }
}

/// How an evaluation (and the analysis after it) ended.
pub enum Finished<T> {
    /// Every point evaluated: the outputs in design order, or the analysis.
    Complete(T),
    /// This shard's points are done; the analysis waits for `merge`.
    Shard { done: u64, total: u64 },
    /// Stopped; `--resume` finishes it.
    Interrupted { done: u64, total: u64 },
}

/// Every point's outputs, in design order, once all are evaluated.
pub type Evaluated = Finished<Vec<Vec<f64>>>;

impl<T> Finished<T> {
    /// The analysis of complete outputs; a shard or a stop passes through.
    pub fn then<U>(self, f: impl FnOnce(T) -> Result<U, Error>) -> Result<Finished<U>, Error> {
        Ok(match self {
            Finished::Complete(t) => Finished::Complete(f(t)?),
            Finished::Shard { done, total } => Finished::Shard { done, total },
            Finished::Interrupted { done, total } => Finished::Interrupted { done, total },
        })
    }
}

/// Evaluates (or resumes) every point of the job's shard into `opts.out`.
pub fn evaluate(
    job: &Job,
    opts: &ExecOptions,
    eval: impl Fn(usize) -> Result<Vec<f64>, Error> + Sync,
) -> Result<Evaluated, Error> {
    let key = job.key();
    let mut own: Vec<&str> = vec![EVALUATIONS, EVALUATIONS_PARTIAL, MANIFEST, SCENARIO];
    own.extend_from_slice(job.own);
    prepare_dir(&key, &own, EVALUATIONS_PARTIAL, opts)?;
    let dir = &opts.out;
    let started = now_utc();
    let cmd = &opts.command;
    write_manifest(dir, &job.manifest(opts.shard, 0, &started, "running", cmd))?;
    write_atomic(&dir.join(SCENARIO), job.base.source.as_bytes())?;
    let work: Vec<usize> = (0..job.values.len())
        .filter(|&p| opts.shard.contains(p as u64))
        .collect();
    let total = work.len() as u64;
    let header = job.header();
    let partial = dir.join(EVALUATIONS_PARTIAL);
    let finished = dir.join(EVALUATIONS);
    let ncols = job.inputs.len() + job.outputs.len();
    let done = if opts.resume && !partial.exists() && finished.exists() {
        verify_prefix(&finished, &header, &work, ncols)?.0
    } else {
        let prefix = if opts.resume && partial.exists() {
            Some(verify_prefix(&partial, &header, &work, ncols)?)
        } else {
            None
        };
        let done = prefix.map_or(0, |(n, _)| n);
        let mut file = open_partial(&partial, &header, prefix.map(|(_, len)| len))?;
        let (done, complete) = append_rows(
            &mut file,
            &partial,
            done..work.len(),
            work.len(),
            "points",
            opts,
            |i| Ok(job.row(work[i], &eval(work[i])?)),
        )?;
        file.flush().map_err(|e| Error::io(&partial, e))?;
        drop(file);
        if !complete {
            let mut m = job.manifest(opts.shard, done as u64, &started, "interrupted", cmd);
            m.finished = Some(now_utc());
            write_manifest(dir, &m)?;
            return Ok(Finished::Interrupted {
                done: done as u64,
                total,
            });
        }
        std::fs::rename(&partial, &finished).map_err(|e| Error::io(&finished, e))?;
        done
    };
    let mut m = job.manifest(opts.shard, done as u64, &started, "complete", cmd);
    m.finished = Some(now_utc());
    write_manifest(dir, &m)?;
    if opts.shard != Shard::ALL {
        return Ok(Finished::Shard {
            done: done as u64,
            total,
        });
    }
    Ok(Finished::Complete(read_outputs(
        &finished,
        job.inputs.len(),
        job.outputs.len(),
    )?))
}

/// Checks that `path` starts with the header and rows of the expected points
/// in order; returns how many complete rows it holds and their byte length.
fn verify_prefix(
    path: &Path,
    header: &str,
    work: &[usize],
    ncols: usize,
) -> Result<(usize, u64), Error> {
    let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = String::from_utf8_lossy(&text);
    let file = path.display().to_string();
    if !text.starts_with(header) {
        return Err(Error::input(
            &file,
            "its header does not match this analysis; use another --out or --force",
        ));
    }
    let mut len = header.len();
    let mut n = 0usize;
    for line in text[header.len()..].split_inclusive('\n') {
        if !line.ends_with('\n') || split_csv(line.trim_end()).len() != ncols + 1 {
            break; // a torn last line: it is evaluated again
        }
        let Some(&p) = work.get(n) else {
            return Err(Error::input(
                &file,
                "it holds more rows than this analysis has points",
            ));
        };
        if !line.starts_with(&format!("{p},")) {
            return Err(Error::input(
                &file,
                format!("row {} is not the expected point ({p})", n + 2),
            ));
        }
        len += line.len();
        n += 1;
    }
    Ok((n, len as u64))
}

/// Every row's outputs (the last `n_outputs` columns), in file order.
fn read_outputs(path: &Path, n_inputs: usize, n_outputs: usize) -> Result<Vec<Vec<f64>>, Error> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::new();
    for (i, line) in BufReader::new(f).lines().enumerate().skip(1) {
        let line = line.map_err(|e| Error::io(path, e))?;
        let cols = split_csv(&line);
        let bad = || {
            Error::input(
                &path.display().to_string(),
                format!(
                    "line {}: expected {} columns",
                    i + 1,
                    1 + n_inputs + n_outputs
                ),
            )
        };
        if cols.len() != 1 + n_inputs + n_outputs {
            return Err(bad());
        }
        out.push(
            cols[1 + n_inputs..]
                .iter()
                .map(|c| parse_num(c).ok_or_else(bad))
                .collect::<Result<_, _>>()?,
        );
    }
    Ok(out)
}

/// Interleaves the complete shards of one design, in shard order, into `out`
/// (its `evaluations.csv`, `scenario.toml` and a complete manifest); the
/// caller then finishes the analysis there with `--resume`.
pub fn merge(out: &Path, shards: &[(Manifest, PathBuf)]) -> Result<Manifest, Error> {
    let first = &shards[0].0;
    let n = shards.len();
    let total = first.analysis.as_ref().map_or(0, |a| a.evaluations);
    let mut lines: Vec<Vec<String>> = Vec::with_capacity(n);
    let mut header = String::new();
    for (_, d) in shards {
        let p = d.join(EVALUATIONS);
        let f = std::fs::File::open(&p).map_err(|e| Error::io(&p, e))?;
        let mut it = BufReader::new(f).lines();
        let h = it
            .next()
            .transpose()
            .map_err(|e| Error::io(&p, e))?
            .unwrap_or_default();
        if !header.is_empty() && h != header {
            return Err(Error::Usage(format!(
                "{} has different columns from the other shards",
                p.display()
            )));
        }
        header = h;
        lines.push(it.collect::<Result<_, _>>().map_err(|e| Error::io(&p, e))?);
    }
    let mut buf = header.into_bytes();
    buf.push(b'\n');
    let mut next = vec![0usize; n];
    for p in 0..total {
        let s = p % n;
        let line = lines[s]
            .get(next[s])
            .filter(|l| l.starts_with(&format!("{p},")))
            .ok_or_else(|| {
                Error::Usage(format!(
                    "{} is inconsistent: expected point {p}",
                    shards[s].1.join(EVALUATIONS).display()
                ))
            })?;
        next[s] += 1;
        buf.extend_from_slice(line.as_bytes());
        buf.push(b'\n');
    }
    if let Some(s) = (0..n).find(|&s| next[s] != lines[s].len()) {
        return Err(Error::Usage(format!(
            "{} has more rows than its shard should",
            shards[s].1.join(EVALUATIONS).display()
        )));
    }
    let _ = std::fs::remove_file(out.join(EVALUATIONS_PARTIAL));
    write_atomic(&out.join(EVALUATIONS), &buf)?;
    let src = shards[0].1.join(SCENARIO);
    let text = std::fs::read(&src).map_err(|e| Error::io(&src, e))?;
    write_atomic(&out.join(SCENARIO), &text)?;
    let mut m = first.clone();
    m.shard = Shard::ALL;
    m.rows = total as u64;
    m.command = format!("merge of {n} shards");
    write_manifest(out, &m)?;
    Ok(m)
}
