//! `gibbon models`: what can be attacked, its input spec, and where its weights are.

use std::process::ExitCode;

use super::{CliError, Context, emit};
use crate::home;
use crate::models::Normalization;
use crate::zoo::{Layout, ModelId};

/// List the models: the built-in ones (weights fetched by `gibbon fetch`) and those you bring
/// weights for, with their input spec and the weights file found on this machine.
///
/// Files in the weights folder are found by the names people have for them: torchvision's
/// `vgg16-397923af.pth`, any `<model>.safetensors`, Chainer's `VGG_ILSVRC_16_layers.npz`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
}

fn describe(n: &Normalization) -> String {
    if n.bgr {
        format!("BGR - ({}, {}, {})", n.mean[0], n.mean[1], n.mean[2])
    } else if n.mean[0] == n.mean[1] && n.std[0] == n.std[1] {
        format!("RGB (x - {}) / {}", n.mean[0], n.std[0])
    } else {
        "RGB (x/255 - ImageNet mean) / std".to_string()
    }
}

pub fn run(args: Args, _ctx: &mut Context) -> Result<ExitCode, CliError> {
    let dir = home::weights_dir();
    for id in ModelId::ALL {
        let found = home::find_weights(id);
        let layout = match (&found, id.is_built_in()) {
            (_, true) => Layout::EfficientNet,
            (Some(p), _) if p.extension().is_some_and(|e| e == "npz") => Layout::Chainer,
            _ => Layout::Torchvision,
        };
        let n = Normalization::of(id, layout);
        let size = id.input_size();
        if args.json {
            emit(serde_json::json!({
                "id": id.as_str(),
                "name": id.display_name(),
                "built_in": id.is_built_in(),
                "input": [3, size, size],
                "layout": layout,
                "normalization": {"bgr": n.bgr, "mean": n.mean, "std": n.std},
                "weights": found.as_ref().map(|p| p.display().to_string()),
                "installed": found.is_some(),
            }))?;
        } else {
            let status = match (&found, id.is_built_in()) {
                (Some(p), _) => p.display().to_string(),
                (None, true) => format!("not installed: gibbon fetch {id}"),
                (None, false) => format!(
                    "bring weights: --weights FILE, or put {id}-*.pth in {}",
                    dir.display()
                ),
            };
            let kind = if id.is_built_in() {
                "built-in"
            } else {
                "yours"
            };
            emit(format!(
                "{:<20}{kind:<10}{size}x{size}  {:<34}{status}",
                id.as_str(),
                describe(&n)
            ))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
