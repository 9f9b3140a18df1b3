use app::state::AppState;
use reqwest::header::ORIGIN;

use crate::TestDatabase;

/// The password every test account gets.
pub const PASSWORD: &str = "correct horse battery staple";

/// The real application, served in-process on 127.0.0.1:0.
pub struct TestApp {
    pub address: String,
    /// A signed-out client (no cookies kept).
    pub client: reqwest::Client,
    pub database: TestDatabase,
    /// Where its campaigns' messages go (no SMTP server: files).
    pub outbox: std::path::PathBuf,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(TestDatabase::new().await).await
    }

    pub async fn spawn_with(database: TestDatabase) -> TestApp {
        Self::spawn_with_origin(database, None).await
    }

    /// With `PUBLIC_ORIGIN` set, as behind an HTTPS proxy.
    pub async fn spawn_with_origin(database: TestDatabase, origin: Option<&str>) -> TestApp {
        Self::spawn_with_mail(database, origin, Smtp::None).await
    }

    /// Sending through an SMTP server, as `SMTP_URL` and `MAIL_FROM` set
    /// it (messages' links to this app).
    pub async fn spawn_with_smtp(
        database: TestDatabase,
        smtp_url: &str,
        mail_from: Option<&str>,
    ) -> TestApp {
        let smtp = Smtp::Url {
            url: smtp_url.to_string(),
            from: mail_from.map(str::to_string),
        };
        Self::spawn_with_mail(database, None, smtp).await
    }

    async fn spawn_with_mail(database: TestDatabase, origin: Option<&str>, smtp: Smtp) -> TestApp {
        let (address, outbox) = serve(&database.db, origin, &smtp).await;
        TestApp {
            address,
            client: client(),
            database,
            outbox,
        }
    }

    /// Another app server on the same database (as behind a load balancer,
    /// or after a restart); returns its address.
    pub async fn serve_again(&self) -> String {
        serve(self.db(), None, &Smtp::None).await.0
    }

    /// The key the app signs message links with.
    pub async fn signer(&self) -> mail::Signer {
        mail::signer(self.db()).await.unwrap()
    }

    /// A worker sending this app's campaigns as the server would (to files
    /// under `outbox`, links to this app).
    pub async fn mail_worker(&self) -> mail::Worker {
        mail::Worker {
            db: self.db().clone(),
            delivery: mail::Delivery::Files(self.outbox.clone()),
            signer: self.signer().await,
            settings: mail_setup(self.db(), &self.address, &self.outbox, &Smtp::None)
                .await
                .settings,
        }
    }

    pub fn db(&self) -> &db::Db {
        &self.database.db
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The stylesheet every page links (the test server's site is unhashed).
    pub fn stylesheet(&self) -> &'static str {
        "/pkg/customers.css"
    }

    /// GETs `path` signed out and returns the status and the whole body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        get(&self.client, &self.url(path)).await
    }

    /// Creates an account (a platform admin when `admin`) with [`PASSWORD`].
    pub async fn create_account(&self, email: &str, admin: bool) -> i64 {
        db::accounts::upsert_account(self.db(), email, PASSWORD, admin)
            .await
            .unwrap()
    }

    /// Creates a store owned by a new account `owner_email`.
    pub async fn create_owned_store(&self, name: &str, owner_email: &str) -> (i64, i64) {
        let store = db::stores::create_store(self.db(), name, "USD")
            .await
            .unwrap();
        (
            store,
            crate::lookup::add_owner(self.db(), store, owner_email).await,
        )
    }

    /// A new signed-out client of its own (it keeps no cookies) that posts
    /// with this app's `Origin`, as the sign-in form does.
    pub fn signed_out(&self) -> Session {
        Session {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            address: self.address.clone(),
        }
    }

    /// A browser-like session signed in as `email` (cookies kept, same-origin
    /// `Origin` sent on every request).
    pub async fn sign_in(&self, email: &str) -> Session {
        let session = Session {
            client: client(),
            address: self.address.clone(),
        };
        let (status, body) = session.try_sign_in(email, PASSWORD).await;
        assert!(
            (200..400).contains(&status),
            "sign in as {email} failed: {status} {body}"
        );
        session
    }
}

/// A signed-in client.
pub struct Session {
    pub client: reqwest::Client,
    pub address: String,
}

impl Session {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        get(&self.client, &self.url(path)).await
    }

    /// Tries to sign in as `email` with `password` (then to go home);
    /// answers the status and the body.
    pub async fn try_sign_in(&self, email: &str, password: &str) -> (u16, String) {
        self.post_form(
            "/api/sign_in",
            &[("email", email), ("password", password), ("next", "/")],
        )
        .await
    }

    /// POSTs a form from this app's own origin.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let response = self
            .client
            .post(self.url(path))
            .header(ORIGIN, &self.address)
            .form(form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }
}

/// How a test app sends.
enum Smtp {
    /// To files under its outbox (no `SMTP_URL`).
    None,
    Url {
        url: String,
        from: Option<String>,
    },
}

async fn mail_setup(
    db: &db::Db,
    address: &str,
    outbox: &std::path::Path,
    smtp: &Smtp,
) -> mail::Setup {
    let (smtp_url, mail_from) = match smtp {
        Smtp::None => (None, None),
        Smtp::Url { url, from } => (Some(url.clone()), from.clone()),
    };
    mail::Setup::new(
        &mail::MailConfig {
            smtp_url,
            mail_from,
            public_origin: Some(address.to_string()),
            rate: 10_000,
            connections: 4,
            outbox_dir: outbox.to_path_buf(),
            ..Default::default()
        },
        mail::signer(db).await.unwrap(),
        "test".into(),
    )
}

async fn serve(db: &db::Db, origin: Option<&str>, smtp: &Smtp) -> (String, std::path::PathBuf) {
    server::telemetry::init("warn");
    let site = server::config::SiteArgs {
        addr: "127.0.0.1:0".parse().unwrap(),
        site_root: "target/site".into(),
        output_name: "customers".into(),
        hash_files: Some(false),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let outbox = std::env::temp_dir().join(format!(
        "customers-outbox-{}-{}",
        std::process::id(),
        listener.local_addr().unwrap().port()
    ));
    let router = server::routes::router(
        AppState::new(db.clone(), site.leptos_options())
            .with_mail(mail_setup(db, &address, &outbox, smtp).await),
        &server::config::SecurityArgs {
            public_origin: origin.map(str::to_string),
            session_lifetime_days: 30,
        },
    );
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    (address, outbox)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

async fn get(client: &reqwest::Client, url: &str) -> (u16, String) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}
