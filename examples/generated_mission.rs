//! Prints a generated mission-scale scenario (50 sites, 30 units, 180 days), or
//! with `--run N`, runs N replications of it (for profiling).
//!
//! `cargo run --release --example generated_mission > mission.toml`
//! `valgrind --tool=callgrind target/release/examples/generated_mission --run 20`

use pocsim::engine::RunOptions;
use pocsim::{Doctrine, Model, Seed, load_scenario_str, run};

fn main() {
    let text = pocsim::synth::mission(50, 30, 180.0);
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == "--run") {
        Some(i) => {
            let n: u64 = args.get(i + 1).and_then(|x| x.parse().ok()).unwrap_or(20);
            let loaded = load_scenario_str(&text, "generated", &[]).expect("valid");
            let model = Model::build(&loaded.scenario);
            let (mut harmed, mut events, mut peak) = (0, 0, 0);
            for r in 0..n {
                let res = run(
                    &model,
                    Seed::new(1, r),
                    &mut Doctrine::default(),
                    RunOptions::default(),
                );
                harmed += res.summary.civilians_harmed;
                events += res.events_processed;
                peak = peak.max(res.queue_peak);
            }
            println!(
                "{n} runs, {harmed} civilians harmed in all, {} events per run, at most {peak} pending",
                events / n
            );
        }
        None => print!("{text}"),
    }
}
