//! The networks: image classifiers that take pixels (0..255, RGB, NCHW) and return ImageNet
//! logits, built with burn on any device. Each architecture lives in its own file, under
//! torchvision's tensor names; [`blocks`] holds what they share and the loader, [`keymap`]
//! one map per weights layout, [`normalization`] each model's input normalisation (part of the
//! model, so that attacks stay in pixel space), and [`input`] how a photo of any size becomes
//! a model's input. Which models exist, and their sizes, is the [`zoo`](crate::zoo)'s.

pub mod blocks;
mod classifier;
pub mod compact;
pub mod efficientnet_lite;
pub mod googlenet;
pub mod input;
pub mod keymap;
pub mod normalization;
pub mod resnet;
pub mod vgg;

pub use classifier::Classifier;
pub use input::{fit, prepare, resized, to_tensor};
pub use normalization::Normalization;
