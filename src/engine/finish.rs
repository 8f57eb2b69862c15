//! The end of a replication: incidents still open are settled as they stand,
//! the summary is computed, and (under `self_check`) the state's invariants
//! are checked.

use super::*;
use crate::ids::IncidentId;

impl Simulation<'_> {
    /// Ends the run: settles incidents still open and computes the summary.
    pub fn finish(mut self) -> RunResult {
        self.m.run_sizes.note(
            self.incidents.len(),
            self.patrol_runs.len(),
            self.response_times.len(),
        );
        // Incidents whose violence outlasts the horizon are settled as they stand.
        self.now = self.horizon;
        for i in IncidentId::all(self.incidents.len()) {
            if !self.incidents[i].resolved {
                self.resolve(i);
            }
        }
        // Their harm belongs to the last day of the series.
        let last_day = self.days.len().saturating_sub(1) as u32;
        for (k, st) in self.sites.iter_mut().enumerate() {
            if let Some(d) = self.days.last_mut() {
                d.harmed += st.day_harmed;
                d.killed += st.day_killed;
            }
            if let Some(row) = self
                .site_days
                .iter_mut()
                .rev()
                .find(|r| r.day == last_day && r.site == k)
            {
                row.harmed += st.day_harmed;
                row.killed += st.day_killed;
                for (a, b) in row.harmed_by_kind.iter_mut().zip(st.day_harmed_kind) {
                    *a += b;
                }
            }
            st.day_harmed = 0;
            st.day_killed = 0;
            st.day_harmed_kind = [0; 6];
        }
        let m = self.m;
        let s = &mut self.summary;
        for k in ThreatKind::ALL {
            if m.kinds[k.index()].is_some() {
                s.by_threat
                    .insert(k.name().to_string(), self.threat_stats[k.index()].clone());
            }
        }
        s.civilians_injured = s.civilians_harmed - s.civilians_killed;
        let mut rt = self.response_times.clone();
        rt.sort_by(f64::total_cmp);
        s.response_time_median_h = quantile_sorted(&rt, 0.5);
        s.response_time_p90_h = quantile_sorted(&rt, 0.9);
        let target = m.scenario.mandate.response_target_h;
        s.reported_answered_within_target_share = if self.reported_for_target == 0 {
            f64::NAN
        } else {
            self.answered_within_target as f64 / self.reported_for_target as f64
        };
        s.responses_within_target_share = if rt.is_empty() {
            f64::NAN
        } else {
            rt.iter().filter(|&&x| x <= target).count() as f64 / rt.len() as f64
        };
        let attacks: Vec<&crate::metrics::ThreatSummary> = ["armed_attack", "poc_site_attack"]
            .iter()
            .filter_map(|k| s.by_threat.get(*k))
            .collect();
        let n_att: u64 = attacks.iter().map(|a| a.incidents_true).sum();
        let n_before: u64 = attacks.iter().map(|a| a.answered_before_violence).sum();
        s.attacks_answered_before_violence_share = if n_att == 0 {
            f64::NAN
        } else {
            n_before as f64 / n_att as f64
        };
        let n_reported: u64 = attacks.iter().map(|a| a.incidents_reported).sum();
        let n_responded: u64 = attacks.iter().map(|a| a.responded_before_end).sum();
        s.attacks_responded_share = if n_reported == 0 {
            f64::NAN
        } else {
            n_responded as f64 / n_reported as f64
        };
        let (mut cap_w, mut cap_sum) = (0.0, 0.0);
        for h in &m.hosts {
            cap_w += f64::from(h.officers);
            cap_sum += f64::from(h.officers) * self.sites[h.site].host_capacity;
        }
        s.host_capacity_final = if cap_w > 0.0 { cap_sum / cap_w } else { 0.0 };
        let (mut pop, mut tr) = (0.0, 0.0);
        for st in &self.sites {
            pop += st.population;
            tr += st.population * st.trust;
        }
        s.trust_final = if pop > 0.0 {
            tr / pop
        } else {
            self.sites.iter().map(|x| x.trust).sum::<f64>() / self.sites.len() as f64
        };
        s.displaced_final = self.flows.iter().map(|f| f.people).sum();
        s.person_days = m.person_days();
        RunResult {
            summary: self.summary,
            days: self.days,
            site_days: self.site_days,
            events: self.events,
            response_times_h: self.response_times,
            events_processed: self.events_processed,
            queue_peak: self.queue_peak,
            stream_threats: self.stream_threats,
            sites: self.sites.iter().map(|s| s.totals).collect(),
        }
    }

    /// Asserts the model's invariants (with [`RunOptions::self_check`]).
    pub(super) fn check_invariants(&self) {
        for (i, s) in self.sites.iter().enumerate() {
            assert!(s.population >= -1e-6, "negative population at site {i}");
            assert!(
                (0.0..=1.0).contains(&s.trust),
                "trust out of range at site {i}"
            );
            assert!(
                (0.0..=1.0).contains(&s.host_capacity),
                "capacity out of range at site {i}"
            );
            assert!(
                s.tension >= 0.0 && s.tension.is_finite(),
                "bad tension at site {i}"
            );
        }
        for (u, st) in self.units.iter().enumerate() {
            let unit = &self.m.units[u];
            assert!(
                st.idle <= unit.platoons,
                "unit {} has more idle platoons than it has",
                unit.id
            );
            assert!(
                st.vehicles_free <= unit.vehicles,
                "unit {} has more free vehicles than it has",
                unit.id
            );
        }
        let s = &self.summary;
        assert!(
            s.incidents_true >= s.incidents_reported,
            "more reported than true incidents"
        );
        assert!(s.crsv_true >= s.crsv_reported);
        assert!(
            s.incidents_reported >= s.incidents_responded,
            "more responses than reports"
        );
    }
}
