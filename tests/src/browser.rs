//! Browser tests: the release server binary with its built site, driven by
//! Debian's headless Chromium through chromedriver.
//!
//! They need `cargo leptos build --release` first (scripts/test.sh does it),
//! so they are `#[ignore]`d in the plain test run and run with
//! `--run-ignored only`.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder};

/// The workspace root (the tests crate lives one level below it).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("free port")
}

/// A child process killed when dropped, even when a test panics.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_for_http(url: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if reqwest::get(url).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not answer at {url} within 30 s");
}

/// The release server, serving `target/site`, on a free port.
pub struct ReleaseServer {
    pub address: String,
    _process: Guard,
}

impl ReleaseServer {
    /// Starts `target/release/server serve` against `database_url`.
    pub async fn start(database_url: &str) -> ReleaseServer {
        ReleaseServer::start_with(database_url, &[]).await
    }

    /// [`ReleaseServer::start`] with `env` added. Messages written as files
    /// go to a directory of its own, not the working directory; with an
    /// `SMTP_URL`, links in messages point at this server (`PUBLIC_ORIGIN`).
    pub async fn start_with(database_url: &str, env: &[(&str, String)]) -> ReleaseServer {
        let root = workspace_root();
        let binary = root.join("target/release/server");
        let site = root.join("target/site");
        assert!(
            binary.exists() && site.join("pkg").exists(),
            "browser tests need the release build: run `cargo leptos build --release` first"
        );
        let port = free_port();
        let address = format!("http://127.0.0.1:{port}");
        let outbox = std::env::temp_dir().join(format!("release-outbox-{port}"));
        let mut command = Command::new(binary);
        command
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_SITE_ROOT", &site)
            .env("LEPTOS_OUTPUT_NAME", "customers")
            .env("RUST_LOG", "warn")
            .env("OUTBOX_DIR", &outbox)
            .stdout(Stdio::null());
        if env.iter().any(|(name, _)| *name == "SMTP_URL") {
            command.env("PUBLIC_ORIGIN", &address);
        }
        for (name, value) in env {
            command.env(name, value);
        }
        let process = command.spawn().expect("start the release server");
        let guard = Guard(process);
        wait_for_http(&format!("{address}/healthz"), "the release server").await;
        ReleaseServer {
            address,
            _process: guard,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }
}

/// Runs `test` against a fresh headless Chromium and always closes the
/// browser afterwards, also when the test panics (the panic is then resumed).
pub async fn with_browser<F, Fut>(test: F)
where
    F: FnOnce(Page) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (page, driver, profile) = start_browser().await;
    let outcome = tokio::spawn(test(page.clone())).await;
    // A panic in the WASM (a hydration mismatch, say) leaves the page dead
    // while it still looks right; fail on it even when the checks passed.
    let wasm_errors = page
        .console()
        .await
        .lines()
        .filter(|line| line.contains("panicked at") || line.contains("RuntimeError"))
        .collect::<Vec<_>>()
        .join("\n");
    let _ = page.client.close().await;
    drop(driver);
    drop(profile);
    if let Err(error) = outcome {
        if error.is_panic() {
            std::panic::resume_unwind(error.into_panic());
        }
        panic!("browser test task failed: {error}");
    }
    assert!(
        wasm_errors.is_empty(),
        "the WASM failed in the browser:\n{wasm_errors}"
    );
}

async fn start_browser() -> (Page, Guard, tempfile::TempDir) {
    let port = free_port();
    let driver = Command::new(
        std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()),
    )
    .arg(format!("--port={port}"))
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .expect("start chromedriver (apt-get install chromium-driver)");
    let driver = Guard(driver);
    let webdriver = format!("http://127.0.0.1:{port}");
    wait_for_http(&format!("{webdriver}/status"), "chromedriver").await;

    let profile = tempfile::tempdir().expect("profile dir");
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--window-size=1280,900",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        }),
    );
    // Keep the page's console so a failing test can show what the WASM said.
    capabilities.insert(
        "goog:loggingPrefs".into(),
        serde_json::json!({ "browser": "ALL" }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&webdriver)
        .await
        .expect("open a Chromium session");
    (Page { client }, driver, profile)
}

/// One browser tab, with the waits tests need.
#[derive(Clone)]
pub struct Page {
    pub client: Client,
}

impl Page {
    /// Opens `url` and waits until the WASM has hydrated the page.
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
        self.wait_for("document.body.dataset.hydrated === 'true'", "hydration")
            .await;
    }

    /// Polls a JS expression until it is `true`.
    pub async fn wait_for(&self, expression: &str, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if self.js(expression).await == serde_json::Value::Bool(true) {
                return;
            }
            if Instant::now() > deadline {
                let state = self
                    .js("location.href + ' | ' + document.readyState + ' | ' + (document.querySelector('main') || document.body).outerHTML.slice(0, 3000)")
                    .await;
                let requests = self
                    .js("performance.getEntriesByType('resource').map(e => e.name + ' ' + (e.responseStatus || '') + ' ' + Math.round(e.duration) + 'ms').join('\\n')")
                    .await;
                let console = self.console().await;
                panic!(
                    "timed out waiting for {what} ({expression});\npage: {state}\nrequests:\n{}\nconsole:\n{console}",
                    requests.as_str().unwrap_or_default()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// What the page wrote to its console since the last call (chromedriver's
    /// browser log), one entry a line.
    pub async fn console(&self) -> String {
        match self.client.issue_cmd(BrowserLog).await {
            Ok(serde_json::Value::Array(entries)) => entries
                .iter()
                .map(|entry| {
                    format!(
                        "{} {}",
                        entry["level"].as_str().unwrap_or("?"),
                        entry["message"].as_str().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            Ok(other) => other.to_string(),
            Err(error) => format!("(no browser log: {error})"),
        }
    }

    /// Clicks the element `css` finds.
    pub async fn click(&self, css: &str) {
        self.client
            .find(fantoccini::Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Types `text` into the field `css` finds, after what it holds.
    pub async fn type_into(&self, css: &str, text: &str) {
        self.client
            .find(fantoccini::Locator::Css(css))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }

    /// Replaces what the field `css` finds holds with `text`.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self
            .client
            .find(fantoccini::Locator::Css(css))
            .await
            .unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Runs every axe-core rule on the page as it is and answers the serious
    /// and critical violations, one line each (rule, impact, where). axe is
    /// the npm package scripts/setup.sh --test installs; it is injected by
    /// the driver, so the page's CSP is untouched.
    pub async fn accessibility_violations(&self) -> Vec<String> {
        let tools = std::env::var("CUSTOMERS_TOOLS_DIR").unwrap_or_else(|_| {
            format!(
                "{}/.cache/customers-tools",
                std::env::var("HOME").unwrap_or_default()
            )
        });
        let path = format!("{tools}/axe/node_modules/axe-core/axe.min.js");
        let axe = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{path}: {e} (run scripts/setup.sh --test)"));
        self.client
            .execute(&format!("{axe}\nreturn true;"), vec![])
            .await
            .expect("load axe-core");
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 axe.run(document, { resultTypes: ['violations'] })\
                   .then(r => done(r.violations\
                     .filter(v => v.impact === 'serious' || v.impact === 'critical')\
                     .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' +\
                          v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))\
                   .catch(e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await
            .expect("run axe-core");
        serde_json::from_value(found).expect("axe's answer")
    }

    /// [`Self::accessibility_violations`], each line named by `name`, and a
    /// screenshot of the page at desktop and phone widths for a look by eye
    /// (`target/browser-screenshots/page-{name}-{width}.png`).
    pub async fn audit(&self, name: &str) -> Vec<String> {
        let found = self
            .accessibility_violations()
            .await
            .into_iter()
            .map(|violation| format!("{name}: {violation}"))
            .collect();
        let dir = workspace_root().join("target/browser-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        for (width, height) in [(1280, 900), (390, 844)] {
            self.client.set_window_size(width, height).await.unwrap();
            let png = self.client.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("page-{name}-{width}.png")), png).unwrap();
        }
        self.client.set_window_size(1280, 900).await.unwrap();
        found
    }

    /// Evaluates a JS expression and returns its value.
    pub async fn js(&self, expression: &str) -> serde_json::Value {
        self.client
            .execute(&format!("return ({expression});"), vec![])
            .await
            .expect("execute")
    }
}

/// A seeded store (a few hundred customers) owned by owner@example.com.
pub async fn seed_owned_store(database: &crate::TestDatabase) -> i64 {
    let db = &database.db;
    let report = devtools::seed::seed(
        db,
        &devtools::seed::SeedOptions {
            seed: 5,
            stores: 1,
            users: 400,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let store = report.store_ids[0];
    crate::lookup::add_owner(db, store, "owner@example.com").await;
    store
}

/// Signs `email` in through the login page (fields typed as a person
/// would) and waits to land on `landing`, a path without its query, with
/// the top bar showing who is signed in.
pub async fn sign_in(page: &Page, base: &str, email: &str, landing: &str) {
    sign_in_with(page, base, email, crate::PASSWORD, landing).await;
}

/// [`sign_in`] with another password than [`crate::PASSWORD`].
pub async fn sign_in_with(page: &Page, base: &str, email: &str, password: &str, landing: &str) {
    page.open(&format!("{base}/login?next={landing}")).await;
    let find = |css: &'static str| page.client.find(fantoccini::Locator::Css(css));
    for (field, text) in [
        ("input[name=email]", email),
        ("input[name=password]", password),
    ] {
        find(field).await.unwrap().send_keys(text).await.unwrap();
    }
    find("button[type=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let path = landing.split('?').next().unwrap_or(landing);
    page.wait_for(
        &format!(
            "location.pathname === '{path}' && !!document.querySelector('[data-testid=account-email]')"
        ),
        "signed in",
    )
    .await;
}

/// Chromedriver's log endpoint (not in the W3C protocol, so not in fantoccini).
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(r#"{"type":"browser"}"#.to_string()),
        )
    }
}
