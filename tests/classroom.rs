//! `pocsim classroom` end to end over HTTP on the loopback interface: who may
//! open what, refusals as 4xx, a white cell and two syndicates through an
//! inject to the debrief, a kill -9 and a resume, and thirty syndicates at once.

mod common;

use common::classroom::*;
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn tokens_keep_pages_apart_and_bad_requests_get_4xx() {
    let dir = tmp("tokens");
    let s = start(&dir, "alpha,bravo");
    let (alpha, bravo) = (&s.teams[0].1, &s.teams[1].1);
    assert_eq!(get(&s.white).0, 200);
    assert_eq!(get(alpha).0, 200);
    // A syndicate's token opens neither the white cell nor another syndicate.
    assert_eq!(
        get(&format!("{}/white?token={}", s.base, token(alpha))).0,
        403
    );
    assert_eq!(
        get(&format!("{}/s/bravo?token={}", s.base, token(alpha))).0,
        403
    );
    assert_eq!(
        get(&format!(
            "{}/api/white/state?token={}",
            s.base,
            token(bravo)
        ))
        .0,
        403
    );
    assert_eq!(get(&format!("{}/white", s.base)).0, 403);
    assert_eq!(
        get(&format!(
            "{}/white?token=0123456789abcdef0123456789abcdef",
            s.base
        ))
        .0,
        403
    );
    assert_eq!(
        get(&format!("{}/s/zulu?token={}", s.base, token(alpha))).0,
        404
    );
    assert_eq!(
        s.white_api("clock", r#"{"action":"jump","team":"zulu"}"#).0,
        404
    );
    // A syndicate cannot act as the white cell, nor add injects.
    let (st, _) = http(
        "POST",
        &format!("{}/api/white/clock?token={}", s.base, token(alpha)),
        r#"{"action":"start"}"#,
    );
    assert_eq!(st, 403);
    // Nothing pending yet: a decision is refused with the reason.
    let (st, body) = s.decide(0, r#"{"incident":0,"choice":{"action":"decline"}}"#);
    assert_eq!(st, 409, "{body}");
    assert!(body.contains("no incident is waiting"), "{body}");
    assert_eq!(s.decide(0, "{not json").0, 400);
    assert_eq!(s.decide(0, r#"{"choice":{"action":"fly"}}"#).0, 422);
    assert_eq!(s.decide(0, r#"{"choice":{"action":"decline"}}"#).0, 422);
    let big = format!(
        r#"{{"choice":{{"action":"reply","text":"{}"}}}}"#,
        "a".repeat(40_000)
    );
    assert_eq!(s.decide(0, &big).0, 413);
    let (st, body) = s.decide(
        0,
        r#"{"choice":{"action":"inject","kind":"armed_attack","site":"camp"}}"#,
    );
    assert_eq!(st, 409, "{body}");
    // The clock reaches the first inject's incident (past the morning
    // briefing's patrol plan); a decision for another incident (a stale page)
    // is refused.
    s.jump_to_decision();
    let a = s.state(0);
    let pending = a["decision"]["incident"]
        .as_u64()
        .expect("a decision is pending");
    let (st, body) = s.decide(
        0,
        &format!(
            r#"{{"incident":{},"choice":{{"action":"decline"}}}}"#,
            pending + 1
        ),
    );
    assert_eq!(st, 409, "{body}");
    assert!(body.contains("is not waiting"), "{body}");
    // White-cell refusals too.
    assert_eq!(
        s.white_api("inject", r#"{"order":99,"action":"publish"}"#)
            .0,
        409
    );
    assert_eq!(
        s.white_api("clock", r#"{"action":"speed","speed":-1}"#).0,
        422
    );
    assert_eq!(
        s.white_api(
            "add",
            r#"{"from":"x","description":"y","incident":"armed_attack"}"#
        )
        .0,
        422
    );
    assert_eq!(
        s.white_api("mark", r#"{"team":"alpha","order":1,"grade":"superb"}"#)
            .0,
        422
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_syndicates_through_an_inject_to_the_debrief_and_back_after_a_kill() {
    let dir = tmp("flow");
    let mut s = start(&dir, "alpha,bravo");
    // Both reach the demonstration; the effectiveness stays hidden.
    s.jump_to_decision();
    let (a, b) = (s.state(0), s.state(1));
    assert_eq!(a["decision"]["incident"], b["decision"]["incident"]);
    assert!(a["decision"]["options"][0].get("effectiveness").is_none());
    let incident = a["decision"]["incident"].as_u64().unwrap();
    let unit = a["decision"]["options"][0]["unit"]
        .as_str()
        .unwrap()
        .to_string();
    // They decide differently.
    let send =
        format!(r#"{{"incident":{incident},"choice":{{"action":"dispatch","unit":"{unit}"}}}}"#);
    assert_eq!(s.decide(0, &send).0, 204);
    let decline = format!(r#"{{"incident":{incident},"choice":{{"action":"decline"}}}}"#);
    assert_eq!(s.decide(1, &decline).0, 204);
    // The white cell sends a message for everyone in a role's name; it holds
    // both clocks until each answers.
    let (st, body) = s.white_api(
        "add",
        r#"{"from":"camp manager","to":"operations centre","title":"water shortage","description":"Queues at the water points are tense.","expected":"Dialogue through the IPO team"}"#,
    );
    assert_eq!(st, 200, "{body}");
    let order = json(&body)["order"].as_u64().unwrap();
    for k in 0..2 {
        let v = s.state(k);
        let m = v["messages"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(m["from"], "camp manager");
        assert_eq!(m["title"], "water shortage");
        assert!(
            m.get("expected").is_none(),
            "syndicates do not see expected actions"
        );
        assert_eq!(v["hold"].as_u64(), Some(order));
    }
    assert_eq!(
        s.decide(
            0,
            r#"{"choice":{"action":"reply","to":"camp manager","text":"IPO team on its way"}}"#
        )
        .0,
        204
    );
    assert!(s.state(0)["hold"].is_null());
    assert_eq!(s.white_api("release", r#"{"team":"bravo"}"#).0, 204);
    // Marks.
    for (team, grade) in [("alpha", "met"), ("bravo", "not_met")] {
        let body =
            format!(r#"{{"team":"{team}","order":1,"grade":"{grade}","note":"{team} note"}}"#);
        assert_eq!(s.white_api("mark", &body).0, 204);
    }
    // Move on to the next decision for both, then kill the server without warning.
    s.jump_to_decision();
    let before = (s.state(0), s.state(1), s.white_state());
    assert!(before.0["decision"].is_object());
    s.child.kill().unwrap(); // SIGKILL
    s.child.wait().unwrap();
    let s2 = start(&dir, "alpha,bravo");
    assert_eq!(
        token(&s2.white),
        token(&s.white),
        "the addresses stay valid"
    );
    let mut after = (s2.state(0), s2.state(1), s2.white_state());
    // Every syndicate resumes exactly where it was.
    assert_eq!(before.0, after.0);
    assert_eq!(before.1, after.1);
    after.2["debrief"] = serde_json::Value::Null;
    let mut w = before.2.clone();
    w["debrief"] = serde_json::Value::Null;
    assert_eq!(w, after.2);
    // The debrief shows both syndicates, their decisions and the marks.
    assert_eq!(s2.white_api("debrief", "{}").0, 204);
    let link = s2.white_state()["debrief"].as_str().unwrap().to_string();
    let (st, page) = get(&format!("{}{link}", s2.base));
    assert_eq!(st, 200);
    for want in [
        "alpha",
        "bravo",
        "mark: met",
        "mark: not met",
        "alpha note",
        "leave unanswered",
        "water shortage",
        "What came of the orders",
        "patrol plan: town, camp",
        "give no such order",
    ] {
        assert!(page.contains(want), "the debrief lacks `{want}`");
    }
    assert_eq!(
        get(&format!(
            "{}/debrief?token={}",
            s2.base,
            token(&s2.teams[0].1)
        ))
        .0,
        403
    );
    assert!(dir.join("debrief/debrief.md").exists());
    // The same debrief from the command line, from the saved logs.
    let out = Command::new(env!("CARGO_BIN_EXE_pocsim"))
        .args(["review", "--runs", "20"])
        .arg(dir.join("alpha.json"))
        .arg(dir.join("bravo.json"))
        .arg("--out")
        .arg(dir.join("review"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(dir.join("review/debrief.md")).unwrap();
    assert!(md.contains("| syndicate | alpha | bravo |"), "{md}");
    assert!(md.contains("Syndicate alpha") && md.contains("Syndicate bravo"));
    assert!(md.contains("What to sustain?"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn thirty_syndicates_decide_at_once_and_nothing_is_lost() {
    let dir = tmp("thirty");
    let names: Vec<String> = (1..=30).map(|k| format!("s{k:02}")).collect();
    let s = start(&dir, &names.join(","));
    let white = token(&s.white);
    let slowest = std::sync::Mutex::new(Duration::ZERO);
    let taken: Vec<usize> = std::thread::scope(|scope| {
        let handles: Vec<_> = s
            .teams
            .iter()
            .map(|(name, url)| {
                let (base, white, slowest) = (&s.base, &white, &slowest);
                scope.spawn(move || {
                    let tok = token(url);
                    let mut ok = 0;
                    // A bounded number of requests: at most 60 rounds.
                    for _ in 0..60 {
                        let v = json(&get(&format!("{base}/api/s/{name}/state?token={tok}")).1);
                        if v["done"].as_bool() == Some(true) {
                            break;
                        }
                        if let Some(d) = v["decision"].as_object() {
                            let incident = d["incident"].as_u64().unwrap();
                            let choice = d["options"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .find(|o| o["dispatchable"].as_bool() == Some(true))
                                .map_or(r#"{"action":"decline"}"#.to_string(), |o| {
                                    format!(
                                        r#"{{"action":"dispatch","unit":"{}"}}"#,
                                        o["unit"].as_str().unwrap()
                                    )
                                });
                            let t = Instant::now();
                            let (st, body) = http(
                                "POST",
                                &format!("{base}/api/s/{name}/decide?token={tok}"),
                                &format!(r#"{{"incident":{incident},"choice":{choice}}}"#),
                            );
                            let dt = t.elapsed();
                            let mut m = slowest.lock().unwrap();
                            *m = (*m).max(dt);
                            assert_eq!(st, 204, "{name}: {body}");
                            ok += 1;
                        } else if v["hold"].is_u64() {
                            let (st, _) = http(
                                "POST",
                                &format!("{base}/api/s/{name}/decide?token={tok}"),
                                r#"{"choice":{"action":"reply","text":"noted"}}"#,
                            );
                            assert_eq!(st, 204);
                        } else {
                            let (st, body) = http(
                                "POST",
                                &format!("{base}/api/white/clock?token={white}"),
                                &format!(r#"{{"action":"jump","team":"{name}"}}"#),
                            );
                            assert_eq!(st, 204, "{body}");
                        }
                    }
                    ok
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    // Every accepted decision is in its syndicate's saved log.
    for ((name, _), n) in s.teams.iter().zip(&taken) {
        assert!(*n > 0, "{name} took no decision");
        let log: serde_json::Value =
            json(&std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap());
        let logged = log["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["choice"]["action"] != "reply")
            .count();
        assert_eq!(logged, *n, "{name}: decisions lost");
    }
    // The latency is reported, not asserted: it measures the machine as much
    // as the server (docs/exercise.md gives the figures on a release build).
    let slowest = *slowest.lock().unwrap();
    eprintln!("slowest decision of 30 syndicates at once: {slowest:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_white_cell_and_two_syndicates_in_a_real_browser() {
    let Some(b) = Browser::start() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium-driver (see .ci/run)"
        );
        eprintln!("chromedriver not installed: browser test skipped (it runs in CI)");
        return;
    };
    let dir = tmp("browser");
    let s = start(&dir, "alpha,bravo");
    let (alpha, bravo) = (s.teams[0].1.clone(), s.teams[1].1.clone());
    // The white cell runs the class to the morning briefing; each syndicate
    // sets its patrol plan on its page (an order), which releases its clock.
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    b.window(1366, 768);
    b.open(&s.white);
    b.wait_for("demonstration forming");
    b.click("#jump");
    b.wait_for("waiting on an answer to inject");
    for (url, sites) in [(&alpha, ["camp", "town"]), (&bravo, ["town", "village"])] {
        b.open(url);
        b.wait_for("Today's patrol plan");
        for site in sites {
            b.click(&format!("[data-plan={site}]"));
        }
        b.click("#plan-set");
        b.wait_for(&format!("Today's patrol plan: {}, {}", sites[0], sites[1]));
    }
    b.screenshot(&shots.join("classroom-syndicate-orders.png"));
    // Then to the first decision, and an inject for everyone.
    b.open(&s.white);
    b.click("#jump");
    b.wait_for("waiting on a decision");
    b.type_into("#a-from", "camp manager");
    b.type_into("#a-title", "water shortage");
    b.type_into("#a-desc", "Queues at the water points are tense.");
    b.click("#add");
    b.wait_for("received by alpha, bravo");
    // Both syndicates see it, in the sender's name; each decides differently.
    b.open(&alpha);
    let text = b.wait_for("water shortage");
    assert!(text.contains("from camp manager"), "{text}");
    assert!(!text.contains("TRAINER INJECT"));
    assert!(
        !text.contains("effectiveness"),
        "the effectiveness is hidden"
    );
    b.screenshot(&shots.join("classroom-syndicate.png"));
    b.window(1920, 1080);
    b.screenshot(&shots.join("classroom-syndicate-projector.png"));
    b.click("[data-send]");
    b.wait_for("2 decisions taken");
    b.open(&bravo);
    b.wait_for("water shortage");
    b.click("[data-choice=decline]");
    b.wait_for("2 decisions taken");
    // The white cell marks them and writes the debrief, which shows both.
    b.open(&s.white);
    b.wait_for("leave unanswered");
    for (team, grade) in [("alpha", "met"), ("bravo", "not_met")] {
        b.eval(&format!(
            "const s = document.querySelector('[data-mark=\"{team}\"][data-order=\"1\"]'); s.value = '{grade}'; s.onchange();"
        ));
    }
    b.screenshot(&shots.join("classroom-white-projector.png"));
    b.window(1366, 768);
    b.screenshot(&shots.join("classroom-white.png"));
    b.click("#debrief");
    b.wait_for("open the debrief");
    let link = b
        .eval("return document.querySelector('#debrief-link a').href;")
        .as_str()
        .unwrap()
        .to_string();
    b.open(&link);
    let page = b.wait_for("Class debrief");
    for want in [
        "alpha",
        "bravo",
        "send fpu-a",
        "leave unanswered",
        "mark: met",
        "mark: not met",
    ] {
        assert!(page.contains(want), "the debrief lacks `{want}`:\n{page}");
    }
    // A syndicate's token does not open the white cell's page.
    b.open(&format!("{}/white?token={}", s.base, token(&alpha)));
    assert!(b.text().contains("white cell's token"));
    let _ = std::fs::remove_dir_all(&dir);
}
