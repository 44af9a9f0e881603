//! The computing side as the user sees it: which device computes, which model is chosen,
//! which models there are, and the download under way.

use leptos::prelude::*;

use crate::models::ModelId;
use crate::worker::protocol::BackendInfo;

/// A model file being downloaded or read.
#[derive(Clone, Debug, PartialEq)]
pub struct Loading {
    pub model: ModelId,
    pub received: u64,
    pub total: Option<u64>,
}

/// Device, model choice and model list.
#[derive(Clone, Copy)]
pub struct Session {
    /// The device the worker opened (None while it starts).
    pub backend: RwSignal<Option<BackendInfo>>,
    /// Whether the user wants WebGPU (else the CPU).
    pub use_gpu: RwSignal<bool>,
    /// The model attacked.
    pub model: RwSignal<ModelId>,
    /// Models whose weights the user brought, besides the built-in ones.
    pub user_models: RwSignal<Vec<ModelId>>,
    pub loading: RwSignal<Option<Loading>>,
}

impl Session {
    pub fn new(use_gpu: bool) -> Self {
        Self {
            backend: RwSignal::new(None),
            use_gpu: RwSignal::new(use_gpu),
            model: RwSignal::new(ModelId::EfficientNetLite0),
            user_models: RwSignal::new(Vec::new()),
            loading: RwSignal::new(None),
        }
    }

    /// The built-in models and those the user loaded (tracked, for views).
    pub fn models(&self) -> Vec<ModelId> {
        let mut all = ModelId::BUILT_IN.to_vec();
        all.extend(self.user_models.get());
        all
    }

    /// The same, outside reactive views.
    pub fn models_untracked(&self) -> Vec<ModelId> {
        let mut all = ModelId::BUILT_IN.to_vec();
        all.extend(self.user_models.get_untracked());
        all
    }
}
