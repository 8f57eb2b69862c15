//! pocsim: an agent-based, stochastic simulator of police in UN peace
//! operations protecting civilians.
//!
//! The library holds everything; the `pocsim` binary only parses arguments
//! and calls it. The flow is:
//!
//! ```text
//! scenario file ─▶ LoadedScenario (validated) ─▶ Model (indexed, shared)
//!                 ─▶ Simulation (one replication) ◀─ Decider (doctrine | trainee)
//!                 ─▶ RunResult (summary, daily series, event log)
//!                 ─▶ experiments (replications, designs, statistics)
//!                 ─▶ outputs (files, charts, report pages)
//! ```
//!
//! The modules follow that flow: `scenario` (reading and checking input),
//! `world` and `model` (compiled, indexed data; `ids` types its indices),
//! `engine` (one replication; `policy` is the decider's side of it, `rng`
//! the keyed streams), `metrics` (what a run measures), `experiment`,
//! `sensitivity` and `calibration` (many replications and what they show),
//! `exercise` (people deciding instead of the doctrine), `cluster` (beyond
//! one machine) and `outputs` (what a user reads).
//!
//! ```
//! use pocsim::{load_scenario, Model, Seed, Doctrine, RunOptions, run};
//! let loaded = load_scenario("scenarios/tutorial.toml".as_ref(), &[]).unwrap();
//! let model = Model::build(&loaded.scenario);
//! let a = run(&model, Seed::new(7, 0), &mut Doctrine::default(), RunOptions::default());
//! let b = run(&model, Seed::new(7, 0), &mut Doctrine::default(), RunOptions::default());
//! assert_eq!(a.summary, b.summary); // a run is a pure function of scenario and seed
//! println!("civilians harmed: {}", a.summary.civilians_harmed);
//! ```

pub mod calibration;
pub mod classroom;
pub mod cluster;
pub mod engine;
pub mod error;
pub mod exercise;
pub mod experiment;
pub mod ids;
pub mod metrics;
pub mod model;
pub mod outputs;
pub mod planner;
pub mod policy;
pub mod rng;
pub mod scenario;
pub mod sensitivity;
pub mod stats;
#[doc(hidden)] // a generator of synthetic scenarios for the benches and tests, not an API
pub mod synth;
pub mod world;

pub use engine::{DecisionError, RunOptions, Simulation, Step, run};
pub use error::Error;
pub use metrics::{RunResult, Summary};
pub use model::Model;
pub use policy::{Decider, Decision, Doctrine, Situation};
pub use rng::Seed;
pub use scenario::{LoadedScenario, Override, load_scenario, load_scenario_str};

/// The pocsim version recorded in every output.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
