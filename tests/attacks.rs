//! Attacks on the real Lite0, judged on what a user gets: the rounded 8-bit PNG.

mod common;

use common::*;
use gibbon::attacks::{
    self, AttackConfig, Flow, Goal, Method, NoObserver, Observer, StepRecord, Truth,
};
use gibbon::burn::prelude::*;
use gibbon::imaging;
use gibbon::models::Classifier;
use gibbon::zoo::ModelId;

/// Checks every iterate while the attack runs: inside the eps-ball and inside [0, 255].
struct BoundsChecker {
    original: Vec<f32>,
    eps: f32,
    steps_seen: usize,
    cancel_after: Option<usize>,
}

impl Observer for BoundsChecker {
    async fn on_step(&mut self, records: &[StepRecord], iterate: &Tensor<4>) -> Flow {
        let record = &records[0];
        let x = values(iterate.clone());
        for (v, o) in x.iter().zip(&self.original) {
            assert!(
                (0.0..=255.0).contains(v),
                "step {}: pixel value {v} outside [0, 255]",
                record.step
            );
            assert!(
                (v - o).abs() <= self.eps + 1e-4,
                "step {}: pixel moved {} > eps {}",
                record.step,
                (v - o).abs(),
                self.eps
            );
        }
        self.steps_seen += 1;
        match self.cancel_after {
            Some(n) if self.steps_seen >= n => Flow::Cancel,
            _ => Flow::Continue,
        }
    }
}

fn checker(image: &image::RgbImage, eps: f32) -> BoundsChecker {
    BoundsChecker {
        original: imaging::to_chw(image),
        eps,
        steps_seen: 0,
        cancel_after: None,
    }
}

/// The largest change of any value between two 8-bit images, in levels.
fn linf_levels(a: &image::RgbImage, b: &image::RgbImage) -> i32 {
    a.as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(a, b)| (*a as i32 - *b as i32).abs())
        .max()
        .unwrap_or(0)
}

fn lite0() -> Classifier {
    load(ModelId::EfficientNetLite0, &cpu())
}

/// The acceptance test: iterative least-likely at eps 8 fools Lite0 on each of four
/// real photos, after 8-bit rounding and a PNG round trip.
#[test]
fn least_likely_eps8_fools_lite0_on_four_photos() {
    require!(Need::Weights);
    let model = lite0();
    let config = AttackConfig::new(Method::LeastLikely, 8.0);
    for (name, label) in [
        ("chelsea", 281),
        ("coffee", 967),
        ("camera", 872),
        ("motorcycle_left", 665),
    ] {
        let image = reference_crop(name);
        let mut observer = checker(&image, 8.0);
        let outcome = pollster::block_on(attacks::run(
            &model,
            &image,
            &Truth::label(label),
            &config,
            &mut observer,
        ))
        .unwrap();
        assert_eq!(
            observer.steps_seen, 10,
            "the seed's default: int(min(8 + 4, 1.25 * 8)) = 10 steps"
        );
        assert_eq!(outcome.steps_run, 10);
        let Goal::Targeted { target, .. } = outcome.goal else {
            panic!("ILLC is targeted")
        };

        // Save and decode as a user would, then classify the decoded pixels again.
        let png = imaging::encode_png(&outcome.adversarial).unwrap();
        let decoded = imaging::decode(&png).unwrap();
        assert_eq!(decoded, outcome.adversarial);
        let again = pollster::block_on(model.classify(&decoded)).unwrap().top1();
        println!(
            "{name}: {} ({:.3}) -> {} {} ({:.3}), target {target}, linf {}, l2 {:.1}, psnr {:.1} dB, ssim {:.4}",
            outcome.original_prediction.index,
            outcome.original_prediction.prob,
            again.index,
            again.name(),
            again.prob,
            outcome.distance.linf,
            outcome.distance.l2,
            outcome.distance.psnr,
            outcome.distance.ssim
        );
        assert_eq!(
            again, outcome.adversarial_prediction,
            "{name}: the reported prediction is the saved image's"
        );
        assert_ne!(again.index, label, "{name}: not fooled");
        assert_eq!(
            again.index, target,
            "{name}: ILLC did not reach the least-likely class"
        );
        let linf = linf_levels(&image, &decoded);
        assert!(linf <= 8, "{name}: L-inf {linf} > 8");
        assert_eq!(outcome.distance.linf, linf as f32);
    }
}

/// FGSM takes one step of exactly eps: almost every value moves by eps, none by more.
#[test]
fn fgsm_moves_pixels_by_eps() {
    require!(Need::Weights);
    let model = lite0();
    let image = reference_crop("coffee");
    let outcome = pollster::block_on(attacks::run(
        &model,
        &image,
        &Truth::label(967),
        &AttackConfig::new(Method::Fgsm, 4.0),
        &mut NoObserver,
    ))
    .unwrap();
    assert_eq!(outcome.steps_run, 1);
    let moved_by_eps = image
        .as_raw()
        .iter()
        .zip(outcome.adversarial.as_raw())
        .filter(|(a, b)| (**a as i32 - **b as i32).abs() == 4)
        .count();
    let total = image.as_raw().len();
    assert_eq!(outcome.distance.linf, 4.0);
    // Only clipped values (near 0 or 255) and zero gradients move less.
    assert!(
        moved_by_eps as f64 > 0.9 * total as f64,
        "{moved_by_eps} of {total} moved by eps"
    );
    assert!(
        outcome.history[1].loss > outcome.history[0].loss,
        "FGSM must raise the true class's loss"
    );
}

/// A targeted attack reaches the class asked for: the cat becomes a gibbon.
#[test]
fn targeted_attack_turns_the_cat_into_a_gibbon() {
    require!(Need::Weights);
    let model = lite0();
    let image = reference_crop("chelsea");
    let gibbon_class = gibbon::imagenet::lookup("gibbon").unwrap().index;
    let config = AttackConfig {
        target: Some(gibbon_class),
        steps: Some(20),
        ..AttackConfig::new(Method::Targeted, 8.0)
    };
    let mut observer = checker(&image, 8.0);
    let outcome = pollster::block_on(attacks::run(
        &model,
        &image,
        &Truth::label(281),
        &config,
        &mut observer,
    ))
    .unwrap();
    println!(
        "chelsea -> {} ({:.3}) in {} steps",
        outcome.adversarial_prediction.name(),
        outcome.adversarial_prediction.prob,
        outcome.steps_run
    );
    assert_eq!(outcome.adversarial_prediction.index, 368);
    assert!(outcome.success());
    // The target's probability climbs: last record well above the first.
    let first = outcome.history.first().unwrap().target_prob.unwrap();
    let last = outcome.history.last().unwrap().target_prob.unwrap();
    assert!(
        first < 0.01 && last > 0.5,
        "gibbon probability {first} -> {last}"
    );
}

/// Early stop ends the loop at the first iterate that reaches the goal.
#[test]
fn early_stop_stops_at_success() {
    require!(Need::Weights);
    let model = lite0();
    let image = reference_crop("motorcycle_left");
    let config = AttackConfig {
        early_stop: true,
        steps: Some(30),
        ..AttackConfig::new(Method::Ifgsm, 8.0)
    };
    let outcome = pollster::block_on(attacks::run(
        &model,
        &image,
        &Truth::label(665),
        &config,
        &mut NoObserver,
    ))
    .unwrap();
    assert!(outcome.success());
    assert!(
        outcome.steps_run < 30,
        "ran all {} steps",
        outcome.steps_run
    );
    // The record of the last gradient step already showed another class on top.
    let stop_record = &outcome.history[outcome.history.len() - 2];
    assert_ne!(stop_record.top1.index, 665);
}

/// Cancelling returns what was made so far, marked as cancelled.
#[test]
fn cancel_returns_the_current_iterate() {
    require!(Need::Weights);
    let model = lite0();
    let image = reference_crop("camera");
    let mut observer = BoundsChecker {
        cancel_after: Some(3),
        ..checker(&image, 8.0)
    };
    let outcome = pollster::block_on(attacks::run(
        &model,
        &image,
        &Truth::label(872),
        &AttackConfig::new(Method::LeastLikely, 8.0),
        &mut observer,
    ))
    .unwrap();
    assert!(outcome.cancelled);
    assert_eq!(outcome.steps_run, 3);
    assert!(
        outcome.distance.linf <= 3.0,
        "three steps of 1 move at most 3"
    );
}

/// PGD's random start is reproducible by seed, and stays in the ball; MI-FGSM too.
#[test]
fn pgd_and_momentum_stay_in_the_ball() {
    require!(Need::Weights);
    let model = lite0();
    let image = reference_crop("coffee");
    let pgd = AttackConfig {
        steps: Some(3),
        seed: 7,
        ..AttackConfig::new(Method::Pgd, 6.0)
    };
    let a = pollster::block_on(attacks::run(
        &model,
        &image,
        &Truth::label(967),
        &pgd,
        &mut checker(&image, 6.0),
    ))
    .unwrap();
    let b = pollster::block_on(attacks::run(
        &model,
        &image,
        &Truth::label(967),
        &pgd,
        &mut NoObserver,
    ))
    .unwrap();
    assert_eq!(a.adversarial, b.adversarial, "same seed, same result");
    assert!(a.distance.linf <= 6.0);
    let mi = AttackConfig {
        steps: Some(4),
        ..AttackConfig::new(Method::MiFgsm, 6.0)
    };
    let m = pollster::block_on(attacks::run(
        &model,
        &image,
        &Truth::label(967),
        &mi,
        &mut checker(&image, 6.0),
    ))
    .unwrap();
    assert!(m.distance.linf <= 6.0);
    assert!(
        m.history.last().unwrap().loss > m.history[0].loss,
        "MI-FGSM raises the true class's loss"
    );
}

/// Parameters a user can get wrong are errors, not panics.
#[test]
fn bad_parameters_are_errors() {
    require!(Need::Weights);
    let model = lite0();
    let image = reference_crop("coffee");
    let run = |config: AttackConfig, truth: Truth| {
        pollster::block_on(attacks::run(
            &model,
            &image,
            &truth,
            &config,
            &mut NoObserver,
        ))
    };
    assert!(matches!(
        run(AttackConfig::new(Method::Fgsm, -1.0), Truth::Unknown),
        Err(attacks::AttackError::OutOfRange {
            param: attacks::Param::Eps,
            ..
        })
    ));
    assert!(matches!(
        run(AttackConfig::new(Method::Targeted, 8.0), Truth::Unknown),
        Err(attacks::AttackError::NeedsTarget(_))
    ));
    assert!(matches!(
        run(AttackConfig::new(Method::Fgsm, 8.0), Truth::label(1000)),
        Err(attacks::AttackError::OutOfRange {
            param: attacks::Param::Label,
            ..
        })
    ));
    let small = image::RgbImage::new(100, 100);
    let err = pollster::block_on(attacks::run(
        &model,
        &small,
        &Truth::Unknown,
        &AttackConfig::new(Method::Fgsm, 8.0),
        &mut NoObserver,
    ))
    .unwrap_err();
    assert!(err.to_string().contains("224x224"), "{err}");
}

/// Images decoded from the attack's PNG and classified again: what a user who saves it gets.
fn reclassified(
    model: &Classifier,
    outcome: &attacks::AttackOutcome,
) -> gibbon::prediction::Probabilities {
    let png = imaging::encode_png(&outcome.adversarial).unwrap();
    let decoded = imaging::decode(&png).unwrap();
    pollster::block_on(model.classify(&decoded)).unwrap()
}

/// DI-FGSM, an ensemble and PGD with restarts all stay inside the eps-ball and [0, 255] at
/// every step, and still raise the true class's loss.
#[test]
fn diverse_inputs_ensembles_and_restarts_stay_in_the_ball() {
    require!(Need::Weights);
    let model = lite0();
    let lite1 = load(ModelId::EfficientNetLite1, &cpu());
    let image = reference_crop("coffee");
    let truth = Truth::label(967);
    let di = AttackConfig {
        steps: Some(6),
        diversity: 1.0,
        seed: 3,
        ..AttackConfig::new(Method::DiFgsm, 6.0)
    };
    let mut observer = checker(&image, 6.0);
    let a = pollster::block_on(attacks::run(&model, &image, &truth, &di, &mut observer)).unwrap();
    assert_eq!(observer.steps_seen, 6);
    assert!(a.distance.linf <= 6.0);
    assert!(
        a.history.last().unwrap().loss > a.history[0].loss,
        "DI raises the loss"
    );
    let b = pollster::block_on(attacks::run(&model, &image, &truth, &di, &mut NoObserver)).unwrap();
    assert_eq!(a.adversarial, b.adversarial, "same seed, same transforms");

    // Lite0 (224) and Lite1 (240, resized inside the graph) attacked together.
    let ensemble = attacks::Ensemble::new(vec![&model, &lite1]).unwrap();
    let config = AttackConfig {
        steps: Some(5),
        ..AttackConfig::new(Method::Ifgsm, 6.0)
    };
    let mut observer = checker(&image, 6.0);
    let e = pollster::block_on(attacks::run_ensemble(
        &ensemble,
        std::slice::from_ref(&image),
        std::slice::from_ref(&truth),
        &config,
        &mut observer,
    ))
    .unwrap()
    .remove(0);
    assert_eq!(observer.steps_seen, 5);
    assert!(e.distance.linf <= 6.0);
    // Both members lose confidence in the true class.
    for member in [&model, &lite1] {
        let size = member.input_size() as u32;
        let before = pollster::block_on(member.classify(&gibbon::models::prepare(
            &image,
            size,
            imaging::Preprocess::Stretch,
        )))
        .unwrap();
        let after = pollster::block_on(member.classify(&gibbon::models::prepare(
            &e.adversarial,
            size,
            imaging::Preprocess::Stretch,
        )))
        .unwrap();
        println!(
            "{}: p(espresso) {:.3} -> {:.3}",
            member.id(),
            before.prob(967),
            after.prob(967)
        );
        assert!(after.prob(967) < before.prob(967) * 0.5, "{}", member.id());
    }

    let pgd = AttackConfig {
        steps: Some(2),
        restarts: 3,
        ..AttackConfig::new(Method::Pgd, 1.0)
    };
    let mut observer = checker(&image, 1.0);
    let p = pollster::block_on(attacks::run(&model, &image, &truth, &pgd, &mut observer)).unwrap();
    assert!(p.distance.linf <= 1.0);
    // Each restart that did not fool the model is followed by another: 2, 4 or 6 steps seen,
    // and all 6 only when none succeeded before the last.
    assert!(
        observer.steps_seen.is_multiple_of(2) && (2..=6).contains(&observer.steps_seen),
        "{}",
        observer.steps_seen
    );
    assert!(p.success() || observer.steps_seen == 6);
}

/// C&W and DeepFool find a misclassified 8-bit image with a smaller L2 change than I-FGSM
/// (stopped as soon as it succeeds) on the same photo, and say they are L2 attacks.
#[test]
fn l2_attacks_are_smaller_than_ifgsm() {
    require!(Need::Weights);
    let model = lite0();
    // With every right class given: Lite0 calls Chelsea a tiger cat, which is right, so the
    // attacks must leave the cats altogether.
    for (name, label, also) in [
        ("chelsea", 281, vec![282, 285]),
        ("coffee", 967, vec![968, 504]),
        ("motorcycle_left", 665, vec![670]),
    ] {
        let image = reference_crop(name);
        let truth = Truth::Known {
            label,
            also: also.clone(),
        };
        let run = |config: AttackConfig| {
            pollster::block_on(attacks::run(
                &model,
                &image,
                &truth,
                &config,
                &mut NoObserver,
            ))
            .unwrap()
        };
        let ifgsm = run(AttackConfig {
            early_stop: true,
            ..AttackConfig::new(Method::Ifgsm, 8.0)
        });
        assert!(ifgsm.verdict().counted && ifgsm.success());
        let cw = run(AttackConfig {
            steps: Some(60),
            search_steps: 3,
            ..AttackConfig::new(Method::CwL2, 8.0)
        });
        let deepfool = run(AttackConfig::new(Method::DeepFool, 8.0));
        for (attack, outcome) in [("C&W", &cw), ("DeepFool", &deepfool)] {
            let again = reclassified(&model, outcome).top1();
            println!(
                "{name} {attack}: {} -> {} ({:.3}), L2 {:.1} (I-FGSM {:.1}), L-inf {}, {} steps",
                label,
                again.name(),
                again.prob,
                outcome.distance.l2,
                ifgsm.distance.l2,
                outcome.distance.linf,
                outcome.steps_run
            );
            assert_eq!(outcome.config.method.norm(), attacks::Norm::L2);
            assert_eq!(again, outcome.adversarial_prediction);
            assert!(
                again.index != label && !also.contains(&again.index),
                "{name}: {attack} did not fool Lite0"
            );
            let verdict = outcome.verdict();
            assert!(
                verdict.counted && verdict.fooled,
                "{name}: {attack}: {verdict:?}"
            );
            assert!(
                outcome.distance.l2 < ifgsm.distance.l2,
                "{name}: {attack} L2 {} >= I-FGSM's {}",
                outcome.distance.l2,
                ifgsm.distance.l2
            );
        }
    }
}

/// A fooling image climbs from grey (and from noise) to the target with probability >= 0.9,
/// measured on the saved PNG.
#[test]
fn fooling_images_reach_the_target() {
    require!(Need::Weights);
    let model = lite0();
    let gibbon_class = gibbon::imagenet::lookup("gibbon").unwrap().index;
    let blank = image::RgbImage::new(224, 224);
    for (start, tv) in [(attacks::Start::Grey, 0.0), (attacks::Start::Noise, 0.05)] {
        let config = AttackConfig {
            target: Some(gibbon_class),
            start,
            tv,
            ..AttackConfig::new(Method::Fooling, 8.0)
        };
        let outcome = pollster::block_on(attacks::run(
            &model,
            &blank,
            &Truth::Unknown,
            &config,
            &mut NoObserver,
        ))
        .unwrap();
        let p = reclassified(&model, &outcome).prob(gibbon_class);
        println!(
            "{start:?} (tv {tv}): p(gibbon) {p:.3} after {} steps, L-inf from start {}",
            outcome.steps_run, outcome.distance.linf
        );
        assert!(p >= 0.9, "{start:?}: p(gibbon) = {p}");
        assert!(outcome.success());
        assert!(outcome.steps_run < 300, "stopped at the threshold");
        if start == attacks::Start::Grey {
            assert!(outcome.original.pixels().all(|p| p.0 == [128; 3]));
        }
    }
}

/// Rounding can undo an attack that was just over the line: I-FGSM with steps of a quarter
/// level stops early at an iterate that fools Lite0, but those quarter levels round back to
/// the photo. The lattice refinement takes whole-level steps from the rounded image and
/// rescues it, inside the eps-ball; the saved PNG, classified again, is fooled. A fractional
/// eps never lets rounding go past it.
#[test]
fn lattice_refinement_rescues_rounded_near_misses() {
    require!(Need::Weights);
    let model = lite0();
    let images = [reference_crop("camera"), reference_crop("motorcycle_left")];
    let truths = [Truth::label(872), Truth::label(665)];
    let run = |refine: usize| {
        let config = AttackConfig {
            alpha: Some(0.25),
            steps: Some(20),
            early_stop: true,
            refine,
            ..AttackConfig::new(Method::Ifgsm, 2.0)
        };
        pollster::block_on(attacks::run_batch(
            &model,
            &images,
            &truths,
            &config,
            &mut NoObserver,
        ))
        .unwrap()
    };
    let plain = run(0);
    let refined = run(10);
    for ((p, r), truth) in plain.iter().zip(&refined).zip(&truths) {
        println!(
            "plain: success {} linf {}; refined: success {} in {} lattice step(s), linf {}",
            p.success(),
            p.distance.linf,
            r.success(),
            r.lattice_steps,
            r.distance.linf
        );
        // The unrounded iterate fooled the model, the rounded one did not.
        assert_eq!(p.steps_run, 1);
        assert!(!p.success() && p.lattice_steps == 0);
        assert!(r.rescued() && (1..=10).contains(&r.lattice_steps));
        assert!(r.distance.linf >= 1.0 && r.distance.linf <= 2.0);
        let label = truth.known_label().unwrap();
        assert_ne!(reclassified(&model, r).top1().index, label);
    }
    // FGSM at eps 2.5 steps 2.5 levels; the saved image moves at most 2.
    let image = reference_crop("coffee");
    let fgsm = pollster::block_on(attacks::run(
        &model,
        &image,
        &Truth::label(967),
        &AttackConfig::new(Method::Fgsm, 2.5),
        &mut NoObserver,
    ))
    .unwrap();
    assert_eq!(fgsm.distance.linf, 2.0);
}

/// The differentiable JPEG of EOT's views is close to a real JPEG: nearer to the `image`
/// crate's JPEG of the photo than the photo itself is, at quality 50 and 90, and a gradient
/// passes through it.
#[test]
fn eot_jpeg_approximation_is_near_a_real_jpeg() {
    let device = cpu();
    let photo = reference_crop("chelsea");
    let x = gibbon::models::to_tensor(&photo, &device);
    for quality in [50u8, 90] {
        let approx = values(attacks::robust::jpeg_approx(x.clone(), quality));
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality)
            .encode_image(&photo)
            .unwrap();
        let real = imaging::to_chw(&image::load_from_memory(&bytes).unwrap().to_rgb8());
        let original = imaging::to_chw(&photo);
        let mean = |a: &[f32], b: &[f32]| {
            a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f32>() / a.len() as f32
        };
        let (to_real, photo_to_real) = (mean(&approx, &real), mean(&original, &real));
        println!(
            "quality {quality}: |approx - jpeg| {to_real:.2}, |photo - jpeg| {photo_to_real:.2}, |approx - photo| {:.2}",
            mean(&approx, &original)
        );
        assert!(to_real < photo_to_real, "{to_real} vs {photo_to_real}");
    }
    let input = x.autodiff().require_grad();
    let loss = attacks::robust::jpeg_approx(input.clone(), 75).sum();
    let gradient = values(input.grad(&loss.backward()).unwrap().clone());
    let mean = gradient.iter().sum::<f32>() / gradient.len() as f32;
    // Rounding's stand-in round(x) + (x - round(x))^3 has slope 3 (x - round(x))^2, which
    // averages 3/12 over a uniform residue: the gradient passes, scaled by about a quarter.
    assert!(mean > 0.15 && mean < 0.4, "d sum / d pixel averages {mean}");
}

/// EOT I-FGSM stays in the eps-ball and [0, 255] at every step and fools Lite0 on the rounded
/// image; its views do not change the image a user saves.
#[test]
fn eot_attack_stays_in_the_ball_and_fools() {
    require!(Need::Weights);
    let model = lite0();
    let image = reference_crop("coffee");
    let mut observer = checker(&image, 8.0);
    let config = AttackConfig {
        eot: 4,
        ..AttackConfig::new(Method::Ifgsm, 8.0)
    };
    let outcome = pollster::block_on(attacks::run(
        &model,
        &image,
        &Truth::label(967),
        &config,
        &mut observer,
    ))
    .unwrap();
    assert!(outcome.success(), "{:?}", outcome.adversarial_prediction);
    assert!(outcome.distance.linf <= 8.0);
    assert_eq!(observer.steps_seen, config.steps());
}

/// The photo's own resolution: chelsea upscaled to 1600x1200 is attacked at that size (the
/// resize and crop to Lite0's input inside the graph). The full-size PNG, decoded and
/// classified through `classify` (the CLI's path), is misclassified, within eps of the
/// full-size original; the attack saw the photo exactly as `classify` does.
#[test]
fn full_resolution_attack_survives_the_classify_path() {
    require!(Need::Weights);
    let model = lite0();
    let photo = image::imageops::resize(
        &sample_photo("chelsea.png"),
        1600,
        1200,
        image::imageops::FilterType::CatmullRom,
    );
    let before = pollster::block_on(model.classify(&photo)).unwrap();
    let config = AttackConfig {
        resolution: attacks::Resolution::Full,
        ..AttackConfig::new(Method::Ifgsm, 4.0)
    };
    let chelsea = &gibbon::samples::SAMPLES[0];
    assert!(
        chelsea.accepts(before.top1().index),
        "the upscaled photo is still a cat"
    );
    let mut observer = checker(&photo, 4.0);
    let outcome = pollster::block_on(attacks::run(
        &model,
        &photo,
        &Truth::of_sample(chelsea),
        &config,
        &mut observer,
    ))
    .unwrap();
    // The attack's first classification is `classify`'s, to float tolerance.
    assert_eq!(outcome.original_prediction.index, before.top1().index);
    assert!((outcome.original_prediction.prob - before.top1().prob).abs() < 1e-5);
    assert_eq!(outcome.adversarial.dimensions(), (1600, 1200));

    let png = imaging::encode_png(&outcome.adversarial).unwrap();
    let decoded = imaging::decode(&png).unwrap();
    let after = pollster::block_on(model.classify(&decoded)).unwrap();
    let linf = linf_levels(&photo, &decoded);
    println!(
        "1600x1200 chelsea: {} ({:.3}) -> {} {} ({:.3}), L-inf {linf}, {} steps",
        before.top1().index,
        before.top1().prob,
        after.top1().index,
        after.top1().name(),
        after.top1().prob,
        outcome.steps_run
    );
    assert_eq!(after.top1(), outcome.adversarial_prediction);
    let verdict = outcome.verdict();
    assert!(
        verdict.counted && verdict.fooled,
        "not fooled at full resolution"
    );
    assert!(!chelsea.accepts(after.top1().index));
    assert!(linf <= 4, "L-inf {linf} > eps 4");

    // A photo too large is refused with a message, and DI-FGSM at full resolution too.
    let huge = image::RgbImage::new(6001, 10);
    let err = pollster::block_on(attacks::run(
        &model,
        &huge,
        &Truth::Unknown,
        &config,
        &mut NoObserver,
    ))
    .unwrap_err();
    assert!(err.to_string().contains("6000"), "{err}");
    let di = AttackConfig {
        resolution: attacks::Resolution::Full,
        ..AttackConfig::new(Method::DiFgsm, 4.0)
    };
    assert!(di.validate().is_err());
}
