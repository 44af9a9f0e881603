//! The page's words, in one place per language: [`en::EN`] and [`ja::JA`], two values of one
//! typed table ([`Texts`]), so that a text missing from a language does not compile. The
//! language comes from the browser, and the switch in the header keeps the choice (in
//! localStorage) over reloads.
//!
//! Not yet in the tables: the results, transfer, survival, sweep and matrix panels, the
//! worker's messages and the ImageNet class names (English: no freely licensed Japanese list
//! is in a registry package we could find).

mod en;
mod ja;

use leptos::prelude::*;

use crate::attacks::Method;

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
    fn initial() -> Lang {
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
    pub lesson_no_judge: &'static str,
    pub lesson_no_result: &'static str,
    /// The JPEG checks' line, from "JPEG 95: survives" parts.
    pub lesson_jpeg: fn(&str) -> String,
    /// A JPEG check: its quality and whether the image survived (None: uncounted).
    pub lesson_jpeg_check: fn(u8, Option<bool>) -> String,
}

/// How another model judged the lesson's image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LessonVerdict {
    WrongBefore,
    Fooled,
    NotFooled,
}
