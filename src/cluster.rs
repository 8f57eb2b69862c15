//! Running an experiment as a Slurm job array: one shard per array task, and a
//! merge job that runs after all of them (`--dependency=afterok`).
//!
//! pocsim has no scheduler of its own: shards are `--shard I/N` of the same
//! experiment, re-running a finished shard is a no-op (`--resume` on a complete
//! shard only rebuilds its statistics), and `merge` refuses a missing or foreign
//! shard by name. The merged files equal a single-machine run byte for byte.

use crate::error::Error;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What the job script needs.
pub struct SlurmJob {
    /// The `pocsim` binary as the compute nodes see it.
    pub pocsim: PathBuf,
    pub experiment: PathBuf,
    pub out: PathBuf,
    pub shards: u64,
    /// At most this many shards run at once (`%` throttle).
    pub throttle: Option<u64>,
    pub cpus_per_task: u32,
    /// Wall time per task, `HH:MM:SS`.
    pub time: String,
    /// Memory per task, e.g. `1G`.
    pub mem: String,
    pub partition: Option<String>,
    pub job_name: String,
}

/// An absolute path, without touching the disk beyond the current directory.
pub fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}

/// Hours of wall time formatted for Slurm.
pub fn slurm_time(hours: f64) -> String {
    let secs = (hours * 3600.0).ceil().max(60.0) as u64;
    format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

fn q(p: &Path) -> String {
    let s = p.display().to_string();
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The `sbatch` script: the array of shards; its first task submits the merge.
pub fn script(j: &SlurmJob) -> Result<String, Error> {
    if j.shards == 0 {
        return Err(Error::Usage("--shards must be at least 1".into()));
    }
    let shard_dir = j.out.join("shards");
    let logs = j.out.join("logs");
    let mut s = String::new();
    let _ = writeln!(s, "#!/bin/bash");
    let _ = writeln!(
        s,
        "# pocsim {} experiment {} as a Slurm job array.",
        crate::VERSION,
        j.experiment.display()
    );
    let _ = writeln!(
        s,
        "# Submit with: sbatch THIS_FILE. Re-run one failed shard with: sbatch --array=I THIS_FILE"
    );
    let _ = writeln!(
        s,
        "# (then merge by hand: {} merge {} {}/*).",
        j.pocsim.display(),
        j.out.join("merged").display(),
        shard_dir.display()
    );
    let _ = writeln!(s, "#SBATCH --job-name={}", j.job_name);
    let _ = writeln!(
        s,
        "#SBATCH --array=1-{}{}",
        j.shards,
        j.throttle.map(|t| format!("%{t}")).unwrap_or_default()
    );
    let _ = writeln!(s, "#SBATCH --cpus-per-task={}", j.cpus_per_task);
    let _ = writeln!(s, "#SBATCH --time={}", j.time);
    let _ = writeln!(s, "#SBATCH --mem={}", j.mem);
    let _ = writeln!(s, "#SBATCH --output={}/shard-%a.log", logs.display());
    if let Some(p) = &j.partition {
        let _ = writeln!(s, "#SBATCH --partition={p}");
    }
    let _ = writeln!(s, "set -euo pipefail");
    let _ = writeln!(s, "POCSIM={}", q(&j.pocsim));
    let _ = writeln!(s, "EXPERIMENT={}", q(&j.experiment));
    let _ = writeln!(s, "OUT={}", q(&j.out));
    let _ = writeln!(s, "N={}", j.shards);
    let _ = writeln!(s, "I=${{SLURM_ARRAY_TASK_ID:?run this script with sbatch}}");
    let _ = writeln!(s, "mkdir -p \"$OUT/shards\" \"$OUT/logs\"");
    let _ = writeln!(s, "# Rayon uses the CPUs Slurm gave this task.");
    let _ = writeln!(
        s,
        "export RAYON_NUM_THREADS=\"${{SLURM_CPUS_PER_TASK:-{}}}\"",
        j.cpus_per_task
    );
    let _ = writeln!(
        s,
        "if [ \"$I\" = 1 ] && [ \"${{SLURM_ARRAY_TASK_COUNT:-1}}\" = \"$N\" ]; then"
    );
    let _ = writeln!(
        s,
        "  # The merge runs once every shard of this array has succeeded."
    );
    let _ = writeln!(s, "  SHARDS=\"\"");
    let _ = writeln!(
        s,
        "  for k in $(seq 1 \"$N\"); do SHARDS=\"$SHARDS '$OUT/shards/$k'\"; done"
    );
    let _ = writeln!(
        s,
        "  sbatch --parsable --job-name={}-merge --dependency=afterok:\"$SLURM_ARRAY_JOB_ID\" --output=\"$OUT/logs/merge.log\" --wrap=\"'$POCSIM' merge '$OUT/merged' $SHARDS\"",
        j.job_name
    );
    let _ = writeln!(s, "fi");
    let _ = writeln!(
        s,
        "# --resume makes a re-run of a finished shard a no-op and finishes an interrupted one."
    );
    let _ = writeln!(
        s,
        "exec \"$POCSIM\" experiment \"$EXPERIMENT\" --out \"$OUT/shards/$I\" --shard \"$I/$N\" --resume --quiet --no-plots"
    );
    Ok(s)
}

/// Estimates the wall time of one shard from a short calibration run: the
/// replications it holds times the time of one, on its CPUs, with room to spare.
pub fn calibrate(plan: &crate::experiment::Plan, shards: u64, cpus: u32) -> f64 {
    use crate::engine::{RunOptions, run};
    let probe = plan.runs.clamp(1, 5);
    let t0 = std::time::Instant::now();
    // The variants of one world (the first point, over plausible worlds).
    let models = plan.models(0..plan.per_point()).unwrap_or_default();
    for m in &models {
        for r in 0..probe {
            let _ = run(
                m,
                crate::rng::Seed::new(plan.seed, r),
                &mut crate::policy::Doctrine::default(),
                RunOptions::default(),
            );
        }
    }
    let per_run = t0.elapsed().as_secs_f64() / (probe * models.len().max(1) as u64) as f64;
    let runs_per_shard = plan.runs.div_ceil(shards) * plan.variants.len() as u64;
    let hours = per_run * runs_per_shard as f64 / f64::from(cpus.max(1)) / 3600.0;
    // Three times the estimate (other jobs, slower nodes, statistics) plus ten minutes.
    hours * 3.0 + 10.0 / 60.0
}

/// Checks a job against its experiment file (the shard count against its
/// runs), sets the wall time per shard from a short calibration run when
/// `estimate_time` (the note says so), makes the directories Slurm opens
/// before the job starts, and returns the job script.
pub fn prepare(mut job: SlurmJob, estimate_time: bool) -> Result<(String, Option<String>), Error> {
    let (spec, _) = crate::experiment::spec::read_experiment_file(&job.experiment)?;
    let plan = crate::experiment::plan(&spec)?;
    if job.shards == 0 || job.shards > plan.runs {
        return Err(Error::Usage(format!(
            "--shards must be from 1 to the number of runs ({})",
            plan.runs
        )));
    }
    let note = if estimate_time {
        job.time = slurm_time(calibrate(&plan, job.shards, job.cpus_per_task));
        Some(format!(
            "estimated wall time per shard: {} (calibration run; give --time to set it)",
            job.time
        ))
    } else {
        None
    };
    let text = script(&job)?;
    for d in [job.out.join("logs"), job.out.join("shards")] {
        std::fs::create_dir_all(&d).map_err(|e| Error::io(&d, e))?;
    }
    Ok((text, note))
}
