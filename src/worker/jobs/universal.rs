//! A universal noise, learnt in the worker from the photos the page gives (gallery paths,
//! the user's files, camera frames), with every step reported and Cancel honoured; and the
//! noise applied to the photo. The photos to learn from are read here too, for patches as well.

use std::rc::Rc;

use image::RgbImage;

use super::scope::{self, post, say};
use super::state::Worker;
use super::{Cancel, device_problem};
use crate::attacks::{
    Ensemble, Param, Tally, Truth, Universal, UniversalConfig, UniversalObserver, fooled,
    learn_universal,
};
use crate::imaging::{self, Preprocess};
use crate::models::{self, Classifier};
use crate::worker::protocol::{
    Event, JobId, NoiseSpec, Part, Parts, PhotoSource, Problem, Say, Training, noise_of,
    noise_part, rgba,
};
use crate::zoo::ModelId;

/// The most steps one request learns.
pub const MAX_STEPS: usize = 10_000;
/// The most photos one request learns from.
pub const MAX_PHOTOS: usize = 64;

/// Photos to learn from, prepared for a model, with what is known of each, and the names of
/// those that could not be read.
pub struct Photos {
    pub images: Vec<RgbImage>,
    pub truths: Vec<Truth>,
    pub skipped: Vec<String>,
}

/// Reads and prepares the photos (a `File` source takes the next of `files`) for a model of
/// input `size`; one that cannot be read is skipped and named. None readable: a problem.
pub async fn read_photos(
    photos: Vec<Training>,
    files: Vec<web_sys::File>,
    size: u32,
) -> Result<Photos, Problem> {
    if photos.len() > MAX_PHOTOS {
        return Err(Problem::new(Say::TooManyPhotos(MAX_PHOTOS)));
    }
    let mut files = files.into_iter();
    let mut read = Photos {
        images: Vec::new(),
        truths: Vec::new(),
        skipped: Vec::new(),
    };
    for photo in photos {
        let bytes = match &photo.source {
            PhotoSource::Url(url) => scope::fetch_bytes(url, scope::Fetch::Photo, |_, _| {}).await,
            PhotoSource::File => match files.next() {
                Some(file) => scope::file_bytes(&file, |_, _| {}).await,
                None => Err("no file came with the request".into()),
            },
            PhotoSource::Bytes => Err("photos to learn from come as files or paths".into()),
        };
        match bytes.map(|b| imaging::decode(&b).map_err(|e| e.to_string())) {
            Ok(Ok(image)) => {
                read.images
                    .push(models::prepare(&image, size, Preprocess::Crop));
                read.truths.push(photo.truth);
            }
            Ok(Err(_)) | Err(_) => read.skipped.push(photo.name),
        }
        scope::yield_now().await;
    }
    if read.images.is_empty() {
        return Err(Problem::new(Say::NoTrainingPhotos));
    }
    Ok(read)
}

/// Learns a noise for `id` and sends it, with its fooling rate on the photos it was learnt
/// from; a cancelled run sends the noise so far.
pub async fn learn(
    worker: &Worker,
    job: JobId,
    id: ModelId,
    config: UniversalConfig,
    photos: Vec<Training>,
    files: Vec<web_sys::File>,
    cancel: Cancel,
) -> Result<bool, Problem> {
    if config.steps == 0 || config.steps > MAX_STEPS {
        return Err(Problem::new(Say::BadSetting {
            param: Param::Steps,
            value: config.steps.to_string(),
        }));
    }
    if !(config.alpha.is_finite() && config.alpha > 0.0) {
        return Err(Problem::new(Say::BadSetting {
            param: Param::Alpha,
            value: config.alpha.to_string(),
        }));
    }
    if !(config.momentum.is_finite() && (0.0..=1.0).contains(&config.momentum)) {
        return Err(Problem::new(Say::BadSetting {
            param: Param::Momentum,
            value: config.momentum.to_string(),
        }));
    }
    let model = worker.model(id).await?;
    let read = read_photos(photos, files, id.input_size() as u32).await?;
    let mut observer = Steps {
        job,
        cancel: cancel.clone(),
        done: 0,
    };
    let noise = learn_universal(
        &Ensemble::single(&model),
        &read.images,
        &read.truths,
        &config,
        &mut observer,
    )
    .await
    .map_err(|e| Problem::of_attack(&e))?;
    let mut tally = Tally::default();
    for (image, truth) in read.images.iter().zip(&read.truths) {
        let clean = top1(&model, image).await?;
        let noisy = top1(&model, &noise.apply(image)).await?;
        tally.add(fooled(truth, clean, noisy));
        scope::yield_now().await;
    }
    let (spec, bytes) = noise_part(&noise);
    post(
        &Event::UniversalLearnt {
            job,
            noise: spec,
            steps: observer.done,
            fooled: tally.fooled,
            counted: tally.counted,
            photos: read.images.len(),
            skipped: read.skipped,
        },
        Parts::new().with(Part::Noise, bytes),
    );
    Ok(cancel.get())
}

/// Classifies the photo, as prepared for `id`, without and with the noise.
pub async fn apply(
    worker: &Worker,
    job: JobId,
    id: ModelId,
    spec: NoiseSpec,
    mut parts: Parts,
) -> Result<bool, Problem> {
    let noise = noise_of(&spec, &parts.take(Part::Noise)?)?;
    let model = worker.model(id).await?;
    let size = id.input_size() as u32;
    let input = models::prepare(&*worker.photo()?, size, Preprocess::Crop);
    let noisy = add_noise(&noise, &input);
    let clean = model.classify(&input).await.map_err(device_problem)?;
    let with = model.classify(&noisy).await.map_err(device_problem)?;
    post(
        &Event::NoiseApplied {
            job,
            clean: clean.top(5),
            noisy: with.top(5),
            size,
        },
        Parts::new().with(Part::Input, rgba(&noisy)),
    );
    Ok(false)
}

/// The image with the noise added: the noise resized to the image's side first when it has
/// another (a square image; another shape is left as it is).
pub fn add_noise(noise: &Universal, image: &RgbImage) -> RgbImage {
    let (w, h) = image.dimensions();
    if w != h || w == 0 {
        return image.clone();
    }
    if noise.size == w as usize {
        noise.apply(image)
    } else {
        noise.resized(w as usize).apply(image)
    }
}

async fn top1(model: &Rc<Classifier>, image: &RgbImage) -> Result<usize, Problem> {
    Ok(model
        .classify(image)
        .await
        .map_err(device_problem)?
        .top1()
        .index)
}

/// Reports each step, gives the worker's event loop a turn (a Cancel arrives as a message),
/// and stops when asked.
struct Steps {
    job: JobId,
    cancel: Cancel,
    done: usize,
}

impl UniversalObserver for Steps {
    async fn on_step(&mut self, step: usize, steps: usize, fooled: f32) -> bool {
        self.done = step + 1;
        say(&Event::UniversalStep {
            job: self.job,
            step: step + 1,
            steps,
            fooled,
        });
        scope::yield_now().await;
        !self.cancel.get()
    }
}
