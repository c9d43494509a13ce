//! `vnetos install`: writes the kernelspec `vnetos` with the logos from
//! `install/`, pointing at this very binary.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Args;
use serde_json::json;

const LOGO_32: &[u8] = include_bytes!("../../install/logo-32x32.png");
const LOGO_64: &[u8] = include_bytes!("../../install/logo-64x64.png");
const LOGO_SVG: &[u8] = include_bytes!("../../install/logo-svg.svg");

#[derive(Args)]
#[group(multiple = false)]
pub struct InstallArgs {
    /// Install for the current user (the default).
    #[arg(long)]
    user: bool,
    /// Install into the active Python environment ($VIRTUAL_ENV, else `python3`'s sys.prefix).
    #[arg(long)]
    sys_prefix: bool,
    /// Install under DIR/share/jupyter/kernels.
    #[arg(long, value_name = "DIR")]
    prefix: Option<PathBuf>,
}

pub fn run(args: &InstallArgs) -> anyhow::Result<()> {
    let kernels = kernels_dir(args)?;
    let target = kernels.join("vnetos");
    std::fs::create_dir_all(&target).with_context(|| format!("cannot create {}", target.display()))?;

    let binary = std::env::current_exe().context("cannot find the path of the vnetos binary")?;
    let spec = json!({
        "argv": [binary.to_string_lossy(), "kernel", "--connection-file", "{connection_file}"],
        "display_name": "VNetOS",
        "language": "lua",
        "interrupt_mode": "message",
        "metadata": { "debugger": false },
    });
    write(&target.join("kernel.json"), serde_json::to_string_pretty(&spec)?.as_bytes())?;
    write(&target.join("logo-32x32.png"), LOGO_32)?;
    write(&target.join("logo-64x64.png"), LOGO_64)?;
    write(&target.join("logo-svg.svg"), LOGO_SVG)?;
    println!("Installed kernelspec vnetos in {}", target.display());
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

fn kernels_dir(args: &InstallArgs) -> anyhow::Result<PathBuf> {
    let data_dir = if let Some(prefix) = &args.prefix {
        prefix.join("share/jupyter")
    } else if args.sys_prefix {
        sys_prefix()?.join("share/jupyter")
    } else {
        user_data_dir()?
    };
    Ok(data_dir.join("kernels"))
}

fn sys_prefix() -> anyhow::Result<PathBuf> {
    if let Some(env) = std::env::var_os("VIRTUAL_ENV") {
        return Ok(PathBuf::from(env));
    }
    let output = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.prefix)"])
        .output()
        .context("--sys-prefix needs an active virtual environment or `python3` on PATH")?;
    if !output.status.success() {
        bail!("`python3` could not report sys.prefix; use --prefix DIR instead");
    }
    Ok(PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
}

/// Jupyter's per-user data directory on Linux and macOS.
fn user_data_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("JUPYTER_DATA_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let home = std::env::var_os("HOME").context("HOME is not set; use --prefix DIR instead")?;
    let home = PathBuf::from(home);
    if cfg!(target_os = "macos") {
        Ok(home.join("Library/Jupyter"))
    } else {
        let data = std::env::var_os("XDG_DATA_HOME").map_or_else(|| home.join(".local/share"), PathBuf::from);
        Ok(data.join("jupyter"))
    }
}
