//! A loaded classifier: one of the architectures with its weights on a device, pixels in,
//! logits out.

use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use image::RgbImage;

use super::blocks::Loader;
use super::efficientnet_lite::{EfficientNetLite, Variant};
use super::googlenet::GoogLeNet;
use super::input::{fit, to_tensor};
use super::keymap::KeyMap;
use super::normalization::Normalization;
use super::resnet::{self, ResNet};
use super::vgg::{self, Vgg};
use crate::backend::read_values;
use crate::imaging::Preprocess;
use crate::prediction::{DeviceError, Probabilities};
use crate::weights::{TensorStore, WeightsError};
use crate::zoo::{Layout, ModelError, ModelId};

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
        check_normaliser(&store, layout, name)?;
        let keys = KeyMap::new(layout, id);
        let mut loader = Loader::new(&mut store, &device, name, &keys);
        loader.discard_unused();
        loader.max_tensor_bytes = max_tensor_bytes;
        // The Caffe models Chainer loads differ from torchvision's in more than names.
        let caffe = layout == Layout::Chainer;
        let network = match id {
            ModelId::EfficientNetLite0
            | ModelId::EfficientNetLite1
            | ModelId::EfficientNetLite2 => Network::EfficientNetLite(Box::new(
                EfficientNetLite::load(Variant::of(id).expect("a Lite id"), &mut loader)?,
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
            normalization: Normalization::of(id, layout),
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

    /// Class probabilities for a batch of pixel tensors [N, 3, H, W] (0..255).
    pub async fn probabilities(
        &self,
        pixels: Tensor<4>,
    ) -> Result<Vec<Probabilities>, DeviceError> {
        let [n, _, _, _] = pixels.dims();
        let log_probs = log_softmax(self.logits(pixels), 1);
        let values = read_values(log_probs).await?;
        let classes = values.len() / n.max(1);
        Ok(values
            .chunks(classes)
            .map(|c| Probabilities::from_log_probs(c.to_vec()))
            .collect())
    }

    /// Class probabilities for a photo of any size, resized and centre-cropped to the
    /// model's input by [`fit`] (an image of the input's size goes in as it is).
    pub async fn classify(&self, image: &RgbImage) -> Result<Probabilities, DeviceError> {
        self.classify_with(image, Preprocess::Crop).await
    }

    /// [`Classifier::classify`] with the given preprocessing: the same tensor function
    /// a full-resolution attack differentiates through.
    pub async fn classify_with(
        &self,
        image: &RgbImage,
        preprocess: Preprocess,
    ) -> Result<Probabilities, DeviceError> {
        // On the CPU, then moved: a large photo would not fit one GPU buffer.
        let cpu = Device::flex();
        let input = fit(to_tensor(image, &cpu), self.input_size(), preprocess);
        let shape = input.dims();
        let values = read_values(input).await?;
        let input = Tensor::<4>::from_data(TensorData::new(values, shape), self.device());
        let mut all = self.probabilities(input).await?;
        Ok(all.remove(0))
    }
}

/// A robust checkpoint carries the normaliser it was trained with; Gibbon applies ImageNet's
/// (torchvision's) to these layouts, so another one (RestrictedImageNet's, say) is refused
/// rather than silently giving a model other inputs than it knows.
fn check_normaliser(store: &TensorStore, layout: Layout, arch: &str) -> Result<(), ModelError> {
    let (mean, std) = match layout {
        Layout::Robustness => ("module.normalizer.new_mean", "module.normalizer.new_std"),
        Layout::RobustBench => ("normalize.mean", "normalize.std"),
        _ => return Ok(()),
    };
    let imagenet = Normalization::torchvision();
    for (key, expected) in [(mean, imagenet.mean), (std, imagenet.std)] {
        let Some(t) = store.get(key) else { continue };
        let fits = t.values.len() == 3
            && t.values
                .iter()
                .zip(expected)
                .all(|(v, e)| (v * 255.0 - e).abs() < 1e-2);
        if !fits {
            return Err(WeightsError::Unsupported(format!(
                "{arch}: the checkpoint normalises with {key} = {:?}, not ImageNet's statistics, which Gibbon applies",
                t.values
            ))
            .into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weights::{Dtype, NamedTensor};

    #[test]
    fn a_robust_checkpoint_with_other_statistics_is_refused() {
        let store = |mean: [f32; 3]| {
            let mut s = TensorStore::new();
            s.insert(NamedTensor {
                name: "module.normalizer.new_mean".into(),
                shape: vec![3, 1, 1],
                values: mean.to_vec(),
                stored_as: Dtype::F32,
            });
            s
        };
        let imagenet = store([0.485, 0.456, 0.406]);
        assert!(check_normaliser(&imagenet, Layout::Robustness, "ResNet-50").is_ok());
        // RestrictedImageNet's mean.
        let restricted = store([0.4717, 0.4499, 0.3837]);
        let e = check_normaliser(&restricted, Layout::Robustness, "ResNet-50").unwrap_err();
        assert!(e.to_string().contains("not ImageNet's statistics"), "{e}");
        assert!(check_normaliser(&restricted, Layout::Torchvision, "ResNet-50").is_ok());
    }
}
