mod common;
use common::*;

#[test]
#[ignore]
fn explore() {
    let n = 100;
    let show = |name: &str, ov: &[&str]| {
        let r = runs(TUTORIAL, ov, n);
        println!(
            "{name:30} harmed {:7.1} true {:6.1} rep {:6.1} resp {:5.1} rtmed {:5.2} blocked {:5.2} arrests {:5.2} rel {:5.2} compl {:5.2} cap {:5.3} trust {:5.3} crsv {:5.2}/{:5.2} patrols {:5.1} esc {:5.1}/{:5.1} displ {:7.1} det {:5.1} mv {:5.1} po_resp {:5.2}",
            mean(&r, |s| s.civilians_harmed as f64),
            mean(&r, |s| s.incidents_true as f64),
            mean(&r, |s| s.incidents_reported as f64),
            mean(&r, |s| s.incidents_responded as f64),
            mean(&r, |s| s.response_time_median_h),
            mean(&r, |s| s.responses_blocked_by_caveats as f64),
            mean(&r, |s| s.arrests as f64),
            mean(&r, |s| s.detainees_released as f64),
            mean(&r, |s| s.complicity_events as f64),
            mean(&r, |s| s.host_capacity_final),
            mean(&r, |s| s.trust_final),
            mean(&r, |s| s.crsv_reported as f64),
            mean(&r, |s| s.crsv_true as f64),
            mean(&r, |s| s.patrols as f64),
            mean(&r, |s| s.escorts_done as f64),
            mean(&r, |s| s.escorts_cancelled as f64),
            mean(&r, |s| s.displaced_final),
            mean(&r, |s| s.incidents_deterred as f64),
            mean(&r, |s| s.incidents_displaced as f64),
            mean(&r, |s| s
                .by_threat
                .get("public_disorder")
                .map_or(0.0, |t| t.incidents_responded as f64)),
        );
    };
    show("baseline", &[]);
    show(
        "approval",
        &["forces.fpus[0].caveats.approval_required=true"],
    );
    show("no_split", &["forces.fpus[0].caveats.no_split=true"]);
    show("no_night", &["forces.fpus[0].caveats.no_night_ops=true"]);
    show("maxdist10", &["forces.fpus[0].caveats.max_distance_km=10"]);
    show(
        "vehicles0",
        &[
            "forces.fpus[0].vehicles=0",
            "forces.ipo_teams[0].vehicles=0",
        ],
    );
    show("amp0", &["tension.amplitude=0"]);
    show("nopatrol", &["mandate.patrol.doctrine=none"]);
    show("disp0", &["presence.displacement_share=0"]);
    show("disp1", &["presence.displacement_share=1"]);
    show("no_cp", &["forces.ipo_teams[0].community_policing=false"]);
    show(
        "women0",
        &[
            "forces.fpus[0].women_share=0",
            "forces.ipo_teams[0].women_share=0",
        ],
    );
    show(
        "women50",
        &[
            "forces.fpus[0].women_share=0.5",
            "forces.ipo_teams[0].women_share=0.5",
        ],
    );
    show("support_only", &["mandate.authority=support_only"]);
    show("executive", &["mandate.authority=executive"]);
    show("justice0", &["mandate.justice_capacity_per_week=0"]);
    show("ipo40", &["forces.ipo_teams[0].officers=40"]);
    show("hrddp_support", &["mandate.hrddp=support"]);
    show("hrddp_suspend", &["mandate.hrddp=suspend"]);
    show("escorts3", &["escorts.requests_per_day=3"]);
    show("fpu0", &["forces.fpus[0].count=0"]);
    show("fpu2", &["forces.fpus[0].count=2"]);
    show("fpu3", &["forces.fpus[0].count=3"]);
    show("flee0", &["displacement.flee_per_harmed=0"]);
}
