//! Sign-in under attack (issue 14): a parallel burst against one account is
//! counted before any password is checked, the password checks run on a
//! bounded pool, and `next` never leads off this app, whatever the browser's
//! URL parser would make of it.

use futures_util::future::join_all;
use tests::{PASSWORD, TestApp};

/// This process's peak resident memory (VmHWM), in MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

#[tokio::test]
async fn three_hundred_parallel_wrong_passwords_get_at_most_five_checks() {
    let app = TestApp::spawn().await;
    app.create_owned_store("Ann's Academy", "ann@example.com")
        .await;
    let before = peak_rss_mib();
    let attempts = (0..300).map(|i| {
        let session = app.signed_out();
        async move {
            session
                .try_sign_in("ann@example.com", &format!("wrong password {i}"))
                .await
                .0
        }
    });
    let statuses = join_all(attempts).await;
    let verified = statuses.iter().filter(|&&s| s == 401).count();
    let refused = statuses.iter().filter(|&&s| s == 429).count();
    eprintln!(
        "300 parallel wrong sign-ins: {verified} verified (401), {refused} refused (429); \
         peak password checks at once: {}; process peak RSS {before:.0} -> {:.0} MiB",
        db::accounts::password_work_peak(),
        peak_rss_mib()
    );
    assert_eq!(verified + refused, 300, "{statuses:?}");
    assert!(
        verified as i64 <= app::api::MAX_ATTEMPTS_PER_EMAIL,
        "{verified} verified"
    );
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    assert!(db::accounts::password_work_peak() <= cores);

    // Locked: the right password is refused too, without being checked.
    let (status, _) = app
        .signed_out()
        .try_sign_in("ann@example.com", PASSWORD)
        .await;
    assert_eq!(status, 429);
}

/// Values of `next` that some URL parser reads as another site, from the
/// WHATWG URL rules (tabs and newlines removed, backslashes as slashes,
/// leading controls and spaces trimmed) and the usual open-redirect lists.
const HOSTILE_NEXT: &[&str] = &[
    "//evil.example",
    "///evil.example",
    "////evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "\u{0b}//evil.example",
    "\u{0}//evil.example",
    "/.//evil.example",
    "/..//evil.example",
    "/./..//evil.example",
    "/%2e/..//evil.example",
    "https://evil.example",
    "HTTPS://evil.example",
    "http:evil.example",
    "https:/evil.example",
    "https:\\\\evil.example",
    "//evil.example@this.app",
    "//this.app@evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "\njavascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "@evil.example",
    "\u{FF0F}\u{FF0F}evil.example",
    "/\u{2215}evil.example",
    "\u{3000}//evil.example",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "/%5Cevil.example",
    "//%09/evil.example",
    "/\t\\evil.example",
];

#[tokio::test]
async fn no_next_leads_off_this_app() {
    let app = TestApp::spawn().await;
    app.create_owned_store("Ann's Academy", "ann@example.com")
        .await;
    let base = url::Url::parse(&app.address).unwrap();
    assert!(HOSTILE_NEXT.len() >= 30);
    for next in HOSTILE_NEXT.iter().chain(&["/store/1/customers?q=a%20b"]) {
        let response = app
            .signed_out()
            .client
            .post(app.url("/api/sign_in"))
            .header("origin", &app.address)
            // As a browser's plain form post: answered with a real redirect.
            .header("accept", "text/html")
            .form(&[
                ("email", "ann@example.com"),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_redirection(),
            "{next:?}: {}",
            response.status()
        );
        let location = response.headers()["location"].to_str().unwrap().to_string();
        // The browser's reading of the answer: the same site, a plain path.
        let target = base.join(&location).unwrap();
        assert_eq!(target.origin(), base.origin(), "{next:?} -> {location:?}");
        assert!(location.starts_with('/'), "{next:?} -> {location:?}");
        assert!(!location.starts_with("//"), "{next:?} -> {location:?}");
        assert!(
            !location.contains(['\\', '\t', '\n', '\r']),
            "{next:?} -> {location:?}"
        );
        if !HOSTILE_NEXT.contains(next) {
            assert_eq!(&location, next, "a path of this app is kept as it is");
        }
    }
}
