//! Choosing a photo: decode it (the user's file, its bytes, or a gallery photo), keep it, and
//! classify it with the chosen model.

use super::scope::{self, post, say};
use super::state::Worker;
use super::{Received, device_problem};
use crate::imaging::{self, Preprocess};
use crate::models;
use crate::worker::protocol::{
    Event, JobId, Part, Parts, PhotoProblem, PhotoSource, Problem, Say, rgba,
};
use crate::zoo::ModelId;

/// Decodes the photo a request names and keeps it.
pub async fn set(
    worker: &Worker,
    job: JobId,
    name: String,
    source: PhotoSource,
    mut received: Received,
) -> Result<(), Problem> {
    let bytes = match &source {
        PhotoSource::Bytes => received.parts.take(Part::Photo).map_err(|e| e.to_string()),
        PhotoSource::File => match &received.file {
            Some(file) => scope::file_bytes(file, |_, _| {}).await,
            None => Err("no file came with the request".to_string()),
        },
        PhotoSource::Url(url) => scope::fetch_bytes(url, scope::Fetch::Photo, |_, _| {}).await,
    }
    .map_err(|e| Problem::with_detail(Say::PhotoUnreadable(name.clone()), e))?;
    let image = imaging::decode(&bytes).map_err(|e| {
        let detail = e.to_string();
        match PhotoProblem::of(&e) {
            // What the decoder said, where the kind alone does not say it all.
            Some(why @ (PhotoProblem::Truncated | PhotoProblem::Corrupt)) => {
                Problem::with_detail(Say::BadPhoto { name, why }, detail)
            }
            Some(why) => Problem::new(Say::BadPhoto { name, why }),
            None => Problem::with_detail(Say::PhotoUnreadable(name), detail),
        }
    })?;
    drop(bytes);
    say(&Event::PhotoDecoded {
        job,
        width: image.width(),
        height: image.height(),
    });
    worker.set_photo(image);
    Ok(())
}

/// The model's top-5 for the photo, and the model's input to show.
pub async fn classify(worker: &Worker, job: JobId, id: ModelId) -> Result<bool, Problem> {
    let photo = worker.photo()?;
    let model = worker.model(id).await?;
    let size = id.input_size() as u32;
    // The photo itself through the one preprocessing (as `gibbon classify` does); the
    // page shows the model's input rounded to 8 bits.
    let probs = model.classify(&photo).await.map_err(device_problem)?;
    let input = models::prepare(&photo, size, Preprocess::Crop);
    post(
        &Event::Classified {
            job,
            model: id,
            size,
            top: probs.top(5),
        },
        Parts::new().with(Part::Input, rgba(&input)),
    );
    Ok(false)
}
