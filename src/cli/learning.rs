//! What the commands that learn from photos share (`universal`, `patch`): the photos, each
//! prepared for the model (one that cannot be read is skipped and named, and the rest go on),
//! and a progress bar.

use image::RgbImage;
use indicatif::{ProgressBar, ProgressStyle};

use super::CliError;
use super::inputs::{self, Input};
use crate::attacks::{PatchObserver, Truth, UniversalObserver};
use crate::imaging::{self, Preprocess};
use crate::models;

/// A photo ready for a model, with where it came from.
pub struct Photo {
    pub input: Input,
    pub image: RgbImage,
}

impl Photo {
    pub fn truth(&self) -> &Truth {
        &self.input.truth
    }

    pub fn shown(&self) -> String {
        self.input.path.display().to_string()
    }
}

/// Reads and prepares the photos named on the command line and in `list` for a model of input
/// `size`; those that cannot be read are said on stderr and counted in `failures`.
pub fn read(
    images: &[String],
    list: Option<&std::path::Path>,
    size: usize,
    preprocess: Preprocess,
    failures: &mut usize,
) -> Result<Vec<Photo>, CliError> {
    let mut photos = Vec::new();
    for input in inputs::collect(images, list)? {
        match imaging::open(&input.path) {
            Ok(photo) => photos.push(Photo {
                image: models::prepare(&photo, size as u32, preprocess),
                input,
            }),
            Err(e) => {
                eprintln!("gibbon: {}: {e} (skipped)", input.path.display());
                *failures += 1;
            }
        }
    }
    if photos.is_empty() {
        return Err(CliError::failed("no photo of the list could be read"));
    }
    Ok(photos)
}

/// A learning command's progress bar: the step, and how the step's batch fared.
pub struct StepBar(pub ProgressBar);

impl StepBar {
    pub fn new(steps: usize, quiet: bool) -> Self {
        if quiet {
            return StepBar(ProgressBar::hidden());
        }
        let bar = ProgressBar::new(steps as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} (eta {eta}) {msg}")
                .expect("a valid template"),
        );
        StepBar(bar)
    }
}

impl UniversalObserver for StepBar {
    async fn on_step(&mut self, step: usize, _: usize, fooled: f32) -> bool {
        self.0.set_position(step as u64 + 1);
        self.0
            .set_message(format!("{:.0}% of the step's views fooled", fooled * 100.0));
        true
    }
}

impl PatchObserver for StepBar {
    async fn on_step(&mut self, step: usize, _: usize, hits: f32) -> bool {
        self.0.set_position(step as u64 + 1);
        self.0.set_message(format!(
            "{:.0}% of the step's placements hit the target",
            hits * 100.0
        ));
        true
    }
}
