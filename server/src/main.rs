use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = server::config::Cli::parse();
    server::telemetry::init(&cli.log);
    match server::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` prints the whole chain: "could not start: migration 2 ...".
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
