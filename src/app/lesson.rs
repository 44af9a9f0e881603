//! The guided lesson: the seed article's ideas, one screen at a time, on the user's own photo.
//! Each screen has a short explanation (with the article's formulas, drawn by the browser's
//! MathML) and starts the real computation it talks about; the line under it, and the result
//! below the lesson, come from that computation. All of the lesson's words are in [`STEPS`].

use leptos::prelude::*;

use super::page::{AttackRun, Page, PhotoState};
use super::results::verdict_sentence;
use crate::attacks::{AttackConfig, Method, Resolution, Transform};
use crate::imagenet;

/// What a screen of the lesson computes when it opens.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Action {
    /// Nothing new: the photo's own classification.
    None,
    /// An attack on the model's crop (the lesson works at the model's size, like the seed).
    Attack {
        method: Method,
        eps: f32,
        target: Option<usize>,
    },
    /// The other models judge the last result.
    Transfer,
    /// The last result saved as JPEG (and the other survival checks).
    Survival,
}

/// One screen: a title, an explanation, the formula it is about (MathML), what it computes.
struct LessonStep {
    title: &'static str,
    text: &'static str,
    formula: Option<&'static str>,
    action: Action,
}

/// ImageNet's gibbon, the article's target.
const GIBBON: usize = 368;

/// The lesson, in order.
const STEPS: [LessonStep; 8] = [
    LessonStep {
        title: "1. What the model sees",
        text: "A classifier turns the photo into 1000 probabilities, one per ImageNet class. These are its five best guesses for your photo.",
        formula: None,
        action: Action::None,
    },
    LessonStep {
        title: "2. Which way is worse: the gradient's sign",
        text: "The gradient of the loss J with respect to the pixels says, for every pixel and colour, which way makes the model less sure of the right answer. Its sign, +1 or -1, is the middle picture below: each value moved by exactly 1/255, grey where nothing moved.",
        formula: Some(
            r#"<math display="block"><mrow><mi>sign</mi><mo>(</mo><msub><mo>∇</mo><mi>x</mi></msub><mi>J</mi><mo>(</mo><mi>θ</mi><mo>,</mo><mi>x</mi><mo>,</mo><mi>y</mi><mo>)</mo><mo>)</mo></mrow></math>"#,
        ),
        action: Action::Attack {
            method: Method::Fgsm,
            eps: 1.0,
            target: None,
        },
    },
    LessonStep {
        title: "3. One step: FGSM",
        text: "Move every pixel value by ε along that sign, all at once (the fast gradient sign method). With ε = 8, no value changes by more than 8 of 255 levels: hard to see, and often enough to change the model's answer.",
        formula: Some(
            r#"<math display="block"><mrow><msup><mi>x</mi><mi>adv</mi></msup><mo>=</mo><mi>x</mi><mo>+</mo><mi>ε</mi><mo>·</mo><mi>sign</mi><mo>(</mo><msub><mo>∇</mo><mi>x</mi></msub><mi>J</mi><mo>(</mo><mi>θ</mi><mo>,</mo><mi>x</mi><mo>,</mo><mi>y</mi><mo>)</mo><mo>)</mo></mrow></math>"#,
        ),
        action: Action::Attack {
            method: Method::Fgsm,
            eps: 8.0,
            target: None,
        },
    },
    LessonStep {
        title: "4. Many small steps, clipped",
        text: "Iterative FGSM takes steps of 1/255 and, after each, clips the image back to within ε of the photo and to valid pixel values. It needs less change than one big step.",
        formula: Some(
            r#"<math display="block"><mrow><msubsup><mi>x</mi><mrow><mi>n</mi><mo>+</mo><mn>1</mn></mrow><mi>adv</mi></msubsup><mo>=</mo><msub><mi>Clip</mi><mrow><mi>x</mi><mo>,</mo><mi>ε</mi></mrow></msub><mo>{</mo><msubsup><mi>x</mi><mi>n</mi><mi>adv</mi></msubsup><mo>+</mo><mi>α</mi><mo>·</mo><mi>sign</mi><mo>(</mo><msub><mo>∇</mo><mi>x</mi></msub><mi>J</mi><mo>(</mo><mi>θ</mi><mo>,</mo><msubsup><mi>x</mi><mi>n</mi><mi>adv</mi></msubsup><mo>,</mo><mi>y</mi><mo>)</mo><mo>)</mo><mo>}</mo></mrow></math>"#,
        ),
        action: Action::Attack {
            method: Method::Ifgsm,
            eps: 8.0,
            target: None,
        },
    },
    LessonStep {
        title: "5. Aiming at a class: the panda that becomes a gibbon",
        text: "Going down the loss of a chosen class instead of up the loss of the right one makes the model see that class. Here the target is a gibbon, as in the famous panda picture.",
        formula: Some(
            r#"<math display="block"><mrow><msubsup><mi>x</mi><mrow><mi>n</mi><mo>+</mo><mn>1</mn></mrow><mi>adv</mi></msubsup><mo>=</mo><msub><mi>Clip</mi><mrow><mi>x</mi><mo>,</mo><mi>ε</mi></mrow></msub><mo>{</mo><msubsup><mi>x</mi><mi>n</mi><mi>adv</mi></msubsup><mo>−</mo><mi>α</mi><mo>·</mo><mi>sign</mi><mo>(</mo><msub><mo>∇</mo><mi>x</mi></msub><mi>J</mi><mo>(</mo><mi>θ</mi><mo>,</mo><msubsup><mi>x</mi><mi>n</mi><mi>adv</mi></msubsup><mo>,</mo><msub><mi>y</mi><mi>target</mi></msub><mo>)</mo><mo>)</mo><mo>}</mo></mrow></math>"#,
        ),
        action: Action::Attack {
            method: Method::Targeted,
            eps: 8.0,
            target: Some(GIBBON),
        },
    },
    LessonStep {
        title: "6. Iterative least-likely",
        text: "The article's favourite: aim at the class the model finds least likely for the photo, the most absurd answer it could give.",
        formula: Some(
            r#"<math display="block"><mrow><msub><mi>y</mi><mi>LL</mi></msub><mo>=</mo><munder><mi>argmin</mi><mi>y</mi></munder><mi>p</mi><mo>(</mo><mi>y</mi><mo>|</mo><mi>x</mi><mo>)</mo></mrow></math>"#,
        ),
        action: Action::Attack {
            method: Method::LeastLikely,
            eps: 8.0,
            target: None,
        },
    },
    LessonStep {
        title: "7. Does it fool another model?",
        text: "The image was made for one model. The other models now judge the very same pixels: the article found that this transfer was rare.",
        formula: None,
        action: Action::Transfer,
    },
    LessonStep {
        title: "8. Does it survive a JPEG?",
        text: "People share photos as JPEG, which throws away fine detail, and the perturbation is fine detail. The image is saved as JPEG at three qualities (and resized and filtered), and the model judges each.",
        formula: None,
        action: Action::Survival,
    },
];

/// The lesson: a button that opens it, then one screen at a time with Back, Next and Close.
#[component]
pub fn Lesson() -> impl IntoView {
    let page = expect_context::<Page>();
    let photo = expect_context::<PhotoState>();
    let run = expect_context::<AttackRun>();
    let open = RwSignal::new(false);
    let step = RwSignal::new(0usize);

    let start = move |k: usize| {
        step.set(k);
        match STEPS[k].action {
            Action::None => {}
            Action::Attack {
                method,
                eps,
                target,
            } => page.run_attack(
                AttackConfig {
                    target,
                    resolution: Resolution::Model,
                    ..AttackConfig::new(method, eps)
                },
                Vec::new(),
            ),
            Action::Transfer => page.run_transfer(),
            Action::Survival => page.run_survival(),
        }
    };
    let busy = move || !page.activity.get().is_idle();
    let no_photo = move || photo.top.with(Vec::is_empty);
    let seen = move || live_line(STEPS[step.get()].action, &photo, &run);

    view! {
        <section class="panel lesson" data-testid="lesson" aria-label="Guided lesson">
            <Show
                when=move || open.get()
                fallback=move || view! {
                    <button data-testid="lesson-open" on:click=move |_| { open.set(true); start(0); }>
                        "Guided lesson: how a classifier is fooled, on your photo"
                    </button>
                }
            >
                <h2 data-testid="lesson-title">{move || STEPS[step.get()].title}</h2>
                <p>{move || STEPS[step.get()].text}</p>
                {move || STEPS[step.get()].formula.map(|f| view! { <div class="formula" inner_html=f></div> })}
                <p class="seen" data-testid="lesson-seen" aria-live="polite">
                    {move || if no_photo() {
                        "Choose a photo, a sample or the camera to begin.".to_string()
                    } else if busy() {
                        "Computing…".to_string()
                    } else {
                        seen()
                    }}
                </p>
                <div class="buttons">
                    <button data-testid="lesson-back" disabled=move || step.get() == 0 || busy()
                        on:click=move |_| start(step.get_untracked() - 1)>"Back"</button>
                    <button data-testid="lesson-next"
                        disabled=move || step.get() + 1 == STEPS.len() || busy() || no_photo()
                        on:click=move |_| start(step.get_untracked() + 1)>"Next"</button>
                    <button data-testid="lesson-close" on:click=move |_| open.set(false)>"Close"</button>
                    <span class="progress">{move || format!("{} of {}", step.get() + 1, STEPS.len())}</span>
                </div>
            </Show>
        </section>
    }
}

/// What the screen's computation gave, in one line.
fn live_line(action: Action, photo: &PhotoState, run: &AttackRun) -> String {
    let percent = |p: f32| format!("{:.1}%", p * 100.0);
    match action {
        Action::None => photo.top.with(|top| {
            let guesses: Vec<String> = top
                .iter()
                .map(|p| format!("{} ({})", p.name(), percent(p.prob)))
                .collect();
            format!("The model sees: {}.", guesses.join(", "))
        }),
        Action::Attack { method, eps, .. } => run.result.with(|r| match r {
            Some(r) if r.outcome.config.method == method && r.outcome.config.eps == eps => {
                let o = &r.outcome;
                if method == Method::Fgsm && eps == 1.0 {
                    format!(
                        "Every value moved by exactly 1/255 (largest change {}). After this one step the model says {} ({}).",
                        o.distance.linf,
                        o.adversarial_prediction.name(),
                        percent(o.adversarial_prediction.prob)
                    )
                } else {
                    verdict_sentence(o)
                }
            }
            _ => "Press Next again when the result is in.".to_string(),
        }),
        Action::Transfer => run.transfer.with(|rows| {
            let judged: Vec<String> = rows
                .iter()
                .map(|row| {
                    let word = if !row.verdict.counted {
                        "wrong on the photo already"
                    } else if row.verdict.fooled {
                        "fooled too"
                    } else {
                        "not fooled"
                    };
                    format!(
                        "{} sees {}: {word}",
                        row.judgement.model.display_name(),
                        imagenet::name(row.judgement.adversarial.index)
                    )
                })
                .collect();
            if judged.is_empty() {
                "No other model judged it.".to_string()
            } else {
                format!("{}.", judged.join("; "))
            }
        }),
        Action::Survival => run.survival.with(|views| {
            let jpeg: Vec<String> = views
                .iter()
                .filter(|v| matches!(v.check.survival.transform, Transform::Jpeg { .. }))
                .map(|v| {
                    let s = &v.check.survival;
                    format!("{}: {}", s.transform.describe(), s.word())
                })
                .collect();
            if jpeg.is_empty() {
                "No result to save yet.".to_string()
            } else {
                format!(
                    "{}. (\"destroyed\": the model is right again; \"-\": the JPEG fools it on the photo too.)",
                    jpeg.join(", ")
                )
            }
        }),
    }
}
