//! The fourth way in: a photo from the device's camera (getUserMedia), with a front/back
//! switch for phones. The frame is taken as a PNG and goes the way of a chosen file. Without a
//! camera or permission, a notice says so and the other ways in keep working.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlCanvasElement, HtmlVideoElement, MediaStream};

use super::i18n::texts;
use super::note::CameraProblem;
use super::notices::Notice;
use super::page::Page;

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
}

/// The camera button, and while it is open, the preview with Take, Switch and Close.
#[component]
pub fn Camera() -> impl IntoView {
    let page = expect_context::<Page>();
    let t = texts();
    let video = NodeRef::<leptos::html::Video>::new();
    let stream = StoredValue::new_local(None::<MediaStream>);
    let open = RwSignal::new(false);
    // Whether the video shows a frame of the current stream: Take waits for it, since a new
    // stream (after Open or Switch) has no picture for a moment.
    let ready = RwSignal::new(false);
    let facing = RwSignal::new(Facing::Environment);

    let stop = move || {
        if let Some(s) = stream.get_value() {
            for track in s.get_tracks().iter() {
                if let Ok(track) = track.dyn_into::<web_sys::MediaStreamTrack>() {
                    track.stop();
                }
            }
        }
        stream.set_value(None);
        if let Some(v) = video.get_untracked() {
            let v: &HtmlVideoElement = &v;
            v.set_src_object(None);
        }
        ready.set(false);
        open.set(false);
    };
    let start = move || {
        stop();
        let facing = facing.get_untracked();
        leptos::task::spawn_local(async move {
            match start_stream(facing).await {
                Ok(s) => {
                    open.set(true);
                    if let Some(v) = video.get_untracked() {
                        let v: &HtmlVideoElement = &v;
                        v.set_src_object(Some(&s));
                        let _ = v.play();
                    }
                    stream.set_value(Some(s));
                }
                Err(problem) => page.notices.show(problem),
            }
        });
    };
    let take = move |_| match frame_as_file(video.get_untracked()) {
        Ok(file) => {
            stop();
            page.choose_file(file);
        }
        Err(why) => page
            .notices
            .show(Notice::error(CameraProblem::NoPicture).with_detail(why)),
    };
    on_cleanup(stop);

    view! {
        <div class="camera" data-testid="camera">
            <Show when=move || !open.get()>
                <button data-testid="camera-open" on:click=move |_| start()>
                    {move || t().camera_open}
                </button>
            </Show>
            <div class="camera-view" class:open=move || open.get()>
                <video node_ref=video data-testid="camera-video" autoplay=true muted=true playsinline=true
                    aria-label=move || t().camera_view
                    on:loadeddata=move |_| ready.set(stream.with_value(Option::is_some))></video>
                <Show when=move || open.get()>
                    <div class="buttons">
                        <button data-testid="camera-take" on:click=take disabled=move || !ready.get()>
                            {move || t().camera_take}
                        </button>
                        <button
                            data-testid="camera-switch"
                            on:click=move |_| {
                                facing.update(|f| {
                                    *f = if *f == Facing::User { Facing::Environment } else { Facing::User }
                                });
                                start();
                            }
                        >
                            {move || t().camera_switch}
                        </button>
                        <button data-testid="camera-close" on:click=move |_| stop()>{move || t().camera_close}</button>
                    </div>
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
fn frame_as_file(video: Option<HtmlVideoElement>) -> Result<web_sys::File, String> {
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
