//! Live classification of camera frames, the newest only. The page sends a frame (an
//! `ImageBitmap`, the centre of the camera's picture already scaled by the browser to the
//! model's input) once the previous one is answered. Should frames still come while one is
//! classified, the worker keeps one waiting, the newest, and ends the one it replaces as
//! cancelled: no queue grows on either side, and what the page shows is never older than one
//! frame.

use std::cell::RefCell;

use image::RgbImage;
use wasm_bindgen::JsCast;
use web_sys::{ImageBitmap, OffscreenCanvas, OffscreenCanvasRenderingContext2d};

use super::device_problem;
use super::scope::{self, js_error, say};
use super::state::Worker;
use crate::attacks::{Patch, Universal};
use crate::models::Classifier;
use crate::worker::protocol::{self, Event, JobId, Problem, Say};
use crate::zoo::ModelId;

/// A frame to classify.
pub struct Frame {
    pub job: JobId,
    pub model: ModelId,
    pub bitmap: Option<ImageBitmap>,
    /// A universal noise: the frame is classified with it too.
    pub noise: Option<Universal>,
    /// A patch pasted at the frame's centre first, covering this share of its area.
    pub patch: Option<(Patch, f32)>,
}

/// The frame classified now (`busy`), and the one waiting, the newest.
#[derive(Default)]
struct Slot {
    busy: bool,
    waiting: Option<Frame>,
}

thread_local! {
    static SLOT: RefCell<Slot> = RefCell::default();
    /// One canvas to read frames' pixels with, kept between frames.
    static CANVAS: RefCell<Option<(OffscreenCanvas, OffscreenCanvasRenderingContext2d)>> =
        const { RefCell::new(None) };
}

/// Takes a frame: classified at once when the worker is free, else kept as the one waiting
/// (replacing, and ending as cancelled, an older one).
pub fn take(worker: &Worker, frame: Frame) {
    let start = SLOT.with(|slot| {
        let mut slot = slot.borrow_mut();
        if !slot.busy {
            slot.busy = true;
            return Some(frame);
        }
        if let Some(stale) = slot.waiting.replace(frame) {
            drop_frame(stale);
        }
        None
    });
    if let Some(frame) = start {
        let worker = worker.clone();
        wasm_bindgen_futures::spawn_local(classify_frames(worker, frame));
    }
}

/// Ends a frame that a newer one replaced.
fn drop_frame(frame: Frame) {
    if let Some(bitmap) = &frame.bitmap {
        bitmap.close();
    }
    say(&Event::Done {
        job: frame.job,
        cancelled: true,
    });
}

/// Classifies the frame, then the one waiting, if any, until none is.
async fn classify_frames(worker: Worker, mut frame: Frame) {
    loop {
        let (job, model) = (frame.job, frame.model);
        match classify_frame(&worker, frame).await {
            Ok((top, noisy, ms)) => say(&Event::LiveClassified {
                job,
                model,
                top,
                ms,
                noisy,
            }),
            Err(problem) => say(&Event::Failed {
                job: Some(job),
                problem,
            }),
        }
        let next = SLOT.with(|slot| {
            let mut slot = slot.borrow_mut();
            let next = slot.waiting.take();
            slot.busy = next.is_some();
            next
        });
        match next {
            Some(next) => frame = next,
            None => return,
        }
    }
}

/// One frame's top-5 (with the patch pasted, when it came with one), its top-5 with the
/// noise, when it came with one, and the milliseconds it took (once the model is loaded).
async fn classify_frame(worker: &Worker, frame: Frame) -> Result<(Top, Option<Top>, f64), Problem> {
    let Some(bitmap) = frame.bitmap else {
        return Err(Problem::with_detail(
            Say::FrameUnreadable,
            "no ImageBitmap came with the request",
        ));
    };
    let model = match worker.model(frame.model).await {
        Ok(model) => model,
        Err(problem) => {
            bitmap.close();
            return Err(problem);
        }
    };
    let start = scope::now_ms();
    let pixels = pixels(&bitmap);
    bitmap.close();
    let mut image = pixels.map_err(|e| Problem::with_detail(Say::FrameUnreadable, e))?;
    if let Some((patch, scale)) = &frame.patch {
        image = super::patch::paste(patch, &image, *scale);
    }
    let top = top5(&model, &image).await?;
    let noisy = match &frame.noise {
        Some(noise) => Some(top5(&model, &super::universal::add_noise(noise, &image)).await?),
        None => None,
    };
    Ok((top, noisy, scope::now_ms() - start))
}

/// A top-5.
type Top = Vec<crate::prediction::Prediction>;

/// The model's top-5 for a frame: as it is when it has the model's input size, else fitted
/// (resized and centre-cropped) as a photo is.
pub async fn top5(
    model: &Classifier,
    image: &RgbImage,
) -> Result<Vec<crate::prediction::Prediction>, Problem> {
    let probs = model.classify(image).await.map_err(device_problem)?;
    Ok(probs.top(5))
}

/// The RGB pixels of a bitmap, read through an `OffscreenCanvas` in the worker (the page's
/// thread never reads them).
pub fn pixels(bitmap: &ImageBitmap) -> Result<RgbImage, String> {
    let (w, h) = (bitmap.width(), bitmap.height());
    if w == 0 || h == 0 {
        return Err("the frame is empty".into());
    }
    CANVAS.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            *cell = Some(canvas(w, h)?);
        }
        let (canvas, context) = cell.as_ref().expect("made above");
        if (canvas.width(), canvas.height()) != (w, h) {
            canvas.set_width(w);
            canvas.set_height(h);
        }
        context
            .draw_image_with_image_bitmap(bitmap, 0.0, 0.0)
            .map_err(js_error)?;
        let data = context
            .get_image_data(0.0, 0.0, w as f64, h as f64)
            .map_err(js_error)?
            .data();
        protocol::rgb(&data, w, h).ok_or_else(|| "the frame's pixels do not fit its size".into())
    })
}

/// A canvas whose pixels are read often (the browser keeps it in memory, not on the GPU).
fn canvas(w: u32, h: u32) -> Result<(OffscreenCanvas, OffscreenCanvasRenderingContext2d), String> {
    let canvas = OffscreenCanvas::new(w, h).map_err(js_error)?;
    let options = web_sys::ContextAttributes2d::new();
    options.set_will_read_frequently(true);
    let context = canvas
        .get_context_with_context_options("2d", &options)
        .map_err(js_error)?
        .ok_or("no 2d context on an OffscreenCanvas")?
        .dyn_into::<OffscreenCanvasRenderingContext2d>()
        .map_err(|_| "not a 2d context".to_string())?;
    Ok((canvas, context))
}
