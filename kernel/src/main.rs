//! The `vnetos` binary: the Jupyter kernel (`vnetos kernel`) and the
//! kernelspec installer (`vnetos install`).

mod api_docs;
mod complete;
mod controller;
mod history;
mod install;
mod iopub;
mod render;
mod server;
mod stdin;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "vnetos", version, about = "VNetOS: a Jupyter kernel for distributed sensor networks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the kernel; Jupyter starts this through the kernelspec.
    Kernel {
        /// The connection file Jupyter wrote for this kernel.
        #[arg(long)]
        connection_file: PathBuf,
    },
    /// Install the `vnetos` kernelspec.
    Install(install::InstallArgs),
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("VNETOS_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();

    match Cli::parse().command {
        Command::Kernel { connection_file } => server::run(&connection_file),
        Command::Install(args) => install::run(&args),
    }
}
