//! Running an experiment as a Slurm job array: one shard per array task, and a
//! merge job that runs after all of them (`--dependency=afterok`). A plan runs
//! as an array too (`plan_script`): its shards work together on one search
//! through the shared filesystem, so they run at once and need no merge.
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

/// An array task's `#SBATCH` directives and the shell lines every task
/// starts with (the binary, the output, its index, its threads).
struct Task<'a> {
    job_name: &'a str,
    array: &'a str,
    cpus_per_task: u32,
    time: &'a str,
    mem: &'a str,
    log: &'a Path,
    partition: Option<&'a str>,
    pocsim: &'a Path,
    out: &'a Path,
    shards: u64,
}

impl Task<'_> {
    fn write(&self, s: &mut String, vars: &[(&str, &Path)]) {
        let _ = writeln!(s, "#SBATCH --job-name={}", self.job_name);
        let _ = writeln!(s, "#SBATCH --array={}", self.array);
        let _ = writeln!(s, "#SBATCH --cpus-per-task={}", self.cpus_per_task);
        let _ = writeln!(s, "#SBATCH --time={}", self.time);
        let _ = writeln!(s, "#SBATCH --mem={}", self.mem);
        let _ = writeln!(s, "#SBATCH --output={}", self.log.display());
        if let Some(p) = self.partition {
            let _ = writeln!(s, "#SBATCH --partition={p}");
        }
        let _ = writeln!(s, "set -euo pipefail");
        let _ = writeln!(s, "POCSIM={}", q(self.pocsim));
        for (name, path) in vars {
            let _ = writeln!(s, "{name}={}", q(path));
        }
        let _ = writeln!(s, "OUT={}", q(self.out));
        let _ = writeln!(s, "N={}", self.shards);
        let _ = writeln!(s, "I=${{SLURM_ARRAY_TASK_ID:?run this script with sbatch}}");
        let _ = writeln!(s, "mkdir -p \"$OUT/shards\" \"$OUT/logs\"");
        let _ = writeln!(s, "# Rayon uses the CPUs Slurm gave this task.");
        let _ = writeln!(
            s,
            "export RAYON_NUM_THREADS=\"${{SLURM_CPUS_PER_TASK:-{}}}\"",
            self.cpus_per_task
        );
    }
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
    let array = format!(
        "1-{}{}",
        j.shards,
        j.throttle.map(|t| format!("%{t}")).unwrap_or_default()
    );
    let task = Task {
        job_name: &j.job_name,
        array: &array,
        cpus_per_task: j.cpus_per_task,
        time: &j.time,
        mem: &j.mem,
        log: &logs.join("shard-%a.log"),
        partition: j.partition.as_deref(),
        pocsim: &j.pocsim,
        out: &j.out,
        shards: j.shards,
    };
    task.write(&mut s, &[("EXPERIMENT", &j.experiment)]);
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

/// What a plan's job script needs.
pub struct PlanJob {
    /// The `pocsim` binary as the compute nodes see it.
    pub pocsim: PathBuf,
    /// `pocsim plan`'s arguments, paths absolute, without `--out`,
    /// `--shard`, `--resume`, `--threads` or `--quiet`.
    pub args: Vec<String>,
    /// The plan's directory on the shared filesystem.
    pub out: PathBuf,
    pub shards: u64,
    pub cpus_per_task: u32,
    /// Wall time per task, `HH:MM:SS`.
    pub time: String,
    pub mem: String,
    pub partition: Option<String>,
    pub job_name: String,
}

/// The `sbatch` script of a plan: an array of shards of one search. Every
/// task must run at the same time (each waits for the others' candidates),
/// so the array has no throttle; shard 1 writes the plan and its charts in
/// OUT. Re-running a task resumes it.
pub fn plan_script(j: &PlanJob) -> Result<String, Error> {
    if j.shards == 0 {
        return Err(Error::Usage("--shards must be at least 1".into()));
    }
    let logs = j.out.join("logs");
    let mut s = String::new();
    let _ = writeln!(s, "#!/bin/bash");
    let _ = writeln!(
        s,
        "# pocsim {} plan as a Slurm job array of {} shards of one search.",
        crate::VERSION,
        j.shards
    );
    let _ = writeln!(
        s,
        "# Submit with: sbatch THIS_FILE. The shards exchange candidates through {}",
        q(&j.out)
    );
    let _ = writeln!(
        s,
        "# and must all run at once; shard 1 writes plan.csv, front.csv, levers.csv,"
    );
    let _ = writeln!(
        s,
        "# recommendation.md and plots/ there. A failed task: sbatch --array=I THIS_FILE (it resumes)."
    );
    let array = format!("1-{}", j.shards);
    let task = Task {
        job_name: &j.job_name,
        array: &array,
        cpus_per_task: j.cpus_per_task,
        time: &j.time,
        mem: &j.mem,
        log: &logs.join("plan-shard-%a.log"),
        partition: j.partition.as_deref(),
        pocsim: &j.pocsim,
        out: &j.out,
        shards: j.shards,
    };
    task.write(&mut s, &[]);
    let args: Vec<String> = j.args.iter().map(|a| q(Path::new(a))).collect();
    let _ = writeln!(
        s,
        "exec \"$POCSIM\" plan {} --out \"$OUT\" --shard \"$I/$N\" --resume --quiet",
        args.join(" ")
    );
    Ok(s)
}
