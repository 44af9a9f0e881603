//! The few things the app needs from the browser, wrapped once: reading dropped files,
//! fetching with progress and the Cache API, drawing pixels into a canvas, downloading bytes,
//! and giving the event loop back between attack steps.

use image::RgbImage;
use js_sys::{Promise, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// A browser call failed; the message is for the user.
pub type JsResult<T> = Result<T, String>;

fn js_error(e: JsValue) -> String {
    e.as_string()
        .or_else(|| {
            js_sys::Reflect::get(&e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
        })
        .unwrap_or_else(|| format!("{e:?}"))
}

fn window() -> web_sys::Window {
    web_sys::window().expect("the app runs in a window")
}

/// Resolves after the browser has had a turn: rendering, input events, other tasks.
pub async fn yield_now() {
    sleep_ms(0).await;
}

/// Resolves after `ms` milliseconds, letting the browser work meanwhile.
pub async fn sleep_ms(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}

/// Milliseconds since the page loaded (high resolution).
pub fn now_ms() -> f64 {
    window().performance().map(|p| p.now()).unwrap_or(0.0)
}

/// A query parameter of the page's URL (`?backend=cpu`).
pub fn query_param(name: &str) -> Option<String> {
    let search = window().location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

/// The bytes of a file the user dropped, picked or pasted.
pub async fn file_bytes(file: &web_sys::File) -> JsResult<Vec<u8>> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(js_error)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Name of the Cache API store for model files; bump when the file format changes.
const MODEL_CACHE: &str = "gibbon-models-v1";

/// Fetches a same-origin file, from the Cache API if an earlier visit stored it, else from
/// the network with progress reports `(received, total)` and stores it. `cache` false skips
/// the Cache API (sample photos, which the service worker keeps).
pub async fn fetch_bytes(
    url: &str,
    cache: bool,
    mut progress: impl FnMut(u64, Option<u64>),
) -> JsResult<Vec<u8>> {
    let caches = if cache { window().caches().ok() } else { None };
    let store = match &caches {
        Some(c) => JsFuture::from(c.open(MODEL_CACHE))
            .await
            .ok()
            .map(|s| s.unchecked_into::<web_sys::Cache>()),
        None => None,
    };
    if let Some(store) = &store {
        if let Ok(hit) = JsFuture::from(store.match_with_str(url)).await {
            if let Ok(response) = hit.dyn_into::<web_sys::Response>() {
                let buffer = JsFuture::from(response.array_buffer().map_err(js_error)?)
                    .await
                    .map_err(js_error)?;
                let bytes = Uint8Array::new(&buffer).to_vec();
                progress(bytes.len() as u64, Some(bytes.len() as u64));
                return Ok(bytes);
            }
        }
    }
    let response = JsFuture::from(window().fetch_with_str(url))
        .await
        .map_err(|e| format!("cannot fetch {url}: {}", js_error(e)))?;
    let response: web_sys::Response = response.dyn_into().map_err(js_error)?;
    if !response.ok() {
        return Err(format!("cannot fetch {url}: HTTP {}", response.status()));
    }
    let total = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<u64>().ok());
    let body = response
        .body()
        .ok_or_else(|| format!("{url}: empty response"))?;
    let bytes = read_stream(body, total, &mut progress).await?;
    if let Some(store) = &store {
        let copy = Uint8Array::from(bytes.as_slice());
        if let Ok(stored) = web_sys::Response::new_with_opt_buffer_source(Some(&copy)) {
            let _ = JsFuture::from(store.put_with_str(url, &stored)).await;
        }
    }
    Ok(bytes)
}

/// Reads a stream to its end, reporting `(received, total)` after each chunk.
async fn read_stream(
    stream: web_sys::ReadableStream,
    total: Option<u64>,
    progress: &mut impl FnMut(u64, Option<u64>),
) -> JsResult<Vec<u8>> {
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut bytes: Vec<u8> = Vec::with_capacity(total.unwrap_or(0) as usize);
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(js_error)?;
        let done = js_sys::Reflect::get(&chunk, &"done".into())
            .map_err(js_error)?
            .as_bool()
            .unwrap_or(true);
        if done {
            break;
        }
        let value: Uint8Array = js_sys::Reflect::get(&chunk, &"value".into())
            .map_err(js_error)?
            .unchecked_into();
        let start = bytes.len();
        bytes.resize(start + value.length() as usize, 0);
        value.copy_to(&mut bytes[start..]);
        progress(bytes.len() as u64, total);
    }
    Ok(bytes)
}

/// The bytes of a (possibly large) file the user chose, with progress reports.
pub async fn file_bytes_with_progress(
    file: &web_sys::File,
    mut progress: impl FnMut(u64, Option<u64>),
) -> JsResult<Vec<u8>> {
    read_stream(file.stream(), Some(file.size() as u64), &mut progress).await
}

/// Draws an RGB image into a canvas, resizing the canvas to the image.
pub fn draw(canvas: &HtmlCanvasElement, image: &RgbImage) {
    let (w, h) = image.dimensions();
    canvas.set_width(w);
    canvas.set_height(h);
    let mut rgba = Vec::with_capacity((w * h * 4) as usize);
    for p in image.pixels() {
        rgba.extend_from_slice(&[p.0[0], p.0[1], p.0[2], 255]);
    }
    let Ok(Some(context)) = canvas.get_context("2d") else {
        return;
    };
    let context: CanvasRenderingContext2d = context.unchecked_into();
    if let Ok(data) =
        web_sys::ImageData::new_with_u8_clamped_array_and_sh(wasm_bindgen::Clamped(&rgba), w, h)
    {
        let _ = context.put_image_data(&data, 0.0, 0.0);
    }
}

/// Offers bytes to the user as a download called `name`.
pub fn download(bytes: &[u8], name: &str, mime: &str) -> JsResult<()> {
    let parts = js_sys::Array::of1(&Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(js_error)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js_error)?;
    let document = window().document().ok_or("no document")?;
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

/// Vendor and architecture of the browser's WebGPU adapter ("google swiftshader"): wgpu gets
/// only the adapter's description, which browsers often leave empty.
pub async fn webgpu_adapter_label() -> Option<String> {
    use js_sys::Reflect;
    let gpu = Reflect::get(&window().navigator(), &"gpu".into())
        .ok()
        .filter(|g| !g.is_undefined())?;
    let request: js_sys::Function = Reflect::get(&gpu, &"requestAdapter".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let promise: Promise = request.call0(&gpu).ok()?.dyn_into().ok()?;
    let adapter = JsFuture::from(promise)
        .await
        .ok()
        .filter(|a| !a.is_null() && !a.is_undefined())?;
    let info = Reflect::get(&adapter, &"info".into()).ok()?;
    let field = |key: &str| {
        Reflect::get(&info, &key.into())
            .ok()
            .and_then(|v| v.as_string())
            .filter(|s| !s.is_empty())
    };
    let parts: Vec<String> = ["vendor", "architecture", "description"]
        .iter()
        .filter_map(|k| field(k))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// Registers the service worker that keeps the app usable offline (ignored where the browser
/// has none, e.g. on file:// pages).
pub fn register_service_worker() {
    let navigator = window().navigator();
    if js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false) {
        let _ = navigator.service_worker().register("./sw.js");
    }
}
