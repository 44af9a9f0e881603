//! The guided lesson: the ideas of the 2018 article "今更聞けない!? Adversarial Examples", one
//! screen at a time, on the user's own photo. Each screen has a short explanation (with the
//! article's formulas, drawn by the browser's MathML) and starts the real computation it talks
//! about; the line under it, and the result below the lesson, come from that computation. Its
//! words are in [`super::i18n`].

use leptos::prelude::*;

use super::attack_run::AttackRun;
use super::i18n::{LessonVerdict, Texts, texts};
use super::page::Page;
use super::photo::PhotoState;
use super::results::verdict_sentence;
use crate::attacks::{AttackConfig, Method, Resolution, Transform};
use crate::imagenet;

/// What a screen of the lesson computes when it opens.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Action {
    /// Nothing new: the photo's own classification.
    None,
    /// An attack on the model's crop (the lesson works at the model's size, as the article did).
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

/// One screen: the formula it is about (MathML) and what it computes; its words are in
/// [`super::i18n`] (`Texts::lesson`), in the same order.
struct LessonStep {
    formula: Option<&'static str>,
    action: Action,
}

/// ImageNet's gibbon, the article's target.
const GIBBON: usize = 368;

/// The lesson, in order.
const STEPS: [LessonStep; 8] = [
    LessonStep {
        formula: None,
        action: Action::None,
    },
    LessonStep {
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
        formula: None,
        action: Action::Transfer,
    },
    LessonStep {
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
    let t = texts();
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
    let seen = move || live_line(t(), STEPS[step.get()].action, &photo, &run);

    view! {
        <section class="panel lesson" data-testid="lesson" aria-label=move || t().lesson_label>
            <Show
                when=move || open.get()
                fallback=move || view! {
                    <button data-testid="lesson-open" on:click=move |_| { open.set(true); start(0); }>
                        {move || t().lesson_open}
                    </button>
                }
            >
                <h2 data-testid="lesson-title">{move || t().lesson[step.get()].title}</h2>
                <p>{move || t().lesson[step.get()].text}</p>
                {move || STEPS[step.get()].formula.map(|f| view! { <div class="formula" inner_html=f></div> })}
                <p class="seen" data-testid="lesson-seen" aria-live="polite">
                    {move || if no_photo() {
                        t().lesson_no_photo.to_string()
                    } else if busy() {
                        t().computing.to_string()
                    } else {
                        seen()
                    }}
                </p>
                <div class="buttons">
                    <button data-testid="lesson-back" disabled=move || step.get() == 0 || busy()
                        on:click=move |_| start(step.get_untracked() - 1)>{move || t().lesson_back}</button>
                    <button data-testid="lesson-next"
                        disabled=move || step.get() + 1 == STEPS.len() || busy() || no_photo()
                        on:click=move |_| start(step.get_untracked() + 1)>{move || t().lesson_next}</button>
                    <button data-testid="lesson-close" on:click=move |_| open.set(false)>{move || t().lesson_close}</button>
                    <span class="progress">{move || (t().lesson_of)(step.get() + 1, STEPS.len())}</span>
                </div>
            </Show>
        </section>
    }
}

/// What the screen's computation gave, in one line.
fn live_line(t: &Texts, action: Action, photo: &PhotoState, run: &AttackRun) -> String {
    let percent = |p: f32| format!("{:.1}%", p * 100.0);
    match action {
        Action::None => photo.top.with(|top| {
            let guesses: Vec<String> = top
                .iter()
                .map(|p| format!("{} ({})", p.name(), percent(p.prob)))
                .collect();
            (t.lesson_sees)(&guesses.join(", "))
        }),
        Action::Attack { method, eps, .. } => run.result.with(|r| match r {
            Some(r) if r.outcome.config.method == method && r.outcome.config.eps == eps => {
                let o = &r.outcome;
                if method == Method::Fgsm && eps == 1.0 {
                    let now = o.adversarial_prediction;
                    (t.lesson_sign)(o.distance.linf, now.name(), &percent(now.prob))
                } else {
                    verdict_sentence(o, t)
                }
            }
            _ => t.lesson_wait.to_string(),
        }),
        Action::Transfer => run.transfer.with(|rows| {
            let judged: Vec<String> = rows
                .iter()
                .map(|row| {
                    let verdict = if !row.verdict.counted {
                        LessonVerdict::WrongBefore
                    } else if row.verdict.fooled {
                        LessonVerdict::Fooled
                    } else {
                        LessonVerdict::NotFooled
                    };
                    (t.lesson_judged)(
                        row.judgement.model.display_name(),
                        imagenet::name(row.judgement.adversarial.index),
                        verdict,
                    )
                })
                .collect();
            if judged.is_empty() {
                t.lesson_no_judge.to_string()
            } else {
                (t.lesson_transfer)(&judged.join("; "))
            }
        }),
        Action::Survival => run.survival.with(|views| {
            let jpeg: Vec<String> = views
                .iter()
                .filter_map(|v| {
                    let s = &v.check.survival;
                    match s.transform {
                        Transform::Jpeg { quality } => Some((t.lesson_jpeg_check)(
                            quality,
                            s.verdict.counted.then(|| s.survived()),
                        )),
                        _ => None,
                    }
                })
                .collect();
            if jpeg.is_empty() {
                t.lesson_no_result.to_string()
            } else {
                (t.lesson_jpeg)(&jpeg.join(", "))
            }
        }),
    }
}
