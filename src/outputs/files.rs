//! Writing results: atomically, and never over someone else's results.
//!
//! Each file is written to a temporary name in the same directory and renamed
//! into place, so a reader never sees half a file and a crash leaves the old
//! file intact. A file that already exists with different content is not
//! replaced unless the caller says so (`--force`).

use crate::error::Error;
use crate::metrics::{RunResult, Summary};
use crate::model::Model;
use crate::rng::Seed;
use crate::scenario::{LoadedScenario, ThreatKind};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically (temporary file, fsync, rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

/// A set of files to write into one directory, checked before any is written.
pub struct OutputSet {
    dir: PathBuf,
    files: Vec<(String, Vec<u8>)>,
}

impl OutputSet {
    pub fn new(dir: &Path) -> Self {
        OutputSet {
            dir: dir.to_path_buf(),
            files: Vec::new(),
        }
    }
    pub fn add(&mut self, name: &str, bytes: Vec<u8>) {
        self.files.push((name.to_string(), bytes));
    }
    /// Creates the directory and writes every file, refusing (before writing
    /// anything) to replace a file whose content differs unless `force`.
    pub fn commit(self, force: bool) -> Result<(), Error> {
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        if !force {
            for (name, bytes) in &self.files {
                let p = self.dir.join(name);
                if let Ok(old) = std::fs::read(&p)
                    && old != *bytes
                {
                    return Err(Error::Usage(format!(
                        "{} already exists with other results; choose another --out or pass --force to replace it",
                        p.display()
                    )));
                }
            }
        }
        for (name, bytes) in &self.files {
            write_atomic(&self.dir.join(name), bytes)?;
        }
        Ok(())
    }
}

#[derive(Serialize)]
struct SummaryFile<'a> {
    pocsim_version: &'a str,
    scenario_name: &'a str,
    scenario_file: &'a str,
    scenario_hash: &'a str,
    overrides: &'a [String],
    seed: u64,
    replication: u64,
    #[serde(flatten)]
    metrics: &'a Summary,
}

/// `summary.json`: every metric plus provenance.
pub fn summary_json(loaded: &LoadedScenario, seed: Seed, r: &RunResult) -> Vec<u8> {
    let f = SummaryFile {
        pocsim_version: crate::VERSION,
        scenario_name: &loaded.scenario.scenario.name,
        scenario_file: &loaded.file,
        scenario_hash: &loaded.hash,
        overrides: &loaded.overrides,
        seed: seed.master,
        replication: seed.replication,
        metrics: &r.summary,
    };
    let mut v = serde_json::to_vec_pretty(&f).expect("summary serialises");
    v.push(b'\n');
    v
}

/// `timeseries.csv`: one row per day and site (tidy, long format).
pub fn timeseries_csv(model: &Model, r: &RunResult) -> Vec<u8> {
    let kinds: Vec<ThreatKind> = ThreatKind::ALL
        .into_iter()
        .filter(|k| model.kinds[k.index()].is_some())
        .collect();
    let mut s = String::from(
        "day,site,population,tension,trust,host_capacity,incidents_true,incidents_reported,incidents_known,harmed,killed,patrols",
    );
    for k in &kinds {
        let _ = write!(s, ",{0}.incidents_true,{0}.harmed", k.name());
    }
    s.push('\n');
    for row in &r.site_days {
        let _ = write!(
            s,
            "{},{},{:.0},{:.4},{:.4},{:.4},{},{},{},{},{},{}",
            row.day + 1,
            csv_field(&model.world.sites[row.site].id),
            row.population,
            row.tension,
            row.trust,
            row.host_capacity,
            row.incidents_true,
            row.incidents_reported,
            row.incidents_known,
            row.harmed,
            row.killed,
            row.patrols
        );
        for k in &kinds {
            let i = k.index();
            let _ = write!(s, ",{},{}", row.true_by_kind[i], row.harmed_by_kind[i]);
        }
        s.push('\n');
    }
    s.into_bytes()
}

/// `events.csv`: one row per event.
pub fn events_csv(model: &Model, r: &RunResult) -> Vec<u8> {
    let mut s = String::from("time_h,kind,site,unit,incident,outcome\n");
    for e in &r.events {
        let _ = writeln!(
            s,
            "{:.4},{},{},{},{},{}",
            e.time_h,
            e.kind,
            e.site
                .map(|x| csv_field(&model.world.sites[x].id))
                .unwrap_or_default(),
            e.unit
                .map(|x| csv_field(&model.units[x].id))
                .unwrap_or_default(),
            e.incident.map(|x| x.to_string()).unwrap_or_default(),
            csv_field(&e.outcome)
        );
    }
    s.into_bytes()
}

/// Quotes a CSV field when it needs it.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Makes `out` ready for a command whose results include `marker`: absent or
/// empty, or holding an earlier run of that command and `force` given.
pub fn prepare_out_dir(out: &Path, marker: &str, force: bool) -> Result<(), Error> {
    if out.exists() {
        let ours = out.join(marker).exists();
        let empty = std::fs::read_dir(out)
            .map_err(|e| Error::io(out, e))?
            .next()
            .is_none();
        let replaceable = empty || (ours && force);
        if !replaceable {
            return Err(Error::Usage(format!(
                "{} is not empty; choose another --out{}",
                out.display(),
                if ours { " or pass --force" } else { "" }
            )));
        }
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))
}
