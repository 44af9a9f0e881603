//! Gibbon's home: where fetched weights and sample photos live on this machine.
//!
//! `$GIBBON_HOME` if set, else `$XDG_CACHE_HOME/gibbon`, else `~/.cache/gibbon`. Weights go to
//! `weights/`, sample photos to `samples/`. `gibbon fetch` fills both.

use std::path::PathBuf;

use crate::models::{Classifier, ModelError, ModelId};
use crate::weights::{self, TensorStore, WeightsError};

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

/// Path of model `id`'s installed `.pth` (which may not exist yet).
pub fn weights_path(id: ModelId) -> PathBuf {
    weights_dir().join(id.source().file)
}

/// Reads model `id`'s installed weights, or says how to fetch them.
pub fn read_weights(id: ModelId) -> Result<TensorStore, WeightsError> {
    let path = weights_path(id);
    if !path.exists() {
        return Err(WeightsError::NotInstalled {
            model: id.to_string(),
            path: path.display().to_string(),
            fetch: format!("gibbon fetch {id}"),
        });
    }
    weights::read_file(&path)
}

/// Loads model `id` from its installed weights onto `device`.
pub fn load_model(id: ModelId, device: &burn::prelude::Device) -> Result<Classifier, ModelError> {
    Classifier::load(id, read_weights(id)?, device)
}
