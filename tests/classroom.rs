//! `pocsim classroom` end to end over HTTP on the loopback interface: who may
//! open what, refusals as 4xx, a white cell and two syndicates through an
//! inject to the debrief, a kill -9 and a resume, and thirty syndicates at once.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SCENARIO: &str = "scenarios/exercise-half-day-course.toml";

/// A running classroom and its printed addresses.
struct Server {
    child: Child,
    base: String,
    white: String,
    teams: Vec<(String, String)>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &std::path::Path, teams: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pocsim"))
        .args([
            "classroom",
            SCENARIO,
            "--teams",
            teams,
            "--seed",
            "3",
            "--bind",
            "127.0.0.1:0",
        ])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut white = String::new();
    let mut list = Vec::new();
    let n = teams.split(',').count();
    while list.len() < n {
        let line = lines.next().expect("a line").expect("text");
        if let Some(url) = line.strip_prefix("white cell: ") {
            white = url.to_string();
        } else if let Some(rest) = line.strip_prefix("syndicate ") {
            let (name, url) = rest.split_once(": ").expect("name: url");
            list.push((name.to_string(), url.to_string()));
        }
    }
    let base = white.split("/white").next().unwrap().to_string();
    Server {
        child,
        base,
        white,
        teams: list,
    }
}

fn token(url: &str) -> String {
    url.split("token=").nth(1).unwrap().to_string()
}

/// One request; the status and the body.
fn http(method: &str, url: &str, body: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut s = TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out[9..12].parse().unwrap();
    let body = out.split_once("\r\n\r\n").map_or("", |x| x.1).to_string();
    (status, body)
}

fn get(url: &str) -> (u16, String) {
    http("GET", url, "")
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

impl Server {
    fn white_api(&self, what: &str, body: &str) -> (u16, String) {
        http(
            "POST",
            &format!(
                "{}/api/white/{what}?token={}",
                self.base,
                token(&self.white)
            ),
            body,
        )
    }
    fn white_state(&self) -> serde_json::Value {
        json(
            &get(&format!(
                "{}/api/white/state?token={}",
                self.base,
                token(&self.white)
            ))
            .1,
        )
    }
    fn state(&self, k: usize) -> serde_json::Value {
        let (name, url) = &self.teams[k];
        json(
            &get(&format!(
                "{}/api/s/{name}/state?token={}",
                self.base,
                token(url)
            ))
            .1,
        )
    }
    fn decide(&self, k: usize, body: &str) -> (u16, String) {
        let (name, url) = &self.teams[k];
        http(
            "POST",
            &format!("{}/api/s/{name}/decide?token={}", self.base, token(url)),
            body,
        )
    }
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("pocsim-classroom-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

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
    // The clock reaches the first inject's incident; a decision for another
    // incident (a stale page) is refused.
    assert_eq!(s.white_api("clock", r#"{"action":"jump"}"#).0, 204);
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
    assert_eq!(s.white_api("clock", r#"{"action":"jump"}"#).0, 204);
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
    assert_eq!(s.white_api("clock", r#"{"action":"jump"}"#).0, 204);
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
    let slowest = *slowest.lock().unwrap();
    eprintln!("slowest decision of 30 syndicates at once: {slowest:?}");
    assert!(
        slowest < Duration::from_secs(1),
        "a decision took {slowest:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
