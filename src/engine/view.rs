//! Read-only views of a running simulation for front ends (the full-screen
//! exercise): what the operations centre can know, not the model's hidden
//! state. Incidents appear only once reported; events only when the centre
//! would hear of them.

use super::Simulation;
use crate::ids::{IncidentId, SiteId, UnitId};
use crate::metrics::EventRow;
use crate::scenario::ThreatKind;

/// A site as the operations centre sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SiteView {
    pub population: f64,
    /// Tension now (0 = calm; it decays between incidents).
    pub tension: f64,
    pub trust: f64,
    /// UN support to the host police here, if there are host police.
    pub host_supported: Option<bool>,
    /// That support goes on under conditions (HRDDP's mitigating measures).
    pub host_conditions: bool,
    /// An allegation against these host police is open (conditions may be set).
    pub allegation: bool,
    /// A dialogue held here is in effect, or its team is on the way.
    pub dialogue: bool,
    /// UN patrols present now.
    pub patrols: u32,
    /// Reported incidents still open here.
    pub open_incidents: u32,
}

/// A unit's availability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitView {
    /// Deployed (arrived and not withdrawn).
    pub active: bool,
    /// Platoons free to send, of those not on static guard.
    pub idle: u32,
    pub deployable: u32,
    pub vehicles_free: u32,
    /// A military unit on alert (alert readiness, no coordination delay).
    pub alerted: bool,
}

/// A reported incident that is not over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpenIncident {
    pub id: IncidentId,
    pub kind: ThreatKind,
    pub site: SiteId,
    pub reported_h: f64,
    pub responders: u32,
    /// When the first responder arrived, if one has.
    pub first_arrival_h: Option<f64>,
    /// Waiting for a unit to come free.
    pub waiting: bool,
}

impl Simulation<'_> {
    pub fn site_view(&self, site: SiteId) -> SiteView {
        let st = &self.sites[site];
        SiteView {
            population: st.population,
            tension: self.tension(site),
            trust: st.trust,
            host_supported: self.m.host_at[site].map(|_| st.host_supported),
            host_conditions: st.host_conditions,
            allegation: self.m.host_at[site].is_some() && self.allegation_open(site),
            dialogue: st.talks_planned || st.talks_until > self.now,
            patrols: self.patrols_present(site),
            open_incidents: self
                .incidents
                .iter()
                .filter(|i| i.site == site && i.reported && !i.resolved)
                .count() as u32,
        }
    }

    pub fn unit_view(&self, u: UnitId) -> UnitView {
        let unit = &self.m.units[u];
        let st = &self.units[u];
        UnitView {
            active: st.active,
            idle: st.idle,
            deployable: unit.platoons - unit.guard_platoons,
            vehicles_free: st.vehicles_free,
            alerted: st.alert_until > self.now,
        }
    }

    /// Today's patrol plan as the operations centre set it (sites in order,
    /// units), or `None` while the doctrine's plan applies.
    pub fn patrol_plan_today(&self) -> Option<(Vec<SiteId>, Vec<UnitId>)> {
        self.patrol_orders_today()
            .map(|o| (o.sites.clone(), o.units.clone()))
    }

    /// Reported incidents not yet over, oldest report first.
    pub fn open_incidents(&self) -> Vec<OpenIncident> {
        let mut v: Vec<OpenIncident> = self
            .incidents
            .iter()
            .enumerate()
            .filter(|(_, i)| i.reported && !i.resolved)
            .map(|(id, i)| (IncidentId::new(id), i))
            .map(|(id, i)| OpenIncident {
                id,
                kind: i.kind,
                site: i.site,
                reported_h: i.report_h,
                responders: i.responders,
                first_arrival_h: i.first_arrival.is_finite().then_some(i.first_arrival),
                waiting: self.waiting.contains(&id),
            })
            .collect();
        v.sort_by(|a, b| a.reported_h.total_cmp(&b.reported_h));
        v
    }

    /// The tallies so far, including what nobody reported: the ground truth
    /// a trainer sees and trainees do not. Finishing adds what is computed
    /// at the end of a run.
    pub fn tally_so_far(&self) -> &crate::metrics::Summary {
        &self.summary
    }

    /// Events recorded so far (with `RunOptions::record_events`).
    pub fn events(&self) -> &[EventRow] {
        &self.events
    }

    /// Whether the operations centre would hear of this event: everything
    /// except the course of incidents nobody reported.
    pub fn event_known(&self, e: &EventRow) -> bool {
        match e.incident {
            Some(i) => self.incidents.get(i).is_some_and(|x| x.reported),
            None => true,
        }
    }
}
