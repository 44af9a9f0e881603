//! The web app: drop a photo, watch an ImageNet classifier be fooled, entirely in the browser.
//!
//! The page's main thread runs only this Leptos UI: a tree of components named after what
//! the user sees, which read a few small states (the session, the photo, the attack run, the
//! matrix, the notices) and act through [`page::Page`], which wires them to the worker. Every
//! computation (the library's model and attack code, the very code the CLI runs) happens in a
//! Web Worker that owns burn, on WebGPU or on burn's CPU backend; see `crate::worker`.

mod activity;
mod attack_panel;
mod attack_run;
mod bench;
mod browser;
mod camera;
mod device_choice;
mod engine;
mod i18n;
mod lesson;
mod live;
mod live_chart;
mod matrix;
mod method_options;
mod model_bar;
mod note;
mod notices;
mod page;
mod patch_panel;
mod patch_state;
mod photo;
mod photo_input;
mod pixels;
mod results;
mod session;
mod share_card;
mod survival;
mod sweep;
mod training;
mod transfer;
mod universal;
mod weights_loader;

use std::cell::Cell;

use leptos::prelude::*;
use wasm_bindgen::prelude::wasm_bindgen;

use page::Page;

thread_local! {
    /// The page, for the test hooks below.
    static PAGE: Cell<Option<Page>> = const { Cell::new(None) };
}

/// Mounts the app on the page's body.
pub fn mount() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("gibbon panicked: {info}").into());
        browser::show_broken_page(&info.to_string());
    }));
    if browser::query_param("bench").is_some() {
        leptos::mount::mount_to_body(bench::BenchPage);
    } else {
        leptos::mount::mount_to_body(App);
    }
}

/// Test hook: makes the worker destroy its GPU device, as a driver reset would.
#[wasm_bindgen]
pub fn gibbon_test_lose_device() {
    if let Some(page) = PAGE.with(Cell::get) {
        page.simulate_device_loss();
    }
}

/// Test hook: makes the worker panic, as a bug would.
#[wasm_bindgen]
pub fn gibbon_test_panic_worker() {
    if let Some(page) = PAGE.with(Cell::get) {
        page.simulate_worker_crash();
    }
}

/// Test hook: asks the worker for its memory figures (shown in `[data-testid=worker-stats]`).
#[wasm_bindgen]
pub fn gibbon_test_stats() {
    if let Some(page) = PAGE.with(Cell::get) {
        page.request_stats();
    }
}

/// The whole page.
#[component]
fn App() -> impl IntoView {
    // `?backend=cpu` or `?backend=webgpu`, else the user's last choice (or the device the
    // page measured faster on an earlier visit), else WebGPU where there is an adapter that
    // is not a software renderer, until the page has timed the devices (see `device_choice`).
    let asked = browser::query_param("backend").or_else(|| browser::stored(session::DEVICE_KEY));
    let use_gpu = asked.as_deref() != Some("cpu");
    i18n::Language::provide();
    let page = Page::new(use_gpu, asked.is_none());
    page.provide();
    let t = i18n::texts();
    PAGE.with(|p| p.set(Some(page)));
    view! {
        <header class="masthead">
            <h1>"Gibbon"</h1>
            <p class="tagline" data-testid="tagline">{move || t().tagline}</p>
            <i18n::LanguageSwitch/>
            <model_bar::ModelBar/>
        </header>
        <notices::NoticeBar/>
        <lesson::Lesson/>
        // Every panel inside the one main landmark (axe's "region" rule).
        <main>
            <div class="layout">
                <section class="column">
                    <photo_input::PhotoInput/>
                    <photo_input::Predictions/>
                    <weights_loader::WeightsLoader/>
                </section>
                <section class="column">
                    <attack_panel::AttackPanel/>
                    <live_chart::ProbabilityChart/>
                </section>
            </div>
            <results::Results/>
            <transfer::TransferTable/>
            <survival::SurvivalRow/>
            <sweep::EpsSweep/>
            <transfer::TransferMatrix/>
            <div class="stage-row">
                <universal::UniversalPanel/>
                <patch_panel::PatchPanel/>
            </div>
        </main>
        <WorkerStats/>
        <footer class="footer">
            <a href="?bench">{move || t().benchmark}</a>
            {move || t().credits}
        </footer>
    }
}

/// The worker's memory figures, for tests (hidden).
#[component]
fn WorkerStats() -> impl IntoView {
    let page = expect_context::<Page>();
    view! {
        <span
            hidden
            data-testid="worker-stats"
            data-wasm-bytes=move || page.stats.get().wasm_bytes
            data-models=move || page.stats.get().models
            data-reports=move || page.stats.get().reports
            data-activity=move || format!("{:?}", page.activity.get())
        ></span>
    }
}
