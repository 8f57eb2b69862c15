//! The state of a classroom exercise, apart from the web: the events list
//! (its injects and what became of each), the syndicates' sessions and
//! clocks, and how they are saved and resumed.
//!
//! Every syndicate runs its own [`Session`] of the same scenario and seed, so
//! that differences between them come from their decisions. The white cell
//! publishes, holds, skips, edits and adds injects, runs the clocks and
//! marks each syndicate's handling of each inject. Each syndicate's log is
//! saved after every decision (the session does it); the class file
//! (`class.json`: tokens, clocks, the events list) after every change the
//! white cell makes and as the clocks run, so a restart with the same
//! directory resumes every syndicate where it was.

use super::msel::Item;
use crate::error::Error;
use crate::exercise::{Choice, ExerciseLog, Grade, Mark, Message, Session, Stop};
use crate::metrics::Summary;
use crate::model::Model;
use crate::scenario::LoadedScenario;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What became of an inject of the events list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InjectState {
    /// Published to each syndicate when its clock reaches the inject's time.
    Pending,
    /// Published to every syndicate it is for.
    Published,
    /// Kept back until the white cell publishes it.
    Held,
    /// Never published.
    Skipped,
}

/// An inject of the class's events list and its state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inject {
    #[serde(flatten)]
    pub item: Item,
    /// The scenario inject it is (index), whose world effect (an incident, an
    /// escort request, a rate change) happens at its time whatever becomes of
    /// the message; none for an inject the white cell added.
    pub scenario_inject: Option<usize>,
    /// Syndicates it is for; empty: all.
    #[serde(default)]
    pub teams: Vec<String>,
    pub state: InjectState,
    /// Syndicates that have received it.
    #[serde(default)]
    pub delivered: Vec<String>,
}

impl Inject {
    pub fn is_for(&self, team: &str) -> bool {
        self.teams.is_empty() || self.teams.iter().any(|t| t == team)
    }

    fn due_for(&self, team: &str) -> bool {
        self.scenario_inject.is_none()
            && self.state == InjectState::Pending
            && self.is_for(team)
            && !self.delivered.iter().any(|t| t == team)
    }

    fn message(&self) -> Message {
        Message {
            time_h: self.item.time_h,
            order: self.item.order,
            from: self.item.from.clone(),
            to: self.item.to.clone(),
            title: self.item.title.clone(),
            text: self.item.description.clone(),
            expected: self.item.expected.clone(),
        }
    }
}

/// A syndicate: its session and its clock.
pub struct Team {
    pub name: String,
    pub session: Session<'static>,
    /// Its clock runs (when nothing holds it).
    pub running: bool,
    /// Simulated hours per second of wall time.
    pub speed: f64,
    /// A message expecting action holds the clock until the syndicate acts or
    /// the white cell releases it (the message's order).
    pub hold: Option<u32>,
    /// Why its last choice was refused.
    pub refusal: Option<String>,
    /// The event feed so far, as lines.
    pub feed: Vec<String>,
    events_seen: usize,
    /// Once the horizon is reached: the team's outcome and standard
    /// procedure's on the same seed.
    pub outcome: Option<(Summary, Summary)>,
}

impl Team {
    fn new(name: &str, session: Session<'static>, speed: f64) -> Team {
        let mut t = Team {
            name: name.to_string(),
            session,
            running: false,
            speed,
            hold: None,
            refusal: None,
            feed: Vec::new(),
            events_seen: 0,
            outcome: None,
        };
        t.pull_feed();
        t
    }

    /// Waiting on the syndicate: a decision is pending or a message holds it.
    pub fn waiting(&self) -> bool {
        self.session.stop() == Stop::Decision || self.hold.is_some()
    }

    pub fn done(&self) -> bool {
        self.session.stop() == Stop::Done
    }

    fn pull_feed(&mut self) {
        let sim = self.session.sim();
        let new: Vec<String> = sim.events()[self.events_seen..]
            .iter()
            .filter_map(|e| crate::exercise::feed_line(sim, e))
            .collect();
        self.events_seen = sim.events().len();
        self.feed.extend(new);
    }

    /// Gives the syndicate a message now; a message expecting action holds
    /// its clock. An added inject's incident starts now.
    fn deliver(&mut self, inject: &Inject) -> Result<(), String> {
        let order = inject.item.order;
        if self.session.log().messages.iter().any(|m| m.order == order) {
            return Ok(());
        }
        if let (Some(kind), Some(site)) = (&inject.item.incident, &inject.item.site)
            && inject.scenario_inject.is_none()
        {
            self.session.apply(Choice::Inject {
                kind: kind.clone(),
                site: site.clone(),
                text: inject.item.title.clone(),
            })?;
        }
        self.session.record_message(inject.message());
        // A message that starts an incident asks for the incident's decision,
        // which holds the clock itself.
        if !inject.item.expected.is_empty()
            && inject.item.incident.is_none()
            && self.session.stop() != Stop::Done
        {
            self.hold = Some(inject.item.order);
        }
        Ok(())
    }

    /// Runs the clock on to `limit` hours, or to the first event that needs
    /// the syndicate when `to_event`, delivering injects as their times come.
    /// Returns the orders of the injects delivered.
    pub fn run_to(&mut self, limit: f64, to_event: bool, injects: &[Inject]) -> Vec<u32> {
        let (mut limit, mut to_event) = (limit, to_event);
        let mut delivered = Vec::new();
        while !self.waiting() && !self.done() {
            let now = self.session.now_h();
            let next_added = injects
                .iter()
                .filter(|i| i.due_for(&self.name) && !delivered.contains(&i.item.order))
                .map(|i| i.item.time_h.max(now))
                .fold(f64::INFINITY, f64::min);
            let stop = self.session.advance(limit.min(next_added));
            let now = self.session.now_h();
            let before = delivered.len();
            match stop {
                Stop::Message(k) => {
                    if let Some(i) = injects.iter().find(|i| {
                        i.scenario_inject == Some(k)
                            && i.is_for(&self.name)
                            && matches!(i.state, InjectState::Pending | InjectState::Published)
                            && !i.delivered.contains(&self.name)
                    }) && self.deliver(i).is_ok()
                    {
                        delivered.push(i.item.order);
                    }
                }
                Stop::Reached => {
                    let due: Vec<&Inject> = injects
                        .iter()
                        .filter(|i| {
                            i.due_for(&self.name)
                                && i.item.time_h <= now + 1e-9
                                && !delivered.contains(&i.item.order)
                        })
                        .collect();
                    for i in due {
                        if self.deliver(i).is_ok() {
                            delivered.push(i.item.order);
                        }
                    }
                    if delivered.len() == before && now >= limit - 1e-9 {
                        break;
                    }
                }
                Stop::Decision | Stop::Done => break,
            }
            // Jumping stops at the first message, once whatever else happens
            // at that moment (the decision an inject's incident asks for) has.
            if to_event && delivered.len() > before {
                limit = now;
                to_event = false;
            }
        }
        self.pull_feed();
        if self.done() && self.outcome.is_none() {
            self.outcome = self.session.outcome_preview();
        }
        delivered
    }

    /// Takes the syndicate's choice for `incident` (the one pending, for a
    /// choice that settles it). Any choice releases a message's hold.
    pub fn decide(&mut self, incident: Option<usize>, choice: Choice) -> Result<(), String> {
        if matches!(choice, Choice::Inject { .. }) {
            return Err("only the white cell adds injects".to_string());
        }
        let pending = self.session.situation().map(|s| s.incident.id.index());
        if !choice.keeps_pending() {
            match (pending, incident) {
                (None, _) => return Err("no incident is waiting for a decision now".to_string()),
                (Some(p), Some(i)) if p != i => {
                    return Err(format!(
                        "incident {i} is not waiting for a decision; incident {p} is"
                    ));
                }
                _ => {}
            }
        }
        // An order or a reply answers the message holding the clock; an
        // incident's decision answers the incident.
        let answers = if choice.keeps_pending() {
            self.hold
        } else {
            None
        };
        match self.session.apply_answering(choice, answers) {
            Ok(()) => {
                self.refusal = None;
                self.hold = None;
                self.pull_feed();
                Ok(())
            }
            Err(e) => {
                self.refusal = Some(e.clone());
                Err(e)
            }
        }
    }
}

/// A team's clock and hold as saved in the class file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedTeam {
    pub name: String,
    pub token: String,
    pub running: bool,
    pub speed: f64,
    pub now_h: f64,
    #[serde(default)]
    pub hold: Option<u32>,
}

/// The class file: everything but the syndicates' logs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassFile {
    pub pocsim_version: String,
    pub scenario_file: String,
    pub scenario_hash: String,
    pub seed: u64,
    pub white_token: String,
    pub show_effectiveness: bool,
    pub teams: Vec<SavedTeam>,
    pub injects: Vec<Inject>,
}

/// What the white cell controls, shared by every syndicate.
pub struct Shared {
    pub injects: Vec<Inject>,
    pub show_effectiveness: bool,
}

/// A syndicate's seat: who it is, and its session behind its own lock (so
/// that syndicates decide in parallel).
pub struct Seat {
    pub name: String,
    pub token: String,
    pub team: Mutex<Team>,
}

/// A classroom in progress. Locks are taken in one order: `shared`, then a
/// seat's team, then `save_lock`. A syndicate's decision holds `shared` only
/// to copy the events list, and no file is written under `shared`.
pub struct Class {
    pub loaded: LoadedScenario,
    pub model: &'static Model,
    pub seed: u64,
    pub dir: PathBuf,
    pub white_token: String,
    pub shared: Mutex<Shared>,
    pub seats: Vec<Seat>,
    /// Serialises writes of the class file; holds the generation last
    /// written, so an older snapshot never overwrites a newer one.
    save_lock: Mutex<u64>,
    /// The generation of the next snapshot (taken under `shared`).
    snapshots: std::sync::atomic::AtomicU64,
}

/// A fresh random token for a URL.
fn token() -> String {
    use rand::RngExt;
    format!("{:032x}", rand::rng().random::<u128>())
}

/// Compares tokens without stopping at the first difference.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn log_path(dir: &Path, team: &str) -> PathBuf {
    dir.join(format!("{team}.json"))
}

fn class_path(dir: &Path) -> PathBuf {
    dir.join("class.json")
}

/// The class's events list from the scenario: every inject that carries a
/// message, in time order, numbered from 1.
pub fn injects_of(loaded: &LoadedScenario) -> Vec<Inject> {
    super::msel::items(&loaded.scenario)
        .into_iter()
        .map(|(k, item)| Inject {
            item,
            scenario_inject: Some(k),
            teams: Vec::new(),
            state: InjectState::Pending,
            delivered: Vec::new(),
        })
        .collect()
}

impl Class {
    /// A new class in `dir`, or the one saved there (same scenario, seed and
    /// teams), resumed where every syndicate was.
    pub fn open(
        loaded: LoadedScenario,
        model: &'static Model,
        seed: u64,
        teams: &[String],
        dir: &Path,
        speed: f64,
        msel: Vec<Item>,
    ) -> Result<Class, Error> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let path = class_path(dir);
        if path.exists() {
            return Class::resume(loaded, model, seed, teams, dir, msel);
        }
        let mut seats = Vec::new();
        for name in teams {
            let log = log_path(dir, name);
            if log.exists() {
                return Err(Error::input(
                    &log.display().to_string(),
                    "a syndicate's log is here but no class.json: choose another --dir".to_string(),
                ));
            }
            let session = Session::new(&loaded, model, crate::rng::Seed::new(seed, 0), name)
                .events_list(msel.clone())
                .autosave(Some(log));
            seats.push(Seat {
                name: name.clone(),
                token: token(),
                team: Mutex::new(Team::new(name, session, speed)),
            });
        }
        let injects = injects_of(&loaded);
        let class = Class {
            loaded,
            model,
            seed,
            dir: dir.to_path_buf(),
            white_token: token(),
            shared: Mutex::new(Shared {
                injects,
                show_effectiveness: false,
            }),
            seats,
            save_lock: Mutex::new(0),
            snapshots: std::sync::atomic::AtomicU64::new(1),
        };
        class.save()?;
        Ok(class)
    }

    /// The class saved in `dir`: checks that it is this scenario, seed and
    /// set of teams, then rebuilds every syndicate's session from its log.
    fn resume(
        loaded: LoadedScenario,
        model: &'static Model,
        seed: u64,
        teams: &[String],
        dir: &Path,
        msel: Vec<Item>,
    ) -> Result<Class, Error> {
        let path = class_path(dir);
        let file = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let saved: ClassFile = serde_json::from_str(&text).map_err(|e| {
            Error::Input(vec![crate::error::Located {
                file: file.clone(),
                line_col: Some((e.line(), e.column())),
                path: None,
                message: format!("not a pocsim class file: {e}"),
            }])
        })?;
        let names: Vec<&str> = saved.teams.iter().map(|t| t.name.as_str()).collect();
        if names != teams.iter().map(String::as_str).collect::<Vec<_>>() {
            return Err(Error::input(
                &file,
                format!(
                    "this class has the syndicates {}; pass --teams {} to resume it, or choose another --dir",
                    names.join(", "),
                    names.join(",")
                ),
            ));
        }
        if saved.seed != seed {
            return Err(Error::input(
                &file,
                format!(
                    "this class was started with seed {}; pass --seed {} to resume it",
                    saved.seed, saved.seed
                ),
            ));
        }
        if saved.scenario_hash != loaded.hash {
            return Err(Error::input(
                &file,
                format!(
                    "this class was started with another scenario ({}); pass the same scenario, overrides and events list to resume it",
                    saved.scenario_file
                ),
            ));
        }
        let mut injects = saved.injects.clone();
        let mut seats = Vec::new();
        for t in &saved.teams {
            let log_file = log_path(dir, &t.name);
            let log = if log_file.exists() {
                crate::exercise::read_log(&log_file)?
            } else {
                Session::new(&loaded, model, crate::rng::Seed::new(seed, 0), &t.name)
                    .events_list(msel.clone())
                    .log()
                    .clone()
            };
            let session = Session::resume(
                &loaded,
                model,
                &log,
                t.now_h,
                &log_file.display().to_string(),
            )?
            .autosave(Some(log_file));
            // The logs are the record of what each syndicate received.
            for i in injects.iter_mut() {
                i.delivered.retain(|n| *n != t.name);
                if log.messages.iter().any(|m| m.order == i.item.order) {
                    i.delivered.push(t.name.clone());
                }
            }
            let mut team = Team::new(&t.name, session, t.speed);
            team.running = t.running;
            team.hold = t.hold;
            if team.done() {
                team.outcome = team.session.outcome_preview();
            }
            seats.push(Seat {
                name: t.name.clone(),
                token: t.token.clone(),
                team: Mutex::new(team),
            });
        }
        Ok(Class {
            loaded,
            model,
            seed,
            dir: dir.to_path_buf(),
            white_token: saved.white_token,
            shared: Mutex::new(Shared {
                injects,
                show_effectiveness: saved.show_effectiveness,
            }),
            seats,
            save_lock: Mutex::new(0),
            snapshots: std::sync::atomic::AtomicU64::new(1),
        })
    }

    pub fn seat(&self, name: &str) -> Option<&Seat> {
        self.seats.iter().find(|s| s.name == name)
    }

    /// Saves the class file (atomically). The white cell's part is copied
    /// first and its lock let go, then each syndicate's clock under its own
    /// lock, so that no syndicate waits on another's work or on the disk.
    pub fn save(&self) -> Result<(), Error> {
        let (generation, show_effectiveness, injects) = {
            let shared = lock(&self.shared);
            let generation = self
                .snapshots
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            (
                generation,
                shared.show_effectiveness,
                shared.injects.clone(),
            )
        };
        let teams: Vec<SavedTeam> = self
            .seats
            .iter()
            .map(|s| {
                let t = lock(&s.team);
                SavedTeam {
                    name: s.name.clone(),
                    token: s.token.clone(),
                    running: t.running,
                    speed: t.speed,
                    now_h: t.session.now_h(),
                    hold: t.hold,
                }
            })
            .collect();
        let file = ClassFile {
            pocsim_version: crate::VERSION.to_string(),
            scenario_file: self.loaded.file.clone(),
            scenario_hash: self.loaded.hash.clone(),
            seed: self.seed,
            white_token: self.white_token.clone(),
            show_effectiveness,
            teams,
            injects,
        };
        // A save that began later has written already: this one is stale.
        let mut written = lock(&self.save_lock);
        if *written > generation {
            return Ok(());
        }
        *written = generation;
        let mut bytes = serde_json::to_vec_pretty(&file).expect("the class file serialises");
        bytes.push(b'\n');
        crate::outputs::files::write_atomic(&class_path(&self.dir), &bytes)
    }

    /// Notes deliveries in the events list; an inject every syndicate it is
    /// for has received is published.
    fn delivered(&self, shared: &mut Shared, team: &str, orders: &[u32]) {
        for i in shared.injects.iter_mut() {
            if orders.contains(&i.item.order) && !i.delivered.iter().any(|t| t == team) {
                i.delivered.push(team.to_string());
            }
            let all = self
                .seats
                .iter()
                .filter(|s| i.is_for(&s.name))
                .all(|s| i.delivered.contains(&s.name));
            if all && i.state == InjectState::Pending {
                i.state = InjectState::Published;
            }
        }
    }

    /// Lets `wall_s` seconds pass on every running clock. Returns the
    /// syndicates whose state changed.
    pub fn tick(&self, wall_s: f64) -> Vec<usize> {
        let mut changed = Vec::new();
        // The clocks run on a copy of the events list, without the class's
        // lock, so that syndicates decide meanwhile.
        let injects = lock(&self.shared).injects.clone();
        let mut deliveries = Vec::new();
        for (k, seat) in self.seats.iter().enumerate() {
            let mut team = lock(&seat.team);
            if !team.running || team.waiting() || team.done() {
                continue;
            }
            let limit = team.session.now_h() + wall_s * team.speed;
            let orders = team.run_to(limit, false, &injects);
            drop(team);
            if !orders.is_empty() {
                deliveries.push((k, orders));
            }
            changed.push(k);
        }
        if !deliveries.is_empty() {
            let mut shared = lock(&self.shared);
            for (k, orders) in deliveries {
                self.delivered(&mut shared, &self.seats[k].name, &orders);
            }
        }
        changed
    }

    /// The clock: start, pause, set the speed, or jump to the next event, for
    /// one syndicate or all.
    pub fn clock(
        &self,
        action: &str,
        team: Option<&str>,
        speed: Option<f64>,
    ) -> Result<(), String> {
        let seats: Vec<&Seat> = match team {
            Some(name) => vec![
                self.seat(name)
                    .ok_or_else(|| format!("no syndicate `{name}`"))?,
            ],
            None => self.seats.iter().collect(),
        };
        if action == "jump" {
            // Each syndicate runs on a copy of the events list, without the
            // class's lock, so that others decide meanwhile; deliveries are
            // noted afterwards (as for a decision).
            for seat in seats {
                let injects = lock(&self.shared).injects.clone();
                let orders = lock(&seat.team).run_to(f64::INFINITY, true, &injects);
                if !orders.is_empty() {
                    let mut shared = lock(&self.shared);
                    self.delivered(&mut shared, &seat.name, &orders);
                }
            }
            return Ok(());
        }
        let _shared = lock(&self.shared);
        for seat in seats {
            let mut t = lock(&seat.team);
            match action {
                "start" => t.running = true,
                "pause" => t.running = false,
                "speed" => {
                    match speed {
                        Some(v) if v.is_finite() && v > 0.0 && v <= 1000.0 => t.speed = v,
                        _ => return Err(
                            "speed: expected simulated hours per second, above 0 and at most 1000"
                                .to_string(),
                        ),
                    }
                }
                other => {
                    return Err(format!(
                        "clock action `{other}`: expected start, pause, speed or jump"
                    ));
                }
            }
        }
        Ok(())
    }

    /// The white cell releases a syndicate held by a message.
    pub fn release(&self, team: &str) -> Result<(), String> {
        let seat = self
            .seat(team)
            .ok_or_else(|| format!("no syndicate `{team}`"))?;
        lock(&seat.team).hold = None;
        Ok(())
    }

    /// Publish now, hold or skip an inject.
    pub fn set_inject(&self, order: u32, action: &str) -> Result<(), String> {
        let mut shared = lock(&self.shared);
        let k = shared
            .injects
            .iter()
            .position(|i| i.item.order == order)
            .ok_or_else(|| format!("no inject with order {order}"))?;
        match action {
            "hold" | "skip" => {
                if shared.injects[k].state == InjectState::Published {
                    return Err(format!("inject {order} is already published"));
                }
                shared.injects[k].state = if action == "hold" {
                    InjectState::Held
                } else {
                    InjectState::Skipped
                };
            }
            "publish" => {
                let inject = shared.injects[k].clone();
                for seat in self.seats.iter().filter(|s| inject.is_for(&s.name)) {
                    if inject.delivered.contains(&seat.name) {
                        continue;
                    }
                    let mut t = lock(&seat.team);
                    if t.done() {
                        continue;
                    }
                    t.deliver(&inject)?;
                    t.pull_feed();
                    drop(t);
                    self.delivered(&mut shared, &seat.name, &[order]);
                }
                shared.injects[k].state = InjectState::Published;
            }
            "pending" => {
                if shared.injects[k].state == InjectState::Published {
                    return Err(format!("inject {order} is already published"));
                }
                shared.injects[k].state = InjectState::Pending;
            }
            other => {
                return Err(format!(
                    "inject action `{other}`: expected publish, hold, skip or pending"
                ));
            }
        }
        Ok(())
    }

    /// Edits an inject's message (not one already published).
    pub fn edit_inject(&self, order: u32, edit: &Item) -> Result<(), String> {
        let mut shared = lock(&self.shared);
        let i = shared
            .injects
            .iter_mut()
            .find(|i| i.item.order == order)
            .ok_or_else(|| format!("no inject with order {order}"))?;
        if !i.delivered.is_empty() {
            return Err(format!(
                "inject {order} has been published; add a new one instead"
            ));
        }
        i.item.from = edit.from.clone();
        i.item.to = edit.to.clone();
        i.item.title = edit.title.clone();
        i.item.description = edit.description.clone();
        i.item.expected = edit.expected.clone();
        if i.scenario_inject.is_none() && edit.time_h.is_finite() {
            i.item.time_h = edit.time_h;
        }
        Ok(())
    }

    /// Adds an inject for all syndicates or one, sent in the name of a role;
    /// published at its time (now, when none is given).
    pub fn add_inject(&self, mut item: Item, team: Option<&str>) -> Result<u32, String> {
        if item.from.trim().is_empty() {
            return Err("from: say who sends the message (a role: the camp manager, the host police commander)".to_string());
        }
        if item.title.trim().is_empty() && item.description.trim().is_empty() {
            return Err("title or description: the message needs words".to_string());
        }
        if let Some(name) = team
            && self.seat(name).is_none()
        {
            return Err(format!("no syndicate `{name}`"));
        }
        match (&item.incident, &item.site) {
            (Some(kind), Some(site)) => {
                if !crate::scenario::ThreatKind::ALL
                    .iter()
                    .any(|k| k.name() == kind)
                {
                    return Err(format!(
                        "kind `{kind}`: expected one of {}",
                        crate::scenario::ThreatKind::ALL
                            .map(|k| k.name())
                            .join(", ")
                    ));
                }
                if !self.model.world.index.contains_key(site) {
                    return Err(format!("site `{site}` does not exist in this scenario"));
                }
            }
            (None, None) => {}
            _ => return Err("kind and site: give both for an incident, or neither".to_string()),
        }
        if !item.time_h.is_finite() {
            // Now: the earliest clock among the syndicates it is for.
            item.time_h = self
                .seats
                .iter()
                .filter(|s| team.is_none_or(|t| t == s.name))
                .map(|s| lock(&s.team).session.now_h())
                .fold(f64::INFINITY, f64::min);
        }
        let mut shared = lock(&self.shared);
        item.order = shared
            .injects
            .iter()
            .map(|i| i.item.order)
            .max()
            .unwrap_or(0)
            + 1;
        let order = item.order;
        shared.injects.push(Inject {
            item,
            scenario_inject: None,
            teams: team.map(|t| vec![t.to_string()]).unwrap_or_default(),
            state: InjectState::Pending,
            delivered: Vec::new(),
        });
        // Due now for a syndicate whose clock has passed its time.
        let injects = shared.injects.clone();
        for seat in self.seats.iter() {
            let mut t = lock(&seat.team);
            let inject = injects.last().expect("just added");
            if !inject.due_for(&seat.name)
                || t.done()
                || inject.item.time_h > t.session.now_h() + 1e-9
            {
                continue;
            }
            t.deliver(inject)?;
            t.pull_feed();
            drop(t);
            self.delivered(&mut shared, &seat.name, &[order]);
        }
        Ok(order)
    }

    /// The white cell's mark for a syndicate's handling of an inject.
    pub fn mark(&self, team: &str, order: u32, grade: Grade, note: String) -> Result<(), String> {
        let seat = self
            .seat(team)
            .ok_or_else(|| format!("no syndicate `{team}`"))?;
        if !lock(&self.shared)
            .injects
            .iter()
            .any(|i| i.item.order == order)
        {
            return Err(format!("no inject with order {order}"));
        }
        lock(&seat.team)
            .session
            .set_mark(Mark { order, grade, note });
        Ok(())
    }

    /// A syndicate's choice; then its clock runs on at once to any decision
    /// due at the same moment.
    pub fn decide(
        &self,
        team: &str,
        incident: Option<usize>,
        choice: Choice,
    ) -> Result<(), String> {
        let seat = self
            .seat(team)
            .ok_or_else(|| format!("no syndicate `{team}`"))?;
        // Syndicates decide in parallel: the events list is read from a copy,
        // and deliveries noted afterwards.
        let injects = lock(&self.shared).injects.clone();
        let mut t = lock(&seat.team);
        t.decide(incident, choice)?;
        let now = t.session.now_h();
        let orders = t.run_to(now, false, &injects);
        drop(t);
        if !orders.is_empty() {
            let mut shared = lock(&self.shared);
            self.delivered(&mut shared, team, &orders);
        }
        Ok(())
    }

    /// Every syndicate's log, for the debrief.
    pub fn logs(&self) -> Vec<ExerciseLog> {
        self.seats
            .iter()
            .map(|s| lock(&s.team).session.log().clone())
            .collect()
    }
}

/// A lock that a panic elsewhere does not poison for good: the state it
/// guards is replaced whole by every change.
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
