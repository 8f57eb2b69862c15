//! Merging shards: `pocsim merge OUT DIR...` interleaves the shards' rows back
//! into the single-machine order and recomputes the statistics, so the merged
//! files are byte-identical to a run on one machine.

use super::design_run::{self, EVALUATIONS, EVALUATIONS_PARTIAL};
use super::{
    EFFECTS, MANIFEST, Manifest, PARTIAL, POINTS, RUNS, SCENARIO, SITES, SUMMARY, Shard,
    read_manifest, table, uncertain, write_manifest,
};
use crate::error::Error;
use crate::outputs::files::write_atomic;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// Merges complete shard directories into `out`: an experiment's statistics,
/// or a design's evaluations (the caller then finishes its analysis).
pub fn merge(
    out: &Path,
    dirs: &[PathBuf],
    force: bool,
    selected: &[String],
) -> Result<Merged, Error> {
    if dirs.is_empty() {
        return Err(Error::Usage(
            "merge needs at least one shard directory".into(),
        ));
    }
    let mut shards: Vec<(Manifest, PathBuf)> = Vec::new();
    for d in dirs {
        let m = read_manifest(d)?.ok_or_else(|| {
            Error::Usage(format!(
                "{} holds no pocsim experiment (no {MANIFEST})",
                d.display()
            ))
        })?;
        let (table, partial) = if m.analysis.is_some() {
            (EVALUATIONS, EVALUATIONS_PARTIAL)
        } else {
            (RUNS, PARTIAL)
        };
        if m.status != "complete" || d.join(partial).exists() || !d.join(table).exists() {
            return Err(Error::Usage(format!(
                "shard {} in {} is not complete (status: {}); finish it with --resume first",
                m.shard,
                d.display(),
                m.status
            )));
        }
        shards.push((m, d.clone()));
    }
    let first = shards[0].0.clone();
    for (m, d) in &shards[1..] {
        if m.experiment_key != first.experiment_key {
            let why = if m.kind != first.kind {
                format!("a different kind of run ({} and {})", m.kind, first.kind)
            } else if m.seed != first.seed {
                format!("a different seed ({} and {})", m.seed, first.seed)
            } else if m.scenario_hash != first.scenario_hash {
                "a different scenario".into()
            } else if m.runs != first.runs {
                "a different number of runs".into()
            } else if m.variants != first.variants || m.analysis != first.analysis {
                "different variants, overrides or analysis".into()
            } else {
                "a different experiment (pocsim version or metrics)".into()
            };
            return Err(Error::Usage(format!(
                "{} cannot be merged with {}: it comes from {why}",
                d.display(),
                shards[0].1.display()
            )));
        }
        if m.shard.count != first.shard.count {
            return Err(Error::Usage(format!(
                "{} is shard {} but {} is shard {}: shards of different splits cannot be merged",
                d.display(),
                m.shard,
                shards[0].1.display(),
                first.shard
            )));
        }
    }
    let n = first.shard.count;
    let mut by_index: Vec<Option<usize>> = vec![None; n as usize];
    for (k, (m, d)) in shards.iter().enumerate() {
        let slot = &mut by_index[(m.shard.index - 1) as usize];
        if let Some(prev) = slot {
            return Err(Error::Usage(format!(
                "shard {} is given twice ({} and {}): shards overlap",
                m.shard,
                shards[*prev].1.display(),
                d.display()
            )));
        }
        *slot = Some(k);
    }
    let missing: Vec<String> = by_index
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| format!("{}/{n}", i + 1))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Usage(format!(
            "shard {} missing: cannot merge an incomplete experiment",
            missing.join(", ")
        )));
    }

    // Output directory: refuse to overwrite another experiment.
    if let Some(m) = read_manifest(out)? {
        if m.experiment_key != first.experiment_key && !force {
            return Err(Error::Usage(format!(
                "{} already holds a different experiment; choose another directory or pass --force",
                out.display()
            )));
        }
    } else if out.exists()
        && std::fs::read_dir(out)
            .map_err(|e| Error::io(out, e))?
            .next()
            .is_some()
        && !force
    {
        return Err(Error::Usage(format!(
            "{} is not empty; choose another directory or pass --force",
            out.display()
        )));
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    if first.analysis.is_some() {
        let ordered: Vec<(Manifest, PathBuf)> = by_index
            .iter()
            .map(|s| shards[s.expect("checked")].clone())
            .collect();
        return Ok(Merged::Design(design_run::merge(out, &ordered)?));
    }
    // Over plausible worlds the variant column holds the variant's own name
    // (`label` of `label@point`).
    let worlds = first.inputs.first().is_some_and(|c| c == "point");
    let label = |name: &str| -> String {
        if worlds {
            name.rsplit_once('@').map_or(name, |(l, _)| l).to_string()
        } else {
            name.to_string()
        }
    };

    // Interleave rows: replication r comes from shard r % n, all variants in order.
    let n_var = first.variants.len();
    let mut readers = Vec::new();
    let mut header: Option<String> = None;
    for slot in &by_index {
        let d = &shards[slot.expect("checked")].1;
        let p = d.join(RUNS);
        let mut r = BufReader::new(std::fs::File::open(&p).map_err(|e| Error::io(&p, e))?);
        let mut h = String::new();
        r.read_line(&mut h).map_err(|e| Error::io(&p, e))?;
        match &header {
            None => header = Some(h),
            Some(h0) if *h0 != h => {
                return Err(Error::Usage(format!(
                    "{} has different columns from the other shards",
                    p.display()
                )));
            }
            _ => {}
        }
        readers.push((p, r));
    }
    let header = header.expect("at least one shard");
    let tmp = out.join(format!(".{RUNS}.tmp-{}", std::process::id()));
    let result = (|| -> Result<(), Error> {
        let mut w =
            std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?);
        w.write_all(header.as_bytes())
            .map_err(|e| Error::io(&tmp, e))?;
        let mut line = String::new();
        let n_points = if worlds {
            std::fs::read_to_string(shards[0].1.join(POINTS))
                .map_err(|e| Error::io(shards[0].1.join(POINTS), e))?
                .lines()
                .count()
                .saturating_sub(1)
        } else {
            0
        };
        for (r, v) in super::work_items(first.runs, n_var, n_points, Shard::ALL) {
            let (p, reader) = &mut readers[(r % n) as usize];
            line.clear();
            reader.read_line(&mut line).map_err(|e| Error::io(&*p, e))?;
            let f = table::split_csv(line.trim_end_matches('\n'));
            let ok = f.len() > 2 && f[0] == label(&first.variants[v].name) && f[1] == r.to_string();
            if !ok || !line.ends_with('\n') {
                return Err(Error::Usage(format!(
                    "{} is inconsistent: expected variant {} replication {r}",
                    p.display(),
                    first.variants[v].name
                )));
            }
            w.write_all(line.as_bytes())
                .map_err(|e| Error::io(&tmp, e))?;
        }
        for (p, reader) in &mut readers {
            line.clear();
            if reader.read_line(&mut line).map_err(|e| Error::io(&*p, e))? > 0 {
                return Err(Error::Usage(format!(
                    "{} has more rows than its shard should",
                    p.display()
                )));
            }
        }
        let f = w
            .into_inner()
            .map_err(|e| Error::io(&tmp, e.into_error()))?;
        f.sync_all().map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, out.join(RUNS)).map_err(|e| Error::io(out.join(RUNS), e))
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }

    // The simulated scenario travels with the results (charts re-run it).
    let src = shards[0].1.join(SCENARIO);
    if let Ok(text) = std::fs::read(&src) {
        write_atomic(&out.join(SCENARIO), &text)?;
    }
    write_atomic(
        &out.join(SITES),
        table::sites_csv(&out.join(RUNS), first.inputs.len())?.as_bytes(),
    )?;
    let names: Vec<String> = first.variants.iter().map(|v| v.name.clone()).collect();
    let mut labels: Vec<String> = Vec::new();
    for n in &names {
        let l = label(n);
        if !labels.contains(&l) {
            labels.push(l);
        }
    }
    let compare = first.kind == super::RunKind::Compare;
    let stats = table::compute(
        &out.join(RUNS),
        if worlds { &labels } else { &names },
        first.inputs.len(),
        selected,
        compare && !worlds,
    )?;
    write_atomic(&out.join(SUMMARY), table::summary_csv(&stats).as_bytes())?;
    let mut robust = Vec::new();
    if worlds {
        let src = shards[0].1.join(POINTS);
        let text = std::fs::read(&src).map_err(|e| Error::io(&src, e))?;
        write_atomic(&out.join(POINTS), &text)?;
        let n_points = names.len() / labels.len().max(1);
        robust = uncertain::robust_from_runs(
            &out.join(RUNS),
            &names,
            &labels,
            n_points,
            first.inputs.len(),
            selected,
        )?;
        write_atomic(
            &out.join(EFFECTS),
            uncertain::effects_csv(&robust).as_bytes(),
        )?;
    } else if compare {
        write_atomic(
            &out.join(EFFECTS),
            table::effects_csv(&stats.effects).as_bytes(),
        )?;
    }
    let mut m = first.clone();
    m.shard = Shard::ALL;
    m.rows = first.runs * n_var as u64;
    m.started = shards
        .iter()
        .map(|s| s.0.started.clone())
        .min()
        .unwrap_or_default();
    m.finished = Some(super::now_utc());
    m.command = format!("merge of {n} shards");
    write_manifest(out, &m)?;
    Ok(Merged::Experiment(Outcome {
        stats,
        robust,
        manifest: m,
    }))
}

/// What a merge produced.
pub enum Merged {
    /// A compare or sweep, its statistics computed.
    Experiment(Outcome),
    /// A design's evaluations (`sensitivity`, `calibrate`), merged into a
    /// complete run whose analysis is still to compute.
    Design(Manifest),
}

/// A merged experiment.
pub struct Outcome {
    pub stats: table::Stats,
    /// Over plausible worlds, the robust effects.
    pub robust: Vec<uncertain::Robust>,
    pub manifest: Manifest,
}
