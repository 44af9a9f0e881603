//! The photo the user chose and what the chosen model sees in it, with the actions that
//! change them: choosing a photo, sending it to a worker, and the worker's answers.

use std::rc::Rc;

use leptos::prelude::*;

use super::engine::Message;
use super::pixels::Pixels;
use crate::attacks::{Method, Truth};
use crate::prediction::Prediction;
use crate::samples::Sample;
use crate::worker::protocol::{JobId, Part, PartError, Parts, PhotoSource, Request, Training};
use crate::zoo::ModelId;

/// The photo the user chose, as the page can send it to a (new) worker again.
#[derive(Clone)]
pub struct Photo {
    pub name: String,
    source: PhotoSource,
    file: Option<web_sys::File>,
    /// The gallery entry it came from, whose right classes are known.
    pub sample: Option<&'static Sample>,
}

impl Photo {
    /// A photo from the user's disk (picked, dropped, pasted or taken with the camera).
    pub fn from_file(file: web_sys::File) -> Self {
        Self {
            name: file.name(),
            source: PhotoSource::File,
            file: Some(file),
            sample: None,
        }
    }

    /// A photo of the gallery.
    pub fn from_sample(sample: &'static Sample) -> Self {
        Self {
            name: sample.title.to_string(),
            source: PhotoSource::Url(format!("samples/{}", sample.file)),
            file: None,
            sample: Some(sample),
        }
    }

    /// What is known to be right for it.
    pub fn truth(&self) -> Truth {
        self.sample.map_or(Truth::Unknown, Truth::of_sample)
    }

    /// The photo as one to learn from, and its file (sent beside the request).
    pub fn training(&self) -> (Training, Option<web_sys::File>) {
        let training = Training {
            name: self.name.clone(),
            source: self.source.clone(),
            truth: self.truth(),
        };
        (training, self.file.clone())
    }
}

/// The photo and what the chosen model sees in it.
#[derive(Clone, Copy)]
pub struct PhotoState {
    pub photo: RwSignal<Option<Photo>, LocalStorage>,
    /// The photo resized and cropped for the chosen model: what is attacked.
    pub input: RwSignal<Option<Rc<Pixels>>, LocalStorage>,
    /// The chosen model's top-5 for it.
    pub top: RwSignal<Vec<Prediction>>,
    /// The photo's own size, once decoded.
    pub size: RwSignal<Option<(u32, u32)>>,
}

impl PhotoState {
    pub fn new() -> Self {
        Self {
            photo: RwSignal::new_local(None),
            input: RwSignal::new_local(None),
            top: RwSignal::new(Vec::new()),
            size: RwSignal::new(None),
        }
    }

    /// Whether there is a photo (untracked).
    pub fn is_chosen(&self) -> bool {
        self.photo.with_untracked(Option::is_some)
    }

    /// What is known to be right for the photo; None without a photo.
    pub fn truth(&self) -> Option<Truth> {
        self.photo.with_untracked(|p| p.as_ref().map(Photo::truth))
    }

    /// The truth an attack with `method` goes by: the photo's, or for a fooling image, made
    /// from nothing, none to know. None when the attack needs a photo and there is none.
    pub fn truth_for(&self, method: Method) -> Option<Truth> {
        if method == Method::Fooling {
            return Some(Truth::Unknown);
        }
        self.truth()
    }

    /// Takes a new photo.
    pub fn choose(&self, photo: Photo) {
        self.photo.set(Some(photo));
    }

    /// The request that gives the photo to the worker, which decodes it and classifies it
    /// with `model` (None without a photo). What the old photo showed goes meanwhile.
    pub fn send(&self, job: JobId, model: ModelId) -> Option<Message> {
        let photo = self.photo.get_untracked()?;
        self.input.set(None);
        self.top.set(Vec::new());
        let request = Request::SetPhoto {
            job,
            name: photo.name,
            source: photo.source,
            model,
        };
        Some(Message::from(request).with_file(photo.file))
    }

    /// The request that classifies the photo with `model` (after a model or device switch).
    pub fn reclassify(&self, job: JobId, model: ModelId) -> Request {
        self.top.set(Vec::new());
        Request::Classify { job, model }
    }

    /// The worker decoded the photo.
    pub fn decoded(&self, width: u32, height: u32) {
        self.size.set(Some((width, height)));
    }

    /// The worker classified the photo: its top-5 and what the model sees (part
    /// [`Part::Input`], `size` x `size`).
    pub fn classified(
        &self,
        size: u32,
        top: Vec<Prediction>,
        parts: &mut Parts,
    ) -> Result<(), PartError> {
        let input = Pixels::take(parts, Part::Input, size, size);
        self.top.set(top);
        match input {
            Ok(pixels) => {
                self.input.set(Some(Rc::new(pixels)));
                Ok(())
            }
            Err(e) => {
                self.input.set(None);
                Err(e)
            }
        }
    }
}
