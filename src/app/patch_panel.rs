//! The stage, second half: a printable patch. The user makes a patch towards a target class
//! (toaster unless they choose another), with progress and Cancel; the patch so far is kept in
//! this browser (localStorage) with its step, so that a reload, or a new worker, resumes where
//! it stopped. It is dragged onto the photo (or moved with the arrow keys, + and − to
//! resize), and the model's verdict on the composite shown; pasted on the live camera's
//! frames; printed at a stated diameter, or downloaded as the PNG `gibbon patch` writes.

use leptos::ev;
use leptos::prelude::*;

use super::attack_panel::ClassPicker;
use super::browser;
use super::i18n::texts;
use super::page::Page;
use super::patch_state::{CPU_STEPS, PatchState};
use super::photo::PhotoState;
use super::photo_input::ProbabilityBars;
use super::session::Session;
use super::training::{TrainingPhotos, TrainingSet, on_cpu, typed};
use crate::attacks::{Param, PatchConfig};
use crate::worker::protocol::{MAX_PRINT_CM, Say};

/// The smallest share of the photo the patch is resized to with the keyboard.
const MIN_SCALE: f32 = 0.01;

/// "Make a printable patch", and what to do with it.
#[component]
pub fn PatchPanel() -> impl IntoView {
    let page = expect_context::<Page>();
    let state = expect_context::<PatchState>();
    let set = expect_context::<TrainingSet>();
    let session = expect_context::<Session>();
    let t = texts();
    let defaults = PatchConfig::default();
    let steps = RwSignal::new(String::new());
    let batch = RwSignal::new(String::new());
    let diameter = RwSignal::new(String::from("5"));
    let default_steps = move || {
        if on_cpu(session) {
            CPU_STEPS.min(defaults.steps)
        } else {
            defaults.steps
        }
    };
    let make = move |resume: bool| {
        let (steps_typed, batch_typed) = match (
            typed::<usize>(Param::Steps, &steps.get_untracked()),
            typed::<usize>(Param::Steps, &batch.get_untracked()),
        ) {
            (Ok(s), Ok(b)) => (s, b),
            (Err(bad), _) | (_, Err(bad)) => return page.notices.error(bad),
        };
        let Some(target) = state.target.get_untracked() else {
            return page.notices.error(Say::BadSetting {
                param: Param::Target,
                value: String::new(),
            });
        };
        let config = PatchConfig {
            target,
            steps: steps_typed.unwrap_or_else(|| untrack(default_steps)),
            batch: batch_typed.unwrap_or(defaults.batch),
            ..PatchConfig::default()
        };
        let model = session.chosen();
        page.notices.clear();
        page.stage_job(|job| Some(state.start(job, model, config, resume, set)));
    };
    let print = move |to_printer: bool| {
        let cm = diameter.get_untracked().trim().parse::<f32>();
        match cm {
            Ok(cm) if cm.is_finite() && (1.0..=MAX_PRINT_CM).contains(&cm) => {
                page.stage_job(|job| state.print(job, cm, to_printer));
            }
            _ => page.notices.error(Say::PrintSize(cm.unwrap_or(f32::NAN))),
        }
    };
    let target_name = move || {
        state
            .target
            .get()
            .map(crate::imagenet::name)
            .unwrap_or_default()
    };
    let progress_line = move || {
        state
            .progress
            .get()
            .map(|p| (t().patch_progress)(p.step, p.steps, p.share, p.left(browser::now_ms())))
    };
    view! {
        <section class="panel stage" data-testid="patch" aria-labelledby="patch-title">
            <h2 id="patch-title">{move || t().patch_title}</h2>
            <p class="note">{move || t().patch_note}</p>
            <ClassPicker target=state.target required=Signal::derive(|| true) testid="patch-"/>
            <div class="row">
                <label>
                    {move || t().steps}
                    <input type="text" inputmode="numeric" size="5" data-testid="patch-steps"
                        placeholder=move || default_steps().to_string() bind:value=steps/>
                </label>
                <label>
                    {move || t().patch_batch}
                    <input type="text" inputmode="numeric" size="5" data-testid="patch-batch"
                        placeholder=defaults.batch.to_string() bind:value=batch/>
                </label>
            </div>
            <Show when=move || on_cpu(session)>
                <p class="note">{move || (t().cpu_steps)(CPU_STEPS, defaults.steps)}</p>
            </Show>
            <Show when=move || set.count() == 0>
                <TrainingPhotos/>
            </Show>
            <div class="buttons">
                <button class="run" data-testid="patch-make"
                    disabled=move || state.learning.get().is_some() || set.count() == 0
                    on:click=move |_| make(false)>
                    {move || t().patch_make}
                </button>
                <Show when=move || state.kept.with(|k| k.as_ref().is_some_and(|k| k.unfinished()))>
                    <button data-testid="patch-resume"
                        disabled=move || state.learning.get().is_some() || set.count() == 0
                        on:click=move |_| make(true)>
                        {move || state.kept.with(|k| k.as_ref().map(|k| (t().patch_resume)(k.done, k.steps)).unwrap_or_default())}
                    </button>
                </Show>
                <button class="cancel" data-testid="patch-cancel"
                    disabled=move || state.learning.get().is_none()
                    on:click=move |_| {
                        if let Some(job) = state.learning.get_untracked() {
                            page.cancel_job(job);
                        }
                    }>
                    {move || t().cancel}
                </button>
            </div>
            <Show when=move || state.progress.with(Option::is_some)>
                <progress
                    data-testid="patch-bar"
                    max=move || state.progress.get().map_or(1, |p| p.steps.max(1))
                    value=move || state.progress.get().map_or(0, |p| p.step)
                    aria-label=progress_line
                ></progress>
                <p class="progress" data-testid="patch-progress"
                    data-step=move || state.progress.get().map_or(0, |p| p.step)>
                    {progress_line}
                </p>
            </Show>
            <Show when=move || state.kept.with(Option::is_some)>
                <p data-testid="patch-kept"
                    data-done=move || state.kept.with(|k| k.as_ref().map_or(0, |k| k.done))
                    data-seconds-per-step=move || state.per_step.get().unwrap_or(0.0)>
                    {move || state.kept.with(|k| k.as_ref().map(|k| {
                        (t().patch_kept)(crate::imagenet::name(k.patch.target), k.done, k.steps, state.per_step.get())
                    }).unwrap_or_default())}
                </p>
                <PatchStage/>
                <label class="check">
                    <input type="checkbox" data-testid="patch-on-camera" bind:checked=state.on_camera/>
                    {move || t().patch_live}
                </label>
                <div class="row">
                    <label>
                        {move || t().patch_diameter}
                        <input type="text" inputmode="decimal" size="4" data-testid="patch-diameter" bind:value=diameter/>
                    </label>
                    <button data-testid="patch-print" on:click=move |_| print(true)>{move || t().patch_print}</button>
                    <button data-testid="patch-download" on:click=move |_| print(false)>{move || t().patch_download}</button>
                </div>
                {move || state.printed.get().map(|p| view! {
                    <div class="print-sheet" data-testid="patch-print-sheet">
                        <img src=p.url.clone() style:width=format!("{:.2}cm", p.cm) alt=move || (t().patch_print_alt)(p.cm)/>
                    </div>
                })}
            </Show>
            <span hidden data-testid="patch-target" data-index=move || state.target.get().unwrap_or(0)>{target_name}</span>
        </section>
    }
}

/// The photo with the patch on it: dragged with a pointer, or moved with the arrow keys and
/// resized with + and −; each move asks the model what it sees.
#[component]
fn PatchStage() -> impl IntoView {
    let page = expect_context::<Page>();
    let state = expect_context::<PatchState>();
    let photo = expect_context::<PhotoState>();
    let t = texts();
    let photo_canvas = NodeRef::<leptos::html::Canvas>::new();
    let disc_canvas = NodeRef::<leptos::html::Canvas>::new();
    let stage = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let (Some(pixels), Some(canvas)) = (photo.input.get(), photo_canvas.get()) {
            browser::draw(&canvas, &pixels);
        }
    });
    Effect::new(move |_| {
        if let (Some(kept), Some(canvas)) = (state.kept.get(), disc_canvas.get()) {
            browser::draw(&canvas, &kept.disc);
        }
    });
    // A new patch, or a patch on a new photo: ask again.
    Effect::new(move |_| {
        state.kept.track();
        if photo.input.with(Option::is_some) && state.kept.with(Option::is_some) {
            page.place_patch();
        }
    });
    let dragging = RwSignal::new(false);
    let move_to = move |ev: &ev::PointerEvent| {
        // The canvases inside take no pointer events (style.css): the offset is the stage's.
        let Some(div) = stage.get_untracked() else {
            return;
        };
        let (w, h) = (div.client_width() as f64, div.client_height() as f64);
        if w <= 0.0 || h <= 0.0 {
            return;
        }
        let x = (ev.offset_x() as f64 / w).clamp(0.0, 1.0);
        let y = (ev.offset_y() as f64 / h).clamp(0.0, 1.0);
        state.x.set(x as f32);
        state.y.set(y as f32);
    };
    let on_down = move |ev: ev::PointerEvent| {
        ev.prevent_default();
        if let Some(div) = stage.get_untracked() {
            let _ = div.set_pointer_capture(ev.pointer_id());
            let _ = div.focus();
        }
        dragging.set(true);
        move_to(&ev);
    };
    let on_move = move |ev: ev::PointerEvent| {
        if dragging.get_untracked() {
            move_to(&ev);
        }
    };
    let on_up = move |ev: ev::PointerEvent| {
        if dragging.get_untracked() {
            dragging.set(false);
            move_to(&ev);
            page.place_patch();
        }
    };
    let on_key = move |ev: ev::KeyboardEvent| {
        let step = if ev.shift_key() { 0.1 } else { 0.02 };
        let nudge =
            |signal: RwSignal<f32>, by: f32| signal.update(|v| *v = (*v + by).clamp(0.0, 1.0));
        match ev.key().as_str() {
            "ArrowLeft" => nudge(state.x, -step),
            "ArrowRight" => nudge(state.x, step),
            "ArrowUp" => nudge(state.y, -step),
            "ArrowDown" => nudge(state.y, step),
            "+" | "=" => state
                .scale
                .update(|s| *s = (*s + 0.01).clamp(MIN_SCALE, 0.5)),
            "-" | "_" => state
                .scale
                .update(|s| *s = (*s - 0.01).clamp(MIN_SCALE, 0.5)),
            _ => return,
        }
        ev.prevent_default();
        page.place_patch();
    };
    // The disc's diameter as a share of the photo's side: its area is `scale` of the photo's.
    let diameter = move || 2.0 * (state.scale.get() / std::f32::consts::PI).sqrt();
    let corner = move |at: f32| format!("{:.2}%", (at - diameter() / 2.0) * 100.0);
    let side = move || format!("{:.2}%", diameter() * 100.0);
    let verdict = move || {
        let top = state.verdict.get()?;
        let first = top.first().copied()?;
        let target = state.kept.with(|k| k.as_ref().map(|k| k.patch.target))?;
        Some((top, first, target))
    };
    let scale_percent = RwSignal::new(0.0f32);
    Effect::new(move |_| scale_percent.set(state.scale.get() * 100.0));
    view! {
        <Show
            when=move || photo.input.with(Option::is_some)
            fallback=move || view! { <p class="note">{move || t().lesson_no_photo}</p> }
        >
            <div
                class="patch-stage"
                node_ref=stage
                tabindex="0"
                role="group"
                aria-label=move || t().patch_place
                aria-describedby="patch-hint"
                data-testid="patch-stage"
                data-x=move || state.x.get()
                data-y=move || state.y.get()
                data-scale=move || state.scale.get()
                on:pointerdown=on_down
                on:pointermove=on_move
                on:pointerup=on_up
                on:pointercancel=move |_| dragging.set(false)
                on:keydown=on_key
            >
                <canvas class="photo" node_ref=photo_canvas aria-hidden="true"></canvas>
                <canvas
                    class="disc"
                    node_ref=disc_canvas
                    data-testid="patch-disc"
                    style:left=move || corner(state.x.get())
                    style:top=move || corner(state.y.get())
                    style:width=side
                    style:height=side
                    aria-hidden="true"
                ></canvas>
            </div>
            <p class="note" id="patch-hint">{move || t().patch_place_hint}</p>
            <label>
                {move || (t().patch_scale)(state.scale.get())}
                <input
                    type="range"
                    aria-label=move || t().patch_scale_slider
                    min="1"
                    max="50"
                    step="1"
                    data-testid="patch-scale"
                    prop:value=move || scale_percent.get().round().to_string()
                    on:change=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<f32>() {
                            state.scale.set((v / 100.0).clamp(MIN_SCALE, 0.5));
                            page.place_patch();
                        }
                    }
                />
            </label>
            {move || verdict().map(|(top, first, target)| view! {
                <div class="patch-verdict" data-testid="patch-verdict" data-index=first.index data-target=target>
                    <p>{move || (t().patch_verdict)(first.name(), first.prob, crate::imagenet::name(target), first.index == target)}</p>
                    <ProbabilityBars predictions=Signal::derive(move || top.clone())/>
                </div>
            })}
        </Show>
    }
}
