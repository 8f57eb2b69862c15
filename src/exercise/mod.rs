//! Training exercises: a person takes the operations centre's decisions.
//!
//! This module holds what every front end shares: the decision log (written
//! with `--log`, replayed with `--decisions`), the mapping between what a
//! trainee names (a unit id, a site id) and the engine's options, and the
//! session loop that drives the steppable engine. The plain line-by-line
//! front end lives in `plain.rs`.

pub mod plain;
pub mod review;

use crate::engine::{RunOptions, Simulation, Step};
use crate::error::Error;
use crate::metrics::RunResult;
use crate::model::Model;
use crate::policy::{Decider, Decision, Doctrine, Situation, Status};
use crate::rng::Seed;
use crate::scenario::LoadedScenario;
use serde::{Deserialize, Serialize};

/// A choice as a trainee states it: by unit and site ids, not option numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Choice {
    Dispatch {
        unit: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        support: Option<String>,
    },
    Waiver {
        unit: String,
    },
    Wait,
    Decline,
    HostSupport {
        site: String,
        supported: bool,
    },
}

/// One logged decision, with what was shown when it was taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedDecision {
    pub time_h: f64,
    pub incident: usize,
    pub kind: String,
    pub site: String,
    pub choice: Choice,
    /// The options as shown: "unit: status, eta".
    #[serde(default)]
    pub shown: Vec<String>,
}

/// The exercise log (`--log`), also a decisions file (`--decisions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExerciseLog {
    pub pocsim_version: String,
    pub scenario_file: String,
    pub scenario_hash: String,
    pub seed: u64,
    #[serde(default)]
    pub replication: u64,
    #[serde(default)]
    pub team: String,
    pub decisions: Vec<LoggedDecision>,
    /// Filled in at the end of the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<serde_json::Value>,
}

/// Something that takes a trainee's decisions (a terminal, a file).
pub trait Trainee {
    /// The choice for this situation; `None` hands the rest of the session to doctrine.
    fn choose(&mut self, model: &Model, s: &Situation, problem: Option<&str>) -> Option<Choice>;
}

/// Text for one option as shown to trainees.
pub fn describe_option(model: &Model, o: &crate::policy::ResponseOption) -> String {
    let unit = &model.units[o.unit];
    let status = match o.status {
        Status::Ready => "ready".to_string(),
        Status::Delayed(r) => format!("delayed by {}", r.name()),
        Status::Forbidden(r) => format!("FORBIDDEN by {}", r.name()),
        Status::Busy => "busy".to_string(),
    };
    format!(
        "{} ({}, {:.0} officers{}): {}, arrives in {:.1} h, effectiveness {:.0}%",
        unit.id,
        unit.kind.name(),
        o.officers,
        if o.mounted { "" } else { ", on foot" },
        status,
        o.eta_h,
        100.0 * o.effectiveness
    )
}

/// Turns a choice into the engine's decision for this situation.
pub fn to_decision(model: &Model, s: &Situation, c: &Choice) -> Result<Decision, String> {
    let option_of = |id: &str| -> Result<usize, String> {
        if !model.units.iter().any(|u| u.id == id) {
            return Err(format!("unit `{id}` does not exist in this scenario"));
        }
        s.options
            .iter()
            .position(|o| model.units[o.unit].id == id)
            .ok_or_else(|| format!("unit `{id}` cannot answer this incident now"))
    };
    Ok(match c {
        Choice::Dispatch { unit, support } => Decision::Dispatch {
            option: option_of(unit)?,
            support: support.as_deref().map(option_of).transpose()?,
        },
        Choice::Waiver { unit } => Decision::RequestWaiver {
            option: option_of(unit)?,
        },
        Choice::Wait => Decision::Wait,
        Choice::Decline => Decision::Decline,
        Choice::HostSupport { site, supported } => Decision::SetHostSupport {
            site: *model
                .world
                .index
                .get(site)
                .ok_or_else(|| format!("site `{site}` does not exist in this scenario"))?,
            supported: *supported,
        },
    })
}

/// The doctrine's choice, stated by ids (for the log when doctrine takes over).
pub fn doctrine_choice(model: &Model, s: &Situation) -> Choice {
    match Doctrine::default().decide(s) {
        Decision::Dispatch { option, support } => Choice::Dispatch {
            unit: model.units[s.options[option].unit].id.clone(),
            support: support.map(|k| model.units[s.options[k].unit].id.clone()),
        },
        Decision::Wait => Choice::Wait,
        _ => Choice::Decline,
    }
}

/// Runs a session: the trainee decides until it hands over, then doctrine.
/// Every decision is logged with what was shown.
pub fn play(
    loaded: &LoadedScenario,
    model: &Model,
    seed: Seed,
    team: &str,
    trainee: &mut dyn Trainee,
) -> (ExerciseLog, RunResult) {
    let opts = RunOptions {
        list_all_options: true,
        record_events: true,
        record_site_days: true,
        ..RunOptions::default()
    };
    let mut sim = Simulation::new(model, seed, opts);
    let mut log = ExerciseLog {
        pocsim_version: crate::VERSION.to_string(),
        scenario_file: loaded.file.clone(),
        scenario_hash: loaded.hash.clone(),
        seed: seed.master,
        replication: seed.replication,
        team: team.to_string(),
        decisions: Vec::new(),
        outcome: None,
    };
    let mut doctrine = false;
    while sim.step() == Step::Decision {
        let mut problem: Option<String> = None;
        loop {
            let s = sim.situation().clone();
            let choice = if doctrine {
                doctrine_choice(model, &s)
            } else {
                match trainee.choose(model, &s, problem.as_deref()) {
                    Some(c) => c,
                    None => {
                        doctrine = true;
                        doctrine_choice(model, &s)
                    }
                }
            };
            let applied = to_decision(model, &s, &choice)
                .and_then(|d| sim.decide(d).map_err(|e| explain(model, &s, e)));
            match applied {
                Ok(()) => {
                    log.decisions.push(LoggedDecision {
                        time_h: s.now_h,
                        incident: s.incident.id,
                        kind: s.incident.kind.name().to_string(),
                        site: model.world.sites[s.incident.site].id.clone(),
                        shown: s
                            .options
                            .iter()
                            .map(|o| describe_option(model, o))
                            .collect(),
                        choice: choice.clone(),
                    });
                    // Host support changes leave the incident's decision pending.
                    if !matches!(choice, Choice::HostSupport { .. }) {
                        break;
                    }
                    problem = None;
                }
                Err(e) if !doctrine => problem = Some(e),
                Err(_) => {
                    let _ = sim.decide(Decision::Decline);
                    break;
                }
            }
        }
    }
    let result = sim.finish();
    log.outcome = serde_json::to_value(&result.summary).ok();
    (log, result)
}

/// A refused decision in the trainee's terms (unit ids, not option indexes).
fn explain(model: &Model, s: &Situation, e: crate::engine::DecisionError) -> String {
    use crate::engine::DecisionError as E;
    let unit = |k: usize| {
        s.options.get(k).map_or_else(
            || format!("option {}", k + 1),
            |o| model.units[o.unit].id.clone(),
        )
    };
    match e {
        E::NotDispatchable { option, why } => {
            format!("{} cannot be dispatched: {why}", unit(option))
        }
        E::NotWaivable { option, why } => {
            format!("{} needs no waiver or cannot have one: {why}", unit(option))
        }
        other => other.to_string(),
    }
}

/// Replays a decisions file: each logged decision at its moment, then doctrine.
pub struct Replay {
    decisions: std::collections::VecDeque<LoggedDecision>,
    pub error: Option<String>,
}

impl Replay {
    /// Checks that the log belongs to this scenario before replaying it.
    pub fn new(log: &ExerciseLog, loaded: &LoadedScenario, file: &str) -> Result<Replay, Error> {
        if log.scenario_hash != loaded.hash {
            return Err(Error::input(
                file,
                format!(
                    "this log is from another scenario ({}, sha256 {}), not {} (sha256 {})",
                    log.scenario_file,
                    &log.scenario_hash[..log.scenario_hash.len().min(12)],
                    loaded.file,
                    &loaded.hash[..12]
                ),
            ));
        }
        Ok(Replay {
            decisions: log.decisions.iter().cloned().collect(),
            error: None,
        })
    }

    /// Logged decisions never reached: a decision at a time when nothing was pending.
    pub fn leftover(&self) -> Option<&LoggedDecision> {
        self.decisions.front()
    }
}

impl Trainee for Replay {
    fn choose(&mut self, model: &Model, s: &Situation, problem: Option<&str>) -> Option<Choice> {
        if let Some(p) = problem {
            self.error.get_or_insert_with(|| {
                format!("at {:.2} h, incident {}: {p}", s.now_h, s.incident.id)
            });
            return None;
        }
        let next = self.decisions.front()?;
        if next.incident != s.incident.id || (next.time_h - s.now_h).abs() > 1e-6 {
            // This decision point was not in the file: doctrine takes it.
            return Some(doctrine_choice(model, s));
        }
        Some(self.decisions.pop_front().expect("peeked").choice)
    }
}

/// Reads a log or decisions file.
pub fn read_log(path: &std::path::Path) -> Result<ExerciseLog, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| {
        Error::Input(vec![crate::error::Located {
            file: path.display().to_string(),
            line_col: Some((e.line(), e.column())),
            path: None,
            message: format!("not a pocsim exercise log: {e}"),
        }])
    })
}
