//! The discrete-event engine: one clock, one queue, and the handlers that
//! move the world from one event to the next.
//!
//! Cost follows events. Threats arrive by thinning a bounding Poisson process
//! per (site, kind), so the engine never scans sites per tick; dispatch walks
//! a precomputed nearest-first list and stops as soon as no farther unit can
//! arrive sooner; the only per-site work is the end-of-day update that the
//! daily time series needs anyway.
//!
//! The engine is steppable: [`Simulation::step`] runs until the operations
//! centre must decide (or the horizon), [`Simulation::situation`] shows what
//! it knows, and [`Simulation::decide`] applies the choice. [`run`] drives a
//! whole replication with any [`Decider`].

/// Records an event when the log is on; the outcome text is only built then,
/// so a run without a log allocates nothing for it.
macro_rules! log {
    ($sim:expr, $kind:expr, $site:expr, $unit:expr, $inc:expr, $outcome:expr $(,)?) => {
        if $sim.opts.record_events {
            let outcome: String = $outcome;
            $sim.push_event($kind, $site, $unit, $inc, outcome);
        }
    };
}

mod activity;
mod finish;
mod hours;
mod state;
mod units;
pub(crate) use state::*;
mod calibrate;
pub use calibrate::variant_model;
mod clocks;
mod daily;
mod dispatch;
mod incidents;
mod orders;
mod queue;
pub(crate) mod rules;
pub mod view;

pub use orders::EscortAsked;
pub use queue::{Event, EventQueue};

use crate::ids::{IncidentId, PatrolRunId, SiteId, UnitId};
use crate::metrics::EventKind;
use crate::metrics::{Day, EventRow, RunResult, SiteDay, Summary, quantile_sorted};
use crate::model::{Model, UnitKind};
use crate::policy::{Decider, Decision, Situation};
use crate::rng::{Mechanic, Seed, Stream, exponential};
use crate::scenario::ThreatKind;
use std::collections::VecDeque;

/// What to record besides the summary.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Per-site daily rows (`timeseries.csv`).
    pub record_site_days: bool,
    /// Every event (`events.csv`).
    pub record_events: bool,
    /// Show every unit at a decision point, not only those that could be first.
    pub list_all_options: bool,
    /// Check the model's invariants after every event (slower; for tests).
    pub self_check: bool,
    /// Stop at every inject that carries a message ([`Step::Message`]), so that
    /// trainees read it when it happens (before any decision its incident needs).
    pub stop_at_messages: bool,
    /// Escort requests that come with a message (an inject's) wait for the
    /// operations centre's answer ([`Simulation::answer_escort`]) instead of
    /// being staffed by standard procedure.
    pub ops_answers_escorts: bool,
}

/// Where [`Simulation::step`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A decision is pending: read [`Simulation::situation`], then [`Simulation::decide`].
    Decision,
    /// An inject's message arrived (the index of the scenario's inject); nothing is pending.
    Message(usize),
    /// The time limit given to [`Simulation::step_until`] is reached; nothing is pending.
    Reached,
    /// The horizon is reached: call [`Simulation::finish`].
    Done,
}

/// A decision that cannot be applied.
#[derive(Debug, Clone, PartialEq)]
pub enum DecisionError {
    NothingPending,
    NoSuchOption(usize),
    NotDispatchable {
        option: usize,
        why: String,
    },
    NotWaivable {
        option: usize,
        why: String,
    },
    NoSuchSite(SiteId),
    /// Support to host police at a site that has none (its name).
    NoHostPolice(String),
    /// An order the rules or the situation refuse, and why.
    Refused(String),
    KindNotModelled(ThreatKind),
}

impl std::fmt::Display for DecisionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecisionError::NothingPending => write!(f, "no decision is pending"),
            DecisionError::NoSuchOption(i) => write!(f, "there is no option {i}"),
            DecisionError::NotDispatchable { option, why } => {
                write!(f, "option {option} cannot be dispatched: {why}")
            }
            DecisionError::NotWaivable { option, why } => {
                write!(
                    f,
                    "option {option} needs no waiver or cannot have one: {why}"
                )
            }
            DecisionError::NoSuchSite(s) => write!(f, "there is no site {s}"),
            DecisionError::NoHostPolice(name) => {
                write!(f, "there are no host police at {name} to support or not")
            }
            DecisionError::Refused(why) => f.write_str(why),
            DecisionError::KindNotModelled(k) => write!(
                f,
                "the scenario has no `[threats.{}]` parameters, so it cannot start one",
                k.name()
            ),
        }
    }
}

impl std::error::Error for DecisionError {}

/// One replication in progress (a clone goes on from the same state).
#[derive(Clone)]
pub struct Simulation<'m> {
    m: &'m Model,
    seed: Seed,
    opts: RunOptions,
    now: f64,
    horizon: f64,
    queue: EventQueue,
    /// Next candidate of each threat process (the most frequent events).
    clocks: clocks::ProcessClocks,
    threat_rngs: Vec<Stream>,
    abuse_rngs: Vec<Stream>,
    escort_rng: Stream,
    sites: Vec<SiteState>,
    units: Vec<UnitState>,
    incidents: Vec<Incident>,
    flows: Vec<Flow>,
    escorts: Vec<EscortRequest>,
    /// Incidents that need a decision now, in order.
    to_decide: VecDeque<IncidentId>,
    /// Incidents waiting for a unit to come free.
    waiting: Vec<IncidentId>,
    /// Escort requests waiting for a platoon.
    escorts_waiting: Vec<u32>,
    /// Escort requests waiting for the operations centre's answer.
    escorts_asked: Vec<u32>,
    /// The day's patrol plan, when the operations centre set one.
    patrol_orders: Option<orders::PatrolOrders>,
    /// The head of the police component can engage leaders again from then.
    hopc_free_at: f64,
    /// Conditions set so far (keys of their streams).
    conditions_set: u64,
    awaiting: Option<IncidentId>,
    /// An inject's message to show before anything else happens.
    message: Option<u32>,
    /// Platoons the operations centre chose for one unit at the pending
    /// decision: (incident, unit, platoons).
    platoon_choice: Option<(IncidentId, UnitId, u32)>,
    /// Incidents started by [`Simulation::start_incident`], for their streams' keys.
    started: u64,
    situation: Situation,
    /// Units held while the capital decides.
    pending_moves: Vec<PendingMove>,
    /// Escorts held while the capital decides.
    escort_moves: Vec<PendingEscort>,
    /// Freed platoons should be offered to waiting escorts once incidents are served.
    escort_retry_due: bool,
    patrol_rotation: usize,
    /// Every patrol sent, and those that may still be out (in order sent;
    /// ended and re-tasked ones are dropped in bulk, see `on_patrol_launch`).
    patrol_runs: Vec<PatrolRun>,
    live_patrols: Vec<PatrolRunId>,
    /// Length of `live_patrols` after its last clearing out.
    live_patrols_kept: usize,
    /// Patrols out that the pending situation offers (for `dispatch`).
    situation_patrols: Vec<dispatch::PatrolSource>,
    /// Scratch lists of a decision (kept to avoid allocating per decision).
    scratch_patrol_options: Vec<crate::policy::ResponseOption>,
    scratch_units: Vec<UnitId>,
    /// Per threat process: perpetrators detained now.
    detained: Vec<u32>,
    /// Threats each stream produced, before deterrence.
    stream_threats: Vec<u32>,
    /// Reported incidents (not host abuse), and those answered within the target.
    reported_for_target: u64,
    answered_within_target: u64,
    /// Per stream: fading counts of (cases handed to justice, threats
    /// arisen), as amplitudes at `justice_heat_t`.
    justice_heat: Vec<(f64, f64)>,
    justice_heat_t: Vec<f64>,
    /// Today's hot-spot patrol plan, best site first (and its scratch scores).
    hot_plan: Vec<SiteId>,
    hot_scores: Vec<u128>,
    /// The plan holds only the best sites of the day.
    hot_plan_truncated: bool,
    justice_tokens: f64,
    justice_t: f64,
    summary: Summary,
    /// Epoch and rate of tension decay, and the cached factor for the current moment.
    tension_epoch: f64,
    tension_k: f64,
    decay_cache: std::cell::Cell<(f64, f64)>,
    /// Per-threat counters, by `ThreatKind::index` (a map only at the end).
    threat_stats: [crate::metrics::ThreatSummary; 6],
    /// UN police officers deployed, and how many of them are women.
    un_officers: f64,
    un_women: f64,
    /// FPUs deployed and free to patrol (not static guards).
    active_fpus: u32,
    responded_before: u64,
    prevented_before: u64,
    response_times: Vec<f64>,
    days: Vec<Day>,
    site_days: Vec<SiteDay>,
    events: Vec<EventRow>,
    done: bool,
    /// Events handled, and the most ever pending (for performance reports).
    events_processed: u64,
    queue_peak: usize,
}

/// Runs one replication with a decider, from start to horizon.
///
/// ```
/// use pocsim::{load_scenario_str, Model, Seed, Doctrine, RunOptions, run};
/// let text = std::fs::read_to_string("scenarios/tutorial.toml").unwrap();
/// let loaded = load_scenario_str(&text, "tutorial.toml", &[]).unwrap();
/// let model = Model::build(&loaded.scenario);
/// let result = run(&model, Seed::new(7, 0), &mut Doctrine::default(), RunOptions::default());
/// assert!(result.summary.incidents_true >= result.summary.incidents_reported);
/// ```
pub fn run(model: &Model, seed: Seed, decider: &mut dyn Decider, opts: RunOptions) -> RunResult {
    let mut sim = Simulation::new(model, seed, opts);
    loop {
        match sim.step() {
            Step::Decision => {
                let d = decider.decide(sim.situation());
                if sim.decide(d).is_err() {
                    // A decider that errs leaves the incident to wait; the doctrine never does.
                    let _ = sim.decide(Decision::Decline);
                }
            }
            Step::Done => break,
            // Messages are for people; a decider reads none.
            Step::Message(_) | Step::Reached => {}
        }
    }
    sim.finish()
}

impl<'m> Simulation<'m> {
    /// Sets up replication `seed` of a model at time 0.
    pub fn new(m: &'m Model, seed: Seed, opts: RunOptions) -> Self {
        let s = &m.scenario;
        let horizon = m.horizon_h;
        let sites: Vec<SiteState> = m
            .world
            .sites
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let host = m.host_at[i].map(|h| &m.hosts[h]);
                SiteState {
                    population: x.population,
                    tension: m.tension_baseline[i],
                    trust: x.trust,
                    host_capacity: host.map_or(0.0, |h| h.capacity),
                    host_integrity: host.map_or(1.0, |h| h.integrity),
                    // Set below by the HRDDP rule.
                    host_supported: false,
                    host_suspended: false,
                    host_conditions: false,
                    host_conditions_met: false,
                    talks_until: f64::NEG_INFINITY,
                    talks_planned: false,
                    patrols: Vec::new(),
                    guards: 0,
                    military: 0,
                    cp_teams: 0,
                    mentors: 0.0,
                    un_officers: 0.0,
                    un_women: 0.0,
                    last_harm_h: f64::NEG_INFINITY,
                    day_true: 0,
                    day_true_kind: [0; 6],
                    day_harmed_kind: [0; 6],
                    day_reported: 0,
                    day_known: 0,
                    totals: Default::default(),
                    day_harmed: 0,
                    day_killed: 0,
                    day_patrols: 0,
                }
            })
            .collect();
        let n_days = (horizon / 24.0).ceil() as usize;
        let (n_incidents, n_patrols, n_responses) = m.run_sizes.get();
        let mut sim = Simulation {
            m,
            seed,
            opts,
            now: 0.0,
            horizon,
            queue: EventQueue::with_capacity(m.units.len() * 2 + 64),
            clocks: clocks::ProcessClocks::new(m.processes.len()),
            threat_rngs: m
                .processes
                .iter()
                .map(|p| seed.stream(Mechanic::Threat, p.key))
                .collect(),
            abuse_rngs: m
                .hosts
                .iter()
                .map(|h| seed.stream(Mechanic::HostAbuse, h.key))
                .collect(),
            escort_rng: seed.stream(Mechanic::Escort, 0),
            sites,
            units: vec![UnitState::default(); m.units.len()],
            incidents: Vec::with_capacity(n_incidents),
            flows: Vec::new(),
            escorts: Vec::new(),
            to_decide: VecDeque::new(),
            waiting: Vec::new(),
            escorts_waiting: Vec::new(),
            escorts_asked: Vec::new(),
            patrol_orders: None,
            hopc_free_at: 0.0,
            conditions_set: 0,
            awaiting: None,
            message: None,
            platoon_choice: None,
            started: 0,
            pending_moves: Vec::new(),
            escort_moves: Vec::new(),
            escort_retry_due: false,
            situation: Situation {
                now_h: 0.0,
                incident: crate::policy::IncidentView {
                    id: IncidentId(0),
                    kind: ThreatKind::CriminalViolence,
                    site: SiteId(0),
                    reported_at_h: 0.0,
                    responders: 0,
                },
                authority: s.mandate.authority,
                request_waivers: s.mandate.doctrine_requests_waivers,
                options: Vec::with_capacity(16),
            },
            patrol_rotation: 0,
            patrol_runs: Vec::with_capacity(n_patrols),
            live_patrols: Vec::new(),
            live_patrols_kept: 0,
            situation_patrols: Vec::new(),
            scratch_patrol_options: Vec::new(),
            scratch_units: Vec::new(),
            detained: vec![0; m.processes.len()],
            stream_threats: vec![0; m.processes.len()],
            reported_for_target: 0,
            answered_within_target: 0,
            justice_heat: vec![(0.0, 0.0); m.processes.len()],
            justice_heat_t: vec![0.0; m.processes.len()],
            hot_plan: Vec::new(),
            hot_scores: Vec::new(),
            hot_plan_truncated: false,
            justice_tokens: s.mandate.justice_capacity_per_week,
            justice_t: 0.0,
            summary: Summary::default(),
            threat_stats: Default::default(),
            tension_epoch: 0.0,
            tension_k: std::f64::consts::LN_2 / (s.tension.half_life_days * 24.0),
            decay_cache: std::cell::Cell::new((f64::NAN, 1.0)),
            un_officers: 0.0,
            un_women: 0.0,
            active_fpus: 0,
            responded_before: 0,
            prevented_before: 0,
            response_times: Vec::with_capacity(n_responses),
            days: Vec::with_capacity(n_days),
            site_days: Vec::new(),
            events: Vec::new(),
            done: false,
            events_processed: 0,
            queue_peak: 0,
        };
        for site in 0..sim.sites.len() {
            if m.host_at[site].is_some() {
                sim.sites[site].host_supported = sim.hrddp_supports(sim.sites[site].host_integrity);
            }
        }
        // First candidate of every threat process.
        for (p, proc) in m.processes.iter().enumerate() {
            let bound = proc.rate_per_h * proc.max_multiplier;
            let t = exponential(&mut sim.threat_rngs[p], bound);
            if t < horizon {
                sim.clocks.set(p, t);
            }
        }
        for (h, post) in m.hosts.iter().enumerate() {
            let t = exponential(&mut sim.abuse_rngs[h], post.abuse_bound_per_h);
            if t < horizon {
                sim.queue.push(t, Event::HostAbuse(h as u32));
            }
        }
        for (u, unit) in m.units.iter().enumerate() {
            let u = UnitId::new(u);
            if unit.arrive_h <= 0.0 {
                sim.activate(u);
            } else if unit.arrive_h < horizon {
                sim.queue.push(unit.arrive_h, Event::UnitArrives(u));
            }
            if unit.withdraw_h < horizon {
                sim.queue
                    .push(unit.withdraw_h.max(unit.arrive_h), Event::UnitWithdraws(u));
            }
        }
        for (k, w) in m.injects.iter().enumerate() {
            if w.start_h < horizon {
                sim.queue.push(w.start_h, Event::InjectStart(k as u32));
            }
        }
        sim.schedule_patrols(0);
        if let Some(e) = &s.escorts {
            let t = exponential(&mut sim.escort_rng, e.requests_per_day / 24.0);
            if t < horizon {
                sim.queue.push(t, Event::EscortRequest);
            }
        }
        sim.queue.push(24.0f64.min(horizon), Event::DayEnd(0));
        sim
    }

    /// The model this simulation runs.
    pub fn model(&self) -> &'m Model {
        self.m
    }

    /// Current simulated time, hours from the start.
    pub fn now_h(&self) -> f64 {
        self.now
    }

    /// Runs until a decision is needed or the horizon is reached.
    pub fn step(&mut self) -> Step {
        self.step_until(f64::INFINITY)
    }

    /// Runs until a decision is needed, an inject's message arrives (with
    /// [`RunOptions::stop_at_messages`]), the horizon is reached, or every event
    /// up to `limit` hours is handled (then the clock shows `limit`).
    ///
    /// Stopping changes nothing: a run stepped in many short stretches is the
    /// same as one stepped to the end.
    pub fn step_until(&mut self, limit: f64) -> Step {
        loop {
            if let Some(k) = self.message.take() {
                return Step::Message(k as usize);
            }
            if self.awaiting.is_some() {
                return Step::Decision;
            }
            if let Some(i) = self.to_decide.pop_front() {
                let inc = &self.incidents[i];
                if !inc.resolved && self.now < inc.end {
                    self.awaiting = Some(i);
                    self.build_situation(i);
                    return Step::Decision;
                }
                continue;
            }
            if self.escort_retry_due {
                self.escort_retry_due = false;
                self.retry_escorts();
            }
            if self.done {
                return Step::Done;
            }
            let next_event = self.queue.peek_time().unwrap_or(f64::INFINITY);
            let (next_candidate, p) = self.clocks.peek();
            let next = next_event.min(next_candidate);
            if next.min(self.horizon) > limit {
                self.now = self.now.max(limit);
                return Step::Reached;
            }
            if next <= self.horizon {
                self.queue_peak = self.queue_peak.max(self.queue.len() + self.clocks.live());
                self.events_processed += 1;
                // On an exact tie the queued event goes first.
                if next_candidate < next_event {
                    self.now = next_candidate;
                    self.on_threat_candidate(p);
                } else {
                    let (t, ev) = self.queue.pop().expect("peeked");
                    if self.opts.self_check {
                        assert!(t >= self.now, "an event at {t} h was scheduled in the past");
                    }
                    self.now = t;
                    self.handle(ev);
                }
                if self.opts.self_check {
                    self.check_invariants();
                }
            } else {
                self.now = self.horizon;
                self.done = true;
            }
        }
    }

    /// What the operations centre sees at the pending decision.
    pub fn situation(&self) -> &Situation {
        &self.situation
    }

    /// Applies the operations centre's choice for the pending decision.
    pub fn decide(&mut self, d: Decision) -> Result<(), DecisionError> {
        let i = self.awaiting.ok_or(DecisionError::NothingPending)?;
        match d {
            Decision::Dispatch { option, support } => {
                let o = self.option(option)?.clone();
                if !o.dispatchable() {
                    return Err(DecisionError::NotDispatchable {
                        option,
                        why: describe_status(&o.status),
                    });
                }
                if let Some(s) = support {
                    let so = self.option(s)?;
                    if !so.dispatchable() || s == option {
                        return Err(DecisionError::NotDispatchable {
                            option: s,
                            why: describe_status(&so.status),
                        });
                    }
                }
                self.awaiting = None;
                self.platoon_choice = None;
                self.dispatch(i, &o, false);
                if let Some(s) = support {
                    let so = self.situation.options[s].clone();
                    self.dispatch(i, &so, false);
                }
            }
            Decision::RequestWaiver { option } => {
                let o = self.option(option)?.clone();
                if o.waiver_eta_h.is_none() {
                    return Err(DecisionError::NotWaivable {
                        option,
                        why: describe_status(&o.status),
                    });
                }
                if self
                    .pending_moves
                    .iter()
                    .any(|m| m.incident == i && m.unit == o.unit)
                {
                    return Err(DecisionError::Refused(format!(
                        "the capital is already asked about {} for this incident: its answer is awaited",
                        self.m.units[o.unit].id
                    )));
                }
                self.platoon_choice = None;
                self.dispatch(i, &o, true);
                // The capital is asked; meanwhile the operations centre may
                // still send a permitted unit: the decision stays open while
                // one can go.
                self.build_situation(i);
                if !self.situation.options.iter().any(|o| o.dispatchable()) {
                    self.awaiting = None;
                }
            }
            Decision::Wait => {
                self.awaiting = None;
                self.platoon_choice = None;
                self.waiting.push(i);
                log!(
                    self,
                    EventKind::Wait,
                    Some(self.incidents[i].site),
                    None,
                    Some(i),
                    String::new(),
                );
            }
            Decision::Decline => {
                self.awaiting = None;
                self.platoon_choice = None;
                log!(
                    self,
                    EventKind::Decline,
                    Some(self.incidents[i].site),
                    None,
                    Some(i),
                    String::new(),
                );
            }
            Decision::SetHostSupport { site, supported } => {
                self.set_host_support(site, supported)?;
                self.build_situation(i);
            }
        }
        Ok(())
    }

    /// Sets how many platoons the FPU of option `option` would send to the
    /// pending incident (instead of the platoons the threat needs); the options
    /// are rebuilt (strength, effectiveness, vehicles, arrival).
    pub fn set_platoons(&mut self, option: usize, platoons: u32) -> Result<(), DecisionError> {
        let i = self.awaiting.ok_or(DecisionError::NothingPending)?;
        let u = self.option(option)?.unit;
        let unit = &self.m.units[u];
        let why = |why: String| DecisionError::NotDispatchable { option, why };
        if unit.kind != UnitKind::Fpu {
            return Err(why(format!(
                "{} is not a formed unit: it goes whole",
                unit.id
            )));
        }
        if unit.caveats.no_split || unit.caveats.static_guard_only {
            return Err(why(format!(
                "{} moves whole (no_split): it cannot send part of itself",
                unit.id
            )));
        }
        let free = self.units[u].idle;
        if platoons == 0 || platoons > free {
            return Err(why(format!(
                "{} has {free} platoon(s) free; choose from 1 to {free}",
                unit.id
            )));
        }
        self.platoon_choice = Some((i, u, platoons));
        self.build_situation(i);
        Ok(())
    }

    /// Forgets a platoon count set by [`Simulation::set_platoons`].
    pub fn reset_platoons(&mut self) {
        if self.platoon_choice.take().is_some()
            && let Some(i) = self.awaiting
        {
            self.build_situation(i);
        }
    }

    /// Suspends or resumes UN support to the host police at a site (HRDDP), at
    /// any moment the simulation is stopped; a pending decision keeps waiting.
    pub fn set_host_support(&mut self, site: SiteId, supported: bool) -> Result<(), DecisionError> {
        if site.index() >= self.sites.len() {
            return Err(DecisionError::NoSuchSite(site));
        }
        if self.m.host_at[site].is_none() {
            return Err(DecisionError::NoHostPolice(
                self.m.world.sites[site].name.clone(),
            ));
        }
        self.sites[site].host_supported = supported;
        self.sites[site].host_suspended = !supported;
        if !supported {
            // Suspension ends any conditions still waiting to be carried out.
            let st = &mut self.sites[site];
            st.host_conditions = st.host_conditions_met;
        }
        log!(
            self,
            if supported {
                EventKind::HostSupportResumed
            } else {
                EventKind::HostSupportSuspended
            },
            Some(site),
            None,
            None,
            String::new(),
        );
        if let Some(i) = self.awaiting {
            self.build_situation(i);
        }
        Ok(())
    }

    /// Starts an incident now, reported at once: an inject added during an
    /// exercise. Its course is drawn from its own stream, keyed by how many were
    /// started before, so a replay that starts the same ones draws the same.
    pub fn start_incident(
        &mut self,
        kind: ThreatKind,
        site: SiteId,
        name: &str,
    ) -> Result<(), DecisionError> {
        if site.index() >= self.sites.len() {
            return Err(DecisionError::NoSuchSite(site));
        }
        if self.m.kinds[kind.index()].is_none() {
            return Err(DecisionError::KindNotModelled(kind));
        }
        let key = self.m.injects.len() as u64 + self.started;
        self.started += 1;
        log!(
            self,
            EventKind::Inject,
            Some(site),
            None,
            None,
            name.to_string()
        );
        let rng = self.seed.stream(Mechanic::Inject, key);
        self.new_incident(kind, site, rng, inject_key(key), None, true);
        Ok(())
    }

    fn option(&self, k: usize) -> Result<&crate::policy::ResponseOption, DecisionError> {
        self.situation
            .options
            .get(k)
            .ok_or(DecisionError::NoSuchOption(k))
    }

    fn handle(&mut self, ev: Event) {
        match ev {
            Event::HostAbuse(h) => self.on_host_abuse(h as usize),
            Event::Report(i) => self.on_report(i),
            Event::Learned(i) => self.on_learned(i),
            Event::Approval {
                incident,
                unit,
                granted,
                waiver,
            } => self.on_approval(incident, unit, granted, waiver),
            Event::Arrive {
                incident,
                unit,
                platoons,
                vehicles,
                travel_h,
            } => self.on_arrive(incident, unit, platoons, vehicles, f64::from(travel_h)),
            Event::Resolve(i) => self.resolve(i),
            Event::Return {
                unit,
                platoons,
                vehicles,
                worked_h,
            } => self.on_return(unit, platoons, vehicles, f64::from(worked_h)),
            Event::PatrolReturn(r) => self.on_patrol_return(r),
            Event::Released { process, n } => self.on_released(process as usize, n),
            Event::PatrolLaunch => self.on_patrol_launch(),
            Event::EscortRequest => self.on_escort_request(),
            Event::Dialogue { site } => self.on_dialogue(site),
            Event::ConditionsDue { site, key } => self.on_conditions_due(site, key),
            Event::EscortEnd {
                site,
                unit,
                platoons,
                vehicles,
                travel_h,
            } => self.on_escort_end(site, unit, platoons, vehicles, travel_h),
            Event::EscortExpire(r) => self.on_escort_expire(r as usize),
            Event::EscortApproval {
                request,
                unit,
                granted,
            } => self.on_escort_approval(request as usize, unit, granted),
            Event::DayEnd(d) => self.on_day_end(d),
            Event::InjectStart(k) => self.on_inject(k as usize),
            Event::UnitArrives(u) => self.activate(u),
            Event::UnitWithdraws(u) => self.deactivate(u),
        }
    }

    /// The common decay factor of tension now, exp(-k (now - epoch)), cached per moment.
    pub(crate) fn decay_now(&self) -> f64 {
        self.decay()
    }

    fn decay(&self) -> f64 {
        let (t, f) = self.decay_cache.get();
        if t == self.now {
            return f;
        }
        let f = (-(self.now - self.tension_epoch) * self.tension_k).exp();
        self.decay_cache.set((self.now, f));
        f
    }

    /// Tension at a site now (it decays exponentially between changes).
    pub(crate) fn tension(&self, site: SiteId) -> f64 {
        let a = self.sites[site].tension;
        if a == 0.0 { 0.0 } else { a * self.decay() }
    }

    pub(crate) fn add_tension(&mut self, site: SiteId, delta: f64) {
        let mut d = self.decay();
        if d < 1e-200 {
            // Re-base the epoch before the factor underflows (every few years).
            for st in &mut self.sites {
                st.tension *= d;
            }
            self.tension_epoch = self.now;
            self.decay_cache.set((self.now, 1.0));
            d = 1.0;
        }
        let t = (self.tension(site) + delta).max(0.0);
        self.sites[site].tension = t / d;
    }

    pub(crate) fn add_trust(&mut self, site: SiteId, delta: f64) {
        let t = &mut self.sites[site].trust;
        *t = (*t + delta).clamp(0.0, 1.0);
    }

    /// Patrols on site now.
    pub(crate) fn patrols_present(&self, site: SiteId) -> u32 {
        let now = self.now;
        self.sites[site]
            .patrols
            .iter()
            .filter(|&&(a, e, _)| a <= now && now < e)
            .count() as u32
    }

    /// Multiplier (0..1] that presence applies to a threat kind's rate at a site.
    pub(crate) fn presence_multiplier(&self, site: SiteId, kind: ThreatKind) -> f64 {
        let d = &self.m.deterrence;
        let k = kind.index();
        let s = &self.sites[site];
        // Each patrol, guard or IPO team deters a share of what the others leave:
        // more presence helps, with diminishing returns; each by threat kind.
        let mut m = (1.0 - d.patrol[k]).powi(self.patrols_present(site) as i32)
            * (1.0 - d.guard[k]).powi(s.guards as i32)
            * (1.0 - d.ipo[k]).powi(s.cp_teams as i32);
        if s.military > 0 {
            // Military presence deters the threats it is there for.
            m *= (1.0 - d.military[k]).powi(s.military as i32);
        }
        if self.m.host_at[site].is_some_and(|h| self.m.hosts[h].officers > 0) {
            m *= 1.0 - d.host[k] * s.host_capacity;
        }
        m
    }

    pub(crate) fn is_night(&self, t: f64) -> bool {
        let c = &self.m.scenario.clock;
        let h = t - 24.0 * (t / 24.0).floor();
        if c.night_start_h > c.night_end_h {
            h >= c.night_start_h || h < c.night_end_h
        } else {
            h >= c.night_start_h && h < c.night_end_h
        }
    }

    /// Hours from `t` until daylight (0 if it is day).
    pub(crate) fn wait_for_day(&self, t: f64) -> f64 {
        if !self.is_night(t) {
            return 0.0;
        }
        let end = self.m.scenario.clock.night_end_h;
        let h = hours::rem24(t);
        hours::rem24(end - h)
    }

    pub(crate) fn push_event(
        &mut self,
        kind: EventKind,
        site: Option<SiteId>,
        unit: Option<UnitId>,
        incident: Option<IncidentId>,
        outcome: String,
    ) {
        self.events.push(EventRow {
            time_h: self.now,
            kind,
            site: site.map(SiteId::index),
            unit: unit.map(UnitId::index),
            incident: incident.map(IncidentId::index),
            outcome,
        });
    }

    fn on_inject(&mut self, k: usize) {
        let w = &self.m.injects[k];
        if let Some((kind, site)) = w.incident {
            let rng = self.seed.stream(Mechanic::Inject, k as u64);
            let announced = !w.text.is_empty();
            self.new_incident(kind, site, rng, inject_key(k as u64), None, announced);
        }
        let w = &self.m.injects[k];
        if w.tension > 0.0 {
            for site in SiteId::all(self.sites.len()) {
                if w.sites[site] {
                    self.add_tension(site, w.tension);
                }
            }
        }
        if let Some(site) = w.escort {
            let asked = self.opts.ops_answers_escorts && !w.text.is_empty();
            self.request_escort(site, asked);
        }
        let w = &self.m.injects[k];
        log!(self, EventKind::Inject, None, None, None, w.name.clone());
        if self.opts.stop_at_messages && !w.text.is_empty() {
            self.message = Some(k as u32);
        }
    }
}

/// Key of an inject's incident (for the capital's answers about it).
fn inject_key(k: u64) -> u64 {
    crate::rng::mix(0x696e_6a65_6374 ^ k)
}

fn describe_status(s: &crate::policy::Status) -> String {
    use crate::policy::Status;
    match s {
        Status::Ready => "ready".into(),
        Status::Delayed(r) => format!("delayed by {}", r.name()),
        Status::Forbidden(r) => format!("forbidden by {}", r.name()),
        Status::Busy => "no platoon free".into(),
    }
}
