//! The few things the page's main thread needs from the browser, wrapped once: the URL's
//! query, drawing pixels into a canvas, offering a download, the service worker, and the
//! "something broke" overlay. Everything that computes lives in the worker.

use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use super::pixels::Pixels;
pub use crate::worker::protocol::Adapter;
use crate::worker::protocol::Bytes;

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// The page's document.
pub fn document() -> Option<web_sys::Document> {
    window()?.document()
}

/// Whether the page is cross-origin isolated (it may share memory between workers: threads).
pub fn cross_origin_isolated() -> bool {
    window()
        .and_then(|w| js_sys::Reflect::get(&w, &"crossOriginIsolated".into()).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// The browser's WebGPU adapter here (`navigator.gpu.requestAdapter()`); the browser's words
/// when there is none. Asked on the page, before a worker starts, so that a browser without
/// one (or with only a software renderer, on a first visit) never downloads the WebGPU worker
/// where the CPU-only one can run.
pub async fn webgpu_adapter() -> Result<Adapter, String> {
    let navigator = window().ok_or("no window")?.navigator();
    crate::worker::protocol::webgpu_adapter(&navigator).await
}

/// The threads the threaded worker runs on: the browser's cores, at most 16 (as its loader,
/// `scripts/web-post-build.py`, counts them).
pub fn hardware_threads() -> usize {
    let cores = window().map_or(1.0, |w| w.navigator().hardware_concurrency());
    (cores as usize).clamp(1, 16)
}

/// Milliseconds on the page's clock.
pub fn now_ms() -> f64 {
    window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// A query parameter of the page's URL (`?backend=cpu`).
pub fn query_param(name: &str) -> Option<String> {
    let search = window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

/// Draws pixels into a canvas, resizing the canvas to them.
pub fn draw(canvas: &HtmlCanvasElement, pixels: &Pixels) {
    canvas.set_width(pixels.width);
    canvas.set_height(pixels.height);
    let Ok(Some(context)) = canvas.get_context("2d") else {
        return;
    };
    let context: CanvasRenderingContext2d = context.unchecked_into();
    if let Ok(data) = web_sys::ImageData::new_with_u8_clamped_array_and_sh(
        wasm_bindgen::Clamped(&pixels.rgba),
        pixels.width,
        pixels.height,
    ) {
        let _ = context.put_image_data(&data, 0.0, 0.0);
    }
}

/// A canvas's pixels as PNG bytes.
pub fn canvas_png(canvas: &HtmlCanvasElement) -> Result<Vec<u8>, String> {
    let js_error = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let url = canvas
        .to_data_url_with_type("image/png")
        .map_err(js_error)?;
    let encoded = url
        .strip_prefix("data:image/png;base64,")
        .ok_or("the canvas gave no PNG")?;
    let binary = window()
        .ok_or("no window")?
        .atob(encoded)
        .map_err(js_error)?;
    // atob gives one char per byte.
    Ok(binary.chars().map(|c| c as u32 as u8).collect())
}

/// Offers bytes to the user as a download called `name`.
pub fn download(bytes: &[u8], name: &str, mime: &str) -> Result<(), String> {
    download_array(&Uint8Array::from(bytes), name, mime)
}

/// Offers a message's bytes as a download, without copying them out of a JS buffer.
pub fn download_bytes(bytes: &Bytes, name: &str, mime: &str) -> Result<(), String> {
    match bytes {
        Bytes::Here(v) => download(v, name, mime),
        Bytes::Js(buffer) => download_array(&Uint8Array::new(buffer), name, mime),
    }
}

fn download_array(array: &Uint8Array, name: &str, mime: &str) -> Result<(), String> {
    let js_error = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let parts = js_sys::Array::of1(array);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(js_error)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js_error)?;
    let document = document().ok_or("no document")?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(js_error)?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Registers the service worker that keeps the app usable offline, and calls `then` once it
/// controls the page (or at once where there is none: browsers offer service workers only in
/// secure contexts, https or localhost; elsewhere the page simply works online). The worker
/// that computes is started in `then`: its code, the largest file of the app, then passes
/// through the service worker, which keeps it; fetched before, it would be downloaded twice.
///
/// `isolate`: the page wants to be cross-origin isolated (threads). The service worker adds
/// COOP/COEP to what it serves; when it takes control of a page the server did not isolate,
/// the page reloads once (before anything large was fetched) to come back isolated.
pub fn after_service_worker(isolate: bool, then: impl FnOnce() + 'static) {
    use std::cell::Cell;
    use std::rc::Rc;
    use wasm_bindgen::prelude::Closure;

    let Some(window) = window() else {
        return then();
    };
    let supported = window.is_secure_context()
        && js_sys::Reflect::has(&window.navigator(), &"serviceWorker".into()).unwrap_or(false);
    if !supported {
        return then();
    }
    let container = window.navigator().service_worker();
    let _ = container.register("./sw.js");
    if container.controller().is_some() {
        return then();
    }
    // Once: on the first controller, or after a few seconds if none comes (a service worker
    // that fails to install must not stop the page).
    type Once = Rc<Cell<Option<Box<dyn FnOnce()>>>>;
    let then: Box<dyn FnOnce()> = if isolate && !cross_origin_isolated() {
        Box::new(move || {
            if reload_once_for_isolation() {
                return;
            }
            then()
        })
    } else {
        Box::new(then)
    };
    let then: Once = Rc::new(Cell::new(Some(then)));
    let fire = {
        let then = then.clone();
        move || {
            if let Some(f) = then.take() {
                f();
            }
        }
    };
    let on_change = Closure::<dyn FnMut()>::new(fire.clone());
    container.set_oncontrollerchange(Some(on_change.as_ref().unchecked_ref()));
    on_change.forget();
    let timeout = Closure::once_into_js(fire);
    let _ =
        window.set_timeout_with_callback_and_timeout_and_arguments_0(timeout.unchecked_ref(), 4000);
}

/// Reloads the page, unless it did so for isolation in this tab already (a browser that will
/// not isolate it must not reload forever): whether it reloads.
fn reload_once_for_isolation() -> bool {
    const KEY: &str = "gibbon-isolation-reload";
    let Some(storage) = window().and_then(|w| w.session_storage().ok().flatten()) else {
        return false;
    };
    if storage.get_item(KEY).ok().flatten().is_some() || storage.set_item(KEY, "1").is_err() {
        return false;
    }
    window().is_some_and(|w| w.location().reload().is_ok())
}

/// Replaces the page with a short explanation after a panic on the main thread, instead of
/// leaving a page that looks alive but answers nothing.
pub fn show_broken_page(message: &str) {
    let Some(document) = document() else { return };
    let Some(body) = document.body() else { return };
    let Ok(notice) = document.create_element("div") else {
        return;
    };
    notice.set_class_name("broken");
    notice.set_attribute("role", "alert").ok();
    notice.set_attribute("data-testid", "broken").ok();
    let text = document.create_element("p").ok();
    let details = document.create_element("details").ok();
    if let (Some(text), Some(details)) = (text, details) {
        // No reactive context is left after a panic: the stored (or the browser's) language.
        text.set_text_content(Some(super::i18n::Lang::initial().texts().page_broke));
        details.set_text_content(Some(message));
        let _ = notice.append_child(&text);
        let _ = notice.append_child(&details);
    }
    body.set_inner_html("");
    let _ = body.append_child(&notice);
}

/// localStorage, through Reflect (it throws where storage is blocked; then nothing is kept).
fn local_storage_call(method: &str, args: &[&str]) -> Option<wasm_bindgen::JsValue> {
    let window = window()?;
    let storage = js_sys::Reflect::get(&window, &"localStorage".into())
        .ok()
        .filter(|s| !s.is_undefined() && !s.is_null())?;
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

/// A value kept in localStorage, if any.
pub fn stored(key: &str) -> Option<String> {
    local_storage_call("getItem", &[key])?.as_string()
}

/// Keeps a value in localStorage (nothing is kept where storage is blocked or full).
pub fn store(key: &str, value: &str) {
    let _ = local_storage_call("setItem", &[key, value]);
}

/// The bytes of a file the user chose (read without blocking the page).
pub async fn file_bytes(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("{e:?}"))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// A URL for bytes (a blob: URL, which the page's Content-Security-Policy allows for images).
pub fn object_url(bytes: &[u8], mime: &str) -> Result<String, String> {
    let js_error = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let parts = js_sys::Array::of1(&Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(js_error)?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(js_error)
}

/// Opens the browser's print dialog.
pub fn print() {
    if let Some(w) = window() {
        let _ = w.print();
    }
}
