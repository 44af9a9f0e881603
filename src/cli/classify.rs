//! `gibbon classify`: the top classes of each image.

use std::process::ExitCode;

use super::{CliError, Context, ModelChoice, emit, inputs};
use crate::imaging::{self, Preprocess};

/// Print the top-K ImageNet classes of each image.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    model: ModelChoice,

    /// How many classes to print per image.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=1000))]
    top: u16,

    /// One JSON object per line per image: {"path", "top": [{"index", "name", "prob"}]}.
    #[arg(long)]
    json: bool,

    /// How a photo becomes the model's square input (images of exactly that size are used
    /// as they are).
    #[arg(long, default_value = "crop", value_name = "crop|stretch")]
    preprocess: Preprocess,

    /// Read more images from FILE (lines of `path [label]`).
    #[arg(long, value_name = "FILE")]
    list: Option<std::path::PathBuf>,

    /// Image files (PNG, JPEG, WebP, BMP, GIF).
    #[arg(value_name = "IMAGE")]
    images: Vec<String>,
}

pub fn run(args: Args, ctx: &mut Context) -> Result<ExitCode, CliError> {
    let inputs = inputs::collect(&args.images, args.list.as_deref())?;
    let spec = args.model.spec()?;
    let model = ctx.load_model(&spec)?;
    let mut failures = 0;
    for input in &inputs {
        let shown = input.path.display().to_string();
        let result = imaging::open(&input.path)
            .map_err(CliError::from)
            .and_then(|photo| {
                Ok(pollster::block_on(
                    model.classify_with(&photo, args.preprocess),
                )?)
            });
        let probs = match result {
            Ok(p) => p,
            Err(e) => {
                eprintln!("gibbon: {shown}: {}", e.message);
                failures += 1;
                continue;
            }
        };
        let top = probs.top(args.top as usize);
        if args.json {
            let top: Vec<_> = top
                .iter()
                .map(|p| serde_json::json!({"index": p.index, "name": p.name(), "prob": p.prob}))
                .collect();
            emit(serde_json::json!({"path": shown, "model": spec.id.as_str(), "top": top}))?;
        } else {
            emit(shown.to_string())?;
            for p in &top {
                emit(format!(
                    "  {:>6.2}%  {:>3}  {}",
                    p.prob * 100.0,
                    p.index,
                    p.name()
                ))?;
            }
        }
    }
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
