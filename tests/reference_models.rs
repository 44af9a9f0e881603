//! The real EfficientNet-Lite models against an independent float64 reference.

mod common;

/// The three variants and their keys in reference_outputs.json.
const VARIANTS: [(ModelId, &str); 3] = [
    (ModelId::EfficientNetLite0, "lite0"),
    (ModelId::EfficientNetLite1, "lite1"),
    (ModelId::EfficientNetLite2, "lite2"),
];

use common::*;
use gibbon::burn::prelude::*;
use gibbon::imaging::Preprocess;
use gibbon::zoo::ModelId;

/// Logits of chelsea for each variant, from the exact reference inputs, within 1e-4 of the
/// float64 reference.
#[test]
fn logits_match_the_float64_reference() {
    require!(Need::Weights);
    let reference = reference();
    let device = cpu();
    for (id, key) in VARIANTS {
        let (shape, hwc) =
            read_npy_f32(&reference_dir().join(format!("chelsea_{key}_input_hwc_f32.npy")));
        let size = id.input_size();
        assert_eq!(shape, vec![size, size, 3]);
        // The reference input is normalised, (x - 127) / 128; the model takes pixels.
        let mut chw = vec![0f32; hwc.len()];
        for (i, v) in hwc.iter().enumerate() {
            let (pixel, channel) = (i / 3, i % 3);
            chw[channel * size * size + pixel] = v * 128.0 + 127.0;
        }
        let model = load(id, &device);
        let pixels = Tensor::<4>::from_data(TensorData::new(chw, [1, 3, size, size]), &device);
        let logits = values(model.logits(pixels));
        let expected: Vec<f32> = reference["chelsea_logits"][key]["logits_f64"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        let diff = max_abs_diff(&logits, &expected);
        println!("{id}: max |logit - reference| = {diff:.2e}");
        assert!(
            diff <= 1e-4,
            "{id}: logits differ from the reference by {diff}"
        );
    }
}

/// Top-5 of lite0 on the reference's own 224x224 crops: same classes, same probabilities.
#[test]
fn lite0_top5_on_reference_crops() {
    require!(Need::Weights);
    let reference = reference();
    let model = load(ModelId::EfficientNetLite0, &cpu());
    for name in ["chelsea", "coffee", "camera", "motorcycle_left"] {
        let ext = if name == "rocket" { "jpg" } else { "png" };
        let expected = reference["photos"][format!("{name}.{ext}")]["results"]["lite0"]["top5"]
            .as_array()
            .unwrap()
            .clone();
        let probs = pollster::block_on(model.classify(&reference_crop(name))).unwrap();
        let top = probs.top(5);
        for (got, want) in top.iter().zip(&expected) {
            assert_eq!(
                got.index as u64,
                want["index"].as_u64().unwrap(),
                "{name}: top-5 {top:?}"
            );
            let p = want["prob"].as_f64().unwrap() as f32;
            assert!(
                (got.prob - p).abs() < 1e-4,
                "{name}: class {} prob {} vs reference {p}",
                got.index,
                got.prob
            );
        }
    }
}

/// From the original photos through Gibbon's own decoder and resizer: every model's top-1 is
/// the reference's top-1 and a right answer for the photo.
#[test]
fn top1_on_sample_photos_with_gibbon_preprocessing() {
    require!(Need::Weights);
    let reference = reference();
    let device = cpu();
    for (id, key) in VARIANTS {
        let model = load(id, &device);
        for sample in gibbon::samples::SAMPLES
            .iter()
            .filter(|s| s.file != "rocket.jpg")
        {
            let photo = sample_photo(sample.file);
            let image = gibbon::models::prepare(&photo, id.input_size() as u32, Preprocess::Crop);
            let top1 = pollster::block_on(model.classify(&image)).unwrap().top1();
            let want = reference["photos"][sample.file]["results"][key]["top5"][0]["index"]
                .as_u64()
                .unwrap() as usize;
            println!(
                "{id} {}: {} {:.3} (reference {want})",
                sample.file, top1.index, top1.prob
            );
            assert_eq!(top1.index, want, "{id} on {}", sample.file);
            assert!(
                sample.accepts(top1.index),
                "{id} on {}: {} is not a right answer",
                sample.file,
                top1.index
            );
        }
    }
}
