//! Gibbon's home: where fetched weights and sample photos live on this machine.
//!
//! `$GIBBON_HOME` if set, else `$XDG_CACHE_HOME/gibbon`, else `~/.cache/gibbon`. Weights go to
//! `weights/`, sample photos to `samples/`. `gibbon fetch` fills both.

use std::path::{Path, PathBuf};

use crate::backend::Backend;
use crate::models::Classifier;
use crate::weights::{self, TensorStore, WeightsError};
use crate::zoo::{ModelError, ModelId};

/// Gibbon's home directory.
pub fn dir() -> PathBuf {
    if let Some(home) = std::env::var_os("GIBBON_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(home);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("."));
    cache.join("gibbon")
}

/// Where installed weight files are kept.
pub fn weights_dir() -> PathBuf {
    dir().join("weights")
}

/// Where installed sample photos are kept.
pub fn samples_dir() -> PathBuf {
    dir().join("samples")
}

/// Where `gibbon fetch` installs a built-in model's weights (None for the other models).
pub fn builtin_weights_path(id: ModelId) -> Option<PathBuf> {
    id.source().map(|s| weights_dir().join(s.file))
}

/// Model `id`'s weights on this machine: the built-in file, or one the user put in the
/// weights folder under a name people have for it (`vgg16-397923af.pth`,
/// `resnet152.safetensors`, Chainer's `ResNet-152-model.npz`).
pub fn find_weights(id: ModelId) -> Option<PathBuf> {
    if let Some(path) = builtin_weights_path(id) {
        return path.exists().then_some(path);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir(weights_dir())
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
                return false;
            };
            let ext_ok = [".pth", ".pt", ".safetensors", ".npz"]
                .iter()
                .any(|e| name.ends_with(e));
            let stem_ok = [format!("{id}-"), format!("{id}."), format!("{id}_")]
                .iter()
                .any(|s| name.starts_with(s.as_str()));
            ext_ok && (stem_ok || id.known_file_names().contains(&name))
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

/// Reads weights from `path`, or model `id`'s weights from this machine, or says where to
/// get them.
pub fn read_weights(id: ModelId, path: Option<&Path>) -> Result<TensorStore, WeightsError> {
    if let Some(path) = path {
        return weights::read_file(path);
    }
    match (find_weights(id), builtin_weights_path(id)) {
        (Some(path), _) => weights::read_file(&path),
        (None, Some(path)) => Err(WeightsError::NotInstalled {
            model: id.to_string(),
            path: path.display().to_string(),
            fetch: format!("gibbon fetch {id}"),
        }),
        (None, None) => Err(WeightsError::NoWeights {
            model: id.to_string(),
            examples: match id.known_file_names().first() {
                Some(chainer) => format!(
                    "torchvision's {id}-*.pth, a safetensors file with torchvision's names, or Chainer's {chainer}"
                ),
                None => format!(
                    "torchvision's {id}-*.pth or a safetensors file with torchvision's names"
                ),
            },
            dir: weights_dir().display().to_string(),
        }),
    }
}

/// Loads model `id` onto `device`, from `path` or from the weights on this machine.
pub fn load_model(
    id: ModelId,
    path: Option<&Path>,
    device: &burn::prelude::Device,
) -> Result<Classifier, ModelError> {
    Classifier::load(id, read_weights(id, path)?, device)
}

/// [`load_model`] on a backend, splitting layers larger than it can bind.
pub fn load_model_on(
    id: ModelId,
    path: Option<&Path>,
    backend: &Backend,
) -> Result<Classifier, ModelError> {
    Classifier::load_within(
        id,
        read_weights(id, path)?,
        &backend.device,
        backend.max_tensor_bytes,
    )
}
