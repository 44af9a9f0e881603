//! What a notice tells the user, named with its facts but not worded: the worker's [`Say`],
//! or one of the page's own cases. The notice bar words it when it shows it (`Texts::word`),
//! in the page's language at that moment, so a notice on screen follows a language switch.

use crate::attacks::Method;
use crate::worker::protocol::Say;
use crate::zoo::{Layout, ModelId};

/// What a notice says.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// What the worker said, or the page in the same terms (a photo to choose, a setting out
    /// of its range, a message's part that did not arrive).
    Said(Say),
    /// Work under way was stopped by the user's change.
    Interrupted { work: Work, why: Why },
    /// The user cancelled an attack after this many steps; its result so far is shown.
    CancelledAfter(usize),
    /// The attack needs a target class and none was chosen.
    NeedsTarget(Method),
    /// A model of the user's own was loaded: from where (as the user named it), and the
    /// layout of its weights when the worker said which.
    ModelLoaded {
        model: ModelId,
        from: String,
        layout: Option<Layout>,
    },
    /// A weights path that is not on the page's own site.
    SameSiteOnly,
    /// The GPU device stopped; a new worker was started.
    DeviceStopped,
    /// The worker broke; a new one was started.
    WorkerBroke,
    /// The worker broke too often to start it again.
    WorkerKeepsStopping,
    /// A download (the adversarial PNG or the perturbation) could not start.
    DownloadFailed,
    /// The share card could not be drawn.
    CardFailed,
    /// The camera could not give a photo or frames.
    Camera(CameraProblem),
    /// A noise PNG of another size, resized: from, to (sides).
    NoiseResized { from: usize, to: usize },
    /// A file that is not a noise PNG Gibbon wrote.
    NotANoise,
    /// Learning stopped: a noise or a patch (true), because the model or device changed.
    StageStopped { patch: bool },
}

impl From<Say> for Note {
    fn from(say: Say) -> Self {
        Note::Said(say)
    }
}

impl From<CameraProblem> for Note {
    fn from(problem: CameraProblem) -> Self {
        Note::Camera(problem)
    }
}

/// Why the camera gave no photo, or stopped giving frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraProblem {
    /// The video has no frame yet.
    NoPicture,
    /// Not a secure context: browsers give cameras to https and localhost only.
    Insecure,
    /// The browser would not ask for the camera.
    Failed,
    /// Permission refused, or no camera.
    Refused,
    /// The browser gave something other than a video stream.
    NotVideo,
    /// The camera's track ended (unplugged, or taken by another application).
    Ended,
    /// The camera gives no frames.
    NoFrames,
}

/// Work the page was doing when the user changed something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    Attack,
    Transfer,
    Survival,
    Matrix,
    Sweep,
}

/// What the user changed that stops the work under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    Photo,
    Model,
    Device,
    Loaded,
}
