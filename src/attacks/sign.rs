//! The L-inf family's steps: along the sign of the gradient (FGSM, I-FGSM, ILLC, targeted, PGD,
//! DI-FGSM, fooling images) or of MI-FGSM's momentum, projected onto the eps-ball and [0, 255].

use burn::prelude::*;

use super::diversity::Diversity;
use super::gradient::gradient_of;
use super::observer::Observer;
use super::random;
use super::robust::Views;
use super::setup::Setup;
use super::tracker::Tracker;
use super::{AttackError, Goal, Method};

/// The L-inf family: steps of alpha along the sign of the gradient (or of MI-FGSM's momentum),
/// projected onto the eps-ball and onto [0, 255]. A fooling image has no ball: only [0, 255].
pub async fn attack(
    setup: &Setup<'_>,
    tracker: &mut Tracker<'_, impl Observer>,
) -> Result<Tensor<4>, AttackError> {
    let (config, n, device) = (setup.config, setup.n, &setup.device);
    let (h, w) = (setup.height, setup.width);
    let original = &setup.original;
    let eps = if config.method.uses_eps() {
        config.eps
    } else {
        255.0
    };
    let alpha = config.alpha();
    let (lower, upper) = setup.ball();
    let project = |x: Tensor<4>| x.max_pair(lower.clone()).min_pair(upper.clone());
    let direction_sign = |goal: &Goal| match goal {
        Goal::Untargeted { .. } => 1.0f32,
        Goal::Targeted { .. } => -1.0f32,
    };

    let mut x = if config.method == Method::Pgd && eps > 0.0 {
        // The same random start for every image, as when each is attacked alone.
        let noise = random::uniform([1, 3, h, w], -eps, eps, config.seed, device);
        project(original.clone() + noise.repeat_dim(0, n))
    } else {
        original.clone()
    };
    let mut diversity =
        (config.method == Method::DiFgsm).then(|| Diversity::new(config.seed, config.diversity, w));
    let tv = if config.method == Method::Fooling {
        config.tv
    } else {
        0.0
    };
    // A fooling image always stops at its threshold.
    let stop = config.early_stop || config.method == Method::Fooling;
    let mut velocity: Option<Tensor<4>> = None;

    let mut views = (config.eot > 0).then(|| Views::new(config.seed, w));
    let pursued = setup.pursued();
    for step in 0..config.steps() {
        let transform = diversity.as_mut().and_then(Diversity::next_transform);
        let shrink_and_pad = transform.map(|t| move |p: Tensor<4>| t.apply(p));
        let (mut gradient, mut probs) = gradient_of(
            &setup.ensemble,
            &x,
            &pursued,
            shrink_and_pad
                .as_ref()
                .map(|f| f as &dyn Fn(Tensor<4>) -> Tensor<4>),
            tv,
        )
        .await?;
        if let Some(views) = views.as_mut() {
            // EOT: the mean gradient over random views (the image itself is the first).
            for _ in 1..config.eot {
                let view = views.next_view();
                let apply = move |p: Tensor<4>| view.apply(p);
                let (g, _) = gradient_of(&setup.ensemble, &x, &pursued, Some(&apply), tv).await?;
                gradient = gradient + g;
            }
        }
        if transform.is_some() {
            // The records are of the iterate itself, not of its transformed view.
            probs = setup.ensemble.probabilities(x.clone()).await?;
        }
        let records = tracker.record(setup, &probs, stop && step > 0);
        if !tracker.any_active() {
            break;
        }
        let direction = match config.method {
            Method::MiFgsm => {
                // g <- mu g + grad / ||grad||_1 (per image), step along sign(g).
                let l1 = gradient
                    .clone()
                    .abs()
                    .sum_dim(3)
                    .sum_dim(2)
                    .sum_dim(1)
                    .add_scalar(1e-12);
                let g = gradient / l1;
                let g = match velocity.take() {
                    Some(v) => v.mul_scalar(config.momentum) + g,
                    None => g,
                };
                velocity = Some(g.clone());
                g.sign()
            }
            _ => gradient.sign(),
        };
        // Each image's step: alpha along its own direction, nothing for finished images.
        let scale: Vec<f32> = (0..n)
            .map(|i| {
                if tracker.active[i] {
                    alpha * direction_sign(&setup.goals[i])
                } else {
                    0.0
                }
            })
            .collect();
        let scale = Tensor::<1>::from_floats(scale.as_slice(), device).reshape([n, 1, 1, 1]);
        x = project(x + direction * scale);
        if !tracker.moved(&records, &x).await {
            break;
        }
    }
    Ok(x)
}
