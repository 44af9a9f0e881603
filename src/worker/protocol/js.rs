//! Messages as the browser carries them: `{msg: JSON text, parts: {name: ArrayBuffer}, file,
//! bitmap}`, for both sides (the page and the worker).

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use super::{Bytes, Parts};

/// A message's parts as a JS object of named `ArrayBuffer`s, and the list of those buffers
/// to transfer (move) with it.
pub fn to_js(parts: Parts) -> (Object, Array) {
    let named = Object::new();
    let transfer = Array::new();
    for (key, bytes) in parts.into_keyed() {
        let buffer = bytes.into_buffer();
        let _ = Reflect::set(&named, &key.into(), &buffer);
        transfer.push(&buffer);
    }
    (named, transfer)
}

/// The parts of a received message's `data` (none when it has none).
pub fn parts_of(data: &JsValue) -> Parts {
    let Some(named) = Reflect::get(data, &"parts".into())
        .ok()
        .and_then(|p| p.dyn_into::<Object>().ok())
    else {
        return Parts::new();
    };
    let keyed = Object::entries(&named).into_iter().filter_map(|entry| {
        let entry = Array::from(&entry);
        let key = entry.get(0).as_string()?;
        let buffer = entry.get(1).dyn_into::<js_sys::ArrayBuffer>().ok()?;
        // Left where it is until taken: a part kept as a buffer is never copied in.
        Some((key, Bytes::Js(buffer)))
    });
    Parts::from_keyed(keyed)
}

/// The JSON text of a received message's `data`.
pub fn text_of(data: &JsValue) -> String {
    Reflect::get(data, &"msg".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_default()
}

/// The camera frame a received message's `data` carries, if any.
pub fn bitmap_of(data: &JsValue) -> Option<web_sys::ImageBitmap> {
    Reflect::get(data, &"bitmap".into())
        .ok()
        .and_then(|b| b.dyn_into::<web_sys::ImageBitmap>().ok())
}

/// The files a received message's `data` carries, in order (none when it has none).
pub fn files_of(data: &JsValue) -> Vec<web_sys::File> {
    Reflect::get(data, &"files".into())
        .ok()
        .and_then(|f| f.dyn_into::<Array>().ok())
        .map(|list| {
            list.iter()
                .filter_map(|f| f.dyn_into::<web_sys::File>().ok())
                .collect()
        })
        .unwrap_or_default()
}
