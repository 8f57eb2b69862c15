//! Helpers for the classroom's tests: start `pocsim classroom`, read the
//! addresses it prints, and speak HTTP to it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const SCENARIO: &str = "scenarios/exercise-half-day-course.toml";

/// A running classroom and its printed addresses.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub white: String,
    pub teams: Vec<(String, String)>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start(dir: &std::path::Path, teams: &str) -> Server {
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

pub fn token(url: &str) -> String {
    url.split("token=").nth(1).unwrap().to_string()
}

/// One request; the status and the body.
pub fn http(method: &str, url: &str, body: &str) -> (u16, String) {
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
    // Read the head, then the body by its length (not every server closes
    // the connection when asked to).
    let mut r = BufReader::new(s);
    let mut status_line = String::new();
    r.read_line(&mut status_line).unwrap();
    let status = status_line[9..12].parse().unwrap();
    let mut length: Option<usize> = None;
    loop {
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().ok();
        }
    }
    let mut body = Vec::new();
    match length {
        Some(n) => {
            body.resize(n, 0);
            r.read_exact(&mut body).unwrap();
        }
        None => {
            r.read_to_end(&mut body).unwrap();
        }
    }
    (status, String::from_utf8_lossy(&body).into_owned())
}

pub fn get(url: &str) -> (u16, String) {
    http("GET", url, "")
}

pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

impl Server {
    pub fn white_api(&self, what: &str, body: &str) -> (u16, String) {
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
    /// Runs the class clock on until every syndicate has an incident's
    /// decision pending, answering each morning briefing on the way with a
    /// patrol plan (an order over HTTP, which releases the message's hold).
    #[allow(dead_code)]
    pub fn jump_to_decision(&self) {
        for _ in 0..12 {
            let mut all = true;
            for k in 0..self.teams.len() {
                let v = self.state(k);
                if v["decision"].is_object() {
                    continue;
                }
                all = false;
                if !v["hold"].is_null() {
                    let (st, body) = self.decide(
                        k,
                        r#"{"choice":{"action":"patrol_plan","sites":["town","camp"]}}"#,
                    );
                    assert_eq!(st, 204, "{body}");
                    assert!(
                        self.state(k)["hold"].is_null(),
                        "an order releases the hold"
                    );
                }
            }
            if all {
                return;
            }
            assert_eq!(self.white_api("clock", r#"{"action":"jump"}"#).0, 204);
        }
        panic!("no decision came for every syndicate");
    }

    pub fn white_state(&self) -> serde_json::Value {
        json(
            &get(&format!(
                "{}/api/white/state?token={}",
                self.base,
                token(&self.white)
            ))
            .1,
        )
    }
    pub fn state(&self, k: usize) -> serde_json::Value {
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
    pub fn decide(&self, k: usize, body: &str) -> (u16, String) {
        let (name, url) = &self.teams[k];
        http(
            "POST",
            &format!("{}/api/s/{name}/decide?token={}", self.base, token(url)),
            body,
        )
    }
}

pub fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("pocsim-classroom-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// A WebDriver session on headless Chromium (Debian's `chromium-driver`).
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = http(
            "DELETE",
            &format!("{}/session/{}", self.base, self.session),
            "",
        );
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Browser {
    /// None where chromedriver is not installed (CI installs it).
    pub fn start() -> Option<Browser> {
        let exe = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(exe)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let t = std::time::Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "chromedriver did not listen"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = r#"{"capabilities":{"alwaysMatch":{"goog:chromeOptions":{"args":["--headless=new","--no-sandbox","--disable-gpu","--disable-dev-shm-usage","--window-size=1366,900"]}}}}"#;
        let (st, body) = http("POST", &format!("{base}/session"), caps);
        assert_eq!(st, 200, "no browser session: {body}");
        let session = json(&body)["value"]["sessionId"]
            .as_str()
            .unwrap()
            .to_string();
        Some(Browser {
            driver,
            base,
            session,
        })
    }

    fn call(&self, method: &str, what: &str, body: &str) -> serde_json::Value {
        let (st, text) = http(
            method,
            &format!("{}/session/{}/{what}", self.base, self.session),
            body,
        );
        assert_eq!(st, 200, "{what}: {text}");
        json(&text)["value"].clone()
    }

    pub fn open(&self, url: &str) {
        self.call(
            "POST",
            "url",
            &serde_json::json!({ "url": url }).to_string(),
        );
    }

    /// Runs a script in the page and returns its value.
    pub fn eval(&self, script: &str) -> serde_json::Value {
        self.call(
            "POST",
            "execute/sync",
            &serde_json::json!({ "script": script, "args": [] }).to_string(),
        )
    }

    pub fn text(&self) -> String {
        self.eval("return document.body.innerText;")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Waits until the page's text contains `want` (the page updates live).
    pub fn wait_for(&self, want: &str) -> String {
        let t = std::time::Instant::now();
        loop {
            let text = self.text();
            if text.contains(want) {
                return text;
            }
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "the page never showed `{want}`:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sets the window's size (a laptop's screen, a projector's).
    #[allow(dead_code)]
    pub fn window(&self, width: u32, height: u32) {
        self.call(
            "POST",
            "window/rect",
            &serde_json::json!({ "width": width, "height": height }).to_string(),
        );
    }

    /// Clicks the first element matching a CSS selector, as a user would.
    pub fn click(&self, css: &str) {
        let el = self.call(
            "POST",
            "element",
            &serde_json::json!({ "using": "css selector", "value": css }).to_string(),
        );
        let id = el
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(|v| v.as_str())
            .unwrap()
            .to_string();
        self.call("POST", &format!("element/{id}/click"), "{}");
    }

    /// Types into a field.
    pub fn type_into(&self, css: &str, text: &str) {
        let el = self.call(
            "POST",
            "element",
            &serde_json::json!({ "using": "css selector", "value": css }).to_string(),
        );
        let id = el
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(|v| v.as_str())
            .unwrap()
            .to_string();
        self.call(
            "POST",
            &format!("element/{id}/value"),
            &serde_json::json!({ "text": text }).to_string(),
        );
    }

    pub fn screenshot(&self, path: &std::path::Path) {
        use std::io::Write as _;
        let b64 = self.call("GET", "screenshot", "");
        let bytes = base64_decode(b64.as_str().unwrap());
        std::fs::File::create(path)
            .unwrap()
            .write_all(&bytes)
            .unwrap();
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let clean: Vec<u8> = s
        .bytes()
        .filter(|c| *c != b'=' && !c.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let n = chunk
            .iter()
            .fold(0u32, |acc, &c| (acc << 6) | u32::from(val(c)))
            << (6 * (4 - chunk.len()));
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}
