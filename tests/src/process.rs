//! The real `server` binary (debug build), for the tests that run or kill
//! whole processes. `scripts/test.sh` builds it before the tests:
//! `cargo build -p server --bin server`.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
};

use crate::browser::workspace_root;

pub fn server_binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let path = target.join("debug").join("server");
    assert!(
        path.exists(),
        "{} is missing: run `cargo build -p server --bin server` first",
        path.display()
    );
    path
}

/// `server serve` on `database_url`, on a free port, with `env` added:
/// killed when dropped.
pub struct ServerProcess(pub Child);

impl ServerProcess {
    pub fn serve(database_url: &str, env: &[(&str, String)]) -> ServerProcess {
        let mut command = Command::new(server_binary());
        command
            .args(["serve", "--database-url", database_url])
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "error")
            .env("LEPTOS_OUTPUT_NAME", "customers")
            .env("LEPTOS_SITE_ROOT", workspace_root().join("target/site"))
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        for (name, value) in env {
            command.env(name, value);
        }
        ServerProcess(command.spawn().expect("the server binary starts"))
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
