//! Criterion benchmarks of the engine: one replication of each shipped
//! scenario, an ensemble on 1 and 2 threads, and the loader and validator.
//!
//! Run with `cargo bench --bench engine`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pocsim::engine::RunOptions;
use pocsim::{Doctrine, Model, Seed, load_scenario, run};
use std::hint::black_box;

fn shipped() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir("scenarios")
        .expect("run from the repository root")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

fn one_replication(c: &mut Criterion) {
    let mut g = c.benchmark_group("replication");
    for path in shipped() {
        let loaded = load_scenario(&path, &[]).unwrap();
        let model = Model::build(&loaded.scenario);
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        // Events per replication, to report events per second.
        let probe = run(
            &model,
            Seed::new(1, 0),
            &mut Doctrine::default(),
            RunOptions {
                record_events: true,
                ..RunOptions::default()
            },
        );
        g.throughput(Throughput::Elements(probe.events.len() as u64));
        let mut r = 0u64;
        g.bench_function(&name, |b| {
            b.iter(|| {
                r += 1;
                black_box(run(
                    &model,
                    Seed::new(1, r),
                    &mut Doctrine::default(),
                    RunOptions::default(),
                ))
            })
        });
    }
    g.finish();
}

/// An ensemble: 256 replications of the tutorial, on 1 and 2 threads.
fn ensemble(c: &mut Criterion) {
    use rayon::prelude::*;
    let loaded = load_scenario("scenarios/tutorial.toml".as_ref(), &[]).unwrap();
    let model = Model::build(&loaded.scenario);
    let mut g = c.benchmark_group("ensemble");
    g.throughput(Throughput::Elements(256));
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        g.bench_function(format!("tutorial_256_reps_{threads}_threads"), |b| {
            b.iter(|| {
                pool.install(|| {
                    (0..256usize)
                        .into_par_iter()
                        .map(|r| {
                            run(
                                &model,
                                Seed::new(1, r as u64),
                                &mut Doctrine::default(),
                                RunOptions::default(),
                            )
                            .summary
                            .civilians_harmed
                        })
                        .collect::<Vec<_>>()
                })
            })
        });
    }
    g.finish();
}

/// Cost as the generated mission grows x2, x4, x8 in sites, units or horizon.
fn scaling(c: &mut Criterion) {
    let mut g = c.benchmark_group("scaling");
    g.sample_size(20);
    let (s0, u0, d0) = (25usize, 15usize, 90.0);
    let mut cases = vec![("base".to_string(), s0, u0, d0)];
    for k in [2usize, 4, 8] {
        cases.push((format!("sites_x{k}"), s0 * k, u0, d0));
        cases.push((format!("units_x{k}"), s0, u0 * k, d0));
        cases.push((format!("days_x{k}"), s0, u0, d0 * k as f64));
    }
    cases.push((
        "mission_50_sites_30_units_180_days".to_string(),
        50,
        30,
        180.0,
    ));
    for (name, sites, units, days) in cases {
        let text = pocsim::synth::mission(sites, units, days);
        let loaded = pocsim::load_scenario_str(&text, &name, &[]).unwrap();
        let model = Model::build(&loaded.scenario);
        let mut r = 0u64;
        g.bench_function(&name, |b| {
            b.iter(|| {
                r += 1;
                black_box(run(
                    &model,
                    Seed::new(1, r),
                    &mut Doctrine::default(),
                    RunOptions::default(),
                ))
            })
        });
    }
    g.finish();
}

fn load_and_validate(c: &mut Criterion) {
    let largest = shipped()
        .into_iter()
        .max_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .unwrap();
    c.bench_function("load_validate_build/largest", |b| {
        b.iter(|| {
            let l = load_scenario(&largest, &[]).unwrap();
            black_box(Model::build(&l.scenario))
        })
    });
}

criterion_group!(
    benches,
    one_replication,
    ensemble,
    scaling,
    load_and_validate
);
criterion_main!(benches);
