//! The scenario file format: plain serde data mirroring the TOML document.
//!
//! These types say what a scenario *can* hold; `validate` says what it *must*
//! satisfy and `crate::model` turns it into indexed data for the engine.
//! Every field a planner may vary is one number here, so one `--set` varies it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One mission setting: geography, forces, threats, mandate and dynamics.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub scenario: Meta,
    pub clock: Clock,
    pub geography: Geography,
    #[serde(default)]
    pub forces: Forces,
    pub threat_kinds: BTreeMap<ThreatKind, ThreatKindParams>,
    #[serde(default)]
    pub threats: Vec<ThreatSpec>,
    pub effectiveness: Effectiveness,
    pub mandate: Mandate,
    pub presence: Presence,
    pub reporting: Reporting,
    pub tension: TensionParams,
    pub trust: TrustParams,
    pub host: HostParams,
    #[serde(default)]
    pub justice: JusticeParams,
    pub displacement: DisplacementParams,
    #[serde(default)]
    pub escorts: Option<Escorts>,
    #[serde(default)]
    pub injects: Vec<Inject>,
    /// What the analysis is unsure of: inputs drawn over plausible worlds by
    /// `compare --uncertain` and `pocsim sensitivity`.
    #[serde(default)]
    pub uncertainty: Vec<Uncertain>,
}

/// The family of an uncertain input's distribution (EMA Workbench and SALib
/// use the same names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dist {
    Uniform,
    Triangular,
    Normal,
    Lognormal,
    Beta,
    Choice,
}

impl Dist {
    pub fn name(self) -> &'static str {
        match self {
            Dist::Uniform => "uniform",
            Dist::Triangular => "triangular",
            Dist::Normal => "normal",
            Dist::Lognormal => "lognormal",
            Dist::Beta => "beta",
            Dist::Choice => "choice",
        }
    }
}

/// An uncertain input: a path that `--set` accepts and the distribution of
/// its value. `uniform`: `low`, `high`; `triangular`: `low`, `mode`, `high`;
/// `normal`: `mean`, `sd` (optionally truncated to `low`..`high`);
/// `lognormal`: `mean`, `sd` of the value (optionally truncated); `beta`:
/// `alpha`, `beta` on `low`..`high` (default 0..1); `choice`: `values`,
/// equally likely.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Uncertain {
    pub path: String,
    pub dist: Dist,
    #[serde(default)]
    pub low: Option<f64>,
    #[serde(default)]
    pub mode: Option<f64>,
    #[serde(default)]
    pub high: Option<f64>,
    #[serde(default)]
    pub mean: Option<f64>,
    #[serde(default)]
    pub sd: Option<f64>,
    #[serde(default)]
    pub alpha: Option<f64>,
    #[serde(default)]
    pub beta: Option<f64>,
    #[serde(default)]
    pub values: Vec<toml::Value>,
    /// Where the assumption comes from (EVIDENCE, or "assumption: ...").
    #[serde(default)]
    pub note: String,
}

/// Name and description shown in outputs and reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Public figures the baseline is compared with in the validation report.
    #[serde(default)]
    pub targets: Vec<Target>,
}

/// A public figure to compare a metric with (`pocsim validation-report`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// A metric name (as in `summary.json` or `<kind>.<field>`), or for a `site`:
    /// `incidents_true`, `incidents_reported`, `incidents_known`, `harmed` or `killed`.
    pub metric: String,
    /// Restrict to one site (per-site daily counts).
    #[serde(default)]
    pub site: Option<String>,
    /// How the figure is expressed: `run` (as is), `day`, `month` (30 days),
    /// `100k_year` (per 100,000 residents a year) or `1000_day` (per 1,000
    /// residents a day); residents are the site's, or all sites', at the start.
    #[serde(default = "per_run")]
    pub per: String,
    /// The public figure.
    pub value: f64,
    /// A parameter was calibrated to this figure (agreement is by construction).
    #[serde(default)]
    pub fitted: bool,
    /// The public range the baseline should fall in (default: the value ±20%).
    #[serde(default)]
    pub low: Option<f64>,
    #[serde(default)]
    pub high: Option<f64>,
    pub source: String,
    /// Why the model may depart from the figure.
    #[serde(default)]
    pub note: String,
}
fn per_run() -> String {
    "run".to_string()
}

impl Target {
    /// The range a baseline must reach to count as within.
    pub fn range(&self) -> (f64, f64) {
        (
            self.low.unwrap_or(self.value * 0.8),
            self.high.unwrap_or(self.value * 1.2),
        )
    }
}

/// Horizon and the hours of darkness (for the no-night-operations caveat).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clock {
    pub horizon_days: f64,
    #[serde(default = "default_night_start")]
    pub night_start_h: f64,
    #[serde(default = "default_night_end")]
    pub night_end_h: f64,
}
fn default_night_start() -> f64 {
    18.0
}
fn default_night_end() -> f64 {
    6.0
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Geography {
    pub speed_kmh: Speeds,
    pub sites: Vec<Site>,
    #[serde(default)]
    pub roads: Vec<Road>,
    #[serde(default)]
    pub seasons: Vec<Season>,
}

/// Travel speeds by road surface, and on foot when no vehicle is free.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Speeds {
    pub paved: f64,
    pub unpaved: f64,
    pub track: f64,
    pub foot: f64,
    /// Vehicle speed across a site (streets, traffic, alleys), km/h.
    #[serde(default = "default_in_site_kmh")]
    pub in_site: f64,
}

fn default_in_site_kmh() -> f64 {
    20.0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    Town,
    Village,
    IdpCamp,
    PocSite,
    Market,
    Base,
}

impl SiteKind {
    /// Camps and POC sites receive people who flee.
    pub fn is_refuge(self) -> bool {
        matches!(self, SiteKind::IdpCamp | SiteKind::PocSite)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub kind: SiteKind,
    pub x_km: f64,
    pub y_km: f64,
    pub population: f64,
    /// Multiplier on harm per incident (1 = average).
    #[serde(default = "one")]
    pub vulnerability: f64,
    /// Communications coverage, 0 (none) to 1 (full): speeds and enables reporting.
    #[serde(default = "one")]
    pub comms: f64,
    /// Initial community trust in police, 0 to 1.
    #[serde(default = "half")]
    pub trust: f64,
    /// Design capacity of a camp or POC site (people); crowding is population over this.
    #[serde(default)]
    pub design_capacity: Option<f64>,
    /// Radius of the area the site stands for, km (0: a point). An incident
    /// happens anywhere in it, and a response crosses the site to reach it.
    #[serde(default)]
    pub radius_km: f64,
}
fn one() -> f64 {
    1.0
}
fn half() -> f64 {
    0.5
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Surface {
    Paved,
    Unpaved,
    Track,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Road {
    pub from: String,
    pub to: String,
    pub length_km: f64,
    pub surface: Surface,
    /// Seasons (by name) during which the road is impassable.
    #[serde(default)]
    pub closed_in: Vec<String>,
}

/// A window of the year that slows unpaved roads and may close some.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Season {
    pub name: String,
    pub start_day: f64,
    pub end_day: f64,
    /// Multiplier on speed over unpaved roads and tracks (paved roads keep theirs).
    #[serde(default = "one")]
    pub unpaved_speed_factor: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Forces {
    #[serde(default)]
    pub fpus: Vec<Fpu>,
    #[serde(default)]
    pub ipo_teams: Vec<IpoTeam>,
    #[serde(default)]
    pub specialised_teams: Vec<SpecialisedTeam>,
    #[serde(default)]
    pub host_police: Vec<HostPolice>,
    #[serde(default)]
    pub military: Vec<Military>,
}

/// A contingent of formed police units from one country; `count` identical units.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fpu {
    pub id: String,
    /// Hours from the order to moving out (mobilisation, briefing, loading).
    pub readiness_h: f64,
    #[serde(default)]
    pub country: String,
    #[serde(default = "one_u32")]
    pub count: u32,
    pub officers: u32,
    pub platoons: u32,
    pub vehicles: u32,
    /// Vehicles one platoon needs to move mounted.
    pub vehicles_per_platoon: u32,
    #[serde(default)]
    pub women_share: f64,
    pub base: String,
    /// Platoons kept on static guard of the base site (presence, not dispatchable).
    #[serde(default)]
    pub guard_platoons: u32,
    #[serde(default)]
    pub arrive_day: f64,
    #[serde(default)]
    pub withdraw_day: Option<f64>,
    #[serde(default)]
    pub caveats: Caveats,
    /// How the unit's platoons work in shifts (absent: every free platoon is on
    /// standby at `readiness_h` around the clock).
    #[serde(default)]
    pub shifts: Option<Shifts>,
}
fn one_u32() -> u32 {
    1
}

/// Shifts of a formed unit: platoons on duty part of the day, rest after work.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shifts {
    /// Hours a day each platoon is on duty; the share of platoons on duty at any
    /// moment is this over 24 (a rota), working platoons included.
    pub duty_h_per_day: f64,
    /// Hours a platoon rests after a full duty's work (less after shorter work).
    pub rest_h: f64,
    /// Hours from the order to moving out for platoons off duty or resting.
    pub resting_readiness_h: f64,
    /// Platoons on duty at night as a share of those on duty by day (a
    /// lighter night shift); the day's and night's platoons together still
    /// work `duty_h_per_day` each on average. 1: the same day and night.
    #[serde(default = "one")]
    pub night_share: f64,
}

/// National caveats of a contingent; every rule is off by default.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Caveats {
    /// Every response or escort away from base needs the capital's approval.
    #[serde(default)]
    pub approval_required: bool,
    /// Mean delay of an approval or waiver decision, hours (log-normal).
    #[serde(default)]
    pub approval_delay_h: f64,
    /// Standard deviation of that delay, hours.
    #[serde(default)]
    pub approval_delay_sd_h: f64,
    /// Probability that the capital refuses.
    #[serde(default)]
    pub approval_refusal_prob: f64,
    /// The whole unit moves or none (no platoon-sized deployments).
    #[serde(default)]
    pub no_split: bool,
    /// Furthest road distance from base the unit may go, km.
    #[serde(default)]
    pub max_distance_km: Option<f64>,
    /// The only sites the unit may go to (its base always allowed).
    #[serde(default)]
    pub allowed_sites: Option<Vec<String>>,
    #[serde(default)]
    pub no_night_ops: bool,
    #[serde(default)]
    pub no_joint_host_ops: bool,
    /// The unit only guards its base.
    #[serde(default)]
    pub static_guard_only: bool,
    /// Mean delay of the capital's answer to an urgent waiver request, hours
    /// (log-normal; absent: as a routine approval).
    #[serde(default)]
    pub urgent_waiver_h: Option<f64>,
    /// Standard deviation of that delay, hours (absent: as a routine approval).
    #[serde(default)]
    pub urgent_waiver_sd_h: Option<f64>,
    /// Probability that the capital refuses an urgent waiver (absent: as a routine approval).
    #[serde(default)]
    pub urgent_refusal_prob: Option<f64>,
    /// The head of the police component may let the unit's commander act at
    /// once against imminent violence: responses need no approval (escorts still do).
    #[serde(default)]
    pub commander_may_act: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IpoTeam {
    pub id: String,
    /// Hours from the order to moving out (mobilisation, briefing, loading).
    pub readiness_h: f64,
    #[serde(default = "one_u32")]
    pub count: u32,
    pub officers: u32,
    #[serde(default)]
    pub women_share: f64,
    /// Co-located site (usually a host police station).
    pub site: String,
    #[serde(default)]
    pub vehicles: u32,
    #[serde(default = "yes")]
    pub community_policing: bool,
    #[serde(default = "yes")]
    pub mentoring: bool,
    /// Trained to respond to conflict-related sexual violence.
    #[serde(default)]
    pub crsv_trained: bool,
    #[serde(default)]
    pub arrive_day: f64,
    #[serde(default)]
    pub withdraw_day: Option<f64>,
}
fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecialityKind {
    Sgbv,
    Forensics,
    SeriousCrime,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecialisedTeam {
    pub id: String,
    /// Hours from the order to moving out (mobilisation, briefing, loading).
    pub readiness_h: f64,
    pub kind: SpecialityKind,
    pub officers: u32,
    #[serde(default)]
    pub women_share: f64,
    pub base: String,
    #[serde(default)]
    pub vehicles: u32,
    #[serde(default)]
    pub arrive_day: f64,
    #[serde(default)]
    pub withdraw_day: Option<f64>,
}

/// Host-state police at one site.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostPolice {
    /// Name for `--set 'forces.host_police[ID].officers=80'` (default: the site's id).
    #[serde(default)]
    pub id: Option<String>,
    pub site: String,
    /// Hours from the order to moving out (mobilisation, briefing, loading).
    pub readiness_h: f64,
    pub officers: u32,
    /// Effectiveness 0 to 1; grows with mentoring, decays without.
    pub capacity: f64,
    /// 1 = clean record; abuse rate scales with 1 - integrity.
    pub integrity: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Military {
    pub id: String,
    /// Hours from the order to moving out (mobilisation, briefing, loading).
    pub readiness_h: f64,
    #[serde(default = "one_u32")]
    pub count: u32,
    pub base: String,
    pub strength: u32,
    /// Has its own transport; on foot otherwise.
    #[serde(default = "yes")]
    pub mounted: bool,
    /// Extra time before a police-requested military response leaves (command friction).
    #[serde(default)]
    pub coordination_delay_h: f64,
    /// Hours from the order to moving out while the police have alerted the
    /// unit (`mandate.alert_h`); its readiness when absent.
    #[serde(default)]
    pub alert_readiness_h: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreatKind {
    ArmedAttack,
    CriminalViolence,
    PublicDisorder,
    Crsv,
    PocSiteAttack,
    HostAbuse,
}

impl ThreatKind {
    pub const ALL: [ThreatKind; 6] = [
        ThreatKind::ArmedAttack,
        ThreatKind::CriminalViolence,
        ThreatKind::PublicDisorder,
        ThreatKind::Crsv,
        ThreatKind::PocSiteAttack,
        ThreatKind::HostAbuse,
    ];
    pub fn index(self) -> usize {
        self as usize
    }
    pub fn name(self) -> &'static str {
        match self {
            ThreatKind::ArmedAttack => "armed_attack",
            ThreatKind::CriminalViolence => "criminal_violence",
            ThreatKind::PublicDisorder => "public_disorder",
            ThreatKind::Crsv => "crsv",
            ThreatKind::PocSiteAttack => "poc_site_attack",
            ThreatKind::HostAbuse => "host_abuse",
        }
    }
}

/// What a response must be able to do to answer a threat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    PublicOrder,
    Armed,
    Crime,
    Crsv,
}

/// Parameters shared by every incident of one threat kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreatKindParams {
    pub capability: Capability,
    /// Mean civilians harmed (killed + injured) if unanswered, at vulnerability 1.
    pub severity: f64,
    /// Dispersion of harm (negative-binomial shape; smaller = heavier tail).
    pub severity_shape: f64,
    /// Share of the harmed who are killed.
    pub lethality: f64,
    /// Mean hours from emergence until violence starts (exponential).
    pub escalation_h: f64,
    /// Hours violence lasts once started.
    pub duration_h: f64,
    /// Officers a response needs to fully answer it.
    pub force_needed: f64,
    /// Hours a responding unit stays on scene.
    pub on_scene_h: f64,
    /// Mean perpetrators that may be arrested.
    pub perpetrators: f64,
    /// Reporting log-odds at average trust, no police presence, full comms.
    pub report_logit: f64,
    /// Multiplier on the reporting delay for this kind (attacks often reach
    /// the mission through intermediaries, after people have fled).
    #[serde(default = "one")]
    pub report_delay_factor: f64,
    /// Active perpetrators behind one site's stream of this kind: each one
    /// detained takes this share of the stream off the street (0: no incapacitation).
    #[serde(default)]
    pub perpetrator_pool: f64,
    /// Further active perpetrators per 1,000 residents of the site (added to
    /// `perpetrator_pool`): crime in a district of 250,000 has more authors
    /// than in a village.
    #[serde(default)]
    pub perpetrators_per_1000: f64,
}

/// A threat process: one base rate per listed site.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreatSpec {
    pub kind: ThreatKind,
    pub sites: Vec<String>,
    /// Incidents per day at each listed site, at its initial population and
    /// usual tension, before deterrence and injects. Either this or
    /// `rate_per_1000_day`; both follow the people present as they change.
    #[serde(default)]
    pub rate_per_day: f64,
    /// Incidents per 1,000 residents a day (converted with each site's
    /// initial population).
    #[serde(default)]
    pub rate_per_1000_day: f64,
    /// Rate scales with crowding (population over design capacity) at camps.
    #[serde(default)]
    pub scales_with_crowding: bool,
}

/// Share of harm a timely, full-strength response of each kind averts, by capability.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Effectiveness {
    pub fpu: CapabilityTable,
    pub ipo: CapabilityTable,
    pub ipo_crsv_trained: CapabilityTable,
    pub specialised_sgbv: CapabilityTable,
    pub specialised_other: CapabilityTable,
    pub host: CapabilityTable,
    pub military: CapabilityTable,
    /// Below this, a unit is not offered as able to answer a threat.
    pub min_to_offer: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapabilityTable {
    pub public_order: f64,
    pub armed: f64,
    pub crime: f64,
    pub crsv: f64,
}

impl CapabilityTable {
    pub fn get(&self, c: Capability) -> f64 {
        match c {
            Capability::PublicOrder => self.public_order,
            Capability::Armed => self.armed,
            Capability::Crime => self.crime,
            Capability::Crsv => self.crsv,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Authority {
    SupportOnly,
    Utm,
    Executive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hrddp {
    Support,
    Conditional,
    Suspend,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mandate {
    pub authority: Authority,
    pub hrddp: Hrddp,
    /// Under `conditional`, host units with integrity at or above this are supported.
    #[serde(default = "half")]
    pub hrddp_integrity_threshold: f64,
    /// Detainees the justice chain can receive per week.
    pub justice_capacity_per_week: f64,
    /// Hours from report to arrival that count as a timely response.
    pub response_target_h: f64,
    /// Probability that each perpetrator present is arrested by a full-fit response.
    pub arrest_prob: f64,
    /// Below this host capacity, host police count as absent (UTM arrests allowed).
    #[serde(default = "default_host_absent")]
    pub host_absent_below: f64,
    /// Dialogue and engagement with host authorities ahead of political events (POC tier 1).
    #[serde(default)]
    pub dialogue: bool,
    /// Share of a political inject's extra rate that dialogue removes (and,
    /// when the operations centre holds a dialogue, the share of a site's
    /// tension it calms).
    #[serde(default)]
    pub dialogue_effect: f64,
    /// Hours an IPO team spends at a site holding a dialogue, besides the road.
    #[serde(default = "three")]
    pub dialogue_h: f64,
    /// Hours a dialogue held by the operations centre keeps lowering a
    /// political inject's extra rate at its site.
    #[serde(default = "twenty_four")]
    pub dialogue_lasts_h: f64,
    /// Hours a military unit alerted by the operations centre stays at its
    /// alert readiness, its liaison with the police done.
    #[serde(default = "twelve")]
    pub alert_h: f64,
    /// UN police may act alone to protect civilians from imminent physical
    /// violence whatever the authority (the 2017 guidelines' reading); `false`
    /// is the restrictive reading: under `support_only` they protect and patrol
    /// only alongside supported host police (or inside POC sites).
    #[serde(default = "yes")]
    pub unilateral_protection: bool,
    /// The standard procedure asks the capital for an urgent waiver when a
    /// caveat keeps the fastest formed unit from imminent violence.
    #[serde(default)]
    pub doctrine_requests_waivers: bool,
    pub patrol: PatrolDoctrine,
}
fn default_host_absent() -> f64 {
    0.1
}
fn three() -> f64 {
    3.0
}
fn twelve() -> f64 {
    12.0
}
fn twenty_four() -> f64 {
    24.0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatrolKind {
    Fixed,
    HotSpot,
    None,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatrolDoctrine {
    pub doctrine: PatrolKind,
    /// Patrols each deployed FPU launches per day (spread over daylight).
    #[serde(default)]
    pub patrols_per_fpu_day: f64,
    /// Hours a patrol spends at its site.
    #[serde(default)]
    pub duration_h: f64,
    /// Sites in rotation (fixed) or eligible (hot_spot; empty = all).
    #[serde(default)]
    pub sites: Vec<String>,
}

/// A share that may differ by threat kind: one number for every kind, or a
/// table by kind (`{ criminal_violence = 0.5, armed_attack = 0.1 }`; kinds
/// left out get 0). Abuse by host police is never deterred by presence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PerKind {
    All(f64),
    ByKind(BTreeMap<ThreatKind, f64>),
}

impl PerKind {
    /// The value for each kind, indexed by [`ThreatKind::index`].
    pub fn by_index(&self) -> [f64; 6] {
        let mut out = [0.0; 6];
        for k in ThreatKind::ALL {
            out[k.index()] = match self {
                _ if k == ThreatKind::HostAbuse => 0.0,
                PerKind::All(x) => *x,
                PerKind::ByKind(m) => m.get(&k).copied().unwrap_or(0.0),
            };
        }
        out
    }
    /// Each value with its path suffix (empty for one number).
    pub fn entries(&self) -> Vec<(String, f64)> {
        match self {
            PerKind::All(x) => vec![(String::new(), *x)],
            PerKind::ByKind(m) => m
                .iter()
                .map(|(k, v)| (format!(".{}", k.name()), *v))
                .collect(),
        }
    }
}

/// How presence lowers threat rates, and where deterred threats go. Each
/// deterrence is one share or a table by threat kind: visible police
/// presence deters crime more than heavy-weapon raids.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Presence {
    pub patrol_deterrence: PerKind,
    pub guard_deterrence: PerKind,
    pub ipo_deterrence: PerKind,
    /// Deterrence of host police at full capacity.
    pub host_deterrence: PerKind,
    /// Share of deterred threats that move to a less-protected neighbouring site.
    pub displacement_share: f64,
    /// Deterrence of each military unit based at a site, by the threat kinds it
    /// is there for (e.g. `{ armed_attack = 0.4, poc_site_attack = 0.4 }`).
    #[serde(default)]
    pub military_deterrence: BTreeMap<ThreatKind, f64>,
    /// Military units deter at every site within this many hours' drive of
    /// their base (area domination), not only at the base (0: base only).
    #[serde(default)]
    pub military_reach_h: f64,
}

/// Log-odds coefficients of reporting, and the reporting delay.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reporting {
    pub trust_coef: f64,
    pub ipo_coef: f64,
    pub host_coef: f64,
    pub comms_coef: f64,
    /// Extra log-odds for CRSV per unit of women's share among police at the site.
    pub women_crsv_coef: f64,
    /// Mean hours from emergence to report, full comms, no IPO.
    pub delay_mean_h: f64,
    /// Multiplier on the delay at zero comms (linear in between).
    pub no_comms_delay_factor: f64,
    /// Multiplier on the delay where an IPO team does community policing.
    pub ipo_delay_factor: f64,
    /// Late learning: an incident not reported in time may still become
    /// known afterwards (community contacts, IPO patrols, human-rights
    /// monitors, a survivor coming forward), with the reporting log-odds plus
    /// this shift. Absent: incidents are known only if reported in time.
    #[serde(default)]
    pub late_logit_shift: Option<f64>,
    /// Mean hours after an incident ends before it becomes known late.
    #[serde(default = "default_late_delay")]
    pub late_delay_mean_h: f64,
}

fn default_late_delay() -> f64 {
    72.0
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TensionParams {
    pub half_life_days: f64,
    /// Rate multiplier is 1 + amplitude * T / (1 + T).
    pub amplitude: f64,
    pub per_unanswered: f64,
    pub per_harmed: f64,
    pub per_release: f64,
    pub per_abuse: f64,
    /// Tension removed by an incident that a response prevented.
    pub per_prevented: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustParams {
    /// Daily gain toward 1 per community-policing IPO team at the site.
    pub community_policing_per_day: f64,
    pub per_protected: f64,
    /// Loss per civilian harmed per 1,000 residents.
    pub per_harmed_per_1000: f64,
    pub per_abuse: f64,
    pub per_complicity: f64,
    pub per_impunity: f64,
    pub per_escort_visit: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostParams {
    /// Daily capacity gain per mentoring IPO officer (times 1 - capacity).
    pub mentoring_gain_per_officer_day: f64,
    /// Daily capacity gain from joint work when supported without mentoring.
    pub support_gain_per_day: f64,
    /// Daily decay of capacity toward what the host state sustains alone.
    pub decay_per_day: f64,
    /// What the host state sustains without the mission, as a share of the
    /// initial capacity: capacity decays toward it, not toward zero.
    #[serde(default)]
    pub sustained_share: f64,
    /// Abuse incidents per day per 100 officers at integrity 0.
    pub abuse_rate_per_100_day: f64,
    /// Daily integrity gain toward 1 from mitigation measures (vetting,
    /// oversight, training) where support is conditional (HRDDP).
    #[serde(default)]
    pub mitigation_gain_per_day: f64,
    /// Growth of abuse with the means support lends (vehicles, fuel, reach):
    /// the abuse rate of a post the mission supports is multiplied by 1 + this.
    #[serde(default)]
    pub abuse_support_gain: f64,
    /// Hours the host authorities take to carry out (or not) conditions the
    /// mission sets on its support; they comply with a probability equal to
    /// the unit's integrity.
    #[serde(default = "twelve")]
    pub conditions_delay_h: f64,
}

/// What arrests do once detainees reach the justice chain.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JusticeParams {
    /// Mean days a detainee handed to justice stays off the street (exponential).
    #[serde(default)]
    pub detention_days: f64,
    /// Certainty of punishment: a stream's rate falls by this share times the
    /// share of its recent threats that ended in a case handed to justice
    /// (both counted with the half-life below).
    #[serde(default)]
    pub deterrence_max: f64,
    #[serde(default = "one")]
    pub deterrence_half_life_days: f64,
    /// Mean days before a group replaces a detained member by recruitment
    /// (exponential; 0: never): incapacitation lasts until the detainee is
    /// released or replaced, whichever comes first.
    #[serde(default)]
    pub replacement_days: f64,
}

impl Default for JusticeParams {
    fn default() -> Self {
        JusticeParams {
            detention_days: 0.0,
            deterrence_max: 0.0,
            deterrence_half_life_days: 1.0,
            replacement_days: 0.0,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisplacementParams {
    /// People who flee per civilian harmed.
    pub flee_per_harmed: f64,
    /// Largest share of a site's population that flees after one incident.
    pub max_share: f64,
    /// Days without harm before people start to return.
    pub calm_days: f64,
    /// Share of those displaced from a site who return each calm day.
    pub return_share_per_day: f64,
    /// Cap on the crowding multiplier of camp threat rates.
    pub crowding_cap: f64,
}

/// Escort requests from the mission's civilian components.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Escorts {
    pub requests_per_day: f64,
    pub sites: Vec<String>,
    pub duration_h: f64,
    /// A request not met within this many hours is cancelled: the visit does not happen.
    pub max_wait_h: f64,
}

/// A scheduled change of rates or tension in a time window (election, offensive...).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inject {
    pub name: String,
    pub start_day: f64,
    pub end_day: f64,
    /// Sites affected; empty means all.
    #[serde(default)]
    pub sites: Vec<String>,
    /// Threat kinds affected; empty means all.
    #[serde(default)]
    pub kinds: Vec<ThreatKind>,
    #[serde(default = "one")]
    pub rate_multiplier: f64,
    #[serde(default)]
    pub tension: f64,
    /// Political event whose extra rate dialogue and engagement can lower.
    #[serde(default)]
    pub political: bool,
    /// An incident of this kind starts at the (single) listed site when the window opens.
    #[serde(default)]
    pub incident: Option<ThreatKind>,
    /// A civilian component asks for an escort to the (single) listed site when
    /// the window opens (needs `[escorts]`).
    #[serde(default)]
    pub escort: bool,
    /// Abuses a day by the host police at the (listed) sites while the window
    /// lasts, besides their usual rate: the pattern an allegation describes.
    /// It stops once the mission sets conditions on its support there.
    #[serde(default)]
    pub host_abuse_per_day: f64,
    /// For training exercises: who sends the message, to whom, what it says, and
    /// the reaction the controller expects.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub expected: String,
}
