//! `gibbon convert`: write installed weights as compact safetensors for the web app.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use super::{CliError, Context, ModelSpec, parse_model_spec};
use crate::home;
use crate::weights::{Dtype, safetensors};
use crate::zoo::ModelId;

/// Write models' weights as safetensors (f16 by default: half the download for the web app).
///
/// Tensors keep their names and shapes; weights become f16, while one-dimensional tensors
/// (biases, batch-norm statistics) stay f32, as they are tiny and the most sensitive.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Models to convert, each MODEL[=WEIGHTS] [default: the built-in models].
    #[arg(value_parser = parse_model_spec, value_name = "MODEL[=WEIGHTS]")]
    models: Vec<ModelSpec>,

    /// Folder to write `<model>.f16.safetensors` (or `.f32.`) into.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    /// Element type of the weights: f16 or f32.
    #[arg(long, default_value = "f16", value_parser = ["f16", "f32"])]
    dtype: String,
}

pub fn run(args: Args, ctx: &mut Context) -> Result<ExitCode, CliError> {
    let models = if args.models.is_empty() {
        ModelId::BUILT_IN
            .iter()
            .map(|&id| ModelSpec { id, weights: None })
            .collect()
    } else {
        args.models.clone()
    };
    std::fs::create_dir_all(&args.out)
        .map_err(|e| CliError::failed(format!("cannot create {}: {e}", args.out.display())))?;
    let half = args.dtype == "f16";
    for spec in models {
        let id = spec.id;
        let store = home::read_weights(id, spec.weights.as_deref())
            .map_err(|e| CliError::from(e).context(id))?;
        let source = match (id.source(), &spec.weights) {
            (_, Some(path)) => path.display().to_string(),
            (Some(s), None) => format!("{} {} ({})", s.package, s.version, s.file),
            (None, None) => home::find_weights(id)
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        };
        let metadata = BTreeMap::from([
            ("model".to_string(), id.as_str().to_string()),
            ("source".to_string(), source),
        ]);
        let bytes = safetensors::write(
            store.iter(),
            |t| {
                if half && t.shape.len() > 1 {
                    Dtype::F16
                } else {
                    Dtype::F32
                }
            },
            &metadata,
        )
        .map_err(|e| CliError::from(e).context(format!("{id}: writing safetensors")))?;
        let name = if half {
            id.web_file()
        } else {
            format!("{}.f32.safetensors", id.as_str())
        };
        let path = args.out.join(name);
        std::fs::write(&path, &bytes)
            .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display())))?;
        ctx.note(&format!(
            "{id}: wrote {} ({:.1} MB)",
            path.display(),
            bytes.len() as f64 / 1e6
        ));
    }
    Ok(ExitCode::SUCCESS)
}
