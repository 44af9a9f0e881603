//! Universal perturbations and patches on the real Lite0: a noise learnt on some photos fools
//! the model on others more often than random sign noise of the same size; a patch learnt to
//! show a class is seen as that class more often than grey of the same size.

mod common;

use common::*;
use gibbon::attacks::{
    Ensemble, Patch, PatchConfig, PatchObserver, Placement, Tally, Truth, Universal,
    UniversalConfig, UniversalObserver, fooled, learn_patch, learn_universal,
};
use gibbon::imaging::Preprocess;
use gibbon::models::Classifier;
use gibbon::zoo::ModelId;
use image::RgbImage;

/// What the noise and the patch learn from, and the photos that judge them.
const TRAINING: [&str; 5] = [
    "coffee.png",
    "chelsea.png",
    "rocket.jpg",
    "astronaut.png",
    "camera.png",
];
const HELD_OUT: [&str; 13] = [
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

struct Quiet;

impl UniversalObserver for Quiet {
    async fn on_step(&mut self, _: usize, _: usize, _: f32) -> bool {
        true
    }
}

impl PatchObserver for Quiet {
    async fn on_step(&mut self, _: usize, _: usize, _: f32) -> bool {
        true
    }
}

/// Photos of scikit-image's data folder with their mirrors and corner crops, for Lite0.
fn views(files: &[&str]) -> Vec<RgbImage> {
    let mut out = Vec::new();
    for file in files {
        let photo = skimage_photo(file);
        let (w, h) = photo.dimensions();
        let mut views = vec![photo.clone(), image::imageops::flip_horizontal(&photo)];
        for (x, y) in [(0, 0), (w / 4, 0), (0, h / 4), (w / 4, h / 4)] {
            views.push(image::imageops::crop_imm(&photo, x, y, w * 3 / 4, h * 3 / 4).to_image());
        }
        out.extend(
            views
                .iter()
                .map(|v| gibbon::models::prepare(v, 224, Preprocess::Crop)),
        );
    }
    out
}

fn fooling_rate(model: &Classifier, noise: &Universal, photos: &[RgbImage]) -> Tally {
    let mut tally = Tally::default();
    for photo in photos {
        let clean = pollster::block_on(model.classify(photo)).unwrap().top1();
        let noisy = pollster::block_on(model.classify(&noise.apply(photo)))
            .unwrap()
            .top1();
        tally.add(fooled(&Truth::Unknown, clean.index, noisy.index));
    }
    tally
}

/// At eps 4, not the paper's 10: Lite0 is fragile enough that sign noise of 10 already changes
/// about half its answers, which leaves little room to tell the two apart on 78 views. At 4 on
/// these photos the learnt noise fooled 45-46/78 and sign noise 29/78 (CLI, 30 training views).
#[test]
fn a_universal_perturbation_beats_sign_noise_on_photos_it_never_saw() {
    require!(Need::Weights);
    let model = load(ModelId::EfficientNetLite0, &cpu());
    let training = views(&TRAINING);
    let truths = vec![Truth::Unknown; training.len()];
    let config = UniversalConfig {
        eps: 4.0,
        steps: 80,
        ..UniversalConfig::default()
    };
    let noise = pollster::block_on(learn_universal(
        &Ensemble::single(&model),
        &training,
        &truths,
        &config,
        &mut Quiet,
    ))
    .unwrap();
    assert!(noise.linf() <= 4.0);
    assert_eq!(
        Universal::from_png(&noise.to_png().unwrap()).unwrap(),
        noise
    );
    let held = views(&HELD_OUT);
    let learnt = fooling_rate(&model, &noise, &held);
    let sign = fooling_rate(&model, &Universal::sign_noise(224, 4.0, 0), &held);
    println!(
        "held-out photos fooled: universal {}, sign noise {}",
        learnt.fooled_rate().describe(),
        sign.fooled_rate().describe()
    );
    assert!(
        learnt.fooled >= sign.fooled + 8,
        "universal {} vs sign noise {}",
        learnt.fooled,
        sign.fooled
    );
}

#[test]
fn a_learnt_patch_shows_its_class_more_often_than_grey() {
    require!(Need::Weights);
    let model = load(ModelId::EfficientNetLite0, &cpu());
    let training = views(&TRAINING);
    let config = PatchConfig {
        steps: 150,
        ..PatchConfig::default()
    };
    let patch = pollster::block_on(learn_patch(
        &Ensemble::single(&model),
        &training,
        &config,
        None,
        &mut Quiet,
    ))
    .unwrap();
    assert!(patch.pixels.iter().all(|v| (0.0..=255.0).contains(v)));
    let grey = Patch::grey(patch.side, patch.target, None);
    let hits = |p: &Patch| {
        let mut n = 0;
        // The centre, a quarter of the area, turned by half a radian.
        let placement = Placement::covering(0.25, 224, 224, 112.0, 112.0, 0.5);
        for photo in views(&HELD_OUT) {
            let seen = pollster::block_on(model.classify(&p.place(&photo, &placement)))
                .unwrap()
                .top1();
            n += usize::from(seen.index == p.target);
        }
        n
    };
    let (learnt, plain) = (hits(&patch), hits(&grey));
    println!("toaster seen: learnt patch {learnt} of 78 placements, grey {plain}");
    assert!(learnt >= plain + 10, "learnt {learnt} vs grey {plain}");
}

/// Learning is repeatable: the placements, cameras and their noise all come from the seed
/// (the camera noise once came from burn's own generator, seeded by nothing: each run learnt
/// another patch, and the test above once saw 4 hits where it sees more).
#[test]
fn a_patch_learnt_twice_from_one_seed_is_the_same() {
    require!(Need::Weights);
    let model = load(ModelId::EfficientNetLite0, &cpu());
    let training = views(&TRAINING[..1]);
    let learn = |seed| {
        let config = PatchConfig {
            steps: 3,
            batch: 2,
            seed,
            ..PatchConfig::default()
        };
        pollster::block_on(learn_patch(
            &Ensemble::single(&model),
            &training,
            &config,
            None,
            &mut Quiet,
        ))
        .unwrap()
        .pixels
    };
    let first = learn(5);
    assert_eq!(first, learn(5), "same seed, same patch");
    assert_ne!(first, learn(6), "another seed, another patch");
}

fn gibbon(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_gibbon"))
        .args(["--device", "cpu", "--quiet"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_commands_refuse_what_is_wrong_and_say_what_they_skip() {
    require!(Need::Weights);
    let dir = std::env::temp_dir().join(format!("gibbon-universal-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let coffee = reference_dir().join("coffee_224.png");
    let coffee = coffee.to_str().unwrap();
    let list = dir.join("train.txt");
    std::fs::write(&list, format!("{coffee}\n{}/gone.png\n", dir.display())).unwrap();
    let uap = dir.join("uap.png");
    let o = gibbon(&[
        "universal",
        "--steps",
        "2",
        "--batch",
        "2",
        "--list",
        list.to_str().unwrap(),
        "--out",
        uap.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    // A photo that cannot be read is named and skipped; the noise is learnt from the rest.
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("gone.png") && err.contains("skipped"), "{err}");
    assert!(uap.exists() && dir.join("uap.json").exists());
    // Lite1 takes 240x240: the 224x224 noise is resized, and the note says so.
    let o = gibbon_loud(&[
        "universal",
        "--model",
        "lite1",
        "--apply",
        uap.to_str().unwrap(),
        coffee,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("resized to efficientnet-lite1's 240x240"));
    // A photo is not a perturbation.
    let o = gibbon(&["universal", "--apply", coffee, coffee]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a universal perturbation"));
    // A patch covers more than nothing and at most half of a photo.
    for scale in ["0.6", "0", "-0.1"] {
        let o = gibbon(&["patch", "--apply", coffee, "--scale", scale, coffee]);
        assert_eq!(o.status.code(), Some(2), "--scale {scale}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("at most half"),
            "--scale {scale}"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

fn gibbon_loud(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_gibbon"))
        .args(["--device", "cpu"])
        .args(args)
        .output()
        .unwrap()
}
