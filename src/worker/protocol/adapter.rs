//! The WebGPU adapter the browser offers, asked the same way on both sides: the page (before
//! it chooses a worker) and the worker (to name the device it runs on).

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use super::software_adapter;

/// The WebGPU adapter a browser offers.
#[derive(Clone, Debug)]
pub struct Adapter {
    /// Its vendor, architecture and description ("google swiftshader"); empty where the
    /// browser says none of them.
    pub label: String,
    /// A software renderer (SwiftShader, llvmpipe, WARP, or the browser's fallback adapter).
    pub software: bool,
}

/// The adapter `navigator.gpu.requestAdapter()` gives (`navigator` of a window or of a
/// worker), or the browser's words when there is none.
pub async fn webgpu_adapter(navigator: &JsValue) -> Result<Adapter, String> {
    let get = |of: &JsValue, key: &str| Reflect::get(of, &key.into()).unwrap_or_default();
    let gpu = get(navigator, "gpu");
    if gpu.is_undefined() || gpu.is_null() {
        return Err("navigator.gpu is missing (no WebGPU in this browser)".into());
    }
    let request: Function = get(&gpu, "requestAdapter")
        .dyn_into()
        .map_err(|_| "navigator.gpu.requestAdapter is missing")?;
    let promise: Promise = request
        .call0(&gpu)
        .ok()
        .and_then(|p| p.dyn_into().ok())
        .ok_or("navigator.gpu.requestAdapter() failed")?;
    let adapter = match wasm_bindgen_futures::JsFuture::from(promise).await {
        Ok(adapter) if !adapter.is_null() && !adapter.is_undefined() => adapter,
        Ok(_) => return Err("navigator.gpu.requestAdapter() gave no adapter".into()),
        Err(e) => return Err(format!("navigator.gpu.requestAdapter() failed: {e:?}")),
    };
    let info = get(&adapter, "info");
    let label = ["vendor", "architecture", "description"]
        .iter()
        .filter_map(|key| get(&info, key).as_string())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    // `info.isFallbackAdapter` in browsers of 2025 on, `isFallbackAdapter` on the adapter
    // before.
    let fallback = [
        get(&info, "isFallbackAdapter"),
        get(&adapter, "isFallbackAdapter"),
    ]
    .iter()
    .any(|v| v.as_bool() == Some(true));
    Ok(Adapter {
        software: software_adapter(&label, fallback),
        label,
    })
}
