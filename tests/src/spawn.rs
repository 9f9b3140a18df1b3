use app::state::AppState;

use crate::TestDatabase;

/// The real application, served in-process on 127.0.0.1:0.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub database: TestDatabase,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(TestDatabase::new().await).await
    }

    pub async fn spawn_with(database: TestDatabase) -> TestApp {
        server::telemetry::init("warn");
        let site = server::config::SiteArgs {
            addr: "127.0.0.1:0".parse().unwrap(),
            site_root: "target/site".into(),
            output_name: "customers".into(),
        };
        let router = server::routes::router(
            AppState {
                db: database.db.clone(),
            },
            site.leptos_options(),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        TestApp {
            address,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            database,
        }
    }

    pub fn db(&self) -> &db::Db {
        &self.database.db
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// GETs `path` and returns the status and the whole body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self.client.get(self.url(path)).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }
}
