//! The real model's input gradient against central finite differences, in float64.
//!
//! In float32 the loss of a deep ReLU6 network is too noisy for small finite-difference steps
//! and too kinked for large ones; the same code in float64 (the CPU device configured to f64
//! before any tensor exists, which is why this test has its own binary) allows a step of 1e-4
//! pixel units, small enough that no ReLU6 kink lies within it.

mod common;

use common::*;
use gibbon::attacks::gradient_at;
use gibbon::burn::prelude::*;
use gibbon::burn::tensor::FloatDType;
use gibbon::zoo::ModelId;

fn central_difference(f: impl Fn(&[f64]) -> f64, x: &[f64], i: usize, h: f64) -> f64 {
    let (mut up, mut down) = (x.to_vec(), x.to_vec());
    up[i] += h;
    down[i] -= h;
    (f(&up) - f(&down)) / (2.0 * h)
}

#[test]
fn lite0_gradient_matches_finite_differences_in_f64() {
    require!(Need::Weights);
    let mut device = cpu();
    device
        .configure(FloatDType::F64)
        .expect("configure the CPU device for f64 before any tensor");
    let model = load(ModelId::EfficientNetLite0, &device);
    let image = reference_crop("chelsea");
    let x: Vec<f64> = gibbon::imaging::to_chw(&image)
        .iter()
        .map(|&v| v as f64)
        .collect();
    let shape = [1, 3, 224, 224];
    let tensor = |v: &[f64]| Tensor::<4>::from_data(TensorData::new(v.to_vec(), shape), &device);
    let class = 282;
    let (gradient, _) = pollster::block_on(gradient_at(&model, &tensor(&x), class)).unwrap();
    assert_eq!(gradient.dtype(), gibbon::burn::tensor::DType::F64);
    let g: Vec<f64> = gradient
        .into_data()
        .convert::<f64>()
        .try_into_vec::<f64>()
        .unwrap();
    let loss = |v: &[f64]| {
        let logits = model.logits(tensor(v));
        let log_probs = gibbon::burn::tensor::activation::log_softmax(logits, 1);
        -log_probs
            .slice([0..1, class..class + 1])
            .into_data()
            .convert::<f64>()
            .try_into_vec::<f64>()
            .unwrap()[0]
    };
    // The four largest components, then pixels spread over the image (every 9973rd value).
    let mut order: Vec<usize> = (0..g.len()).collect();
    order.sort_by(|&a, &b| g[b].abs().total_cmp(&g[a].abs()));
    let mut pixels: Vec<usize> = order[..4].to_vec();
    pixels.extend(
        (1..=8)
            .map(|k| k * 9973 * 2 % g.len())
            .filter(|&i| g[i].abs() > 1e-7),
    );
    for i in pixels {
        let fd = central_difference(loss, &x, i, 1e-4);
        let rel = (fd - g[i]).abs() / g[i].abs();
        println!(
            "pixel {i}: autodiff {:.6e}, finite difference {fd:.6e}, relative {rel:.1e}",
            g[i]
        );
        assert!(
            rel < 1e-4,
            "pixel {i}: autodiff {} vs finite difference {fd} (relative {rel:.2e})",
            g[i]
        );
    }
}
