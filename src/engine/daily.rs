//! The end of each simulated day: slow processes (host capacity, community
//! policing's trust, people returning home) and the daily time series.
//!
//! This is the engine's only per-site loop, once a day, because the daily
//! series needs a row per site anyway.

use super::{Event, Simulation};
use crate::metrics::{Day, SiteDay};

impl Simulation<'_> {
    pub(crate) fn on_day_end(&mut self, d: u32) {
        let m = self.m;
        let hp = &m.scenario.host;
        let tp = &m.scenario.trust;
        let dp = &m.scenario.displacement;
        // Host police and HRDDP. Mitigation measures (vetting, oversight,
        // training) raise integrity where support is conditional, not
        // suspended, and mission police work with the unit (mentors at the
        // site); unconditional support leaves it where it is. Support
        // (mentoring, capacity) builds capacity where the mission gives it;
        // capacity decays toward what the host state sustains alone. Under
        // `conditional`, a unit whose integrity reaches the threshold is
        // supported from then on.
        let conditional = m.scenario.mandate.hrddp == crate::scenario::Hrddp::Conditional;
        for post in &m.hosts {
            let s = &mut self.sites[post.site];
            if conditional && !s.host_suspended && s.mentors > 0.0 {
                s.host_integrity += hp.mitigation_gain_per_day * (1.0 - s.host_integrity);
            }
            let c = s.host_capacity;
            let mut gain = 0.0;
            if s.host_supported {
                gain = (hp.mentoring_gain_per_officer_day * s.mentors + hp.support_gain_per_day)
                    * (1.0 - c);
            }
            let floor = hp.sustained_share * post.capacity;
            s.host_capacity = (c + gain - hp.decay_per_day * (c - floor)).clamp(0.0, 1.0);
        }
        if conditional {
            for post in &m.hosts {
                let s = &self.sites[post.site];
                if !s.host_supported && !s.host_suspended && self.hrddp_supports(s.host_integrity) {
                    self.sites[post.site].host_supported = true;
                }
            }
        }
        // Community policing builds trust where IPO teams work.
        for s in &mut self.sites {
            if s.cp_teams > 0 {
                let g = tp.community_policing_per_day * f64::from(s.cp_teams) * (1.0 - s.trust);
                s.trust = (s.trust + g).clamp(0.0, 1.0);
            }
        }
        // People return to sites that have been calm long enough.
        let calm_h = dp.calm_days * 24.0;
        for f in &mut self.flows {
            if f.people < 1.0 || self.now - self.sites[f.origin].last_harm_h < calm_h {
                continue;
            }
            let back = (f.people * dp.return_share_per_day)
                .floor()
                .max(if f.people < 2.0 { f.people } else { 0.0 });
            f.people -= back;
            self.sites[f.origin].population += back;
            if let Some(r) = f.refuge {
                self.sites[r].population = (self.sites[r].population - back).max(0.0);
            }
        }
        self.flows.retain(|f| f.people >= 1.0);

        // Time series.
        let mut day = Day::default();
        let decay = self.decay_now();
        for (i, s) in self.sites.iter_mut().enumerate() {
            day.incidents_true += s.day_true;
            day.incidents_reported += s.day_reported;
            day.harmed += s.day_harmed;
            day.killed += s.day_killed;
            day.patrols += s.day_patrols;
            if self.opts.record_site_days {
                self.site_days.push(SiteDay {
                    day: d,
                    site: i,
                    population: s.population,
                    tension: if s.tension == 0.0 {
                        0.0
                    } else {
                        s.tension * decay
                    },
                    trust: s.trust,
                    host_capacity: s.host_capacity,
                    incidents_true: s.day_true,
                    incidents_reported: s.day_reported,
                    incidents_known: s.day_known,
                    true_by_kind: s.day_true_kind,
                    harmed_by_kind: s.day_harmed_kind,
                    harmed: s.day_harmed,
                    killed: s.day_killed,
                    patrols: s.day_patrols,
                });
            }
            s.day_true = 0;
            s.day_true_kind = [0; 6];
            s.day_harmed_kind = [0; 6];
            s.day_reported = 0;
            s.day_known = 0;
            s.day_harmed = 0;
            s.day_killed = 0;
            s.day_patrols = 0;
        }
        day.responded = (self.summary.incidents_responded - self.responded_before) as u32;
        day.prevented = (self.summary.incidents_prevented - self.prevented_before) as u32;
        self.responded_before = self.summary.incidents_responded;
        self.prevented_before = self.summary.incidents_prevented;
        self.days.push(day);

        let next = f64::from(d + 1) * 24.0;
        if next < self.horizon {
            self.queue
                .push((next + 24.0).min(self.horizon), Event::DayEnd(d + 1));
            self.schedule_patrols(d + 1);
        }
    }
}
