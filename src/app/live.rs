//! Live classification of the camera: the worker classifies frame after frame with the chosen
//! model, and the page shows the top-5, the frames per second and the top class's probability
//! over the last seconds.
//!
//! One frame at a time: the page grabs the camera's current frame only once the worker has
//! answered the one before, so the newest frame always wins and no queue grows (the worker
//! would also keep only the newest, `worker::jobs::live`). The page's thread never reads
//! pixels: `createImageBitmap` cuts the centre the model's preprocessing keeps and scales it
//! to the model's input (the browser does it, off the page's thread where it can), and the
//! bitmap is moved to the worker, which reads it.

use std::collections::VecDeque;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlVideoElement, ImageBitmap};

use super::i18n::texts;
use super::photo_input::ProbabilityBars;
use crate::prediction::Prediction;
use crate::worker::protocol::{JobId, live_crop};

/// How far back the chart and the frame rate look.
const HISTORY_MS: f64 = 10_000.0;
/// The frame rate is counted over the last this many milliseconds.
const FPS_WINDOW_MS: f64 = 3_000.0;
/// How long grabbing frames may fail before the camera counts as giving none.
pub const NO_FRAMES_MS: f64 = 6_000.0;

/// One classified frame: when its answer came (the page's clock) and its top-5.
#[derive(Clone, Debug, PartialEq)]
pub struct LivePoint {
    pub at: f64,
    pub top: Vec<Prediction>,
}

/// Where the one frame is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flight {
    /// None: the next may be grabbed.
    Idle,
    /// Being grabbed from the video, for run number `run`.
    Grabbing { run: u64 },
    /// With the worker, as job `job`.
    Sent { job: JobId },
}

/// Live classification: whether it runs, and what the frames gave.
#[derive(Clone, Copy)]
pub struct LiveState {
    pub on: RwSignal<bool>,
    /// The newest frame's top-5.
    pub top: RwSignal<Vec<Prediction>>,
    /// The newest frame's top-5 with the universal noise, when it is applied.
    pub noisy: RwSignal<Option<Vec<Prediction>>>,
    /// The frames of the last seconds, oldest first.
    pub history: RwSignal<VecDeque<LivePoint>>,
    /// The worker's milliseconds for the newest frame.
    pub worker_ms: RwSignal<Option<f64>>,
    /// Frames classified since the start.
    pub frames: RwSignal<usize>,
    flight: StoredValue<Flight>,
    /// Counts starts and stops: a grab of an earlier run is dropped.
    run: StoredValue<u64>,
    /// Since when grabbing frames fails (None: the last grab worked).
    failing_since: StoredValue<Option<f64>>,
}

impl LiveState {
    pub fn new() -> Self {
        Self {
            on: RwSignal::new(false),
            top: RwSignal::new(Vec::new()),
            noisy: RwSignal::new(None),
            history: RwSignal::new(VecDeque::new()),
            worker_ms: RwSignal::new(None),
            frames: RwSignal::new(0),
            flight: StoredValue::new(Flight::Idle),
            run: StoredValue::new(0),
            failing_since: StoredValue::new(None),
        }
    }

    /// Starts afresh.
    pub fn start(&self) {
        self.run.update_value(|r| *r += 1);
        self.flight.set_value(Flight::Idle);
        self.failing_since.set_value(None);
        self.top.set(Vec::new());
        self.noisy.set(None);
        self.history.set(VecDeque::new());
        self.worker_ms.set(None);
        self.frames.set(0);
        self.on.set(true);
    }

    /// Stops; an answer still to come is dropped.
    pub fn stop(&self) {
        self.run.update_value(|r| *r += 1);
        self.flight.set_value(Flight::Idle);
        if self.on.get_untracked() {
            self.on.set(false);
        }
    }

    /// When live runs and no frame is under way: the grab begins, and its ticket is returned.
    pub fn begin_grab(&self) -> Option<u64> {
        if !self.on.get_untracked() || self.flight.get_value() != Flight::Idle {
            return None;
        }
        let run = self.run.get_value();
        self.flight.set_value(Flight::Grabbing { run });
        Some(run)
    }

    /// Whether the grab with this ticket is still wanted.
    pub fn wants(&self, ticket: u64) -> bool {
        self.flight.get_value() == Flight::Grabbing { run: ticket }
    }

    /// The grabbed frame went to the worker as job `job`.
    pub fn sent(&self, job: JobId) {
        self.failing_since.set_value(None);
        self.flight.set_value(Flight::Sent { job });
    }

    /// The grab failed at `now`: whether frames have failed for too long (else the next
    /// grab may be tried).
    pub fn grab_failed(&self, now: f64) -> bool {
        self.flight.set_value(Flight::Idle);
        let since = self.failing_since.get_value().unwrap_or(now);
        self.failing_since.set_value(Some(since));
        now - since > NO_FRAMES_MS
    }

    fn is_sent(&self, job: JobId) -> bool {
        self.flight.get_value() == Flight::Sent { job }
    }

    /// The worker's answer for job `job` at `now`: whether it was the frame under way (then
    /// the next may be grabbed).
    pub fn answered(
        &self,
        job: JobId,
        (top, noisy): (Vec<Prediction>, Option<Vec<Prediction>>),
        ms: f64,
        now: f64,
    ) -> bool {
        if !self.is_sent(job) {
            return false;
        }
        self.flight.set_value(Flight::Idle);
        self.history.update(|h| {
            h.push_back(LivePoint {
                at: now,
                top: top.clone(),
            });
            while h.front().is_some_and(|p| now - p.at > HISTORY_MS) {
                h.pop_front();
            }
        });
        self.top.set(top);
        self.noisy.set(noisy);
        self.worker_ms.set(Some(ms));
        self.frames.update(|n| *n += 1);
        true
    }

    /// Job `job` ended without an answer (the worker dropped it for a newer frame, or it
    /// failed): whether it was the frame under way.
    pub fn ended(&self, job: JobId) -> bool {
        if !self.is_sent(job) {
            return false;
        }
        self.flight.set_value(Flight::Idle);
        true
    }

    /// Frames per second over the last seconds (tracked), once two frames came.
    pub fn fps(&self) -> Option<f64> {
        self.history.with(|h| {
            let last = h.back()?.at;
            let recent: Vec<f64> = h
                .iter()
                .map(|p| p.at)
                .filter(|&at| last - at <= FPS_WINDOW_MS)
                .collect();
            let span = last - recent.first()?;
            (recent.len() >= 2 && span > 0.0).then(|| (recent.len() - 1) as f64 * 1000.0 / span)
        })
    }
}

/// The video's current frame, its centre cut and scaled to `size` x `size` by the browser.
pub async fn grab(video: Option<HtmlVideoElement>, size: u32) -> Result<ImageBitmap, String> {
    let js_error = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let video = video.ok_or("the camera sends no frames")?;
    let (w, h) = (video.video_width(), video.video_height());
    // HAVE_CURRENT_DATA: a frame to grab.
    if video.ready_state() < 2 || w == 0 || h == 0 {
        return Err("the video has no frame".into());
    }
    let (x, y, side) = live_crop(w, h, size);
    let options = web_sys::ImageBitmapOptions::new();
    options.set_resize_width(size);
    options.set_resize_height(size);
    options.set_resize_quality(web_sys::ResizeQuality::High);
    let window = web_sys::window().ok_or("no window")?;
    let promise = window
        .create_image_bitmap_with_html_video_element_and_a_sx_and_a_sy_and_a_sw_and_a_sh_and_a_options(
            &video, x as i32, y as i32, side as i32, side as i32, &options,
        )
        .map_err(js_error)?;
    JsFuture::from(promise)
        .await
        .map_err(js_error)?
        .dyn_into::<ImageBitmap>()
        .map_err(|_| "not an ImageBitmap".to_string())
}

/// The chart's size, in its own units.
const WIDTH: f32 = 320.0;
const HEIGHT: f32 = 80.0;

/// The live results: frames per second, the top-5 and the chart.
#[component]
pub fn LiveView() -> impl IntoView {
    let live = expect_context::<LiveState>();
    let t = texts();
    let fps = move || live.fps();
    view! {
        <Show when=move || live.on.get()>
            <section class="live" data-testid="live" aria-labelledby="live-title">
                <h2 id="live-title">{move || t().live_title}</h2>
                <p data-testid="live-fps" data-fps=move || fps().unwrap_or(0.0) data-frames=move || live.frames.get()>
                    {move || match fps() {
                        Some(fps) => (t().live_fps)(fps, live.worker_ms.get()),
                        None => t().live_waiting.to_string(),
                    }}
                </p>
                <div class="live-tops">
                    <div data-testid="live-top">
                        <Show when=move || live.noisy.with(Option::is_some)>
                            <h3>{move || t().live_without}</h3>
                        </Show>
                        <ProbabilityBars predictions=Signal::derive(move || live.top.get())/>
                    </div>
                    <Show when=move || live.noisy.with(Option::is_some)>
                        <div data-testid="live-noisy-top">
                            <h3>{move || t().live_with}</h3>
                            <ProbabilityBars predictions=Signal::derive(move || live.noisy.get().unwrap_or_default())/>
                        </div>
                    </Show>
                </div>
                <LiveChart/>
            </section>
        </Show>
    }
}

/// The probability of the newest frame's top class in each frame of the last seconds (0 where
/// it was not in a frame's top-5).
#[component]
fn LiveChart() -> impl IntoView {
    let live = expect_context::<LiveState>();
    let t = texts();
    let class = move || live.top.with(|top| top.first().map(|p| p.index));
    let points = move || {
        let Some(class) = class() else {
            return (0, String::new());
        };
        live.history.with(|h| {
            let Some(last) = h.back().map(|p| p.at) else {
                return (0, String::new());
            };
            let line = h
                .iter()
                .map(|p| {
                    let prob = p
                        .top
                        .iter()
                        .find(|q| q.index == class)
                        .map_or(0.0, |q| q.prob);
                    let x = WIDTH * (1.0 - ((last - p.at) / HISTORY_MS) as f32);
                    format!("{x:.1},{:.1}", (1.0 - prob) * HEIGHT)
                })
                .collect::<Vec<_>>()
                .join(" ");
            (h.len(), line)
        })
    };
    let title = move || {
        let name = class().map(crate::imagenet::name).unwrap_or_default();
        (t().live_chart)(name, (HISTORY_MS / 1000.0) as u32)
    };
    view! {
        <div class="chart" data-testid="live-chart" data-points=move || points().0 data-class=move || class().unwrap_or(0)>
            <p class="legend">{title}</p>
            <svg viewBox=format!("-30 -6 {} {}", WIDTH + 40.0, HEIGHT + 14.0) class="plot" role="img" aria-label=title>
                <line x1="0" y1=HEIGHT x2=WIDTH y2=HEIGHT class="axis"></line>
                <line x1="0" y1="0" x2="0" y2=HEIGHT class="axis"></line>
                <text x="-26" y="4" class="tick">"1.0"</text>
                <text x="-26" y=HEIGHT + 4.0 class="tick">"0"</text>
                <polyline class="true-line" points=move || points().1></polyline>
            </svg>
        </div>
    }
}
