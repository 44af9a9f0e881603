//! Batches and threads never change a result: an image attacked alone, in a batch, in batches
//! of other sizes, or on one thread or two, gives bitwise the same adversarial image and the
//! same report. The sign of a gradient is chaotic (a component within float noise of zero
//! flips with the summation order), so only bitwise-equal gradients keep that promise. The
//! photos are made here (crops, rescales, noise, a flip, a synthetic pattern), not only the
//! samples, which happened not to diverge on the machine where the first batch test ran.

mod common;

use common::*;
use gibbon::attacks::{self, AttackConfig, AttackOutcome, Method, NoObserver, Truth};
use gibbon::imaging::Preprocess;
use gibbon::models::Classifier;
use gibbon::zoo::ModelId;
use image::RgbImage;

/// Photos no test set holds, each prepared for Lite0.
fn made_photos() -> Vec<RgbImage> {
    let chelsea = sample_photo("chelsea.png");
    let coffee = sample_photo("coffee.png");
    let rocket = sample_photo("rocket.jpg");
    let (w, h) = chelsea.dimensions();
    let crop = image::imageops::crop_imm(&chelsea, 37, 11, w - 101, h - 53).to_image();
    let small = image::imageops::resize(&coffee, 173, 129, image::imageops::FilterType::Triangle);
    let mut state = 0x9e37_79b9_u32;
    let noisy = RgbImage::from_fn(rocket.width(), rocket.height(), |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let p = rocket.get_pixel(x, y).0;
        image::Rgb(p.map(|v| v.saturating_add((state % 7) as u8).saturating_sub(3)))
    });
    let flipped = image::imageops::flip_horizontal(&sample_photo("motorcycle_left.png"));
    let pattern = RgbImage::from_fn(300, 200, |x, y| {
        image::Rgb([
            (x * 3 % 256) as u8,
            (y * 5 % 256) as u8,
            ((x ^ y) % 256) as u8,
        ])
    });
    [
        crop,
        small,
        noisy,
        flipped,
        pattern,
        sample_photo("camera.png"),
    ]
    .iter()
    .map(|p| gibbon::models::prepare(p, 224, Preprocess::Crop))
    .collect()
}

fn attack(model: &Classifier, images: &[RgbImage], config: &AttackConfig) -> Vec<AttackOutcome> {
    let truths = vec![Truth::Unknown; images.len()];
    pollster::block_on(attacks::run_batch(
        model,
        images,
        &truths,
        config,
        &mut NoObserver,
    ))
    .unwrap()
}

/// `outcomes` in chunks of the given sizes.
fn in_chunks(
    model: &Classifier,
    images: &[RgbImage],
    config: &AttackConfig,
    sizes: &[usize],
) -> Vec<AttackOutcome> {
    let mut out = Vec::new();
    let mut start = 0;
    for &size in sizes {
        out.extend(attack(model, &images[start..start + size], config));
        start += size;
    }
    out
}

/// Everything the CLI would report of an outcome, and its pixels.
fn report(o: &AttackOutcome) -> (String, Vec<u8>) {
    (
        serde_json::to_string(o).unwrap(),
        o.adversarial.as_raw().clone(),
    )
}

fn configs() -> Vec<AttackConfig> {
    let short = |method, eps, steps| AttackConfig {
        steps: Some(steps),
        ..AttackConfig::new(method, eps)
    };
    vec![
        AttackConfig {
            early_stop: true,
            ..short(Method::LeastLikely, 8.0, 4)
        },
        short(Method::Fgsm, 4.0, 1),
        short(Method::MiFgsm, 4.0, 3),
        short(Method::DiFgsm, 4.0, 3),
        AttackConfig {
            restarts: 2,
            ..short(Method::Pgd, 2.0, 2)
        },
        AttackConfig {
            refine: 3,
            alpha: Some(0.25),
            early_stop: true,
            ..short(Method::Ifgsm, 2.0, 4)
        },
        short(Method::DeepFool, 4.0, 3),
        AttackConfig {
            search_steps: 2,
            ..short(Method::CwL2, 4.0, 4)
        },
        AttackConfig {
            targets: 2,
            ..short(Method::ApgdT, 0.5, 4)
        },
        AttackConfig {
            queries: 40,
            ..AttackConfig::new(Method::Square, 1.0)
        },
    ]
}

#[test]
fn batches_of_any_size_give_each_image_what_it_gets_alone() {
    require!(Need::Weights);
    let model = load(ModelId::EfficientNetLite0, &cpu());
    let images = made_photos();
    for config in configs() {
        let alone: Vec<_> = images
            .iter()
            .flat_map(|image| attack(&model, std::slice::from_ref(image), &config))
            .map(|o| report(&o))
            .collect();
        for sizes in [vec![6], vec![2, 3, 1], vec![4, 2]] {
            let batched: Vec<_> = in_chunks(&model, &images, &config, &sizes)
                .iter()
                .map(report)
                .collect();
            for (i, (a, b)) in alone.iter().zip(&batched).enumerate() {
                assert!(
                    a.1 == b.1,
                    "{}: image {i} in batches {sizes:?}: other pixels than alone",
                    config.method
                );
                assert_eq!(
                    a.0, b.0,
                    "{}: image {i} in batches {sizes:?}",
                    config.method
                );
            }
        }
        println!(
            "{}: batches 6, 2+3+1 and 4+2 equal each image alone",
            config.method
        );
    }
}

#[test]
fn one_thread_or_two_give_the_same_result() {
    require!(Need::Weights);
    let model = load(ModelId::EfficientNetLite0, &cpu());
    let images = made_photos();
    let pool = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    };
    for config in &configs()[..4] {
        let one: Vec<_> = pool(1).install(|| {
            attack(&model, &images[..3], config)
                .iter()
                .map(report)
                .collect()
        });
        let two: Vec<_> = pool(2).install(|| {
            attack(&model, &images[..3], config)
                .iter()
                .map(report)
                .collect()
        });
        assert!(one == two, "{}: 1 and 2 threads differ", config.method);
    }
}
