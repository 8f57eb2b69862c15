//! Scenario files: the format, loading with overrides, and validation.
//!
//! A scenario is read from TOML, optionally edited by `--set PATH=VALUE`
//! overrides (applied to the document before anything is checked), parsed
//! into [`Scenario`], and validated. Every error points at a file, line,
//! column and field path.

mod load;
mod locate;
pub use locate::{line_col, locate, value_at, value_in};
pub mod overrides;
mod types;
pub mod uncertain;
mod validate;

pub use load::{LoadedScenario, load_scenario, load_scenario_str};
pub use overrides::{Override, PathSeg, parse_path};
pub use types::*;
pub use validate::{check_uncertainty, validate};
