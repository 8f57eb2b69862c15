//! Training exercises: a person takes the operations centre's decisions.
//!
//! This module holds what every front end shares: the decision log (written
//! with `--log`, replayed with `--decisions`), the mapping between what a
//! trainee names (a unit id, a site id) and the engine's options, and the
//! session loop that drives the steppable engine. The plain line-by-line
//! front end lives in `plain.rs`.

pub mod debrief;
pub mod msel;
pub mod orders;
pub mod plain;
pub mod review;
pub mod tui;

use crate::engine::{RunOptions, Simulation, Step};
use crate::error::Error;
use crate::ids::SiteId;
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
        /// Platoons of an FPU to send, where it may split (default: what the
        /// threat needs).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        platoons: Option<u32>,
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
    /// Answers the oldest escort request waiting for the operations centre:
    /// approve it (with `unit`, or the unit standard procedure would send) or
    /// refuse it. `site` is where the escort goes, filled in when logged.
    Escort {
        approve: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
        /// The request's number (`escorts_asked`); none: the oldest waiting.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request: Option<usize>,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        site: String,
    },
    /// Today's patrol plan: sites in order of priority (none: no patrols
    /// today) and the formed units that patrol (none named: any).
    PatrolPlan {
        #[serde(default)]
        sites: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        units: Vec<String>,
    },
    /// A dialogue with a crowd's or a community's leaders at `site`, through
    /// IPO team `by` or, with none, the head of the police component.
    Dialogue {
        site: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
    },
    /// Alerts a military unit: it moves out faster for a while.
    Alert {
        unit: String,
    },
    /// Support to the host police at `site` goes on under conditions (HRDDP's
    /// mitigating measures: the officers an allegation names are taken off duty).
    Conditions {
        site: String,
    },
    /// The team answers a message (a reply, an acknowledgement): it changes
    /// nothing in the world, and releases a message's hold on the clock.
    Reply {
        #[serde(default, skip_serializing_if = "String::is_empty")]
        to: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        text: String,
    },
    /// The trainer adds an inject: an incident of `kind` at `site` starts now and
    /// is reported at once, with `text` for the trainees.
    Inject {
        kind: String,
        site: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        text: String,
    },
}

fn unknown_time() -> f64 {
    f64::NAN
}

/// One logged decision, with what was shown when it was taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedDecision {
    /// When it was taken. A hand-written decision for an incident may leave it
    /// out: it then applies whenever that incident's decision comes.
    #[serde(default = "unknown_time")]
    pub time_h: f64,
    /// The incident whose decision was pending; none for a choice taken between
    /// decisions (at an inject's message or a trainer's pause).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<usize>,
    /// Kind and site of that incident.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub site: String,
    pub choice: Choice,
    /// The options as shown: "unit: status, eta".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shown: Vec<String>,
    /// The events list's message this choice answered (the one holding the
    /// clock when it was taken, in a classroom).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<u32>,
}

/// The exercise log (`--log`), also a decisions file (`--decisions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExerciseLog {
    #[serde(default)]
    pub pocsim_version: String,
    #[serde(default)]
    pub scenario_file: String,
    /// SHA-256 of the simulated scenario; a hand-written decisions file may
    /// leave it out (it is then not checked).
    #[serde(default)]
    pub scenario_hash: String,
    pub seed: u64,
    #[serde(default)]
    pub replication: u64,
    #[serde(default)]
    pub team: String,
    /// `--set PATH=VALUE` overrides the session was played with (review re-applies them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<String>,
    pub decisions: Vec<LoggedDecision>,
    /// When standard procedure took over from the team, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handed_over_h: Option<f64>,
    /// The events list the session was played with, when it replaced the
    /// scenario's injects (`--msel`); replays apply it again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msel: Vec<msel::Item>,
    /// Messages the team received from the events list (a classroom's white
    /// cell publishes them), with the actions the white cell expected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Message>,
    /// The white cell's marks: how the team met each inject's expected actions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<Mark>,
    /// Filled in at the end of the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<serde_json::Value>,
}

/// A message of the events list as a team received it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// When the team received it, hours from the start.
    pub time_h: f64,
    /// The events list's order number.
    pub order: u32,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub text: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub expected: String,
}

/// How a team met an inject's expected actions, in the white cell's judgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    Met,
    PartlyMet,
    NotMet,
}

impl Grade {
    pub fn words(self) -> &'static str {
        match self {
            Grade::Met => "met",
            Grade::PartlyMet => "partly met",
            Grade::NotMet => "not met",
        }
    }
}

/// The white cell's mark for one inject of the events list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    pub order: u32,
    pub grade: Grade,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// Something that takes a trainee's decisions (a terminal, a file).
pub trait Trainee {
    /// The choice for the pending decision (`session.situation()`); `None` hands
    /// the rest of the session to doctrine. `problem` says why the last choice
    /// was refused. Host support changes and injects may come first.
    fn choose(&mut self, session: &Session, problem: Option<&str>) -> Option<Choice>;

    /// At a stop with nothing pending (an inject's message, or the time asked for
    /// by [`Trainee::next_stop`]): a choice that settles nothing (host support,
    /// an inject), or `None` to let the clock run on.
    fn between(
        &mut self,
        _session: &Session,
        _stop: Stop,
        _problem: Option<&str>,
    ) -> Option<Choice> {
        None
    }

    /// The trainee has gone (the end of input): standard procedure takes over.
    fn gone(&self) -> bool {
        false
    }

    /// The next time strictly after `after_h` (the last stop between decisions)
    /// at which the clock should stop.
    fn next_stop(&self, _after_h: f64) -> f64 {
        f64::INFINITY
    }
}

/// The exercise clock: `day 2, 14:05`.
pub fn clock(h: f64) -> String {
    let minutes = (h.max(0.0) * 60.0).round() as u64;
    let (day, m) = (minutes / 1440 + 1, minutes % 1440);
    format!("day {day}, {:02}:{:02}", m / 60, m % 60)
}

/// The mandate's authority in words.
pub fn authority(a: crate::scenario::Authority) -> &'static str {
    match a {
        crate::scenario::Authority::SupportOnly => "support only (host police lead)",
        crate::scenario::Authority::Utm => "UN transitional authority",
        crate::scenario::Authority::Executive => "executive policing",
    }
}

/// Text for one option as shown to trainees.
pub fn describe_option(model: &Model, s: &Situation, o: &crate::policy::ResponseOption) -> String {
    let unit = &model.units[o.unit];
    let status = match o.status {
        Status::Ready => "ready".to_string(),
        Status::Delayed(r) => format!("delayed by {}", r.name()),
        Status::Forbidden(r) => format!("FORBIDDEN by {}", r.name()),
        Status::Busy => "busy".to_string(),
    };
    let w = &model.world;
    let from = o.patrol_at.unwrap_or(unit.base);
    let km = w.dist_km(w.table_at(s.now_h), from, s.incident.site);
    let distance = if o.patrol_at == Some(s.incident.site) {
        "on patrol here".to_string()
    } else if let Some(p) = o.patrol_at {
        format!("on patrol, {km:.0} km from {}", w.sites[p].id)
    } else if unit.base == s.incident.site {
        "based here".to_string()
    } else if km.is_finite() {
        format!("{km:.0} km from {}", w.sites[unit.base].id)
    } else {
        format!("no road from {}", w.sites[unit.base].id)
    };
    format!(
        "{} ({}, {:.0} {}{}): {}, {distance}, arrives in {:.1} h, effectiveness {:.0}%",
        unit.id,
        unit.kind.name(),
        o.officers,
        if unit.kind == crate::model::UnitKind::Military {
            "soldiers"
        } else {
            "officers"
        },
        if o.mounted { "" } else { ", on foot" },
        status,
        o.eta_h,
        100.0 * o.effectiveness
    )
}

/// The caveats in force on a unit, in a few words.
pub fn caveats_in_words(c: &crate::scenario::Caveats) -> String {
    let mut v: Vec<String> = Vec::new();
    if c.static_guard_only {
        v.push("static guard only".into());
    }
    if c.approval_required {
        v.push(format!("capital's approval (~{:.0} h)", c.approval_delay_h));
    }
    if c.no_split {
        v.push("no split".into());
    }
    if let Some(d) = c.max_distance_km {
        v.push(format!("≤ {d:.0} km"));
    }
    if let Some(s) = &c.allowed_sites {
        v.push(format!("only {}", s.join(", ")));
    }
    if c.no_night_ops {
        v.push("no night ops".into());
    }
    if c.no_joint_host_ops {
        v.push("no joint ops with host police".into());
    }
    if v.is_empty() {
        "none".into()
    } else {
        v.join("; ")
    }
}

/// One line of the event feed for an event the operations centre hears of;
/// none for what it could not know, the routine, and its own answers.
pub fn feed_line(sim: &Simulation, e: &crate::metrics::EventRow) -> Option<String> {
    use crate::metrics::EventKind as K;
    if !e.kind.visible_to_ops() || !sim.event_known(e) || matches!(e.kind, K::Wait | K::Decline) {
        return None;
    }
    Some(event_line(sim.model(), e))
}

/// An event in the operations centre's words: its moment, what happened,
/// the unit and site, and how it ended (the feed and the debrief alike).
pub fn event_line(model: &Model, e: &crate::metrics::EventRow) -> String {
    use crate::metrics::EventKind as K;
    let what = match e.kind {
        K::Inject => "message".to_string(),
        K::PatrolOut => "patrol out".to_string(),
        k => k.name().replace('_', " "),
    };
    let outcome = match (e.kind, e.outcome.as_str()) {
        // Patrol times are shown by the clock, not as hours from the start.
        (K::PatrolOut, _) => "",
        (K::EscortCancelled, "approval") => "the capital refused, or answered too late",
        (_, o) => o,
    };
    let mut line = format!("{} {what}", clock(e.time_h));
    if let Some(u) = e.unit {
        line.push_str(&format!(" {}", model.units[u].id));
    }
    if let Some(s) = e.site {
        line.push_str(&format!(" at {}", model.world.sites[s].name));
    }
    if !outcome.is_empty() {
        line.push_str(&format!(": {}", outcome.replace('_', " ")));
    }
    line
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
        Choice::Dispatch { unit, support, .. } => Decision::Dispatch {
            option: option_of(unit)?,
            support: support.as_deref().map(option_of).transpose()?,
        },
        Choice::Waiver { unit } => Decision::RequestWaiver {
            option: option_of(unit)?,
        },
        Choice::Wait => Decision::Wait,
        Choice::Decline => Decision::Decline,
        Choice::Inject { .. } => return Err("an inject is not a response".to_string()),
        Choice::Reply { .. }
        | Choice::Escort { .. }
        | Choice::PatrolPlan { .. }
        | Choice::Dialogue { .. }
        | Choice::Alert { .. }
        | Choice::Conditions { .. } => {
            return Err("an order is not a response to the incident".to_string());
        }
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
            platoons: None,
        },
        Decision::RequestWaiver { option } => Choice::Waiver {
            unit: model.units[s.options[option].unit].id.clone(),
        },
        Decision::Wait => Choice::Wait,
        _ => Choice::Decline,
    }
}

/// Where a session stopped for its trainees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// A decision is pending: [`Session::situation`] shows it.
    Decision,
    /// An inject's message arrived (index into the scenario's injects).
    Message(usize),
    /// The clock reached the time asked for; nothing is pending.
    Reached,
    /// The horizon is reached: [`Session::finish`].
    Done,
}

/// A session in progress: the steppable engine, the log, and who decides.
/// Front ends (plain, full screen, a replay) drive it one stop at a time.
pub struct Session<'m> {
    pub model: &'m Model,
    seed: Seed,
    sim: Simulation<'m>,
    log: ExerciseLog,
    /// Standard procedure has taken over from the trainees.
    doctrine: bool,
    stop: Stop,
    /// Where the log is saved after every decision, so a session that ends
    /// badly (a closed laptop, a killed terminal) keeps what was decided.
    autosave: Option<std::path::PathBuf>,
    /// Why the last save failed, if it did.
    pub save_error: Option<String>,
}

impl<'m> Session<'m> {
    pub fn new(loaded: &LoadedScenario, model: &'m Model, seed: Seed, team: &str) -> Self {
        Session::with_log(
            model,
            seed,
            ExerciseLog {
                pocsim_version: crate::VERSION.to_string(),
                scenario_file: loaded.file.clone(),
                scenario_hash: loaded.hash.clone(),
                seed: seed.master,
                replication: seed.replication,
                team: team.to_string(),
                overrides: loaded.overrides.clone(),
                decisions: Vec::new(),
                handed_over_h: None,
                msel: Vec::new(),
                messages: Vec::new(),
                marks: Vec::new(),
                outcome: None,
            },
        )
    }

    /// A session from the start, whose log begins as `log` (its header).
    fn with_log(model: &'m Model, seed: Seed, log: ExerciseLog) -> Self {
        let opts = RunOptions {
            list_all_options: true,
            record_events: true,
            record_site_days: true,
            stop_at_messages: true,
            ops_answers_escorts: true,
            ..RunOptions::default()
        };
        Session {
            model,
            seed,
            sim: Simulation::new(model, seed, opts),
            log,
            doctrine: false,
            stop: Stop::Reached,
            autosave: None,
            save_error: None,
        }
    }

    /// Records the events list the session is played with (`--msel`).
    pub fn events_list(mut self, items: Vec<msel::Item>) -> Self {
        self.log.msel = items;
        self
    }

    /// Saves the log to `path` after every decision from now on.
    pub fn autosave(mut self, path: Option<std::path::PathBuf>) -> Self {
        self.autosave = path;
        self
    }

    fn save(&mut self) {
        if let Some(path) = &self.autosave {
            self.save_error = crate::outputs::files::write_atomic(path, &log_bytes(&self.log))
                .err()
                .map(|e| e.to_string());
        }
    }

    /// Runs the world on to the next stop, or to `limit` hours at the latest.
    /// Once standard procedure has taken over, it takes every decision itself.
    pub fn advance(&mut self, limit: f64) -> Stop {
        loop {
            let step = self.sim.step_until(limit);
            self.stop = match step {
                Step::Decision => Stop::Decision,
                Step::Message(k) => Stop::Message(k),
                Step::Reached => Stop::Reached,
                Step::Done => Stop::Done,
            };
            match self.stop {
                Stop::Decision if self.doctrine => {
                    let c = doctrine_choice(self.model, self.sim.situation());
                    if self.apply(c).is_err() {
                        let _ = self.sim.decide(Decision::Decline);
                    }
                }
                Stop::Message(_) if self.doctrine => self.escorts_by_procedure(),
                s => return s,
            }
        }
    }

    /// Where the session last stopped.
    pub fn stop(&self) -> Stop {
        self.stop
    }

    /// The pending decision, if one is pending.
    pub fn situation(&self) -> Option<&Situation> {
        (self.stop == Stop::Decision).then(|| self.sim.situation())
    }

    /// The running simulation, for front ends that show the world.
    pub fn sim(&self) -> &Simulation<'m> {
        &self.sim
    }

    pub fn now_h(&self) -> f64 {
        self.sim.now_h()
    }

    pub fn team(&self) -> &str {
        &self.log.team
    }

    pub fn seed(&self) -> u64 {
        self.log.seed
    }

    /// The log so far (no outcome until the session is finished).
    pub fn log(&self) -> &ExerciseLog {
        &self.log
    }

    /// Standard procedure has taken over.
    pub fn handed_over(&self) -> bool {
        self.doctrine
    }

    /// Decisions (and trainer injects) taken so far.
    pub fn decisions(&self) -> &[LoggedDecision] {
        &self.log.decisions
    }

    /// Applies a choice at the current stop and logs it, or says why it cannot be
    /// taken. Dispatch, waiver, wait and decline settle the pending decision; host
    /// support and injects leave it pending.
    pub fn apply(&mut self, choice: Choice) -> Result<(), String> {
        self.apply_answering(choice, None)
    }

    /// As [`Session::apply`], noting in the log which message of the events
    /// list the choice answers.
    pub fn apply_answering(
        &mut self,
        mut choice: Choice,
        answers: Option<u32>,
    ) -> Result<(), String> {
        if self.stop == Stop::Done {
            return Err("the exercise is over: nothing more can be ordered".to_string());
        }
        let pending = self.situation().cloned();
        if let Choice::Escort { site, request, .. } = &mut choice {
            let asked = self.sim.escorts_asked();
            let this = match request {
                Some(r) => asked.iter().find(|a| a.request == *r),
                None => asked.first(),
            };
            if let Some(a) = this {
                *site = self.model.world.sites[a.site].id.clone();
            }
        }
        let result = match (&choice, &pending) {
            (Choice::HostSupport { site, supported }, _) => {
                let site = self.site_index(site)?;
                self.sim
                    .set_host_support(site, *supported)
                    .map_err(|e| e.to_string())
            }
            (Choice::Reply { .. }, _) => Ok(()),
            (
                Choice::Escort {
                    approve,
                    unit,
                    request,
                    ..
                },
                _,
            ) => {
                let u = unit.as_deref().map(|id| self.unit_index(id)).transpose()?;
                self.sim
                    .answer_escort(*request, *approve, u)
                    .map_err(|e| e.to_string())
            }
            (Choice::PatrolPlan { sites, units }, _) => {
                let sites = sites
                    .iter()
                    .map(|s| self.site_index(s))
                    .collect::<Result<Vec<_>, _>>()?;
                let units = units
                    .iter()
                    .map(|u| self.unit_index(u))
                    .collect::<Result<Vec<_>, _>>()?;
                self.sim
                    .set_patrol_plan(sites, units)
                    .map_err(|e| e.to_string())
            }
            (Choice::Dialogue { site, by }, _) => {
                let site = self.site_index(site)?;
                let by = by.as_deref().map(|id| self.unit_index(id)).transpose()?;
                self.sim.hold_dialogue(site, by).map_err(|e| e.to_string())
            }
            (Choice::Alert { unit }, _) => {
                let u = self.unit_index(unit)?;
                self.sim.alert_unit(u).map_err(|e| e.to_string())
            }
            (Choice::Conditions { site }, _) => {
                let site = self.site_index(site)?;
                self.sim
                    .set_host_conditions(site)
                    .map_err(|e| e.to_string())
            }
            (Choice::Inject { kind, site, text }, _) => {
                let k = crate::scenario::ThreatKind::ALL
                    .into_iter()
                    .find(|k| k.name() == kind)
                    .ok_or_else(|| {
                        format!(
                            "`{kind}` is not a threat kind; expected one of {}",
                            crate::scenario::ThreatKind::ALL
                                .map(|k| k.name())
                                .join(", ")
                        )
                    })?;
                let site = self.site_index(site)?;
                let name = if text.is_empty() {
                    "trainer inject"
                } else {
                    text
                };
                self.sim
                    .start_incident(k, site, name)
                    .map_err(|e| e.to_string())
            }
            (_, None) => Err("no incident is waiting for a decision now".to_string()),
            (
                Choice::Dispatch {
                    unit,
                    platoons: Some(n),
                    ..
                },
                Some(s),
            ) => {
                // The chosen strength first (the options are rebuilt with it), then the dispatch.
                let k = s
                    .options
                    .iter()
                    .position(|o| self.model.units[o.unit].id == *unit);
                match k {
                    Some(k) => {
                        let r = self
                            .sim
                            .set_platoons(k, *n)
                            .map_err(|e| explain(self.model, s, e))
                            .and_then(|()| {
                                let s2 = self.sim.situation().clone();
                                to_decision(self.model, &s2, &choice).and_then(|d| {
                                    self.sim.decide(d).map_err(|e| explain(self.model, &s2, e))
                                })
                            });
                        if r.is_err() {
                            // A refused choice leaves the options as they were shown.
                            self.sim.reset_platoons();
                        }
                        r
                    }
                    None => to_decision(self.model, s, &choice).map(|_| ()),
                }
            }
            (c, Some(s)) => to_decision(self.model, s, c)
                .and_then(|d| self.sim.decide(d).map_err(|e| explain(self.model, s, e))),
        };
        result?;
        let (incident, kind, site, shown) = match &pending {
            Some(s) => (
                Some(s.incident.id.index()),
                s.incident.kind.name().to_string(),
                self.model.world.sites[s.incident.site].id.clone(),
                s.options
                    .iter()
                    .map(|o| describe_option(self.model, s, o))
                    .collect(),
            ),
            None => (None, String::new(), String::new(), Vec::new()),
        };
        if !choice.keeps_pending() {
            self.stop = Stop::Reached;
        }
        self.log.decisions.push(LoggedDecision {
            time_h: self.sim.now_h(),
            incident,
            kind,
            site,
            shown,
            choice,
            answers,
        });
        self.save();
        Ok(())
    }

    /// Standard procedure answers the escort requests waiting for the
    /// operations centre: approved, with the unit it picks. Logged like any
    /// answer, so that a replay of the log answers them the same way.
    fn escorts_by_procedure(&mut self) {
        while !self.sim.escorts_asked().is_empty() {
            let c = Choice::Escort {
                approve: true,
                unit: None,
                request: None,
                site: String::new(),
            };
            if self.apply(c).is_err() {
                break;
            }
        }
    }

    fn unit_index(&self, id: &str) -> Result<crate::ids::UnitId, String> {
        self.model
            .units
            .iter()
            .position(|u| u.id == id)
            .map(crate::ids::UnitId::new)
            .ok_or_else(|| format!("unit `{id}` does not exist in this scenario"))
    }

    fn site_index(&self, id: &str) -> Result<SiteId, String> {
        self.model
            .world
            .index
            .get(id)
            .copied()
            .ok_or_else(|| format!("site `{id}` does not exist in this scenario"))
    }

    /// Logs a message of the events list as received now, and saves the log.
    pub fn record_message(&mut self, mut message: Message) {
        message.time_h = self.sim.now_h();
        self.log.messages.push(message);
        self.save();
    }

    /// Sets (or replaces) the white cell's mark for one inject, and saves the log.
    pub fn set_mark(&mut self, mark: Mark) {
        self.log.marks.retain(|m| m.order != mark.order);
        self.log.marks.push(mark);
        self.log.marks.sort_by_key(|m| m.order);
        self.save();
    }

    /// Rebuilds a session from its saved log: the logged choices are taken
    /// again at their moments (the world is a pure function of scenario, seed
    /// and choices), then the clock runs on to `clock_h` unless a decision is
    /// pending there. Messages and marks come back as saved. The session
    /// stops where the team left it; nothing is decided for it.
    pub fn resume(
        loaded: &LoadedScenario,
        model: &'m Model,
        saved: &ExerciseLog,
        clock_h: f64,
        file: &str,
    ) -> Result<Session<'m>, Error> {
        let mut session = Session::with_log(
            model,
            Seed::new(saved.seed, saved.replication),
            ExerciseLog {
                decisions: Vec::new(),
                outcome: None,
                ..saved.clone()
            },
        );
        let mut replay = Replay::new(saved, loaded, file)?;
        'outer: while let Some(next) = replay.leftover() {
            // The clock stops at the next choice logged between decisions.
            let limit = if next.incident.is_none() {
                next.time_h
            } else {
                f64::INFINITY
            };
            if limit < session.now_h() - 1e-6 {
                break; // a moment already past: reported below
            }
            let stop = session.advance(limit);
            if stop == Stop::Done {
                break;
            }
            while replay.leftover().is_some() {
                let choice = if stop == Stop::Decision && session.stop() == Stop::Decision {
                    match replay.choose_logged(&session) {
                        Some(c) => c,
                        // The log's next choice is not for this decision: it
                        // does not belong to this session (reported below).
                        None => break 'outer,
                    }
                } else {
                    // In the log's order: a choice between decisions only
                    // when it is the next one logged.
                    match replay.between_in_order(session.now_h()) {
                        Some(c) => c,
                        None => continue 'outer,
                    }
                };
                let settles = !choice.keeps_pending();
                session
                    .apply(choice)
                    .map_err(|e| Error::input(file, format!("at {:.2} h: {e}", session.now_h())))?;
                if settles {
                    continue 'outer;
                }
            }
        }
        replay.finished(file)?;
        // On to the saved clock, through the messages on the way (the log
        // holds those the team received), to the decision pending there if any.
        while session.stop() != Stop::Decision && session.stop() != Stop::Done {
            if !matches!(session.advance(clock_h), Stop::Message(_)) {
                break;
            }
        }
        session.log.messages = saved.messages.clone();
        session.log.marks = saved.marks.clone();
        Ok(session)
    }

    /// Hands the rest of the session to standard procedure (it also takes the
    /// pending decision, if any).
    pub fn hand_over(&mut self) {
        if !self.doctrine {
            self.doctrine = true;
            self.log.handed_over_h = Some(self.sim.now_h());
        }
        self.escorts_by_procedure();
        if self.stop == Stop::Decision {
            let c = doctrine_choice(self.model, self.sim.situation());
            if self.apply(c).is_err() {
                let _ = self.sim.decide(Decision::Decline);
                self.stop = Stop::Reached;
            }
        }
    }

    /// Once the horizon is reached: the team's outcome, and standard
    /// procedure's on the same seed with the same trainer injects (same luck,
    /// different judgement), for the last screen of a session.
    pub fn outcome_preview(&self) -> Option<(crate::metrics::Summary, crate::metrics::Summary)> {
        if self.stop != Stop::Done {
            return None;
        }
        let team = self.sim.clone().finish().summary;
        // Standard procedure on the same seed, as the review runs it: with
        // the trainer's injects if there were any, else a plain run.
        let injected = self
            .log
            .decisions
            .iter()
            .any(|d| matches!(d.choice, Choice::Inject { .. }));
        let doctrine = if injected {
            let fresh = Session::with_log(
                self.model,
                self.seed,
                ExerciseLog {
                    decisions: Vec::new(),
                    outcome: None,
                    ..self.log.clone()
                },
            );
            play_session(fresh, &mut DoctrineWithInjects::new(&self.log))
                .1
                .summary
        } else {
            crate::engine::run(
                self.model,
                self.seed,
                &mut Doctrine::default(),
                RunOptions::default(),
            )
            .summary
        };
        Some((team, doctrine))
    }

    /// Runs to the horizon under standard procedure and returns the log and outcome.
    pub fn finish(mut self) -> (ExerciseLog, RunResult) {
        if self.stop != Stop::Done {
            self.hand_over();
            self.advance(f64::INFINITY);
        }
        let result = self.sim.finish();
        let mut log = self.log;
        log.outcome = serde_json::to_value(&result.summary).ok();
        (log, result)
    }
}

/// The log as written to its file.
pub fn log_bytes(log: &ExerciseLog) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(log).expect("the log serialises");
    bytes.push(b'\n');
    bytes
}

impl Choice {
    /// Host support and injects leave a pending decision pending.
    pub fn keeps_pending(&self) -> bool {
        !matches!(
            self,
            Choice::Dispatch { .. } | Choice::Waiver { .. } | Choice::Wait | Choice::Decline
        )
    }

    /// The site an order concerns, for orders given between decisions.
    pub fn site(&self) -> Option<&str> {
        match self {
            Choice::HostSupport { site, .. }
            | Choice::Conditions { site }
            | Choice::Dialogue { site, .. }
            | Choice::Inject { site, .. } => Some(site),
            Choice::Escort { site, .. } if !site.is_empty() => Some(site),
            _ => None,
        }
    }

    /// Whether this choice is about `site` (a patrol plan, about each of its sites).
    pub fn concerns(&self, site: &str) -> bool {
        match self {
            Choice::PatrolPlan { sites, .. } => sites.iter().any(|s| s == site),
            c => c.site() == Some(site),
        }
    }
}

/// Runs a session with a trainee who decides at every stop until it hands
/// over; then doctrine. Every decision is logged with what was shown.
pub fn play(
    loaded: &LoadedScenario,
    model: &Model,
    seed: Seed,
    team: &str,
    trainee: &mut dyn Trainee,
) -> (ExerciseLog, RunResult) {
    play_session(Session::new(loaded, model, seed, team), trainee)
}

/// [`play`] on a session already set up (to save its log as it goes).
pub fn play_session(mut session: Session, trainee: &mut dyn Trainee) -> (ExerciseLog, RunResult) {
    // The last moment the trainee was asked between decisions: the clock is
    // never asked to stop there again, so the session always moves on.
    let mut asked_h = f64::NEG_INFINITY;
    loop {
        let stop = session.advance(trainee.next_stop(asked_h));
        if matches!(stop, Stop::Reached | Stop::Message(_)) {
            asked_h = session.now_h();
        }
        if stop == Stop::Done || session.handed_over() {
            break;
        }
        let mut problem: Option<String> = None;
        loop {
            let choice = if stop == Stop::Decision {
                match trainee.choose(&session, problem.as_deref()) {
                    Some(c) => c,
                    None => {
                        session.hand_over();
                        break;
                    }
                }
            } else {
                match trainee.between(&session, stop, problem.as_deref()) {
                    Some(c) => c,
                    None => {
                        if trainee.gone() {
                            session.hand_over();
                        }
                        break;
                    }
                }
            };
            let settles = !choice.keeps_pending();
            match session.apply(choice) {
                Ok(()) if settles => break,
                Ok(()) => problem = None,
                Err(e) => problem = Some(e),
            }
        }
    }
    session.finish()
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

/// Replays a decisions file: each logged choice at its moment, then doctrine.
pub struct Replay {
    decisions: std::collections::VecDeque<LoggedDecision>,
    total: usize,
    /// Drop choices whose moment has passed and match decisions by time, kind
    /// and site rather than incident number: for counterfactual replays, whose
    /// world departs from the log's after the changed decision.
    lenient: bool,
    pub error: Option<String>,
}

impl Replay {
    /// Checks that the log belongs to this scenario before replaying it.
    pub fn new(log: &ExerciseLog, loaded: &LoadedScenario, file: &str) -> Result<Replay, Error> {
        if let Some((k, _)) = log.decisions.iter().enumerate().find(|(_, d)| {
            (d.incident.is_none() || matches!(d.choice, Choice::Inject { .. }))
                && !d.time_h.is_finite()
        }) {
            return Err(Error::input(
                file,
                format!(
                    "decisions[{k}]: an inject or a choice between decisions needs `time_h` (the moment, in hours from the start)"
                ),
            ));
        }
        if !log.scenario_hash.is_empty() && log.scenario_hash != loaded.hash {
            return Err(Error::input(
                file,
                format!(
                    "this log is from another scenario ({}, sha256 {}), not {} (sha256 {})",
                    log.scenario_file,
                    log.scenario_hash.chars().take(12).collect::<String>(),
                    loaded.file,
                    &loaded.hash[..12]
                ),
            ));
        }
        Ok(Replay {
            decisions: log.decisions.iter().cloned().collect(),
            total: log.decisions.len(),
            lenient: false,
            error: None,
        })
    }

    /// A replay that tolerates a world departing from the log's.
    pub fn lenient(mut self) -> Replay {
        self.lenient = true;
        self
    }

    /// Logged decisions never reached: a decision at a time when nothing was pending.
    pub fn leftover(&self) -> Option<&LoggedDecision> {
        self.decisions.front()
    }

    /// After the replay: the log's first problem, if any (a choice the
    /// session refused, or a decision never reached), located in `file`.
    /// The exercise's `--decisions` and the review check a log alike.
    pub fn finished(&self, file: &str) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(Error::input(file, e.clone()));
        }
        if let Some(d) = self.leftover() {
            let at = match d.incident {
                Some(i) if d.kind.is_empty() => format!("for incident {i}"),
                Some(i) => format!("for incident {i} ({} at {})", d.kind, d.site),
                None => "between decisions".to_string(),
            };
            return Err(Error::input(
                file,
                format!(
                    "a decision {} {at}, when nothing of the kind was pending: the log does not match this scenario and seed",
                    if d.time_h.is_nan() {
                        "(no time given)".to_string()
                    } else {
                        format!("at {:.2} h", d.time_h)
                    }
                ),
            ));
        }
        Ok(())
    }

    /// A log's seed must be the session's.
    pub fn check_seed(log: &ExerciseLog, seed: u64, file: &str) -> Result<(), Error> {
        if log.seed != seed {
            return Err(Error::input(
                file,
                format!(
                    "this log was played with seed {}; pass --seed {} to replay it",
                    log.seed, log.seed
                ),
            ));
        }
        Ok(())
    }

    /// Index in the log of the next choice to replay.
    pub fn next_index(&self) -> usize {
        self.total - self.decisions.len()
    }

    fn drop_stale(&mut self, now: f64) {
        if self.lenient {
            while self
                .decisions
                .front()
                .is_some_and(|d| d.time_h < now - 1e-6)
            {
                self.decisions.pop_front();
            }
        }
    }
}

impl Trainee for Replay {
    fn choose(&mut self, session: &Session, problem: Option<&str>) -> Option<Choice> {
        let s = session.situation()?;
        if let Some(p) = problem {
            self.error.get_or_insert_with(|| {
                format!("at {:.2} h, incident {}: {p}", s.now_h, s.incident.id)
            });
            return None;
        }
        self.drop_stale(s.now_h);
        let Some(next) = self.decisions.front() else {
            return Some(doctrine_choice(session.model, s));
        };
        let same = if self.lenient {
            next.kind == s.incident.kind.name()
                && next.site == session.model.world.sites[s.incident.site].id
        } else {
            next.incident == Some(s.incident.id.index())
        };
        let at_time = (next.time_h - s.now_h).abs() <= 1e-6 || next.time_h.is_nan();
        if !same || !at_time {
            // This decision point was not in the file: doctrine takes it.
            return Some(doctrine_choice(session.model, s));
        }
        Some(self.decisions.pop_front().expect("peeked").choice)
    }

    fn between(&mut self, session: &Session, _stop: Stop, problem: Option<&str>) -> Option<Choice> {
        let now = session.now_h();
        if let Some(p) = problem {
            self.error
                .get_or_insert_with(|| format!("at {now:.2} h: {p}"));
            return None;
        }
        self.drop_stale(now);
        // The first choice logged for this moment between decisions (a
        // hand-written file may list it after decisions that come later).
        let k = self
            .decisions
            .iter()
            .position(|d| d.incident.is_none() && (d.time_h - now).abs() <= 1e-6)?;
        self.decisions.remove(k).map(|d| d.choice)
    }

    fn next_stop(&self, after_h: f64) -> f64 {
        Replay::next_between(self, after_h)
    }
}

impl Replay {
    /// The next logged choice for the pending decision, if it is this one
    /// (none when the log's next decision is for a later moment).
    fn choose_logged(&mut self, session: &Session) -> Option<Choice> {
        let s = session.situation()?;
        let next = self.decisions.front()?;
        let same = next.incident == Some(s.incident.id.index())
            && ((next.time_h - s.now_h).abs() <= 1e-6 || next.time_h.is_nan());
        if same {
            self.decisions.pop_front().map(|d| d.choice)
        } else {
            None
        }
    }

    /// The next logged choice, if it was taken between decisions at `now`.
    fn between_in_order(&mut self, now: f64) -> Option<Choice> {
        let next = self.decisions.front()?;
        if next.incident.is_none() && (next.time_h - now).abs() <= 1e-6 {
            self.decisions.pop_front().map(|d| d.choice)
        } else {
            None
        }
    }

    fn next_between(&self, after_h: f64) -> f64 {
        self.decisions
            .iter()
            .filter(|d| d.incident.is_none() && d.time_h > after_h)
            .map(|d| d.time_h)
            .fold(f64::INFINITY, f64::min)
    }
}

/// Standard procedure with the trainer's injects of a log, at their times: the
/// team's world with doctrine's judgement (for the review's comparisons).
pub struct DoctrineWithInjects {
    injects: std::collections::VecDeque<(f64, Choice)>,
}

impl DoctrineWithInjects {
    pub fn new(log: &ExerciseLog) -> Self {
        let mut injects: Vec<(f64, Choice)> = log
            .decisions
            .iter()
            .filter(|d| matches!(d.choice, Choice::Inject { .. }))
            .map(|d| (d.time_h, d.choice.clone()))
            .collect();
        // Stable: injects of one moment keep the log's order.
        injects.sort_by(|a, b| a.0.total_cmp(&b.0));
        DoctrineWithInjects {
            injects: injects.into(),
        }
    }

    fn due(&mut self, now: f64) -> Option<Choice> {
        if self.injects.front().is_some_and(|(t, _)| *t <= now + 1e-6) {
            return self.injects.pop_front().map(|(_, c)| c);
        }
        None
    }
}

impl Trainee for DoctrineWithInjects {
    fn choose(&mut self, session: &Session, _problem: Option<&str>) -> Option<Choice> {
        let s = session.situation()?;
        Some(
            self.due(s.now_h)
                .unwrap_or_else(|| doctrine_choice(session.model, s)),
        )
    }

    fn between(
        &mut self,
        session: &Session,
        _stop: Stop,
        _problem: Option<&str>,
    ) -> Option<Choice> {
        // Standard procedure approves the escort requests put to it.
        if !session.sim().escorts_asked().is_empty() {
            return Some(Choice::Escort {
                approve: true,
                unit: None,
                request: None,
                site: String::new(),
            });
        }
        self.due(session.now_h())
    }

    fn next_stop(&self, _after_h: f64) -> f64 {
        self.injects.front().map_or(f64::INFINITY, |(t, _)| *t)
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

/// An exercise to conduct: the `pocsim exercise` command's choices.
#[derive(Debug, Clone)]
pub struct Setup {
    pub scenario: std::path::PathBuf,
    pub overrides: Vec<crate::Override>,
    pub team: String,
    pub seed: Seed,
    /// Where the log is saved as the session goes (and at its end).
    pub log: Option<std::path::PathBuf>,
    /// A log whose decisions are replayed instead of asking anyone.
    pub decisions: Option<std::path::PathBuf>,
    /// Plain lines even on a terminal.
    pub plain: bool,
    /// Simulated hours per second of the full-screen clock.
    pub speed: f64,
    /// Replace an existing log.
    pub force: bool,
    /// An events list that replaces the scenario's injects.
    pub msel: Option<std::path::PathBuf>,
}

/// What a conducted exercise leaves: its log and the run's summary in words.
#[derive(Debug)]
pub struct Conducted {
    pub log: ExerciseLog,
    pub result: RunResult,
    pub summary: String,
}

/// Runs an exercise: replays a log's decisions, or asks a team on the full
/// screen (a terminal) or in plain lines; saves the log; refuses before the
/// session, not after it, to replace a log without `force`.
pub fn conduct(setup: Setup) -> Result<Conducted, Error> {
    let mut loaded = crate::load_scenario(&setup.scenario, &setup.overrides)?;
    // The events list: the one given, else the one a replayed log was played with.
    let items = match (&setup.msel, &setup.decisions) {
        (Some(file), _) => {
            let items = msel::read_csv(file, &loaded.scenario)?;
            for w in msel::warnings(&items, &loaded.scenario, &file.display().to_string()) {
                eprintln!("warning: {w}");
            }
            items
        }
        (None, Some(file)) => read_log(file)?.msel,
        (None, None) => Vec::new(),
    };
    if !items.is_empty() {
        msel::apply(&mut loaded, &items);
    }
    let model = crate::experiment::model_of(&setup.scenario, &loaded)?;
    let speed = setup.speed;
    if !(speed.is_finite() && speed > 0.0) {
        return Err(Error::Usage(format!(
            "--speed: expected simulated hours per second above 0, got {speed}"
        )));
    }
    if let Some(path) = &setup.log
        && path.exists()
        && !setup.force
    {
        return Err(Error::input(
            &path.display().to_string(),
            "a log is already there; choose another --log or pass --force to replace it"
                .to_string(),
        ));
    }
    if let Some(dir) = setup
        .log
        .as_ref()
        .and_then(|p| p.parent())
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let seed = setup.seed;
    let session = Session::new(&loaded, &model, seed, &setup.team)
        .events_list(items)
        .autosave(setup.log.clone());
    let (log, result) = match &setup.decisions {
        Some(file) => {
            let past = read_log(file)?;
            let name = file.display().to_string();
            Replay::check_seed(&past, seed.master, &name)?;
            let mut replay = Replay::new(&past, &loaded, &name)?;
            let mut out = play_session(session, &mut replay);
            // The replayed choices after a hand-over were standard procedure's.
            out.0.handed_over_h = past.handed_over_h;
            replay.finished(&name)?;
            out
        }
        None if !setup.plain
            && std::io::IsTerminal::is_terminal(&std::io::stdin())
            && std::io::IsTerminal::is_terminal(&std::io::stdout()) =>
        {
            let mut app = tui::App::new(session, speed);
            tui::run(&mut app).map_err(|e| Error::Usage(format!("the terminal failed: {e}")))?;
            app.session.finish()
        }
        None => {
            let stdin = std::io::stdin();
            let mut trainee = plain::Plain::new(stdin.lock(), std::io::stdout());
            play_session(session, &mut trainee)
        }
    };
    if let Some(path) = &setup.log {
        crate::outputs::files::write_atomic(path, &log_bytes(&log))?;
    }
    let summary =
        crate::metrics::render_summary(&loaded.scenario.scenario.name, &model, seed, &result);
    Ok(Conducted {
        log,
        result,
        summary,
    })
}
