//! The page's words, in one place per language: [`en::EN`] and [`ja::JA`], two values of one
//! typed table ([`Texts`]), so that a text missing from a language does not compile. The
//! language comes from the browser, and the switch in the header keeps the choice (in
//! localStorage) over reloads.
//!
//! Notices come typed and are worded here too, when shown: the worker's ([`Say`]) and the
//! page's own ([`Note`]), so that the worker never needs the language and a notice on screen
//! follows a switch. Only their technical details (behind the notices' disclosure) stay as
//! the library or the browser wrote them, in English. The ImageNet class names are English: no freely
//! licensed Japanese list is in a registry package we could find.

mod en;
mod ja;

use leptos::prelude::*;

use super::note::Note;
use crate::attacks::{Method, Start, Transform};
use crate::worker::protocol::{DeviceTiming, Say};

/// A language of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ja,
}

impl Lang {
    /// Every language, in the switch's order.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ja];

    /// The BCP 47 tag, for `<html lang>` and the stored choice.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }

    /// The language's own name, for the switch.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ja => "日本語",
        }
    }

    fn from_tag(tag: &str) -> Option<Lang> {
        let tag = tag.to_ascii_lowercase();
        Lang::ALL
            .into_iter()
            .find(|l| tag == l.tag() || tag.starts_with(&format!("{}-", l.tag())))
    }

    /// The stored choice, else the browser's language, else English.
    pub fn initial() -> Lang {
        stored()
            .and_then(|t| Lang::from_tag(&t))
            .or_else(|| {
                web_sys::window()
                    .and_then(|w| w.navigator().language())
                    .and_then(|t| Lang::from_tag(&t))
            })
            .unwrap_or(Lang::En)
    }

    /// Its words.
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &en::EN,
            Lang::Ja => &ja::JA,
        }
    }
}

/// The key of the stored choice.
const KEY: &str = "gibbon-language";

/// localStorage, through Reflect (it throws where storage is blocked; then nothing is kept).
fn storage() -> Option<wasm_bindgen::JsValue> {
    let window = web_sys::window()?;
    js_sys::Reflect::get(&window, &"localStorage".into())
        .ok()
        .filter(|s| !s.is_undefined() && !s.is_null())
}

fn call(method: &str, args: &[&str]) -> Option<wasm_bindgen::JsValue> {
    use wasm_bindgen::JsCast;
    let storage = storage()?;
    let f: js_sys::Function = js_sys::Reflect::get(&storage, &method.into())
        .ok()?
        .dyn_into()
        .ok()?;
    let args: js_sys::Array = args
        .iter()
        .map(|a| wasm_bindgen::JsValue::from(*a))
        .collect();
    f.apply(&storage, &args).ok()
}

fn stored() -> Option<String> {
    call("getItem", &[KEY])?.as_string()
}

/// The page's language, shared by every component.
#[derive(Clone, Copy)]
pub struct Language(pub RwSignal<Lang>);

impl Language {
    /// Starts with the stored or the browser's language, and keeps `<html lang>` in step.
    pub fn provide() -> Self {
        let language = Language(RwSignal::new(Lang::initial()));
        Effect::new(move |_| {
            let tag = language.0.get().tag();
            if let Some(html) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element())
            {
                let _ = html.set_attribute("lang", tag);
            }
        });
        provide_context(language);
        language
    }

    /// Switches, and keeps the choice.
    pub fn set(self, lang: Lang) {
        let _ = call("setItem", &[KEY, lang.tag()]);
        self.0.set(lang);
    }
}

/// The current language's words (reactive: read it inside a closure).
pub fn texts() -> impl Fn() -> &'static Texts + Copy {
    let language = expect_context::<Language>();
    move || language.0.get().texts()
}

/// The current language's words, untracked: for event handlers and tasks.
pub fn texts_now() -> impl Fn() -> &'static Texts + Copy {
    let language = expect_context::<Language>();
    move || language.0.get_untracked().texts()
}

/// The language switch.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let language = expect_context::<Language>();
    let t = texts();
    view! {
        <label class="language">
            {move || t().language}
            " "
            <select
                data-testid="language"
                on:change=move |ev| {
                    if let Some(lang) = Lang::from_tag(&event_target_value(&ev)) {
                        language.set(lang);
                    }
                }
            >
                {Lang::ALL
                    .into_iter()
                    .map(|l| view! {
                        <option value=l.tag() selected=move || language.0.get() == l>{l.name()}</option>
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// One screen of the guided lesson, in words.
pub struct LessonWords {
    pub title: &'static str,
    pub text: &'static str,
}

/// Every word of the page that is translated, in one language.
pub struct Texts {
    // The page.
    pub language: &'static str,
    pub tagline: &'static str,
    pub benchmark: &'static str,
    pub credits: &'static str,
    // The model bar.
    pub model: &'static str,
    /// "Loading {model}: {received} / {total} MB".
    pub loading: fn(&str, f64, Option<f64>) -> String,
    pub starting: &'static str,
    /// While the page times both devices.
    pub measuring_devices: &'static str,
    /// What was measured on each device.
    pub device_timing: fn(&DeviceTiming) -> String,
    pub use_cpu: &'static str,
    pub try_webgpu: &'static str,
    // The photo.
    pub drop_hint: &'static str,
    pub choose_file: &'static str,
    pub no_photo: &'static str,
    pub photo_as_seen: &'static str,
    pub what_model_sees: &'static str,
    // The camera.
    pub camera_open: &'static str,
    pub camera_take: &'static str,
    pub camera_switch: &'static str,
    pub camera_close: &'static str,
    pub camera_view: &'static str,
    // Live classification of the camera.
    pub live_start: &'static str,
    pub live_stop: &'static str,
    pub live_title: &'static str,
    pub live_waiting: &'static str,
    /// Frames per second, and the worker's milliseconds per frame when known.
    pub live_fps: fn(f64, Option<f64>) -> String,
    /// The live chart's title and text alternative, with the class it follows and the seconds
    /// it spans.
    pub live_chart: fn(&str, u32) -> String,
    // The attack panel.
    pub attack: &'static str,
    pub method: &'static str,
    pub method_title: fn(Method) -> &'static str,
    pub explain: fn(Method) -> &'static str,
    /// "ε = {eps} / 255".
    pub eps: fn(f32) -> String,
    pub eps_slider: &'static str,
    pub no_eps_fooling: &'static str,
    pub no_eps_l2: &'static str,
    pub step_size: &'static str,
    pub steps: &'static str,
    pub early_stop: &'static str,
    /// The full-size switch, with the photo's size when known.
    pub full_size: fn(Option<(u32, u32)>) -> String,
    /// Why an attack works on the crop: a fooling image, DI-FGSM, or (any other method) EOT.
    pub crop_only: fn(Method) -> &'static str,
    pub run: &'static str,
    pub cancel: &'static str,
    // The lesson.
    pub lesson_open: &'static str,
    pub lesson_label: &'static str,
    pub lesson: [LessonWords; 8],
    pub lesson_back: &'static str,
    pub lesson_next: &'static str,
    pub lesson_close: &'static str,
    /// "{k} of {n}".
    pub lesson_of: fn(usize, usize) -> String,
    pub lesson_no_photo: &'static str,
    pub computing: &'static str,
    pub lesson_wait: &'static str,
    /// "The model sees: {guesses}."
    pub lesson_sees: fn(&str) -> String,
    /// FGSM at eps 1: its largest change, and what the model then says.
    pub lesson_sign: fn(f32, &str, &str) -> String,
    /// A judge's line: its name, what it sees, and a verdict word.
    pub lesson_judged: fn(&str, &str, LessonVerdict) -> String,
    /// The judges' lines, joined, as a sentence.
    pub lesson_transfer: fn(&str) -> String,
    pub lesson_no_judge: &'static str,
    pub lesson_no_result: &'static str,
    /// The JPEG checks' line, from "JPEG 95: survives" parts.
    pub lesson_jpeg: fn(&str) -> String,
    /// A JPEG check: its quality and whether the image survived (None: uncounted).
    pub lesson_jpeg_check: fn(u8, Option<bool>) -> String,
    // The live chart.
    pub chart_title: &'static str,
    /// "{n} step(s)".
    pub chart_steps: fn(usize) -> String,
    pub chart_true: &'static str,
    pub chart_target: &'static str,
    // The result.
    pub sees_now: &'static str,
    pub rounded_note: &'static str,
    pub attack_running: &'static str,
    pub attacking: &'static str,
    pub original: &'static str,
    pub original_alt: &'static str,
    /// The perturbation's caption and its text alternative, at an amplification.
    pub perturbation: fn(f32) -> String,
    pub perturbation_alt: fn(f32) -> String,
    pub amplify: &'static str,
    pub adversarial: &'static str,
    /// A fooling image: its start, and the class and probability the model sees in it.
    pub made_from: fn(Start, &str, f32) -> String,
    /// Wrong before the attack: what the model saw, and the right class.
    pub wrong_before: fn(&str, &str) -> String,
    /// Fooled: from, to, the probability of "to", and the largest change per value.
    pub fooled: fn(&str, &str, f32, f32) -> String,
    /// Not fooled: what it still sees, and its probability.
    pub not_fooled: fn(&str, f32) -> String,
    /// A sentence after the verdict on a targeted attack: the target, and whether it was hit.
    pub target: fn(&str, bool) -> String,
    /// The lattice refinement's steps, and whether they rescued the attack.
    pub lattice: fn(usize, bool) -> String,
    /// "Attacked on the ensemble {names}: ...".
    pub attacked_on: fn(&str) -> String,
    pub steps_run: &'static str,
    pub download_adversarial: &'static str,
    pub download_perturbation: &'static str,
    pub share_card: &'static str,
    /// The share card's title, from whether the model was fooled.
    pub card_title: fn(bool) -> String,
    /// A share card panel's caption: "Original" or "Adversarial", a class and its probability.
    pub card_caption: fn(&str, &str, f32) -> String,
    /// The share card's footer: the model, the method, the budget, the largest change.
    pub card_footer: fn(&str, &str, &str, f32) -> String,
    // The transfer test and the matrix.
    pub transfer_title: &'static str,
    pub transfer_note: &'static str,
    pub transfer_run: &'static str,
    pub transfer_testing: &'static str,
    pub column_model: &'static str,
    pub column_verdict: &'static str,
    /// A transfer row's verdict, from `Verdict::word` ("target", "fooled", "held", "wrong").
    pub transfer_word: fn(&str) -> &'static str,
    pub matrix_title: &'static str,
    pub matrix_note: &'static str,
    pub matrix_run: &'static str,
    pub matrix_running: &'static str,
    pub matrix_corner: &'static str,
    // The survival checks.
    pub survival_title: &'static str,
    pub survival_note: &'static str,
    pub survival_run: &'static str,
    pub survival_checking: &'static str,
    /// "It survives {survived} of the {counted} changes the original survives."
    pub survival_summary: fn(usize, usize) -> String,
    pub transform: fn(Transform) -> String,
    /// A check's word: None, the original is not recognised either; else whether it survived.
    pub survival_word: fn(Option<bool>) -> &'static str,
    /// A thumbnail's text alternative: the change, its word, what the model sees.
    pub survival_alt: fn(&str, &str, &str) -> String,
    // The eps sweep.
    pub sweep_title: &'static str,
    /// The sweep's note, with its eps list.
    pub sweep_note: fn(&str) -> String,
    pub sweep_run: &'static str,
    pub sweeping: &'static str,
    pub sweep_fooled: &'static str,
    pub sweep_true_class: &'static str,
    /// The chart's title, with the method's name.
    pub sweep_chart: fn(&str) -> String,
    /// One point: eps, fooled, p(true class).
    pub sweep_point: fn(f32, bool, f32) -> String,
    pub sweep_empty: &'static str,
    // Your own model.
    pub own_model: &'static str,
    pub own_model_note: &'static str,
    pub own_model_convert: &'static str,
    pub own_model_read_here: &'static str,
    pub architecture: &'static str,
    pub weights_file: &'static str,
    pub weights_url: &'static str,
    pub weights_load: &'static str,
    // The chosen method's own options.
    /// The lattice refinement's switch, with its most steps.
    pub refine: fn(usize) -> String,
    /// The EOT slider's words, with its views per step (0 or 1: off).
    pub eot: fn(usize) -> String,
    pub eot_slider: &'static str,
    pub restarts: fn(f32) -> String,
    pub restarts_slider: &'static str,
    pub targets: fn(f32) -> String,
    pub targets_slider: &'static str,
    pub queries: fn(f32) -> String,
    pub queries_slider: &'static str,
    pub black_box: &'static str,
    /// The progress line: steps done of planned, a score-based attack's queries, each
    /// longer job.
    pub progress_steps: fn(usize, usize) -> String,
    pub progress_queries: fn(usize, usize) -> String,
    pub progress_matrix: &'static str,
    pub progress_sweep: &'static str,
    pub progress_transfer: &'static str,
    pub progress_survival: &'static str,
    pub progress_preparing: &'static str,
    pub diversity: fn(f32) -> String,
    pub diversity_slider: &'static str,
    pub kappa: fn(f32) -> String,
    pub kappa_slider: &'static str,
    pub search_rounds: fn(f32) -> String,
    pub search_slider: &'static str,
    pub overshoot: fn(f32) -> String,
    pub overshoot_slider: &'static str,
    pub threshold: fn(f32) -> String,
    pub threshold_slider: &'static str,
    pub tv: fn(f32) -> String,
    pub tv_slider: &'static str,
    pub start_noise: &'static str,
    pub ensemble_legend: &'static str,
    /// The target field's label: required or optional.
    pub target_class: fn(bool) -> &'static str,
    pub target_placeholder: &'static str,
    /// The chosen target: its name and index.
    pub target_chosen: fn(&str, usize) -> String,
    pub no_target: &'static str,
    // The stage: a universal noise.
    pub universal_title: &'static str,
    pub universal_note: &'static str,
    /// The training photos: the gallery's (how many), and the user's own and camera frames.
    pub training_gallery: fn(usize) -> String,
    pub training_added: fn(usize) -> String,
    pub training_add_photo: &'static str,
    pub training_add_frame: &'static str,
    pub training_clear: &'static str,
    /// The steps the page learns on the CPU by default, and the library's default.
    pub cpu_steps: fn(usize, usize) -> String,
    pub universal_make: &'static str,
    /// Step, of steps, share of the step's views fooled, seconds left when known.
    pub universal_progress: fn(usize, usize, f32, Option<f64>) -> String,
    /// The noise made: eps, steps, fooled of counted photos it was learnt from, seconds.
    pub universal_done: fn(f32, usize, usize, usize, f64) -> String,
    /// The noise's picture: eps, amplification.
    pub noise_alt: fn(f32, f32) -> String,
    pub noise_download: &'static str,
    pub noise_upload: &'static str,
    pub noise_apply_photo: &'static str,
    pub noise_apply_camera: &'static str,
    /// The photo without and with the noise: the two classes, and whether it changed.
    pub noise_verdict: fn(&str, &str, bool) -> String,
    pub noisy_photo_alt: &'static str,
    pub live_without: &'static str,
    pub live_with: &'static str,
    // The stage: a printable patch.
    pub patch_title: &'static str,
    pub patch_note: &'static str,
    pub patch_make: &'static str,
    pub patch_batch: &'static str,
    /// Resume, at step, of steps.
    pub patch_resume: fn(usize, usize) -> String,
    /// Step, of steps, share of the step's placements seen as the target, seconds left.
    pub patch_progress: fn(usize, usize, f32, Option<f64>) -> String,
    /// The patch kept: its target, steps done, of steps, seconds per step when measured.
    pub patch_kept: fn(&str, usize, usize, Option<f64>) -> String,
    pub patch_place: &'static str,
    pub patch_place_hint: &'static str,
    /// The patch's share of the photo's area.
    pub patch_scale: fn(f32) -> String,
    pub patch_scale_slider: &'static str,
    /// What the model sees with the patch: class, probability, the target, whether it is hit.
    pub patch_verdict: fn(&str, f32, &str, bool) -> String,
    pub patch_live: &'static str,
    pub patch_diameter: &'static str,
    pub patch_print: &'static str,
    pub patch_download: &'static str,
    /// The print view's text alternative, with its diameter in cm.
    pub patch_print_alt: fn(f32) -> String,
    // Notices.
    pub details: &'static str,
    pub close_notice: &'static str,
    /// The page itself panicked (shown without Leptos).
    pub page_broke: &'static str,
    /// What the worker says, worded.
    pub say: fn(&Say) -> String,
    /// What a notice says (the worker's words or the page's own), worded.
    pub note: fn(&Note) -> String,
}

impl Texts {
    /// Words a notice.
    pub fn word(&self, note: &Note) -> String {
        (self.note)(note)
    }
}

/// How another model judged the lesson's image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LessonVerdict {
    WrongBefore,
    Fooled,
    NotFooled,
}
