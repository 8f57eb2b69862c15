//! Geography compiled for the engine: sites by index, the road graph, and
//! travel tables computed once per season by shortest paths.
//!
//! Dispatch asks "how long from A to B now?" thousands of times per run; the
//! answer is a table look-up, never a graph search.

use crate::scenario::{Scenario, SiteKind, Surface};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

pub use crate::ids::SiteId;

/// A site as the engine sees it (initial state; the engine keeps its own copy of what changes).
#[derive(Debug, Clone)]
pub struct SiteInfo {
    pub id: String,
    pub name: String,
    pub kind: SiteKind,
    pub x_km: f64,
    pub y_km: f64,
    pub population: f64,
    pub vulnerability: f64,
    pub comms: f64,
    pub trust: f64,
    pub design_capacity: Option<f64>,
    /// Radius of the area the site stands for, km (0: a point).
    pub radius_km: f64,
}

/// A road condition window, in hours from the start.
#[derive(Debug, Clone)]
pub struct SeasonWindow {
    pub name: String,
    pub start_h: f64,
    pub end_h: f64,
}

/// All-pairs travel for one road condition.
#[derive(Debug, Clone)]
pub struct TravelTable {
    /// Hours by vehicle on the fastest route; infinite if unreachable.
    pub time_h: Vec<f32>,
    /// Kilometres on the shortest route; infinite if unreachable.
    pub dist_km: Vec<f32>,
}

#[derive(Debug, Clone)]
pub struct World {
    pub sites: Vec<SiteInfo>,
    pub index: HashMap<String, SiteId>,
    /// Road neighbours of each site (for threat displacement).
    pub neighbours: Vec<Vec<SiteId>>,
    pub roads: Vec<(SiteId, SiteId, f64, Surface)>,
    pub seasons: Vec<SeasonWindow>,
    /// `tables[0]` is the normal condition, `tables[1 + k]` season k.
    pub tables: Vec<TravelTable>,
    pub foot_kmh: f64,
    /// Vehicle speed across a site.
    pub in_site_kmh: f64,
}

impl World {
    pub fn build(s: &Scenario) -> World {
        let sites: Vec<SiteInfo> = s
            .geography
            .sites
            .iter()
            .map(|x| SiteInfo {
                id: x.id.clone(),
                name: if x.name.is_empty() {
                    x.id.clone()
                } else {
                    x.name.clone()
                },
                kind: x.kind,
                x_km: x.x_km,
                y_km: x.y_km,
                population: x.population,
                vulnerability: x.vulnerability,
                comms: x.comms,
                trust: x.trust,
                design_capacity: x.design_capacity,
                radius_km: x.radius_km.max(0.0),
            })
            .collect();
        let index: HashMap<String, SiteId> = sites
            .iter()
            .enumerate()
            .map(|(i, x)| (x.id.clone(), SiteId::new(i)))
            .collect();
        let n = sites.len();
        let roads: Vec<(SiteId, SiteId, f64, Surface)> = s
            .geography
            .roads
            .iter()
            .map(|r| (index[&r.from], index[&r.to], r.length_km, r.surface))
            .collect();
        let mut neighbours = vec![Vec::new(); n];
        for &(a, b, _, _) in &roads {
            if a != b {
                neighbours[a].push(b);
                neighbours[b].push(a);
            }
        }
        for nb in &mut neighbours {
            nb.sort_unstable();
            nb.dedup();
        }
        let seasons: Vec<SeasonWindow> = s
            .geography
            .seasons
            .iter()
            .map(|x| SeasonWindow {
                name: x.name.clone(),
                start_h: x.start_day * 24.0,
                end_h: x.end_day * 24.0,
            })
            .collect();
        let sp = &s.geography.speed_kmh;
        let mut tables = Vec::with_capacity(1 + seasons.len());
        for k in 0..=s.geography.seasons.len() {
            let season = k.checked_sub(1).map(|j| &s.geography.seasons[j]);
            let mut adj: Vec<Vec<(SiteId, f64, f64)>> = vec![Vec::new(); n];
            for (r, &(a, b, len, surface)) in s.geography.roads.iter().zip(&roads) {
                if let Some(se) = season
                    && r.closed_in.contains(&se.name)
                {
                    continue;
                }
                let factor = season.map_or(1.0, |se| se.unpaved_speed_factor);
                let speed = match surface {
                    Surface::Paved => sp.paved,
                    Surface::Unpaved => sp.unpaved * factor,
                    Surface::Track => sp.track * factor,
                };
                let hours = len / speed;
                adj[a].push((b, hours, len));
                adj[b].push((a, hours, len));
            }
            let mut time_h = vec![f32::INFINITY; n * n];
            let mut dist_km = vec![f32::INFINITY; n * n];
            for src in 0..n {
                let t = dijkstra(&adj, SiteId::new(src), |e| e.1);
                let d = dijkstra(&adj, SiteId::new(src), |e| e.2);
                for dst in 0..n {
                    time_h[src * n + dst] = t[dst] as f32;
                    dist_km[src * n + dst] = d[dst] as f32;
                }
            }
            tables.push(TravelTable { time_h, dist_km });
        }
        World {
            sites,
            index,
            neighbours,
            roads,
            seasons,
            tables,
            foot_kmh: sp.foot,
            in_site_kmh: sp.in_site,
        }
    }

    pub fn len(&self) -> usize {
        self.sites.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
    }

    /// Which travel table applies at time `t_h` (first matching season wins).
    pub fn table_at(&self, t_h: f64) -> usize {
        self.seasons
            .iter()
            .position(|s| t_h >= s.start_h && t_h < s.end_h)
            .map_or(0, |k| k + 1)
    }

    /// Hours by vehicle from `a` to `b` under table `k`.
    #[inline]
    pub fn drive_h(&self, k: usize, a: SiteId, b: SiteId) -> f64 {
        f64::from(self.tables[k].time_h[a.index() * self.sites.len() + b.index()])
    }

    /// Road kilometres from `a` to `b` under table `k`.
    #[inline]
    pub fn dist_km(&self, k: usize, a: SiteId, b: SiteId) -> f64 {
        f64::from(self.tables[k].dist_km[a.index() * self.sites.len() + b.index()])
    }

    /// Hours on foot from `a` to `b` under table `k`.
    #[inline]
    pub fn walk_h(&self, k: usize, a: SiteId, b: SiteId) -> f64 {
        self.dist_km(k, a, b) / self.foot_kmh
    }
}

#[derive(PartialEq)]
struct Node(f64, SiteId);
impl Eq for Node {}
impl Ord for Node {
    fn cmp(&self, o: &Self) -> Ordering {
        o.0.total_cmp(&self.0).then_with(|| o.1.cmp(&self.1))
    }
}
impl PartialOrd for Node {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

fn dijkstra(
    adj: &[Vec<(SiteId, f64, f64)>],
    src: SiteId,
    weight: impl Fn(&(SiteId, f64, f64)) -> f64,
) -> Vec<f64> {
    let mut best = vec![f64::INFINITY; adj.len()];
    let mut heap = BinaryHeap::new();
    best[src] = 0.0;
    heap.push(Node(0.0, src));
    while let Some(Node(d, x)) = heap.pop() {
        if d > best[x] {
            continue;
        }
        for e in &adj[x] {
            let nd = d + weight(e);
            if nd < best[e.0] {
                best[e.0] = nd;
                heap.push(Node(nd, e.0));
            }
        }
    }
    best
}
