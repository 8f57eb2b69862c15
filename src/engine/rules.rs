//! The rules of the mandate and of the contingents' caveats, in one place.
//!
//! Dispatch, patrols, escorts, the exercise's options and the review all ask
//! [`Simulation::permit`] whether a unit may do a task at a site now and, if
//! not, which rule says no; and they all ask the capital through
//! [`Simulation::ask_capital`], which draws the delay and the refusal from a
//! stream of its own. Who may arrest ([`Simulation::un_may_arrest`]), when UN
//! action is joint with host police ([`Simulation::joint_at`]) and which host
//! units the mission supports under HRDDP ([`Simulation::hrddp_supports`]) live
//! here too, so that "where is this rule enforced?" has a one-file answer.
//!
//! What the rules say (DOMAIN.md; UN police POC guidelines 2017):
//! - Authority (`support_only`, `utm`, `executive`) governs arrest and
//!   detention, not the duty to protect. With `mandate.unilateral_protection`
//!   (the guidelines' reading) UN police protect civilians from imminent
//!   violence, and patrol to protect them, whatever the authority; the
//!   restrictive reading lets them act under `support_only` only alongside
//!   supported host police, or inside POC sites.
//! - HRDDP governs support to host units (joint operations, mentoring,
//!   capacity): a suspended unit is no partner for joint action, and never a
//!   reason to forbid the UN's own protective action.
//! - Caveats are the contingent's: they forbid (static guard, allowed sites,
//!   distance, joint operations with host police), delay (night, the capital's
//!   approval) or force the whole unit to move (no split, in dispatch).

use super::Simulation;
use crate::ids::{SiteId, UnitId};
use crate::model::{Model, UnitKind};
use crate::policy::{Rule, Status};
use crate::rng::{Mechanic, mix, uniform};
use crate::scenario::{Authority, Hrddp, SiteKind};

/// What a unit is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Task {
    /// Protect civilians from imminent physical violence: answer an incident.
    Protect,
    /// A high-visibility patrol (physical protection by presence; POC tier 2).
    Patrol,
    /// Escort of the mission's civilian staff (protection of UN personnel).
    Escort,
}

/// Where the unit would start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Its base.
    Base,
    /// A patrol already at the task's site: no movement, no redeployment.
    OnSite,
    /// A patrol elsewhere, re-tasked: a redeployment like one from base.
    Patrol,
}

/// What the rules allow a unit to do now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Permit {
    /// `Ready`, `Delayed` by the last rule that adds a wait, or `Forbidden`.
    pub status: Status,
    /// Hours the rules add before departure (daylight, the capital's expected answer).
    pub wait_h: f64,
    /// The capital must answer before the unit moves.
    pub ask_capital: bool,
}

impl Permit {
    fn forbidden(r: Rule) -> Permit {
        Permit {
            status: Status::Forbidden(r),
            wait_h: 0.0,
            ask_capital: false,
        }
    }
}

/// The caveats that keep unit `u` from `site` whatever the task or the moment
/// (static guard, allowed sites, road distance from base on road table `table`).
pub(crate) fn site_caveat(m: &Model, u: UnitId, site: SiteId, table: usize) -> Option<Rule> {
    let unit = &m.units[u];
    let cv = &unit.caveats;
    if site == unit.base {
        return None;
    }
    if cv.static_guard_only {
        Some(Rule::StaticGuardOnly)
    } else if cv
        .allowed_sites
        .as_ref()
        .is_some_and(|l| !l.iter().any(|x| *x == m.world.sites[site].id))
    {
        Some(Rule::AllowedSites)
    } else if cv
        .max_distance_km
        .is_some_and(|d| m.world.dist_km(table, unit.base, site) > d)
    {
        Some(Rule::MaxDistance)
    } else {
        None
    }
}

/// Salt of the keys of escort requests' approvals (incidents use their own keys).
const ESCORT_KEY: u64 = 0x6573_636f_7274;

/// Key of the capital's answer to an escort request.
pub(crate) fn escort_request_key(request: usize) -> u64 {
    mix(ESCORT_KEY ^ request as u64)
}

impl Simulation<'_> {
    /// May unit `u` do `task` at `site` now, starting from `origin`? If not,
    /// which rule says no; if so, what the rules add before it leaves.
    pub(crate) fn permit(&self, u: UnitId, task: Task, site: SiteId, origin: Origin) -> Permit {
        let m = self.m;
        let unit = &m.units[u];
        let cv = &unit.caveats;
        if let Some(r) = site_caveat(m, u, site, m.world.table_at(self.now)) {
            return Permit::forbidden(r);
        }
        if unit.kind.is_un_police() && !self.mandate_permits(task, site) {
            return Permit::forbidden(Rule::SupportOnlyMandate);
        }
        if unit.kind.is_un_police() && cv.no_joint_host_ops && self.joint_at(site) {
            return Permit::forbidden(Rule::NoJointHostOps);
        }
        let mut p = Permit {
            status: Status::Ready,
            wait_h: 0.0,
            ask_capital: false,
        };
        let w = self.night_wait_h(u, site, origin);
        if w > 0.0 {
            p.wait_h += w;
            p.status = Status::Delayed(Rule::NoNightOps);
        }
        if self.needs_approval(u, task, site, origin) {
            p.ask_capital = true;
            p.wait_h += cv.approval_delay_h;
            p.status = Status::Delayed(Rule::ApprovalRequired);
        }
        p
    }

    /// The no-night-operations caveat: a unit that must move waits for daylight.
    pub(crate) fn night_wait_h(&self, u: UnitId, site: SiteId, origin: Origin) -> f64 {
        let unit = &self.m.units[u];
        if unit.caveats.no_night_ops && site != unit.base && origin != Origin::OnSite {
            self.wait_for_day(self.now)
        } else {
            0.0
        }
    }

    /// The approval caveat: a redeployment away from base for a response or an
    /// escort waits for the capital, unless the commander may act at once
    /// against imminent violence. Routine patrols need no approval.
    fn needs_approval(&self, u: UnitId, task: Task, site: SiteId, origin: Origin) -> bool {
        let unit = &self.m.units[u];
        let cv = &unit.caveats;
        cv.approval_required
            && site != unit.base
            && origin != Origin::OnSite
            && match task {
                Task::Protect => !cv.commander_may_act,
                Task::Escort => true,
                Task::Patrol => false,
            }
    }

    /// The mandate's reading of what UN police may do at a site (not arrests:
    /// see [`Simulation::un_may_arrest`]). Physical protection, responses and
    /// patrols alike ("joint or unilateral patrols and responses", DOMAIN), is
    /// allowed alone under the guidelines' reading; under the restrictive
    /// reading of `support_only` it needs supported host police alongside,
    /// except inside POC sites.
    fn mandate_permits(&self, task: Task, site: SiteId) -> bool {
        let mandate = &self.m.scenario.mandate;
        let alongside = || {
            mandate.authority != Authority::SupportOnly
                || self.m.world.sites[site].kind == SiteKind::PocSite
                || (self.host_present(site) && self.sites[site].host_supported)
        };
        match task {
            // Protection of UN staff is a core FPU task under any authority.
            Task::Escort => true,
            Task::Protect | Task::Patrol => mandate.unilateral_protection || alongside(),
        }
    }

    /// Expected hours the capital takes to answer an urgent waiver for unit
    /// `u`, if one applies to an option of this status: a caveat (not the
    /// mandate) forbids or delays a formed unit with platoons to send, and the
    /// contingent has a channel to the capital (`urgent_waiver_h`, or
    /// `approval_required`).
    pub(crate) fn waiver_wait_h(&self, u: UnitId, status: Status, platoons: u32) -> Option<f64> {
        let unit = &self.m.units[u];
        match status {
            Status::Forbidden(r) | Status::Delayed(r)
                if r.waivable() && unit.kind == UnitKind::Fpu && platoons > 0 =>
            {
                // The capital answers urgent requests as the scenario says, or
                // as routine ones where the contingent needs approval; a
                // contingent with neither has no channel for waivers.
                let cv = &unit.caveats;
                cv.urgent_waiver_h
                    .or(cv.approval_required.then_some(cv.approval_delay_h))
            }
            _ => None,
        }
    }

    /// The capital answers a request for unit `u`: (delay in hours, granted).
    /// A routine approval or, `urgent`, a waiver asked for imminent violence.
    /// Each request draws from its own stream keyed by `key` and the unit, so
    /// asking never shifts another mechanic's draws, nor another request's.
    pub(crate) fn ask_capital(&mut self, u: UnitId, key: u64, urgent: bool) -> (f64, bool) {
        let cv = &self.m.units[u].caveats;
        let (mean, sd, refusal) = if urgent {
            (
                cv.urgent_waiver_h.unwrap_or(cv.approval_delay_h),
                cv.urgent_waiver_sd_h.unwrap_or(cv.approval_delay_sd_h),
                cv.urgent_refusal_prob.unwrap_or(cv.approval_refusal_prob),
            )
        } else {
            (
                cv.approval_delay_h,
                cv.approval_delay_sd_h,
                cv.approval_refusal_prob,
            )
        };
        let mut rng = self.seed.stream(
            Mechanic::Approval,
            mix(key ^ mix(u64::from(u.0) + 1) ^ u64::from(urgent)),
        );
        let delay = lognormal(&mut rng, mean, sd);
        let granted = uniform(&mut rng) >= refusal;
        self.summary.approvals_requested += 1;
        if !granted {
            self.summary.approvals_refused += 1;
        }
        (delay, granted)
    }

    /// Host police present and able to act at a site.
    pub(crate) fn host_present(&self, site: SiteId) -> bool {
        self.m.host_at[site].is_some_and(|h| {
            self.m.hosts[h].officers > 0
                && self.sites[site].host_capacity >= self.m.scenario.mandate.host_absent_below
        })
    }

    /// UN police action at the site is joint with host police: they are
    /// present, the mission supports them (HRDDP), authority is not executive
    /// and the site is not a POC site (where UN police are responsible).
    pub(crate) fn joint_at(&self, site: SiteId) -> bool {
        self.m.scenario.mandate.authority != Authority::Executive
            && self.m.world.sites[site].kind != SiteKind::PocSite
            && self.host_present(site)
            && self.sites[site].host_supported
    }

    /// Authority over arrest and detention: UN police arrest everywhere under
    /// `executive`, where host police are absent under `utm`, and only inside
    /// POC sites under `support_only`.
    pub(crate) fn un_may_arrest(&self, site: SiteId) -> bool {
        let poc = self.m.world.sites[site].kind == SiteKind::PocSite;
        match self.m.scenario.mandate.authority {
            Authority::Executive => true,
            Authority::Utm => poc || !self.host_present(site),
            Authority::SupportOnly => poc,
        }
    }

    /// Who may arrest when unit `u` arrives at `site`: (UN police themselves,
    /// host police on the scene). Host police arrest in their own right
    /// wherever they are present, supported by the mission or not: HRDDP
    /// governs the mission's support, not the host state's police powers.
    pub(crate) fn arrest_powers(&self, u: UnitId, site: SiteId) -> (bool, bool) {
        let unit = &self.m.units[u];
        let un = unit.kind.is_un_police();
        let by_un = un && self.un_may_arrest(site);
        let by_host = unit.kind == UnitKind::Host || (un && self.host_present(site));
        (by_un, by_host)
    }

    /// HRDDP: whether the mission supports a host unit of this integrity (`support`: always; `conditional`: at or above the
    /// threshold, with mitigation measures; `suspend`: never).
    pub(crate) fn hrddp_supports(&self, integrity: f64) -> bool {
        let mandate = &self.m.scenario.mandate;
        match mandate.hrddp {
            Hrddp::Support => true,
            Hrddp::Conditional => integrity >= mandate.hrddp_integrity_threshold,
            Hrddp::Suspend => false,
        }
    }
}

/// Log-normal draw with the given mean and standard deviation (the mean if sd
/// is 0, nothing if the mean is 0); always draws two uniforms.
fn lognormal(rng: &mut crate::rng::Stream, mean: f64, sd: f64) -> f64 {
    let u1 = 1.0 - uniform(rng);
    let u2 = uniform(rng);
    if mean <= 0.0 {
        return 0.0;
    }
    if sd <= 0.0 {
        return mean;
    }
    let s2 = (1.0 + (sd / mean).powi(2)).ln();
    let mu = mean.ln() - s2 / 2.0;
    let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    (mu + s2.sqrt() * z).exp()
}
