//! The state a replication carries besides its clock and queue: each site's
//! people, tension, trust and presence; each unit's free platoons and
//! vehicles; incidents; the moves and escorts held while a capital decides;
//! displaced flows and escort requests. Plain data: the rules that change it
//! live in the engine's other modules.

use crate::ids::{IncidentId, PatrolRunId, SiteId, UnitId};
use crate::rng::Stream;
use crate::scenario::ThreatKind;

/// Changing state of a site.
#[derive(Debug, Clone)]
pub(crate) struct SiteState {
    pub population: f64,
    /// Tension is `tension * decay()`: an amplitude against a shared epoch, so
    /// that every site decays with one exponential per moment, not one per read.
    pub(crate) tension: f64,
    pub trust: f64,
    pub host_capacity: f64,
    /// Integrity of the host unit (1 = clean): moves with HRDDP mitigation.
    pub host_integrity: f64,
    pub host_supported: bool,
    /// Support was suspended by a decision (HRDDP), not by the policy's threshold.
    pub host_suspended: bool,
    /// The mission set conditions on its support (HRDDP's mitigating
    /// measures), and whether the host authorities carried them out: then the
    /// pattern of abuse an allegation describes has ended.
    pub host_conditions: bool,
    pub host_conditions_met: bool,
    /// A dialogue held here lowers political injects' extra rate until then.
    pub talks_until: f64,
    /// A dialogue is ordered and its team is on the way.
    pub talks_planned: bool,
    /// Patrol presence intervals (arrive, leave, patrol run), pruned as they expire.
    pub patrols: Vec<(f64, f64, PatrolRunId)>,
    pub guards: u32,
    /// Military units whose area covers the site (presence that deters armed threats).
    pub military: u32,
    pub cp_teams: u32,
    pub mentors: f64,
    pub un_officers: f64,
    pub un_women: f64,
    pub last_harm_h: f64,
    // Counters of the current day.
    pub day_true: u32,
    /// Today's true incidents and civilians harmed, by threat kind.
    pub day_true_kind: [u32; 6],
    pub day_harmed_kind: [u32; 6],
    pub day_reported: u32,
    /// Incidents that became known today (reported, or learned late).
    pub day_known: u32,
    /// What happened here over the run so far.
    pub totals: crate::metrics::SiteTotals,
    pub day_harmed: u32,
    pub day_killed: u32,
    pub day_patrols: u32,
}

/// Changing state of a unit.
#[derive(Debug, Clone, Default)]
pub(crate) struct UnitState {
    pub active: bool,
    pub idle: u32,
    pub vehicles_free: u32,
    /// Platoons away only because a no-split caveat sent the whole unit.
    pub held: u32,
    /// When each idle platoon of a unit with shifts is rested, earliest first.
    pub rested_at: Vec<f64>,
    /// A military unit alerted by the police is at alert readiness until then.
    pub alert_until: f64,
}

/// A patrol out from its base, from departure to return.
#[derive(Debug, Clone)]
pub(crate) struct PatrolRun {
    pub unit: UnitId,
    pub site: SiteId,
    pub platoons: u32,
    pub vehicles: u32,
    pub depart: f64,
    pub arrive: f64,
    pub end: f64,
    pub travel: f64,
    /// Sent to an incident instead: its own return no longer applies.
    pub retasked: bool,
}

/// One incident from emergence to resolution.
#[derive(Debug, Clone)]
pub(crate) struct Incident {
    pub kind: ThreatKind,
    pub site: SiteId,
    pub onset: f64,
    pub end: f64,
    pub potential: u32,
    pub perpetrators: u32,
    /// Where in its site it happens: km from the site's centre.
    pub in_site_km: f64,
    pub reported: bool,
    pub report_h: f64,
    pub first_arrival: f64,
    pub mitigation: f64,
    pub responders: u32,
    pub in_time: bool,
    /// A UN police unit has arrived.
    pub un_arrived: bool,
    pub blocked: bool,
    /// The mandate forbade the unit that would have arrived first.
    pub mandate_blocked: bool,
    pub resolved: bool,
    pub host_supported_at_t0: bool,
    pub excluded: Vec<UnitId>,
    /// Stable key of the incident (for the capital's answers about it).
    pub key: u64,
    /// The threat process that produced it (arrests incapacitate that stream).
    pub process: Option<u32>,
    pub rng: Stream,
}

/// An escort whose unit waits for its capital's approval.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PendingEscort {
    pub request: u32,
    pub unit: UnitId,
    pub platoons: u32,
    pub vehicles: u32,
    pub travel_h: f32,
}

/// A unit held while the capital decides whether it may go.
#[derive(Debug, Clone)]
pub(crate) struct PendingMove {
    pub incident: IncidentId,
    pub unit: UnitId,
    pub platoons: u32,
    pub vehicles: u32,
    /// Hours from the order to moving out (readiness, coordination).
    pub ready_h: f64,
    /// A patrol re-tasked: where it starts from.
    pub from_patrol: Option<PatrolRunId>,
    /// Road hours when asked (a re-tasked patrol keeps them; a unit at its
    /// base takes the roads as they are when the answer comes).
    pub travel_h: f64,
}

/// People displaced from one site to one refuge.
#[derive(Debug, Clone)]
pub(crate) struct Flow {
    pub origin: SiteId,
    pub refuge: Option<SiteId>,
    pub people: f64,
}

/// An escort request from a civilian component.
#[derive(Debug, Clone)]
pub(crate) struct EscortRequest {
    pub site: SiteId,
    pub requested_h: f64,
    pub settled: bool,
}
