//! The worker's side of the browser, wrapped once: posting events to the page, fetching files
//! with progress (through the Cache API where the browser offers it), reading a `File`,
//! timers, and the WebGPU adapter's name.

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::DedicatedWorkerGlobalScope;

use crate::worker::protocol::{self, Event, Parts};

/// A browser call failed; the message says what happened.
pub type JsResult<T> = Result<T, String>;

/// The text of a JavaScript error.
pub fn js_error(e: JsValue) -> String {
    e.as_string()
        .or_else(|| {
            js_sys::Reflect::get(&e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
        })
        .unwrap_or_else(|| format!("{e:?}"))
}

/// The worker's global scope.
pub fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Sends an event to the page without binary parts.
pub fn say(event: &Event) {
    post(event, Parts::new());
}

/// Sends an event to the page; its parts are moved, not copied, to the page.
pub fn post(event: &Event, parts: Parts) {
    let message = js_sys::Object::new();
    let (named, transfer) = protocol::to_js(parts);
    let _ = js_sys::Reflect::set(&message, &"msg".into(), &protocol::encode(event).into());
    let _ = js_sys::Reflect::set(&message, &"parts".into(), &named);
    if scope()
        .post_message_with_transfer(&message, &transfer)
        .is_err()
    {
        // Only an unclonable value fails here; plain JSON text and buffers cannot.
        let _ = scope().post_message(&message);
    }
}

/// Resolves after the worker's event loop has had a turn: that is when a Cancel request,
/// which arrives as a message, is seen.
pub async fn yield_now() {
    let promise = Promise::new(&mut |resolve, _| {
        let _ = scope().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
    });
    let _ = JsFuture::from(promise).await;
}

/// Resolves after `ms` milliseconds.
pub async fn sleep_ms(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        let _ = scope().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}

/// Milliseconds on the worker's clock.
pub fn now_ms() -> f64 {
    scope().performance().map(|p| p.now()).unwrap_or(0.0)
}

/// The Cache API, where the browser offers it: only in a secure context (https, or
/// localhost). A page served over plain http to a classroom has none, and works without.
fn model_cache_storage() -> Option<web_sys::CacheStorage> {
    let scope = scope();
    if !scope.is_secure_context() {
        return None;
    }
    let has = js_sys::Reflect::get(&scope, &"caches".into())
        .map(|c| !c.is_undefined() && !c.is_null())
        .unwrap_or(false);
    if !has {
        return None;
    }
    scope.caches().ok()
}

/// A URL relative to the app's folder (where index.html is), made absolute. Trunk's worker
/// lives there; the threaded worker's loader lives one folder down and says where the app is
/// (`self.gibbonAppRoot`). Both workers so fetch and cache a model under the same URL.
fn app_url(url: &str) -> String {
    use js_sys::Reflect;
    let scope = scope();
    let root = Reflect::get(&scope, &"gibbonAppRoot".into())
        .ok()
        .and_then(|r| r.as_string())
        .or_else(|| {
            let location = Reflect::get(&scope, &"location".into()).ok()?;
            Reflect::get(&location, &"href".into()).ok()?.as_string()
        })
        .unwrap_or_default();
    web_sys::Url::new_with_base(url, &root)
        .map(|u| u.href())
        .unwrap_or_else(|_| url.to_string())
}

/// Name of the Cache API store for model files; bump when the file format changes.
/// (v2: the int8 files of 2026-12-07, f16 biases and batch norms, under the same names.)
const MODEL_CACHE: &str = "gibbon-models-v2";

/// Stores of earlier versions, deleted when the current one is opened.
const OLD_MODEL_CACHES: [&str; 1] = ["gibbon-models-v1"];

/// What a fetched file is, which says where it may come from and whether it is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fetch {
    /// A photo: fetched each time.
    Photo,
    /// One of the app's own models (`models/`): kept, and taken as its gzip copy from a host
    /// that does not compress (the build writes one beside it).
    BuiltInModel,
    /// A model file elsewhere on the site (a user's own weights): kept.
    OwnModel,
}

/// Fetches a same-origin file, from the Cache API if an earlier visit stored it (a model),
/// else from the network with progress reports `(received, total)`, and stores a model where
/// the browser has a Cache API. A built-in model comes through [`source`].
pub async fn fetch_bytes(
    url: &str,
    what: Fetch,
    mut progress: impl FnMut(u64, Option<u64>),
) -> JsResult<Vec<u8>> {
    let url = &app_url(url);
    let store = match model_cache_storage().filter(|_| what != Fetch::Photo) {
        Some(c) => {
            for old in OLD_MODEL_CACHES {
                let _ = JsFuture::from(c.delete(old)).await;
            }
            JsFuture::from(c.open(MODEL_CACHE))
                .await
                .ok()
                .map(|s| s.unchecked_into::<web_sys::Cache>())
        }
        None => None,
    };
    if let Some(store) = &store
        && let Ok(hit) = JsFuture::from(store.match_with_str(url)).await
        && let Ok(response) = hit.dyn_into::<web_sys::Response>()
    {
        let buffer = JsFuture::from(response.array_buffer().map_err(js_error)?)
            .await
            .map_err(js_error)?;
        let bytes = Uint8Array::new(&buffer).to_vec();
        progress(bytes.len() as u64, Some(bytes.len() as u64));
        return Ok(bytes);
    }
    let response = JsFuture::from(source(url, what == Fetch::BuiltInModel))
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

/// The response for `url`: a built-in model (`packed`) through the app's `gibbonWasmSource`
/// (web/wasm-source.js, loaded in both workers), which takes the file's gzip copy from a host
/// that does not compress (5.3 -> 4.9 MB for Lite0) and unpacks it as it streams in, with the
/// plain file's length for the progress bar; other files, and every file where that script is
/// missing, by a plain fetch. (That script also looks in Cache Storage first: the stores of
/// earlier model formats are deleted before this, so it cannot find an old copy there.)
fn source(url: &str, packed: bool) -> Promise {
    let global = scope();
    let wasm_source = js_sys::Reflect::get(&global, &"gibbonWasmSource".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .filter(|_| packed);
    let from_source = wasm_source.and_then(|f| {
        f.call2(&global, &url.into(), &"application/octet-stream".into())
            .ok()
            .and_then(|p| p.dyn_into::<Promise>().ok())
    });
    from_source.unwrap_or_else(|| global.fetch_with_str(url))
}

/// Reads a stream to its end, reporting `(received, total)` after each chunk.
async fn read_stream(
    stream: web_sys::ReadableStream,
    total: Option<u64>,
    progress: &mut impl FnMut(u64, Option<u64>),
) -> JsResult<Vec<u8>> {
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut bytes: Vec<u8> = Vec::with_capacity(total.unwrap_or(0).min(1 << 30) as usize);
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

/// The bytes of a file the user chose, with progress reports.
pub async fn file_bytes(
    file: &web_sys::File,
    mut progress: impl FnMut(u64, Option<u64>),
) -> JsResult<Vec<u8>> {
    read_stream(file.stream(), Some(file.size() as u64), &mut progress).await
}

/// Vendor and architecture of the browser's WebGPU adapter ("google swiftshader"): wgpu gets
/// only the adapter's description, which browsers often leave empty.
pub async fn webgpu_adapter_label() -> Option<String> {
    let navigator = js_sys::Reflect::get(&scope(), &"navigator".into()).ok()?;
    let adapter = crate::worker::protocol::webgpu_adapter(&navigator)
        .await
        .ok()?;
    (!adapter.label.is_empty()).then_some(adapter.label)
}

/// Bytes of the worker's WebAssembly memory.
pub fn wasm_memory_bytes() -> u64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    memory
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as u64
}

/// An `ImageData` of RGBA pixels. They are copied into a buffer of its own first: the
/// browser refuses a view of the threaded worker's memory, which is shared between threads.
pub fn image_data(rgba: &[u8], w: u32, h: u32) -> Result<web_sys::ImageData, String> {
    let pixels = js_sys::Uint8ClampedArray::new_with_length(rgba.len() as u32);
    pixels.copy_from(rgba);
    web_sys::ImageData::new_with_js_u8_clamped_array_and_sh(&pixels, w, h).map_err(js_error)
}

/// Encodes an image as JPEG with the browser's own encoder (an `OffscreenCanvas`), as a user's
/// "save as JPEG" would; `quality` in 1..=100.
pub async fn encode_jpeg(image: &image::RgbImage, quality: u8) -> Result<Vec<u8>, String> {
    use web_sys::{ImageEncodeOptions, OffscreenCanvas, OffscreenCanvasRenderingContext2d};
    let (w, h) = image.dimensions();
    let canvas = OffscreenCanvas::new(w, h).map_err(js_error)?;
    let context: OffscreenCanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(js_error)?
        .ok_or("no 2d context on an OffscreenCanvas")?
        .dyn_into()
        .map_err(|_| "not a 2d context".to_string())?;
    let data = image_data(&protocol::rgba(image), w, h)?;
    context.put_image_data(&data, 0.0, 0.0).map_err(js_error)?;
    let options = ImageEncodeOptions::new();
    options.set_type("image/jpeg");
    options.set_quality(quality as f64 / 100.0);
    let blob = JsFuture::from(
        canvas
            .convert_to_blob_with_options(&options)
            .map_err(js_error)?,
    )
    .await
    .map_err(js_error)?;
    let blob: web_sys::Blob = blob.dyn_into().map_err(|_| "not a Blob".to_string())?;
    let buffer = JsFuture::from(blob.array_buffer())
        .await
        .map_err(js_error)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}
