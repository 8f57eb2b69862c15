//! Decisions of the operations centre: what it sees, what it may choose, and
//! the shipped doctrine.
//!
//! The engine stops at every reported incident that needs a response and asks
//! a [`Decider`]. The [`Doctrine`] decides as a standard operating procedure
//! would; a training exercise plugs a person in through the same interface.
//! The engine lists every option with its arrival estimate and, where a rule
//! stands in the way, which rule: options a caveat forbids are shown, marked,
//! and cannot be taken.

use crate::ids::{IncidentId, SiteId, UnitId};
use crate::model::UnitKind;
use crate::scenario::{Authority, ThreatKind};

/// A national caveat or mandate rule that stands in the way of an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    StaticGuardOnly,
    /// The whole unit must move, and not all its platoons are free.
    NoSplit,
    AllowedSites,
    MaxDistance,
    NoJointHostOps,
    NoNightOps,
    ApprovalRequired,
    /// Support-only mandate with no supported host police at the site.
    SupportOnlyMandate,
}

impl Rule {
    pub fn name(self) -> &'static str {
        match self {
            Rule::StaticGuardOnly => "static_guard_only",
            Rule::NoSplit => "no_split",
            Rule::AllowedSites => "allowed_sites",
            Rule::MaxDistance => "max_distance_km",
            Rule::NoJointHostOps => "no_joint_host_ops",
            Rule::NoNightOps => "no_night_ops",
            Rule::ApprovalRequired => "approval_required",
            Rule::SupportOnlyMandate => "support_only mandate",
        }
    }
    /// Whether the capital can waive it (mandate rules cannot be waived).
    pub fn waivable(self) -> bool {
        !matches!(self, Rule::SupportOnlyMandate)
    }
}

/// Whether and how an option can be taken now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Status {
    /// Can leave now (after any coordination delay).
    Ready,
    /// Can be dispatched, but waits for a rule first (approval, daylight).
    Delayed(Rule),
    /// Forbidden by a rule; only a waiver from the capital lifts it.
    Forbidden(Rule),
    /// Not enough platoons free.
    Busy,
}

/// One unit the operations centre could send.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseOption {
    pub unit: UnitId,
    pub unit_kind: UnitKind,
    /// Platoons that would go (all of an FPU under a no-split caveat).
    pub platoons: u32,
    pub officers: f64,
    /// Road hours (by vehicle, or on foot if no vehicle is free).
    pub travel_h: f64,
    pub mounted: bool,
    /// Expected wait before leaving (approval, daylight, coordination).
    pub wait_h: f64,
    /// Expected hours from now to arrival.
    pub eta_h: f64,
    /// Share of harm a timely response of this strength averts.
    pub effectiveness: f64,
    /// The response is a joint operation with host police.
    pub joint: bool,
    /// A patrol of the unit goes, from the site where it is (the incident's
    /// site: it answers at once), instead of platoons from the base.
    pub patrol_at: Option<SiteId>,
    pub status: Status,
    /// Expected hours to arrival if the capital is asked for an urgent waiver
    /// of the rule in the way (none if no waiver applies).
    pub waiver_eta_h: Option<f64>,
}

impl ResponseOption {
    /// Can be dispatched by [`Decision::Dispatch`].
    pub fn dispatchable(&self) -> bool {
        matches!(self.status, Status::Ready | Status::Delayed(_))
    }
    /// Not available now, but will be when its platoons come back.
    pub fn frees_up_later(&self) -> bool {
        matches!(self.status, Status::Busy | Status::Forbidden(Rule::NoSplit))
    }
}

/// What is known of the incident: only what was reported.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentView {
    pub id: IncidentId,
    pub kind: ThreatKind,
    pub site: SiteId,
    pub reported_at_h: f64,
    /// How many units are already on their way or there.
    pub responders: u32,
}

/// Everything a decider sees at a decision point.
#[derive(Debug, Clone, PartialEq)]
pub struct Situation {
    pub now_h: f64,
    pub incident: IncidentView,
    pub authority: Authority,
    /// The mission's procedure asks the capital for an urgent waiver when a
    /// caveat keeps the fastest unit from imminent violence
    /// (`mandate.doctrine_requests_waivers`).
    pub request_waivers: bool,
    /// Options, soonest arrival first; forbidden and busy ones included.
    pub options: Vec<ResponseOption>,
}

/// The operations centre's choice at a decision point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Send the unit of `options[option]`; optionally ask a military unit to support.
    Dispatch {
        option: usize,
        support: Option<usize>,
    },
    /// Ask the capital to waive the rule that forbids `options[option]`. The
    /// decision stays pending while another option can be dispatched (send a
    /// permitted unit meanwhile, wait, or decline).
    RequestWaiver { option: usize },
    /// Keep the incident pending until a unit is free.
    Wait,
    /// Leave the incident unanswered.
    Decline,
    /// Suspend or resume support to the host police at a site (HRDDP);
    /// the incident's decision is still pending afterwards.
    SetHostSupport { site: SiteId, supported: bool },
}

/// Anything that takes the operations centre's decisions.
pub trait Decider {
    fn decide(&mut self, situation: &Situation) -> Decision;
}

/// The shipped standard operating procedure.
///
/// Sends the dispatchable option that arrives first, preferring among
/// near-equal arrivals (within `tie_h`) the more effective one; for an armed
/// attack or an attack on a POC site answered by police, also asks the nearest
/// free military unit for support. Where the mission's procedure says so
/// (`Situation::request_waivers`), asks the capital for an urgent waiver when
/// a unit held back by a caveat would arrive sooner than any permitted one.
/// Waits when nothing is free.
#[derive(Debug, Clone)]
pub struct Doctrine {
    pub tie_h: f64,
}

impl Default for Doctrine {
    fn default() -> Self {
        Doctrine { tie_h: 0.25 }
    }
}

impl Decider for Doctrine {
    fn decide(&mut self, s: &Situation) -> Decision {
        let mut best: Option<usize> = None;
        for (i, o) in s.options.iter().enumerate() {
            if !o.dispatchable() {
                continue;
            }
            best = match best {
                None => Some(i),
                Some(b) => {
                    let ob = &s.options[b];
                    let better = o.eta_h + self.tie_h < ob.eta_h
                        || (o.eta_h < ob.eta_h + self.tie_h && o.effectiveness > ob.effectiveness);
                    Some(if better { i } else { b })
                }
            };
        }
        // Ask once, before anyone is on the way; the decision then stays open
        // and the best permitted unit goes meanwhile.
        if s.request_waivers
            && s.incident.kind != ThreatKind::HostAbuse
            && s.incident.responders == 0
        {
            let permitted = best.map_or(f64::INFINITY, |b| s.options[b].eta_h);
            let waiver = s
                .options
                .iter()
                .enumerate()
                .filter_map(|(i, o)| o.waiver_eta_h.map(|h| (i, h)))
                .min_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((w, h)) = waiver
                && h + self.tie_h < permitted
            {
                return Decision::RequestWaiver { option: w };
            }
        }
        let Some(b) = best else {
            let any_busy = s.options.iter().any(ResponseOption::frees_up_later);
            return if any_busy {
                Decision::Wait
            } else {
                Decision::Decline
            };
        };
        let armed = matches!(
            s.incident.kind,
            ThreatKind::ArmedAttack | ThreatKind::PocSiteAttack
        );
        let support = if armed && s.options[b].unit_kind != UnitKind::Military {
            s.options
                .iter()
                .position(|o| o.unit_kind == UnitKind::Military && o.dispatchable())
        } else {
            None
        };
        Decision::Dispatch { option: b, support }
    }
}
