//! The fourth way in: a photo from the device's camera (getUserMedia), with a front/back
//! switch for phones, and live classification of its frames (see `live`). The frame is taken
//! as a PNG and goes the way of a chosen file. Without a camera or permission, a notice says
//! so and the other ways in keep working; so does a camera that is unplugged or gives no
//! picture, which is closed.
//!
//! The camera is closed (its tracks stopped, so that its light goes off) by Close, Take, a
//! change of model or device, and when the user leaves the page (it is hidden or unloaded).

use std::time::Duration;

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlCanvasElement, HtmlVideoElement, MediaStream, MediaStreamTrack};

use super::i18n::texts;
use super::live::LiveView;
use super::note::CameraProblem;
use super::notices::Notice;
use super::page::Page;

/// How long a camera may take to show its first frame before Gibbon gives up on it.
const FIRST_FRAME_MS: u64 = 10_000;

/// Which camera of a phone: the one facing the user or the one on the back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Facing {
    User,
    Environment,
}

impl Facing {
    fn as_str(self) -> &'static str {
        match self {
            Facing::User => "user",
            Facing::Environment => "environment",
        }
    }

    fn other(self) -> Self {
        match self {
            Facing::User => Facing::Environment,
            Facing::Environment => Facing::User,
        }
    }
}

/// The camera: its stream, the video that shows it, and whether it shows a frame.
#[derive(Clone, Copy)]
pub struct CameraState {
    stream: StoredValue<Option<MediaStream>, LocalStorage>,
    video: StoredValue<Option<HtmlVideoElement>, LocalStorage>,
    /// Hears the stream's video track end; kept as long as the stream.
    on_ended: StoredValue<Option<Closure<dyn FnMut()>>, LocalStorage>,
    /// Counts openings and closings: a stream, or a timer, of an earlier opening is stale.
    generation: StoredValue<u64>,
    /// Whether the camera is open (or opening after a switch).
    pub open: RwSignal<bool>,
    /// Whether the video shows a frame of the current stream: Take and Live wait for it,
    /// since a new stream (after Open or Switch) has no picture for a moment.
    pub ready: RwSignal<bool>,
    facing: RwSignal<Facing>,
}

impl CameraState {
    pub fn new() -> Self {
        Self {
            stream: StoredValue::new_local(None),
            video: StoredValue::new_local(None),
            on_ended: StoredValue::new_local(None),
            generation: StoredValue::new(0),
            open: RwSignal::new(false),
            ready: RwSignal::new(false),
            facing: RwSignal::new(Facing::Environment),
        }
    }

    /// The video, for live frames, while it shows frames of the camera: None before the
    /// first frame, and while the camera's track is muted (it sends none, and the video
    /// would show its last one over and over).
    pub fn video(&self) -> Option<HtmlVideoElement> {
        let muted = self.stream.with_value(|s| {
            s.as_ref().is_some_and(|s| {
                s.get_video_tracks()
                    .iter()
                    .filter_map(|t| t.dyn_into::<MediaStreamTrack>().ok())
                    .any(|t| t.muted())
            })
        });
        if !self.ready.get_untracked() || muted {
            return None;
        }
        self.video.get_value()
    }

    /// Whether the camera is open.
    pub fn is_open(&self) -> bool {
        self.open.get_untracked()
    }

    /// Stops the stream's tracks (the camera's light goes off) and forgets it: a new opening
    /// begins, whose number is returned.
    fn stop_stream(&self) -> u64 {
        if let Some(stream) = self.stream.get_value() {
            for track in stream.get_tracks().iter() {
                if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                    track.set_onended(None);
                    track.stop();
                }
            }
        }
        self.stream.set_value(None);
        self.on_ended.set_value(None);
        if let Some(video) = self.video.get_value() {
            video.set_src_object(None);
        }
        self.ready.set(false);
        self.generation.update_value(|g| *g += 1);
        self.generation.get_value()
    }

    /// Closes the camera.
    pub fn close(&self) {
        self.stop_stream();
        self.open.set(false);
    }

    /// Shows a stream the browser gave for opening `generation`, and calls `ended` if its
    /// video track ends; a stream of an opening given up since is stopped at once. Whether
    /// it is shown.
    fn show(&self, generation: u64, stream: MediaStream, ended: impl Fn() + 'static) -> bool {
        if generation != self.generation.get_value() {
            for track in stream.get_tracks().iter() {
                if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                    track.stop();
                }
            }
            return false;
        }
        let on_ended = Closure::<dyn FnMut()>::new(ended);
        for track in stream.get_video_tracks().iter() {
            if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                track.set_onended(Some(on_ended.as_ref().unchecked_ref()));
            }
        }
        self.on_ended.set_value(Some(on_ended));
        self.open.set(true);
        if let Some(video) = self.video.get_value() {
            video.set_src_object(Some(&stream));
            let _ = video.play();
        }
        self.stream.set_value(Some(stream));
        true
    }

    fn is_current(&self, generation: u64) -> bool {
        self.generation.get_value() == generation
    }
}

/// The camera button, and while it is open, the preview with Take, Live, Switch and Close,
/// and the live classification.
#[component]
pub fn Camera() -> impl IntoView {
    let page = expect_context::<Page>();
    let camera = page.camera;
    let live = page.live;
    let t = texts();
    let video = NodeRef::<leptos::html::Video>::new();
    Effect::new(move |_| {
        if let Some(v) = video.get() {
            camera.video.set_value(Some(v));
        }
    });

    // Opens the camera facing the way chosen (again, after a switch: live goes on).
    let start = move || {
        let generation = camera.stop_stream();
        let facing = camera.facing.get_untracked();
        leptos::task::spawn_local(async move {
            let stream = match start_stream(facing).await {
                Ok(stream) => stream,
                Err(problem) => {
                    if camera.is_current(generation) {
                        page.close_camera();
                        page.notices.show(problem);
                    }
                    return;
                }
            };
            let ended = move || {
                if camera.is_current(generation) {
                    page.close_camera();
                    page.notices.show(Notice::error(CameraProblem::Ended));
                }
            };
            if !camera.show(generation, stream, ended) {
                return;
            }
            // A camera that never shows a picture is closed, and says so.
            set_timeout(
                move || {
                    if camera.is_current(generation) && !camera.ready.get_untracked() {
                        page.close_camera();
                        page.notices.show(Notice::error(CameraProblem::NoFrames));
                    }
                },
                Duration::from_millis(FIRST_FRAME_MS),
            );
        });
    };
    let take = move |_| match frame_as_file(video.get_untracked()) {
        Ok(file) => {
            page.close_camera();
            page.choose_file(file);
        }
        Err(why) => page
            .notices
            .show(Notice::error(CameraProblem::NoPicture).with_detail(why)),
    };
    // Leaving the page, or hiding it, closes the camera: its light goes off.
    let hidden = window_event_listener(ev::visibilitychange, move |_| {
        if super::browser::document().is_some_and(|d| d.hidden()) {
            page.close_camera();
        }
    });
    let left = window_event_listener(ev::pagehide, move |_| page.close_camera());
    on_cleanup(move || {
        hidden.remove();
        left.remove();
        page.close_camera();
    });

    view! {
        <div class="camera" data-testid="camera">
            <Show when=move || !camera.open.get()>
                <button data-testid="camera-open" on:click=move |_| start()>
                    {move || t().camera_open}
                </button>
            </Show>
            <div class="camera-view" class:open=move || camera.open.get()>
                <video node_ref=video data-testid="camera-video" autoplay=true muted=true playsinline=true
                    aria-label=move || t().camera_view
                    on:loadeddata=move |_| camera.ready.set(camera.stream.with_value(Option::is_some))></video>
                <Show when=move || camera.open.get()>
                    <div class="buttons">
                        <button data-testid="camera-take" on:click=take disabled=move || !camera.ready.get()>
                            {move || t().camera_take}
                        </button>
                        <button
                            data-testid="camera-live"
                            disabled=move || !camera.ready.get() && !live.on.get()
                            on:click=move |_| {
                                if live.on.get_untracked() { page.stop_live() } else { page.start_live() }
                            }
                        >
                            {move || if live.on.get() { t().live_stop } else { t().live_start }}
                        </button>
                        <button
                            data-testid="camera-switch"
                            on:click=move |_| {
                                camera.facing.update(|f| *f = f.other());
                                start();
                            }
                        >
                            {move || t().camera_switch}
                        </button>
                        <button data-testid="camera-close" on:click=move |_| page.close_camera()>{move || t().camera_close}</button>
                    </div>
                    <LiveView/>
                </Show>
            </div>
        </div>
    }
}

/// Asks the browser for a video stream from the camera facing `facing`.
async fn start_stream(facing: Facing) -> Result<MediaStream, Notice> {
    // Outside a secure context `navigator.mediaDevices` is undefined, not an error.
    let devices = web_sys::window()
        .map(|w| w.navigator())
        .filter(|n| {
            js_sys::Reflect::get(n, &"mediaDevices".into()).is_ok_and(|d| !d.is_undefined())
        })
        .and_then(|n| n.media_devices().ok())
        .ok_or_else(|| Notice::error(CameraProblem::Insecure))?;
    let constraints = web_sys::MediaStreamConstraints::new();
    let video = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&video, &"facingMode".into(), &facing.as_str().into());
    constraints.set_video(&video);
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|e| Notice::error(CameraProblem::Failed).with_detail(format!("{e:?}")))?;
    let stream = JsFuture::from(promise)
        .await
        .map_err(|e| Notice::error(CameraProblem::Refused).with_detail(format!("{e:?}")))?;
    stream
        .dyn_into::<MediaStream>()
        .map_err(|_| Notice::error(CameraProblem::NotVideo))
}

/// The video's current frame as a PNG file called camera.png.
pub fn frame_as_file(video: Option<HtmlVideoElement>) -> Result<web_sys::File, String> {
    let js_error = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let video = video.ok_or("no video element")?;
    let (w, h) = (video.video_width(), video.video_height());
    if w == 0 || h == 0 {
        return Err("the video has no frame yet".into());
    }
    let document = super::browser::document().ok_or("no document")?;
    let canvas: HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(js_error)?
        .unchecked_into();
    canvas.set_width(w);
    canvas.set_height(h);
    let context: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(js_error)?
        .ok_or("no 2d context")?
        .unchecked_into();
    context
        .draw_image_with_html_video_element(&video, 0.0, 0.0)
        .map_err(js_error)?;
    let png = super::browser::canvas_png(&canvas)?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(png.as_slice()));
    let options = web_sys::FilePropertyBag::new();
    options.set_type("image/png");
    web_sys::File::new_with_u8_array_sequence_and_options(&parts, "camera.png", &options)
        .map_err(js_error)
}
