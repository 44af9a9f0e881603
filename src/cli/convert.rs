//! `gibbon convert`: write installed weights as compact safetensors for the web app.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use super::{CliError, Context, ModelSpec, parse_model_spec};
use crate::home;
use crate::models::compact::{self, Precision};
use crate::weights::safetensors;
use crate::zoo::ModelId;

/// Write models' weights as safetensors for the web app (f16 by default: half the download).
///
/// Tensors keep their names and shapes. Weights of two or more dimensions become f16, or with
/// `--dtype int8` 8-bit integers with an f16 scale per 32 weights of an output channel
/// (`<name>.int8_scale`; kernels of fewer weights per channel stay f16). One-dimensional tensors
/// (biases, batch-norm statistics) stay f32, except in an EfficientNet-Lite int8 file, which
/// stores each batch norm as its scale and shift, and those and the biases as f16. Gibbon
/// reads every form back as f32. int8 makes Lite0 5.32 MB instead of 9.6; for EfficientNet-Lite
/// its rounding is bias-corrected from the batch norms, and it keeps the top-1 of 301 of 306
/// test photos (f16 all of them). The web build ships the built-in models as int8.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Models to convert, each MODEL[=WEIGHTS] [default: the built-in models].
    #[arg(value_parser = parse_model_spec, value_name = "MODEL[=WEIGHTS]")]
    models: Vec<ModelSpec>,

    /// Folder to write `<model>.<dtype>.safetensors` into.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    /// Element type of the weights: f16, int8 (a scale per 32 weights) or f32.
    #[arg(long, default_value = "f16", value_parser = ["f16", "int8", "f32"])]
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
            ("weights".to_string(), args.dtype.clone()),
        ]);
        let precision = Precision::from_name(&args.dtype).unwrap_or(Precision::F16);
        let tensors = compact::tensors(id, &store, precision);
        let bytes = safetensors::write(&tensors, |t| t.stored_as, &metadata)
            .map_err(|e| CliError::from(e).context(format!("{id}: writing safetensors")))?;
        let name = format!("{}.{}.safetensors", id.as_str(), args.dtype);
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
