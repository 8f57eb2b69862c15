//! Units coming and going: arrival and withdrawal (what a unit's presence
//! counts for at its base and in the mission), and a party's return (its
//! platoons rest, then waiting incidents are looked at again).

use super::*;
use crate::ids::UnitId;

impl Simulation<'_> {
    /// A unit arrives in the mission area (or starts there): its platoons
    /// and vehicles are free, and its presence counts at its base.
    pub(super) fn activate(&mut self, u: UnitId) {
        let unit = &self.m.units[u];
        let st = &mut self.units[u];
        if st.active {
            return;
        }
        st.active = true;
        st.idle = unit.platoons - unit.guard_platoons;
        st.vehicles_free = unit.vehicles;
        st.rested_at.clear();
        if unit.shifts.is_some() {
            st.rested_at.resize(st.idle as usize, f64::NEG_INFINITY);
        }
        self.count_presence(u, true);
        log!(
            self,
            EventKind::UnitArrives,
            Some(unit.base),
            Some(u),
            None,
            String::new(),
        );
    }

    /// A unit withdraws: nothing of it is free, and its presence no longer
    /// counts.
    pub(super) fn deactivate(&mut self, u: UnitId) {
        let unit = &self.m.units[u];
        let st = &mut self.units[u];
        if !st.active {
            return;
        }
        st.active = false;
        st.idle = 0;
        st.vehicles_free = 0;
        st.rested_at.clear();
        self.count_presence(u, false);
        log!(
            self,
            EventKind::UnitWithdraws,
            Some(unit.base),
            Some(u),
            None,
            String::new(),
        );
    }

    /// Adds (arriving) or takes away (withdrawing) what a unit's presence
    /// gives: military cover of the sites in reach, static guards, community
    /// policing teams, active patrolling FPUs, mentors, and the UN police
    /// officers (and women) at its base and in the mission.
    fn count_presence(&mut self, u: UnitId, arriving: bool) {
        let unit = &self.m.units[u];
        let step = |x: &mut u32| {
            if arriving {
                *x += 1;
            } else {
                *x -= 1;
            }
        };
        let sign = if arriving { 1.0 } else { -1.0 };
        if unit.kind == UnitKind::Military {
            for &x in &self.m.cover[u] {
                step(&mut self.sites[x].military);
            }
        }
        let s = &mut self.sites[unit.base];
        if unit.kind == UnitKind::Fpu && (unit.guard_platoons > 0 || unit.caveats.static_guard_only)
        {
            step(&mut s.guards);
        }
        if unit.kind == UnitKind::Ipo && unit.community_policing {
            step(&mut s.cp_teams);
        }
        if unit.kind == UnitKind::Fpu && !unit.caveats.static_guard_only {
            step(&mut self.active_fpus);
        }
        let s = &mut self.sites[unit.base];
        if unit.mentoring {
            s.mentors += sign * f64::from(unit.officers);
        }
        if unit.kind.is_un_police() {
            let officers = f64::from(unit.officers);
            let women = officers * unit.women_share;
            s.un_officers += sign * officers;
            s.un_women += sign * women;
            self.un_officers += sign * officers;
            self.un_women += sign * women;
        }
    }

    pub(super) fn on_return(&mut self, u: UnitId, platoons: u32, vehicles: u32, worked_h: f64) {
        let st = &mut self.units[u];
        if st.active {
            st.idle += platoons;
            st.vehicles_free += vehicles;
            if let Some(sh) = &self.m.units[u].shifts {
                // Platoons that worked rest before they are at short readiness
                // again: a full rest after a full duty's work, less after less.
                let rest = sh.rest_h * (worked_h / sh.duty_h_per_day.max(1e-9)).min(1.0);
                let at = self.now + rest;
                for _ in 0..platoons {
                    let k = st.rested_at.partition_point(|&x| x <= at);
                    st.rested_at.insert(k, at);
                }
            }
        }
        // A no-split unit has one task at a time: when it is back, nothing is held.
        st.held = 0;
        log!(
            self,
            EventKind::UnitFree,
            Some(self.m.units[u].base),
            Some(u),
            None,
            String::new(),
        );
        // Freed capacity: look again at the waiting incidents this unit could
        // answer (others stay waiting), and drop those already over.
        let m = self.m;
        let unit = &m.units[u];
        let now = self.now;
        let mut waiting = std::mem::take(&mut self.waiting);
        waiting.retain(|&i| {
            let inc = &self.incidents[i];
            if inc.resolved || now >= inc.end {
                return false;
            }
            let able = unit.effectiveness.get(m.kind(inc.kind).capability)
                >= m.scenario.effectiveness.min_to_offer
                && (unit.kind != UnitKind::Host || unit.base == inc.site);
            if able {
                self.to_decide.push_back(i);
            }
            !able
        });
        self.waiting = waiting;
        self.escort_retry_due = true;
    }
}
