//! Input gradients against central finite differences, and the wgpu backend against the CPU.

mod common;

use common::*;
use gibbon::attacks::gradient_at;
use gibbon::backend::{self, BackendChoice};
use gibbon::burn;
use gibbon::burn::nn::PaddingConfig2d;
use gibbon::burn::prelude::*;
use gibbon::burn::tensor::activation::log_softmax;
use gibbon::models::blocks::CanonicalNames;
use gibbon::models::blocks::{
    Activation, BatchNorm, ConvNormAct, ConvSpec, Loader, global_average_pool, load_linear,
};
use gibbon::weights::{Dtype, NamedTensor, TensorStore};
use gibbon::zoo::ModelId;

/// Deterministic pseudo-random numbers in [-1, 1) (xorshift), the same on every platform.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
    fn vec(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n).map(|_| self.next() * scale).collect()
    }
}

/// A small net of the same building blocks as EfficientNet-Lite (SAME-padded strided conv,
/// folded batch norm, ReLU6, depthwise conv, residual-free projection, pooling, linear), with
/// random weights.
struct TinyNet {
    stem: ConvNormAct,
    depthwise: ConvNormAct,
    project: ConvNormAct,
    fc: gibbon::models::blocks::Dense,
}

impl TinyNet {
    fn new(device: &Device) -> Self {
        let mut rng = Rng(0x9e3779b97f4a7c15);
        let mut store = TensorStore::new();
        let mut put = |name: &str, shape: &[usize], values: Vec<f32>| {
            store.insert(NamedTensor {
                name: name.into(),
                shape: shape.to_vec(),
                values,
                stored_as: Dtype::F32,
            })
        };
        put("stem.weight", &[6, 3, 3, 3], rng.vec(162, 0.5));
        put(
            "bn.weight",
            &[6],
            rng.vec(6, 0.5).iter().map(|v| v + 1.0).collect(),
        );
        put("bn.bias", &[6], rng.vec(6, 0.5));
        put("bn.running_mean", &[6], rng.vec(6, 0.2));
        put(
            "bn.running_var",
            &[6],
            rng.vec(6, 0.3).iter().map(|v| v + 1.0).collect(),
        );
        put("dw.weight", &[6, 1, 3, 3], rng.vec(54, 0.6));
        put("dw.bias", &[6], rng.vec(6, 0.5));
        put("pw.weight", &[4, 6, 1, 1], rng.vec(24, 0.6));
        put("fc.weight", &[5, 4], rng.vec(20, 1.0));
        put("fc.bias", &[5], rng.vec(5, 0.1));
        let mut loader = Loader::new(&mut store, device, "TinyNet", &CanonicalNames);
        let same = PaddingConfig2d::Same;
        let bn = Some(BatchNorm {
            prefix: "bn".into(),
            eps: 1e-3,
        });
        let stem = ConvNormAct::load(
            &mut loader,
            "stem",
            bn,
            ConvSpec::new(3, 6, 3, 2, same.clone()),
            Activation::Relu6,
        )
        .unwrap();
        let depthwise = ConvNormAct::load(
            &mut loader,
            "dw",
            None,
            ConvSpec::depthwise(6, 3, 1, same.clone()),
            Activation::Relu6,
        )
        .unwrap();
        let project = ConvNormAct::load(
            &mut loader,
            "pw",
            None,
            ConvSpec::new(6, 4, 1, 1, same),
            Activation::Identity,
        )
        .unwrap();
        let fc = load_linear(&mut loader, "fc", 4, 5).unwrap();
        assert!(loader.leftovers().is_empty());
        Self {
            stem,
            depthwise,
            project,
            fc,
        }
    }

    /// Cross-entropy of `class` for pixels (0..255) scaled like EfficientNet's input.
    fn loss(&self, pixels: Tensor<4>, class: usize) -> Tensor<1> {
        let x = pixels.sub_scalar(127.0).div_scalar(128.0);
        let x = self
            .project
            .forward(self.depthwise.forward(self.stem.forward(x)));
        let logits = self.fc.forward(global_average_pool(x));
        log_softmax(logits, 1)
            .slice([0..1, class..class + 1])
            .sum()
            .neg()
    }
}

fn central_difference(f: impl Fn(&[f32]) -> f32, x: &[f32], i: usize, h: f32) -> f32 {
    let (mut up, mut down) = (x.to_vec(), x.to_vec());
    up[i] += h;
    down[i] -= h;
    (f(&up) - f(&down)) / (2.0 * h)
}

/// Indices of the `k` largest |g| (the pixels where a finite difference is well above noise).
fn largest(g: &[f32], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..g.len()).collect();
    order.sort_by(|&a, &b| g[b].abs().total_cmp(&g[a].abs()));
    order.truncate(k);
    order
}

fn tiny_net_check(device: &Device) {
    let net = TinyNet::new(device);
    let shape = [1, 3, 11, 11];
    let x: Vec<f32> = Rng(7)
        .vec(3 * 11 * 11, 1.0)
        .iter()
        .map(|v| 127.5 + 100.0 * v)
        .collect();
    let tensor = |v: &[f32]| Tensor::<4>::from_data(TensorData::new(v.to_vec(), shape), device);
    let input = tensor(&x).autodiff().require_grad();
    let grads = net.loss(input.clone(), 3).backward();
    let g = values(input.grad(&grads).unwrap());
    let loss = |v: &[f32]| values(net.loss(tensor(v), 3))[0];
    let mut checked = 0;
    for i in largest(&g, 12) {
        let fd = central_difference(loss, &x, i, 0.5);
        let rel = (fd - g[i]).abs() / g[i].abs();
        assert!(
            rel < 1e-2,
            "pixel {i}: autodiff {} vs finite difference {fd} (relative {rel:.2e})",
            g[i]
        );
        checked += 1;
    }
    assert_eq!(checked, 12);
}

#[test]
fn tiny_net_gradient_matches_finite_differences_on_cpu() {
    tiny_net_check(&cpu());
}

/// wgpu (a software Vulkan adapter in CI: Mesa lavapipe) against the CPU backend: same
/// logits, same input gradient.
#[test]
fn wgpu_agrees_with_cpu() {
    require!(Need::Weights);
    let gpu = backend::select(BackendChoice::Wgpu)
        .unwrap_or_else(|e| panic!("{e}\n(CI installs mesa-vulkan-drivers for this test)"));
    println!("{}", gpu.description);
    tiny_net_check(&gpu.device);

    let cpu_model = load(ModelId::EfficientNetLite0, &cpu());
    let gpu_model = load(ModelId::EfficientNetLite0, &gpu.device);
    let image = reference_crop("coffee");
    let (g_cpu, p_cpu) = pollster::block_on(gradient_at(
        &cpu_model,
        &gibbon::models::to_tensor(&image, &cpu()),
        967,
    ))
    .unwrap();
    let (g_gpu, p_gpu) = pollster::block_on(gradient_at(
        &gpu_model,
        &gibbon::models::to_tensor(&image, &gpu.device),
        967,
    ))
    .unwrap();
    let (g_cpu, g_gpu) = (values(g_cpu), values(g_gpu));
    let norm = |v: &[f32]| v.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    let diff: Vec<f32> = g_cpu.iter().zip(&g_gpu).map(|(a, b)| a - b).collect();
    let relative = norm(&diff) / norm(&g_cpu);
    let same_sign = g_cpu
        .iter()
        .zip(&g_gpu)
        .filter(|(a, b)| a.signum() == b.signum())
        .count() as f64
        / g_cpu.len() as f64;
    println!(
        "gradient: relative L2 difference {relative:.2e}, same sign {:.4}%",
        same_sign * 100.0
    );
    assert!(
        relative < 1e-3,
        "relative L2 difference of the gradients {relative}"
    );
    assert!(
        same_sign > 0.999,
        "only {same_sign} of gradient signs agree"
    );
    for i in [967, 968, 504] {
        assert!(
            (p_cpu.prob(i) - p_gpu.prob(i)).abs() < 1e-4,
            "class {i}: {} vs {}",
            p_cpu.prob(i),
            p_gpu.prob(i)
        );
    }
}

/// The depthwise convolution (on the CPU, its own kernel) and its own input gradient (a
/// depthwise convolution of the output gradient with the rotated kernel) against burn's
/// convolution and gradient, for every kernel and stride of
/// EfficientNet-Lite (3x3 and 5x5, stride 1 and 2) with SAME and symmetric padding, on even
/// and odd sizes, with a batch of two.
#[test]
fn depthwise_input_gradient_matches_burns() {
    use gibbon::ops::depthwise;
    let device = cpu();
    let mut rng = Rng(0x5eed);
    // SAME padding (asymmetric at stride 2), as EfficientNet-Lite; symmetric padding k / 2, as
    // torchvision's MobileNets; uneven padding up to k + 1; and one plane that is not square.
    let paddings = |k: usize| {
        [
            PaddingConfig2d::Same,
            PaddingConfig2d::Explicit(k / 2, k / 2, k / 2, k / 2),
            PaddingConfig2d::Explicit(k, 0, k - 1, k + 1),
        ]
    };

    for kernel in [3usize, 5] {
        for stride in [1usize, 2] {
            for (size, width) in [
                (1usize, 1usize),
                (2, 2),
                (7, 7),
                (14, 14),
                (15, 15),
                (28, 28),
                (56, 56),
                (112, 112),
                (15, 8),
            ] {
                for padding in paddings(kernel) {
                    let c = 8;
                    let conv = burn::nn::conv::Conv2d {
                        weight: burn::module::Param::from_tensor(Tensor::from_data(
                            TensorData::new(
                                rng.vec(c * kernel * kernel, 1.0),
                                [c, 1, kernel, kernel],
                            ),
                            &device,
                        )),
                        bias: Some(burn::module::Param::from_tensor(Tensor::from_data(
                            TensorData::new(rng.vec(c, 1.0), [c]),
                            &device,
                        ))),
                        stride: [stride, stride],
                        kernel_size: [kernel, kernel],
                        dilation: [1, 1],
                        groups: c,
                        padding: padding.clone(),
                    };
                    let x = Tensor::<4>::from_data(
                        TensorData::new(rng.vec(2 * c * size * width, 1.0), [2, c, size, width]),
                        &device,
                    );
                    let options = depthwise::options(&conv, size, width);
                    let out = |n: usize, (before, after): (usize, usize)| {
                        (n + before + after - kernel) / stride + 1
                    };
                    let (oh, ow) = (
                        out(size, options.padding[0]),
                        out(width, options.padding[1]),
                    );
                    let upstream = Tensor::<4>::from_data(
                        TensorData::new(rng.vec(2 * c * oh * ow, 1.0), [2, c, oh, ow]),
                        &device,
                    );
                    let case = format!("k{kernel} s{stride} {size}x{width} {padding:?}");
                    // burn's own gradient.
                    let input = x.clone().autodiff().require_grad();
                    let y = conv.forward(input.clone());
                    assert_eq!(y.dims(), [2, c, oh, ow], "{case}");
                    let expected_y = values(y.clone());
                    let grads = (y * upstream.clone().autodiff()).sum().backward();
                    let expected = values(input.grad(&grads).unwrap());
                    // This module's.
                    let input = x.autodiff().require_grad();
                    let weight = conv.weight.val();
                    let y = depthwise::depthwise_conv2d(
                        input.clone(),
                        weight.clone(),
                        weight.flip([2, 3]),
                        conv.bias.as_ref().unwrap().val(),
                        options,
                    );
                    let diff = max_abs_diff(&expected_y, &values(y.clone()));
                    assert!(diff < 1e-4, "forward, {case}: max |diff| {diff:.2e}");
                    let grads = (y * upstream.autodiff()).sum().backward();
                    let got = values(input.grad(&grads).unwrap());
                    let diff = max_abs_diff(&expected, &got);
                    assert!(diff < 1e-4, "gradient, {case}: max |diff| {diff:.2e}");
                }
            }
        }
    }
}

/// ReLU6 as one operation against burn's relu + clamp_max: the same values, and the same input
/// gradient (on a plain tensor, on a transposed one, and with the upstream gradient shared; on
/// a small tensor and on one the CPU splits into parts), except at exactly 0 and 6, where it passes no gradient, as PyTorch's ReLU6 (hardtanh).
#[test]
fn relu6_matches_burns_relu_and_clamp() {
    use gibbon::ops::relu6::relu6;
    let device = cpu();
    let mut rng = Rng(0x6);
    // A small tensor, and one the CPU splits into several parallel parts (the last partial).
    for shape in [[2, 3, 5, 7], [2, 16, 41, 40]] {
        let n = shape.iter().product::<usize>();
        let mut data = rng.vec(n, 9.0);
        data[0] = 0.0;
        data[1] = 6.0;
        let x = Tensor::<4>::from_data(TensorData::new(data, shape), &device);
        let upstream = Tensor::<4>::from_data(TensorData::new(rng.vec(n, 1.0), shape), &device);
        for transposed in [false, true] {
            let x = if transposed {
                x.clone().swap_dims(2, 3)
            } else {
                x.clone()
            };
            let upstream = if transposed {
                upstream.clone().swap_dims(2, 3)
            } else {
                upstream.clone()
            };
            let input = x.clone().autodiff().require_grad();
            let y = burn::tensor::activation::relu(input.clone()).clamp_max(6.0);
            let expected_y = values(y.clone());
            let grads = (y * upstream.clone().autodiff()).sum().backward();
            let expected = values(input.grad(&grads).unwrap());

            let input = x.clone().autodiff().require_grad();
            let y = relu6(input.clone());
            assert_eq!(values(y.clone()), expected_y, "forward");
            // `upstream` stays alive: the gradient reaching ReLU6 is shared, not unique.
            let grads = (y * upstream.clone().autodiff()).sum().backward();
            let got = values(input.grad(&grads).unwrap());
            let xs = values(x.clone());
            for i in 0..n {
                if xs[i] == 0.0 || xs[i] == 6.0 {
                    assert_eq!(got[i], 0.0, "no gradient at the kink x = {}", xs[i]);
                } else {
                    assert_eq!(got[i], expected[i], "element {i} (x = {})", xs[i]);
                }
            }
            // Without autodiff, in place.
            assert_eq!(values(relu6(x)), expected_y, "forward without autodiff");
        }
    }
}

/// The pointwise (1x1) convolution's own input gradient (one matrix product with the
/// transposed weight) against burn's transposed convolution, on the channel counts of
/// EfficientNet-Lite's expansions and projections and of a ResNet bottleneck, with a batch of
/// two; and the forward pass equal to burn's convolution.
#[test]
fn pointwise_input_gradient_matches_burns() {
    use gibbon::ops::pointwise;
    let device = cpu();
    let mut rng = Rng(0x11);
    // On the CPU the products are tiled (src/ops/matmul.rs): 14x14 and smaller by rows, 40x40
    // (1600 columns) by columns of 512, the last one short.
    for (c_in, c_out, size) in [
        (16, 96, 14),
        (96, 24, 7),
        (64, 256, 9),
        (3, 5, 1),
        (8, 24, 40),
    ] {
        let weight_values = rng.vec(c_out * c_in, 1.0);
        let conv = burn::nn::conv::Conv2d {
            weight: burn::module::Param::from_tensor(Tensor::from_data(
                TensorData::new(weight_values.clone(), [c_out, c_in, 1, 1]),
                &device,
            )),
            bias: Some(burn::module::Param::from_tensor(Tensor::from_data(
                TensorData::new(rng.vec(c_out, 1.0), [c_out]),
                &device,
            ))),
            stride: [1, 1],
            kernel_size: [1, 1],
            dilation: [1, 1],
            groups: 1,
            padding: PaddingConfig2d::Same,
        };
        let x = Tensor::<4>::from_data(
            TensorData::new(rng.vec(2 * c_in * size * size, 1.0), [2, c_in, size, size]),
            &device,
        );
        let upstream = Tensor::<4>::from_data(
            TensorData::new(
                rng.vec(2 * c_out * size * size, 1.0),
                [2, c_out, size, size],
            ),
            &device,
        );
        let input = x.clone().autodiff().require_grad();
        let y = conv.forward(input.clone());
        let expected_y = values(y.clone());
        let grads = (y * upstream.clone().autodiff()).sum().backward();
        let expected = values(input.grad(&grads).unwrap());

        let transposed = Tensor::<3>::from_data(
            TensorData::new(
                pointwise::transposed(&weight_values, c_out, c_in),
                [1, c_in, c_out],
            ),
            &device,
        );
        let input = x.autodiff().require_grad();
        let y = pointwise::pointwise_conv2d(
            input.clone(),
            conv.weight.val(),
            transposed,
            conv.bias.as_ref().unwrap().val(),
        );
        assert!(
            max_abs_diff(&values(y.clone()), &expected_y) < 1e-5,
            "forward"
        );
        let grads = (y * upstream.autodiff()).sum().backward();
        let got = values(input.grad(&grads).unwrap());
        let diff = max_abs_diff(&expected, &got);
        assert!(
            diff < 1e-4,
            "{c_in}->{c_out} {size}x{size}: max |diff| {diff:.2e}"
        );
    }
}
