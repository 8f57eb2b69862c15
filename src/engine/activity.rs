//! Routine activity: patrols by the scenario's doctrine and escorts for the
//! mission's civilian components. Both produce presence and activity counts,
//! and both take formed units away from responding.

use super::{EscortRequest, Event, Simulation};
use crate::model::{UnitId, UnitKind};
use crate::rng::{exponential, uniform};
use crate::scenario::PatrolKind;
use crate::world::SiteId;

impl Simulation<'_> {
    /// Schedules the patrol slots of day `d`, spread over daylight.
    pub(crate) fn schedule_patrols(&mut self, d: u32) {
        let p = &self.m.scenario.mandate.patrol;
        if p.doctrine == PatrolKind::None || p.patrols_per_fpu_day <= 0.0 {
            return;
        }
        let fpus = self.active_fpus as f64;
        let per_day = p.patrols_per_fpu_day * fpus;
        let n = ((f64::from(d) + 1.0) * per_day).floor() - (f64::from(d) * per_day).floor();
        if n <= 0.0 {
            return;
        }
        if p.doctrine == PatrolKind::HotSpot {
            // Only the best few sites can be reached by today's patrols: rank those.
            self.plan_hot_spots(3 * n as usize + 8);
        }
        let c = &self.m.scenario.clock;
        let daylight = (c.night_start_h - c.night_end_h).rem_euclid(24.0);
        let daylight = if daylight == 0.0 { 24.0 } else { daylight };
        for k in 0..n as u32 {
            let t = f64::from(d) * 24.0 + c.night_end_h + (f64::from(k) + 0.5) * daylight / n;
            if t < self.horizon {
                self.queue.push(t, Event::PatrolLaunch);
            }
        }
    }

    /// A patrol slot: choose a site by doctrine and the nearest free formed unit allowed there.
    pub(crate) fn on_patrol_launch(&mut self) {
        let Some(site) = self.patrol_site() else {
            return;
        };
        match self.pick_formed_unit(site) {
            Some((u, platoons, vehicles, travel)) => {
                self.take(u, platoons, vehicles);
                // The patrol's presence is an interval on the site, read when a
                // threat is weighed: no events for arriving and leaving.
                let duration = self.m.scenario.mandate.patrol.duration_h;
                let (arrive, end) = (self.now + travel, self.now + travel + duration);
                let now = self.now;
                let horizon = self.horizon;
                let st = &mut self.sites[site];
                st.patrols.retain(|&(_, e)| e > now);
                st.patrols.push((arrive, end));
                st.day_patrols += 1;
                if arrive < horizon {
                    self.summary.patrols += 1;
                    self.summary.patrol_hours += end.min(horizon) - arrive;
                }
                self.queue.push(
                    end + travel,
                    Event::Return {
                        unit: u as u32,
                        platoons,
                        vehicles,
                    },
                );
                log!(
                    self,
                    "patrol_out",
                    Some(site),
                    Some(u),
                    None,
                    format!("on site from {arrive:.2} h to {end:.2} h")
                );
            }
            None => {
                self.summary.patrols_not_staffed += 1;
                log!(
                    self,
                    "patrol_not_staffed",
                    Some(site),
                    None,
                    None,
                    String::new()
                );
            }
        }
    }

    fn patrol_site(&mut self) -> Option<SiteId> {
        let m = self.m;
        let p = &m.scenario.mandate.patrol;
        match p.doctrine {
            PatrolKind::None => None,
            PatrolKind::Fixed => {
                let s = *m
                    .patrol_sites
                    .get(self.patrol_rotation % m.patrol_sites.len().max(1))?;
                self.patrol_rotation += 1;
                Some(s)
            }
            PatrolKind::HotSpot => {
                // Today's plan, best first: the first site not already patrolled.
                let pick = |sim: &Self| {
                    sim.hot_plan
                        .iter()
                        .copied()
                        .find(|&s| sim.patrols_present(s) == 0)
                };
                match pick(self) {
                    None if self.hot_plan_truncated => {
                        // Every ranked site is busy: rank them all (rare).
                        self.plan_hot_spots(usize::MAX);
                        pick(self)
                    }
                    found => found,
                }
            }
        }
    }

    /// The hot-spot plan for the day: eligible sites by (1 + tension) x base
    /// threat, highest first, set each morning as an operations centre would
    /// (and so that a patrol slot never scans every site).
    fn plan_hot_spots(&mut self, keep: usize) {
        let m = self.m;
        let mut plan = std::mem::take(&mut self.hot_plan);
        plan.clear();
        plan.extend(
            m.patrol_eligible
                .iter()
                .copied()
                .filter(|&s| m.site_risk[s] > 0.0),
        );
        // Sort keys: the score descending (positive floats order like their
        // bits), then the site ascending: one integer compare each.
        let mut scored: Vec<u128> = std::mem::take(&mut self.hot_scores);
        scored.clear();
        scored.extend(plan.iter().map(|&s| {
            let score = (1.0 + self.tension(s)) * m.site_risk[s];
            debug_assert!(score > 0.0);
            (u128::from(u64::MAX - score.to_bits()) << 64) | s as u128
        }));
        self.hot_plan_truncated = scored.len() > keep;
        if self.hot_plan_truncated {
            scored.select_nth_unstable(keep);
            scored.truncate(keep);
        }
        scored.sort_unstable();
        plan.clear();
        plan.extend(scored.iter().map(|&x| (x as u64) as SiteId));
        self.hot_plan = plan;
        self.hot_scores = scored;
    }

    /// Nearest formed unit free to go to `site` for routine work (patrol or escort).
    /// Returns (unit, platoons, vehicles, travel hours).
    fn pick_formed_unit(&self, site: SiteId) -> Option<(UnitId, u32, u32, f64)> {
        let m = self.m;
        let table = m.world.table_at(self.now);
        let night = self.is_night(self.now);
        let (joint_here, forbidden_here) = (self.joint_at(site), self.mandate_forbids(site));
        for &(u, drive) in &m.candidates[table][site] {
            let unit = &m.units[u];
            let st = &self.units[u];
            if unit.kind != UnitKind::Fpu || !st.active || unit.caveats.static_guard_only {
                continue;
            }
            let cv = &unit.caveats;
            if cv.no_night_ops && night {
                continue;
            }
            if let Some(l) = &cv.allowed_sites
                && site != unit.base
                && !l.iter().any(|x| *x == m.world.sites[site].id)
            {
                continue;
            }
            if cv
                .max_distance_km
                .is_some_and(|d| m.world.dist_km(table, unit.base, site) > d)
            {
                continue;
            }
            if forbidden_here || (cv.no_joint_host_ops && joint_here) {
                continue;
            }
            let mobile = unit.platoons - unit.guard_platoons;
            let platoons = if cv.no_split { mobile } else { 1 };
            if platoons == 0 || st.idle < platoons {
                continue;
            }
            let need_v = platoons * unit.vehicles_per_platoon;
            let (vehicles, travel) = if need_v <= st.vehicles_free {
                (need_v, f64::from(drive))
            } else {
                (0, m.world.walk_h(table, unit.base, site))
            };
            let travel = if site == unit.base { 0.0 } else { travel };
            return Some((u, platoons, vehicles, travel));
        }
        None
    }

    /// Takes platoons for routine work, which needs one platoon.
    fn take(&mut self, u: UnitId, platoons: u32, vehicles: u32) {
        let st = &mut self.units[u];
        st.idle -= platoons;
        st.vehicles_free -= vehicles;
        if self.m.units[u].caveats.no_split {
            st.held = platoons.saturating_sub(1);
        }
    }

    /// A civilian component asks for an escort to a site.
    pub(crate) fn on_escort_request(&mut self) {
        let Some(e) = &self.m.scenario.escorts else {
            return;
        };
        let next = self.now + exponential(&mut self.escort_rng, e.requests_per_day / 24.0);
        if next < self.horizon {
            self.queue.push(next, Event::EscortRequest);
        }
        let sites = &self.m.escort_sites;
        let k =
            ((uniform(&mut self.escort_rng) * sites.len() as f64) as usize).min(sites.len() - 1);
        self.request_escort(sites[k]);
    }

    /// A civilian component asks for an escort to `site` now (the request
    /// process, or an inject).
    pub(crate) fn request_escort(&mut self, site: SiteId) {
        let Some(e) = &self.m.scenario.escorts else {
            return;
        };
        let max_wait_h = e.max_wait_h;
        let r = self.escorts.len();
        self.escorts.push(EscortRequest {
            site,
            requested_h: self.now,
            settled: false,
        });
        log!(
            self,
            "escort_requested",
            Some(site),
            None,
            None,
            String::new(),
        );
        if !self.try_escort(r) {
            self.escorts_waiting.push(r as u32);
            let expire = self.now + max_wait_h;
            self.queue.push(expire, Event::EscortExpire(r as u32));
        }
    }

    /// Tries to staff escort request `r`; true if a unit is on its way (or awaiting approval).
    fn try_escort(&mut self, r: usize) -> bool {
        let site = self.escorts[r].site;
        let Some((u, platoons, vehicles, travel)) = self.pick_formed_unit(site) else {
            return false;
        };
        self.take(u, platoons, vehicles);
        self.escorts[r].settled = true;
        let unit = &self.m.units[u];
        if unit.caveats.approval_required && site != unit.base {
            let cv = &unit.caveats;
            let delay = exponential(&mut self.escort_rng, 1.0 / cv.approval_delay_h.max(1e-9));
            let granted = uniform(&mut self.escort_rng) >= cv.approval_refusal_prob;
            self.summary.approvals_requested += 1;
            self.queue.push(
                self.now + delay,
                Event::EscortApproval {
                    request: r as u32,
                    unit: u as u32,
                    granted,
                },
            );
            self.escort_moves
                .push((r as u32, u as u32, platoons, vehicles, travel as f32));
            return true;
        }
        self.escort_go(r, u, platoons, vehicles, travel);
        true
    }

    fn escort_go(&mut self, r: usize, u: UnitId, platoons: u32, vehicles: u32, travel: f64) {
        let site = self.escorts[r].site;
        let duration = self
            .m
            .scenario
            .escorts
            .as_ref()
            .map_or(0.0, |e| e.duration_h);
        self.queue.push(
            self.now + travel + duration,
            Event::EscortEnd {
                site: site as u32,
                unit: u as u32,
                platoons,
                vehicles,
                travel_h: travel as f32,
            },
        );
        log!(self, "escort_out", Some(site), Some(u), None, String::new());
    }

    pub(crate) fn on_escort_approval(&mut self, r: usize, u: UnitId, granted: bool) {
        let Some(k) = self
            .escort_moves
            .iter()
            .position(|m| m.0 as usize == r && m.1 as usize == u)
        else {
            return;
        };
        let (_, _, platoons, vehicles, travel) = self.escort_moves.swap_remove(k);
        let max_wait = self
            .m
            .scenario
            .escorts
            .as_ref()
            .map_or(0.0, |e| e.max_wait_h);
        if granted && self.now <= self.escorts[r].requested_h + max_wait {
            self.escort_go(r, u, platoons, vehicles, f64::from(travel));
            return;
        }
        if !granted {
            self.summary.approvals_refused += 1;
        }
        self.summary.escorts_cancelled += 1;
        log!(
            self,
            "escort_cancelled",
            Some(self.escorts[r].site),
            Some(u),
            None,
            "approval".into(),
        );
        self.on_return(u, platoons, vehicles);
    }

    pub(crate) fn on_escort_end(
        &mut self,
        site: SiteId,
        unit: u32,
        platoons: u32,
        vehicles: u32,
        travel_h: f32,
    ) {
        self.summary.escorts_done += 1;
        let gain = self.m.scenario.trust.per_escort_visit * (1.0 - self.sites[site].trust);
        self.add_trust(site, gain);
        self.queue.push(
            self.now + f64::from(travel_h),
            Event::Return {
                unit,
                platoons,
                vehicles,
            },
        );
        log!(
            self,
            "escort_done",
            Some(site),
            Some(unit as usize),
            None,
            String::new(),
        );
    }

    pub(crate) fn on_escort_expire(&mut self, r: usize) {
        if self.escorts[r].settled {
            return;
        }
        self.escorts[r].settled = true;
        self.escorts_waiting.retain(|&x| x as usize != r);
        self.summary.escorts_cancelled += 1;
        log!(
            self,
            "escort_cancelled",
            Some(self.escorts[r].site),
            None,
            None,
            "no unit free".into(),
        );
    }

    /// Offers freed platoons to waiting escort requests, oldest first.
    pub(crate) fn retry_escorts(&mut self) {
        if self.escorts_waiting.is_empty() {
            return;
        }
        let waiting = std::mem::take(&mut self.escorts_waiting);
        for r in waiting {
            let r = r as usize;
            if !self.escorts[r].settled && !self.try_escort(r) {
                self.escorts_waiting.push(r as u32);
            }
        }
    }
}
