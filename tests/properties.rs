//! Model invariants, checked over random valid scenarios and seeds: the engine
//! runs with its self-check on (no negative population, officers or capacity;
//! no unit sends more platoons or vehicles than it has free; true >= reported >=
//! answered; an incident harms no more people than are at its site), and the
//! outputs are checked against the scenario: no more are killed than live there, every response arrives no earlier than its travel
//! time allows, no caveat's forbidden move happens, person-days equal the sum
//! over deployed units.

use pocsim::engine::RunOptions;
use pocsim::model::{Model, UnitKind};
use pocsim::{Doctrine, Seed, load_scenario_str, run};
use proptest::prelude::*;

/// Cases per property (`POCSIM_PROPTEST_CASES` to run more).
fn cases() -> u32 {
    std::env::var("POCSIM_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

const TUTORIAL: &str = include_str!("../scenarios/tutorial.toml");

/// The tutorial's behavioural tables (threat kinds, effectiveness, dynamics).
fn behaviour() -> String {
    let cut = |from: &str, to: &str| {
        let a = TUTORIAL.find(&format!("\n{from}")).unwrap() + 1;
        let b = a + TUTORIAL[a..].find(&format!("\n{to}")).unwrap() + 1;
        TUTORIAL[a..b].to_string()
    };
    cut("[threat_kinds.armed_attack]", "[[threats]]")
        + &cut("[effectiveness]", "# ---- Mandate")
        + &cut("[presence]", "[escorts]")
}

/// count, officers, platoons, guard platoons, vehicles, vehicles per platoon,
/// caveat bits, max distance, base.
type FpuSpec = (u32, u32, u32, u32, u32, u32, u8, f64, u8);

#[derive(Debug, Clone)]
struct Spec {
    sites: Vec<(u8, f64, f64, f64)>, // kind, population, comms, trust
    roads: Vec<(f64, u8)>,           // length, surface (chain i -> i+1)
    fpus: Vec<FpuSpec>,
    ipos: Vec<(u32, u32, u8)>,   // officers, vehicles, site
    hosts: Vec<(u32, f64, f64)>, // officers, capacity, integrity (site = index)
    military: Vec<u8>,           // base
    rates: Vec<f64>,             // per (kind, site)
    authority: u8,
    hrddp: u8,
    justice: f64,
    probs: (f64, f64, f64), // arrest, refusal, displacement share
    horizon: f64,
    escorts: f64,
}

fn spec() -> impl Strategy<Value = Spec> {
    let pops = prop_oneof![Just(0.0), Just(1.0), 100.0..50_000.0, Just(1.0e9)];
    let prob = prop_oneof![Just(0.0), Just(1.0), 0.0..1.0];
    (
        prop::collection::vec((0u8..6, pops, prob.clone(), prob.clone()), 1..6),
        prop::collection::vec((0.5..150.0, 0u8..3), 5),
        prop::collection::vec(
            (
                0u32..3,
                1u32..200,
                1u32..6,
                0u32..3,
                0u32..16,
                0u32..4,
                any::<u8>(),
                1.0..100.0,
                0u8..6,
            ),
            0..3,
        ),
        prop::collection::vec((1u32..20, 0u32..3, 0u8..6), 0..3),
        prop::collection::vec((0u32..300, prob.clone(), prob.clone()), 0..4),
        prop::collection::vec(0u8..6, 0..2),
        prop::collection::vec(prop_oneof![Just(0.0), 0.0..1.5], 30),
        (0u8..3, 0u8..3, prop_oneof![Just(0.0), 0.0..20.0]),
        (prob.clone(), prob.clone(), prob),
        prop_oneof![Just(1.0 / 24.0), Just(0.5), 1.0..20.0, Just(60.0)],
        prop_oneof![Just(0.0), 0.0..3.0],
    )
        .prop_map(
            |(
                sites,
                roads,
                fpus,
                ipos,
                hosts,
                military,
                rates,
                (authority, hrddp, justice),
                probs,
                horizon,
                escorts,
            )| Spec {
                sites,
                roads,
                fpus,
                ipos,
                hosts,
                military,
                rates,
                authority,
                hrddp,
                justice,
                probs,
                horizon,
                escorts,
            },
        )
}

fn scenario_text(s: &Spec) -> String {
    let n = s.sites.len();
    let kinds = ["town", "village", "idp_camp", "poc_site", "market", "base"];
    let surfaces = ["paved", "unpaved", "track"];
    let mut t = format!(
        "[scenario]\nname = \"random\"\n\n[clock]\nhorizon_days = {}\n\n[geography.speed_kmh]\npaved = 50\nunpaved = 25\ntrack = 10\nfoot = 4\n\n",
        s.horizon
    );
    for (i, (k, pop, comms, trust)) in s.sites.iter().enumerate() {
        t += &format!(
            "[[geography.sites]]\nid = \"s{i}\"\nkind = \"{}\"\nx_km = {}\ny_km = 0\npopulation = {pop}\ncomms = {comms}\ntrust = {trust}\ndesign_capacity = 1000\n\n",
            kinds[*k as usize],
            i * 10
        );
    }
    for i in 0..n.saturating_sub(1) {
        let (len, surf) = s.roads[i];
        t += &format!(
            "[[geography.roads]]\nfrom = \"s{i}\"\nto = \"s{}\"\nlength_km = {len}\nsurface = \"{}\"\n\n",
            i + 1,
            surfaces[surf as usize]
        );
    }
    for (k, f) in s.fpus.iter().enumerate() {
        let (count, officers, platoons, guard, vehicles, vpp, bits, maxd, base) = *f;
        let platoons = platoons.min(officers);
        let guard = guard.min(platoons);
        t += &format!(
            "[[forces.fpus]]\nid = \"fpu{k}\"\ncount = {count}\nofficers = {officers}\nplatoons = {platoons}\nguard_platoons = {guard}\nvehicles = {vehicles}\nvehicles_per_platoon = {vpp}\nbase = \"s{}\"\nreadiness_h = 0.5\n\n[forces.fpus.caveats]\napproval_required = {}\napproval_delay_h = 3\napproval_delay_sd_h = 2\napproval_refusal_prob = {}\nno_split = {}\nno_night_ops = {}\nno_joint_host_ops = {}\nstatic_guard_only = {}\n{}\n",
            base as usize % n,
            bits & 1 != 0,
            s.probs.1,
            bits & 2 != 0,
            bits & 4 != 0,
            bits & 8 != 0,
            bits & 16 != 0,
            if bits & 32 != 0 {
                format!("max_distance_km = {maxd}\n")
            } else {
                String::new()
            }
        );
    }
    for (k, (officers, vehicles, site)) in s.ipos.iter().enumerate() {
        t += &format!(
            "[[forces.ipo_teams]]\nid = \"ipo{k}\"\nofficers = {officers}\nwomen_share = 0.3\nsite = \"s{}\"\nvehicles = {vehicles}\nreadiness_h = 0.5\n\n",
            *site as usize % n
        );
    }
    for (i, (officers, cap, integ)) in s.hosts.iter().enumerate().take(n) {
        t += &format!(
            "[[forces.host_police]]\nsite = \"s{i}\"\nofficers = {officers}\ncapacity = {cap}\nintegrity = {integ}\nreadiness_h = 1\n\n"
        );
    }
    for (k, base) in s.military.iter().enumerate() {
        t += &format!(
            "[[forces.military]]\nid = \"mil{k}\"\nbase = \"s{}\"\nstrength = 150\nreadiness_h = 1\ncoordination_delay_h = 1\n\n",
            *base as usize % n
        );
    }
    t += &behaviour();
    let kinds = [
        "armed_attack",
        "criminal_violence",
        "public_disorder",
        "crsv",
    ];
    for (k, kind) in kinds.iter().enumerate() {
        for i in 0..n {
            let r = s.rates[(k * 6 + i) % s.rates.len()];
            if r > 0.0 {
                t += &format!(
                    "\n[[threats]]\nkind = \"{kind}\"\nsites = [\"s{i}\"]\nrate_per_day = {r}\nscales_with_crowding = {}\n",
                    i % 2 == 0
                );
            }
        }
    }
    let auth = ["support_only", "utm", "executive"][s.authority as usize];
    let hrddp = ["support", "conditional", "suspend"][s.hrddp as usize];
    t += &format!(
        "\n[mandate]\nauthority = \"{auth}\"\nhrddp = \"{hrddp}\"\njustice_capacity_per_week = {}\nresponse_target_h = 2\narrest_prob = {}\n\n[mandate.patrol]\ndoctrine = \"hot_spot\"\npatrols_per_fpu_day = 2\nduration_h = 4\n",
        s.justice, s.probs.0
    );
    t = t.replace(
        "displacement_share = 0.5",
        &format!("displacement_share = {}", s.probs.2),
    );
    if s.escorts > 0.0 {
        t += &format!(
            "\n[escorts]\nrequests_per_day = {}\nsites = [\"s{}\"]\nduration_h = 4\nmax_wait_h = 12\n",
            s.escorts,
            n - 1
        );
    }
    t
}

/// Person-days computed from the scenario, independently of the engine.
fn expected_person_days(m: &Model) -> f64 {
    let h = m.horizon_h / 24.0;
    let s = &m.scenario;
    let mut total = 0.0;
    for f in &s.forces.fpus {
        let to = f.withdraw_day.unwrap_or(f64::INFINITY).min(h);
        total += f64::from(f.count) * f64::from(f.officers) * (to - f.arrive_day.min(h)).max(0.0);
    }
    for t in &s.forces.ipo_teams {
        let to = t.withdraw_day.unwrap_or(f64::INFINITY).min(h);
        total += f64::from(t.count) * f64::from(t.officers) * (to - t.arrive_day.min(h)).max(0.0);
    }
    for t in &s.forces.specialised_teams {
        let to = t.withdraw_day.unwrap_or(f64::INFINITY).min(h);
        total += f64::from(t.officers) * (to - t.arrive_day.min(h)).max(0.0);
    }
    total
}

fn check(spec: &Spec, seed: u64) -> Result<(), TestCaseError> {
    let text = scenario_text(spec);
    let loaded = load_scenario_str(&text, "random", &[]).map_err(|e| {
        TestCaseError::fail(format!("generator made an invalid scenario: {e}\n{text}"))
    })?;
    let m = Model::build(&loaded.scenario);
    let opts = RunOptions {
        self_check: true,
        record_events: true,
        list_all_options: false,
        record_site_days: true,
        // Stopping for messages must change nothing.
        stop_at_messages: true,
        ops_answers_escorts: false,
    };
    let r = run(&m, Seed::new(seed, 0), &mut Doctrine::default(), opts);
    let s = &r.summary;
    prop_assert!(
        s.incidents_true >= s.incidents_reported && s.incidents_reported >= s.incidents_responded
    );
    prop_assert!(s.crsv_true >= s.crsv_reported);
    prop_assert!(s.civilians_killed <= s.civilians_harmed);
    let people: f64 = m.world.sites.iter().map(|x| x.population).sum();
    // People can be injured twice, but not killed twice (each incident's harm is
    // capped by the people at the site: the engine's self-check asserts it).
    prop_assert!(
        s.civilians_killed as f64 <= people,
        "{} killed among {} people",
        s.civilians_killed,
        people
    );
    for d in &r.site_days {
        prop_assert!(
            d.population >= 0.0
                && (0.0..=1.0).contains(&d.trust)
                && (0.0..=1.0).contains(&d.host_capacity)
                && d.tension >= 0.0
        );
    }
    let pd = expected_person_days(&m);
    prop_assert!(
        (s.person_days - pd).abs() <= 1e-6 * pd.max(1.0),
        "person-days {} vs {}",
        s.person_days,
        pd
    );
    // Responses arrive no earlier than the road allows, and no caveat is broken.
    let mut departed: std::collections::HashMap<(usize, usize), f64> = Default::default();
    for e in &r.events {
        let (Some(u), Some(i), Some(site)) = (e.unit, e.incident, e.site) else {
            continue;
        };
        let site = pocsim::ids::SiteId::new(site);
        let unit = &m.units[u];
        match e.kind.name() {
            "dispatch" => {
                // A patrol sent on from where it is may be nearer than the base.
                if e.outcome.contains("from patrol") {
                    departed.insert((u, i), f64::NEG_INFINITY);
                } else {
                    departed.insert((u, i), e.time_h);
                }
                if unit.kind == UnitKind::Fpu {
                    let cv = &unit.caveats;
                    prop_assert!(
                        !cv.static_guard_only || site == unit.base,
                        "static guard left its base"
                    );
                    if let Some(d) = cv.max_distance_km {
                        let k = m.world.table_at(e.time_h);
                        prop_assert!(
                            m.world.dist_km(k, unit.base, site) <= d + 1e-9,
                            "went beyond its distance caveat"
                        );
                    }
                }
            }
            "arrive" => {
                let t0 = *departed
                    .get(&(u, i))
                    .ok_or_else(|| TestCaseError::fail("arrival without dispatch"))?;
                let fastest = (0..m.world.tables.len())
                    .map(|k| {
                        m.world
                            .drive_h(k, unit.base, site)
                            .min(m.world.walk_h(k, unit.base, site))
                    })
                    .fold(f64::INFINITY, f64::min);
                let fastest = if unit.base == site { 0.0 } else { fastest };
                prop_assert!(
                    e.time_h + 1e-6 >= t0 + fastest * (1.0 - 1e-6),
                    "arrived faster than the road allows"
                );
            }
            _ => {}
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), .. ProptestConfig::default() })]

    #[test]
    fn invariants_hold_on_random_scenarios(spec in spec(), seed in 0u64..1_000_000) {
        check(&spec, seed)?;
    }
}
