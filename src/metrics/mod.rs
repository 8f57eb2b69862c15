//! What a run measures: outcomes and activity, side by side, plus time series
//! and an optional event log.
//!
//! Outcome metrics (harm, prevention, response times) and activity metrics
//! (patrols, patrol hours, escorts) are kept apart on purpose: commanders are
//! often judged on activity, and the simulator shows that it is not the same
//! thing as protection.

pub mod registry;

use serde::Serialize;
use std::collections::BTreeMap;

/// Per-threat-type breakdown of a run.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ThreatSummary {
    pub incidents_true: u64,
    pub incidents_reported: u64,
    /// Reported in time, or learned afterwards.
    pub incidents_known: u64,
    pub incidents_responded: u64,
    pub incidents_prevented: u64,
    pub civilians_harmed: u64,
    pub civilians_killed: u64,
    /// Incidents a response reached before violence began.
    pub answered_before_violence: u64,
    /// Reported incidents a response reached before they ended.
    pub responded_before_end: u64,
}

/// The metrics of one replication (`summary.json`). Field names are a contract.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Summary {
    pub civilians_killed: u64,
    pub civilians_injured: u64,
    pub civilians_harmed: u64,
    pub incidents_true: u64,
    /// Reported to the operations centre (in time to respond or not).
    pub incidents_reported: u64,
    /// Reported in time, or learned afterwards (what public figures count).
    pub incidents_known: u64,
    pub incidents_responded: u64,
    /// Incidents a UN police unit reached (alone or with others).
    pub incidents_responded_un_police: u64,
    pub incidents_prevented: u64,
    pub incidents_mitigated: u64,
    pub incidents_unanswered: u64,
    pub incidents_deterred: u64,
    pub incidents_displaced: u64,
    /// Median hours from report to first arrival (null if no response).
    pub response_time_median_h: f64,
    pub response_time_p90_h: f64,
    pub responses_within_target_share: f64,
    /// Share of reported incidents (not host abuse) that a response reached
    /// within the target time; no response counts as a miss.
    pub reported_answered_within_target_share: f64,
    /// Incidents where a caveat kept the best unit away (forbidden, delayed or refused).
    pub responses_blocked_by_caveats: u64,
    /// Incidents where the mandate (the restrictive reading of `support_only`)
    /// forbade the unit that would have arrived first.
    pub responses_blocked_by_mandate: u64,
    /// Share of all armed attacks (incl. on POC sites) that a response
    /// reached before violence began.
    pub attacks_answered_before_violence_share: f64,
    /// Share of reported attacks that a response reached while under way or
    /// before (OIOS 2014's "immediate response" to attacks reported to missions).
    pub attacks_responded_share: f64,
    pub arrests: u64,
    pub detainees_handed_over: u64,
    pub detainees_released: u64,
    pub complicity_events: u64,
    pub host_abuse_events: u64,
    pub crsv_true: u64,
    pub crsv_reported: u64,
    pub patrols: u64,
    pub patrol_hours: f64,
    pub patrols_not_staffed: u64,
    pub escorts_done: u64,
    pub escorts_cancelled: u64,
    pub approvals_requested: u64,
    pub approvals_refused: u64,
    pub host_capacity_final: f64,
    pub trust_final: f64,
    pub displaced_final: f64,
    pub person_days: f64,
    pub by_threat: BTreeMap<String, ThreatSummary>,
}

impl Summary {
    /// Named scalar metrics in the registry's order (for tables and experiments).
    pub fn scalars(&self) -> Vec<(&'static str, f64)> {
        registry::METRICS
            .iter()
            .map(|m| (m.name, (m.read)(self)))
            .collect()
    }
}

/// What happened at one site over a run (`sites.csv`, the `site.<id>.<metric>`
/// columns of experiments).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SiteTotals {
    pub civilians_harmed: u64,
    pub civilians_killed: u64,
    pub incidents_true: u64,
    pub incidents_known: u64,
    pub incidents_reported: u64,
    pub incidents_responded: u64,
}

/// One simulated day at one site (`timeseries.csv`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SiteDay {
    pub day: u32,
    pub site: usize,
    pub population: f64,
    pub tension: f64,
    pub trust: f64,
    pub host_capacity: f64,
    pub incidents_true: u32,
    pub incidents_reported: u32,
    /// Reported, or learned late, today.
    pub incidents_known: u32,
    pub harmed: u32,
    pub killed: u32,
    pub patrols: u32,
    /// True incidents and civilians harmed by threat kind ([`ThreatKind::index`]).
    pub true_by_kind: [u32; 6],
    pub harmed_by_kind: [u32; 6],
}

/// Mission-wide totals of one day (always kept: cheap, and what plots need).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Day {
    pub incidents_true: u32,
    pub incidents_reported: u32,
    pub harmed: u32,
    pub killed: u32,
    pub responded: u32,
    pub prevented: u32,
    pub patrols: u32,
}

/// What an event of the log (`events.csv`) records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    Incident,
    Report,
    Dispatch,
    Arrive,
    Resolve,
    Deterred,
    Displaced,
    Flight,
    Learned,
    PatrolOut,
    PatrolRetasked,
    PatrolNotStaffed,
    Wait,
    Decline,
    ApprovalGranted,
    ApprovalRefused,
    StoodDown,
    Arrests,
    EscortRequested,
    EscortOut,
    EscortDone,
    EscortCancelled,
    UnitArrives,
    UnitFree,
    UnitWithdraws,
    Inject,
    WaiverRequested,
    ApprovalRequested,
    HostSupportResumed,
    HostSupportSuspended,
    HostSupportConditioned,
    PatrolPlan,
    Dialogue,
    Alerted,
}

impl EventKind {
    /// The name in `events.csv` (a contract: scripts filter on it).
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Incident => "incident",
            EventKind::Report => "report",
            EventKind::Dispatch => "dispatch",
            EventKind::Arrive => "arrive",
            EventKind::Resolve => "resolve",
            EventKind::Deterred => "deterred",
            EventKind::Displaced => "displaced",
            EventKind::Flight => "flight",
            EventKind::Learned => "learned",
            EventKind::PatrolOut => "patrol_out",
            EventKind::PatrolRetasked => "patrol_retasked",
            EventKind::PatrolNotStaffed => "patrol_not_staffed",
            EventKind::Wait => "wait",
            EventKind::Decline => "decline",
            EventKind::ApprovalGranted => "approval_granted",
            EventKind::ApprovalRefused => "approval_refused",
            EventKind::StoodDown => "stood_down",
            EventKind::Arrests => "arrests",
            EventKind::EscortRequested => "escort_requested",
            EventKind::EscortOut => "escort_out",
            EventKind::EscortDone => "escort_done",
            EventKind::EscortCancelled => "escort_cancelled",
            EventKind::UnitArrives => "unit_arrives",
            EventKind::UnitFree => "unit_free",
            EventKind::UnitWithdraws => "unit_withdraws",
            EventKind::Inject => "inject",
            EventKind::WaiverRequested => "waiver_requested",
            EventKind::ApprovalRequested => "approval_requested",
            EventKind::HostSupportResumed => "host_support_resumed",
            EventKind::HostSupportSuspended => "host_support_suspended",
            EventKind::HostSupportConditioned => "host_support_conditioned",
            EventKind::PatrolPlan => "patrol_plan",
            EventKind::Dialogue => "dialogue",
            EventKind::Alerted => "alerted",
        }
    }

    /// Whether the operations centre could know of such an event: not of an
    /// incident until it is reported (`Simulation::event_known` says when),
    /// nor of what never reaches it: an incident deterred, crime displaced to
    /// another site, people fleeing. Every front end filters with this.
    pub fn visible_to_ops(self) -> bool {
        !matches!(
            self,
            EventKind::Incident | EventKind::Deterred | EventKind::Displaced | EventKind::Flight
        )
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One line of the event log (`events.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub time_h: f64,
    pub kind: EventKind,
    pub site: Option<usize>,
    pub unit: Option<usize>,
    pub incident: Option<usize>,
    pub outcome: String,
}

/// Everything one replication produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    pub summary: Summary,
    pub days: Vec<Day>,
    /// Per site and day, when requested.
    pub site_days: Vec<SiteDay>,
    /// Every event, when requested.
    pub events: Vec<EventRow>,
    /// Response times in hours (report to first arrival), in order of arrival.
    pub response_times_h: Vec<f64>,
    /// Events the engine handled (threat candidates included).
    pub events_processed: u64,
    /// The most events ever pending at once.
    pub queue_peak: usize,
    /// Per site, what happened there over the run.
    pub sites: Vec<SiteTotals>,
    /// Threats each stream (`Model::processes`) produced, before deterrence
    /// (police presence, justice).
    pub stream_threats: Vec<u32>,
}

/// Quantile of sorted data, R's type 7 (linear interpolation).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// A short readable summary of one run, for the terminal.
pub fn render_summary(
    name: &str,
    model: &crate::model::Model,
    seed: crate::rng::Seed,
    r: &RunResult,
) -> String {
    let s = &r.summary;
    let days = model.horizon_h / 24.0;
    let h = |x: f64| {
        if x.is_nan() {
            "-".to_string()
        } else {
            format!("{x:.1} h")
        }
    };
    let pct = |x: f64| {
        if x.is_nan() {
            "-".to_string()
        } else {
            format!("{:.0}%", 100.0 * x)
        }
    };
    let mut t = String::new();
    t.push_str(&format!(
        "{name} — {days:.0} days, seed {} replication {}\n\n",
        seed.master, seed.replication
    ));
    t.push_str("Protection outcomes\n");
    t.push_str(&format!(
        "  civilians harmed      {:>7}  ({} killed, {} injured)\n",
        s.civilians_harmed, s.civilians_killed, s.civilians_injured
    ));
    t.push_str(&format!(
        "  incidents             {:>7} true, {} reported, {} known in all ({} deterred, {} moved elsewhere)\n",
        s.incidents_true,
        s.incidents_reported,
        s.incidents_known,
        s.incidents_deterred,
        s.incidents_displaced
    ));
    t.push_str(&format!(
        "  responses             {:>7} ({} prevented, {} mitigated, {} unanswered)\n",
        s.incidents_responded, s.incidents_prevented, s.incidents_mitigated, s.incidents_unanswered
    ));
    // Over the same reports as the target share: abuse by host police is a
    // matter for HRDDP, not a dispatch.
    let abuse_reported = s
        .by_threat
        .get("host_abuse")
        .map_or(0, |t| t.incidents_reported);
    let dispatchable = s.incidents_reported.saturating_sub(abuse_reported);
    let responded = if dispatchable > 0 {
        s.incidents_responded as f64 / dispatchable as f64
    } else {
        f64::NAN
    };
    t.push_str(&format!(
        "  response time         90th percentile {}; {} of reported incidents responded to, {} within the {:.0} h target (no response counts as a miss)\n",
        h(s.response_time_p90_h),
        pct(responded),
        pct(s.reported_answered_within_target_share),
        model.scenario.mandate.response_target_h
    ));
    t.push_str(&format!(
        "  reported attacks responded to while under way  {}\n",
        pct(s.attacks_responded_share)
    ));
    t.push_str(&format!(
        "  blocked by caveats    {:>7} incidents ({} approvals asked, {} refused)\n",
        s.responses_blocked_by_caveats, s.approvals_requested, s.approvals_refused
    ));
    if s.responses_blocked_by_mandate > 0 {
        t.push_str(&format!(
            "  blocked by mandate    {:>7} incidents (UN police may not act alone here)\n",
            s.responses_blocked_by_mandate
        ));
    }
    t.push_str(&format!(
        "  CRSV                  {:>7} true, {} reported\n",
        s.crsv_true, s.crsv_reported
    ));
    t.push_str("Justice and host police\n");
    t.push_str(&format!(
        "  arrests               {:>7} ({} handed to justice, {} released)\n",
        s.arrests, s.detainees_handed_over, s.detainees_released
    ));
    t.push_str(&format!(
        "  host abuse            {:>7} events ({} while supported by the mission)\n",
        s.host_abuse_events, s.complicity_events
    ));
    t.push_str(&format!(
        "  host capacity (end)   {:>7.2}   trust (end) {:.2}   displaced (end) {:.0}\n",
        s.host_capacity_final, s.trust_final, s.displaced_final
    ));
    t.push_str("Activity\n");
    t.push_str(&format!(
        "  patrols               {:>7} ({:.0} patrol hours, {} not staffed)\n",
        s.patrols, s.patrol_hours, s.patrols_not_staffed
    ));
    t.push_str(&format!(
        "  escorts               {:>7} done, {} cancelled\n",
        s.escorts_done, s.escorts_cancelled
    ));
    t.push_str(&format!("  person-days           {:>7.0}\n", s.person_days));
    t.push_str("Details\n");
    t.push_str(&format!(
        "  responses             {} within the target (over responses that happened)\n",
        pct(s.responses_within_target_share)
    ));
    t.push_str(&format!(
        "  median response time  {:>7} (over responses that happened: a caveat that makes responses rarer can lower it)\n",
        h(s.response_time_median_h)
    ));
    t.push_str(&format!(
        "  attacks answered before violence  {} of all attacks, reported or not\n",
        pct(s.attacks_answered_before_violence_share)
    ));
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_matches_r_type_7() {
        // R: quantile(c(1, 2, 4, 8, 16), c(.5, .9), type = 7) -> 4, 12.8
        let x = [1.0, 2.0, 4.0, 8.0, 16.0];
        assert_eq!(quantile_sorted(&x, 0.5), 4.0);
        assert!((quantile_sorted(&x, 0.9) - 12.8).abs() < 1e-12);
        assert!(quantile_sorted(&[], 0.5).is_nan());
    }
}
