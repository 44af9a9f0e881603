//! `gibbon models`: what can be attacked, and whether its weights are installed.

use std::process::ExitCode;

use super::{CliError, Context};
use crate::home;
use crate::models::ModelId;

/// List the models with their input spec and where their weights are.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args, _ctx: &mut Context) -> Result<ExitCode, CliError> {
    for id in ModelId::ALL {
        let path = home::weights_path(id);
        let installed = path.exists();
        let n = id.normalization();
        if args.json {
            println!(
                "{}",
                serde_json::json!({
                    "id": id.as_str(),
                    "name": id.display_name(),
                    "input": [3, id.input_size(), id.input_size()],
                    "normalization": {"bgr": n.bgr, "mean": n.mean, "std": n.std},
                    "weights": path.display().to_string(),
                    "installed": installed,
                })
            );
        } else {
            let status = if installed {
                path.display().to_string()
            } else {
                format!("not installed (gibbon fetch {id})")
            };
            println!(
                "{:<20} RGB {}x{}  (x - {}) / {}  {}",
                id.as_str(),
                id.input_size(),
                id.input_size(),
                n.mean[0],
                n.std[0],
                status
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
