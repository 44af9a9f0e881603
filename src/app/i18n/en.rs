//! The page in English.

use super::{LessonVerdict, LessonWords, Texts};
use crate::app::note::{CameraProblem, Note, Why, Work};
use crate::attacks::{Method, Param, Range, Start};
use crate::worker::protocol::{Part, PartError, PhotoProblem, Say};

pub static EN: Texts = Texts {
    language: "Language",
    tagline: "Drop a photo and watch an ImageNet classifier be fooled by noise too faint to see. Everything runs on your machine: your photo never leaves it.",
    benchmark: "Benchmark",
    credits: " · EfficientNet-Lite weights: Apache-2.0 · sample photos: scikit-image (CC0 / public domain)",
    model: "Model ",
    loading: |model, received, total| match total {
        Some(t) => format!("Loading {model}: {received:.1} / {t:.1} MB"),
        None => format!("Loading {model}: {received:.1} MB"),
    },
    starting: "Starting…",
    measuring_devices: "Timing a step on the CPU and on WebGPU, to use the faster…",
    device_timing: |timing| {
        let cpu = match timing.cpu.as_ref().map(|m| (m.threads, m.ms)) {
            Some((1, ms)) => format!("CPU, 1 thread: {ms:.0} ms a step"),
            Some((threads, ms)) => format!("CPU, {threads} threads: {ms:.0} ms a step"),
            None => "CPU: not measured".into(),
        };
        let webgpu = match (&timing.webgpu, &timing.software_adapter) {
            (Some(m), _) => format!("WebGPU ({}): {:.0} ms", m.adapter, m.ms),
            (None, Some(adapter)) => format!("WebGPU ({adapter}): a software renderer, not timed"),
            (None, None) => "WebGPU: not measured".into(),
        };
        format!("Measured in this browser: {cpu}; {webgpu}.")
    },
    use_cpu: "Use CPU",
    try_webgpu: "Try WebGPU",
    drop_hint: "Drop a photo here, paste one, or ",
    choose_file: "choose a file",
    no_photo: "No photo yet",
    photo_as_seen: "The photo as the model sees it: ",
    what_model_sees: "What the model sees",
    camera_open: "Take a photo with the camera",
    camera_take: "Take photo",
    camera_switch: "Switch camera",
    camera_close: "Close",
    camera_view: "What the camera sees",
    live_start: "Classify live",
    live_stop: "Stop live",
    live_title: "Live: what the model sees in each frame",
    live_waiting: "Waiting for the first frame…",
    live_fps: |fps, ms| match ms {
        Some(ms) => format!("{fps:.1} frames per second · {ms:.0} ms per frame in the worker"),
        None => format!("{fps:.1} frames per second"),
    },
    live_chart: |class, seconds| format!("Probability of {class} over the last {seconds} seconds"),
    attack: "Attack",
    method: "Method ",
    method_title: Method::title,
    explain: |method| match method {
        Method::Fgsm => {
            "One step of size ε up the gradient sign of the true class's loss (Goodfellow et al. 2015)."
        }
        Method::FgsmTargeted => "One step of size ε down the loss of the chosen class.",
        Method::Ifgsm => {
            "Small steps up the loss, each clipped back into the ε-ball (Kurakin et al. 2017)."
        }
        Method::LeastLikely => {
            "Small steps towards the class the model finds least likely for the photo (Kurakin et al. 2017)."
        }
        Method::Targeted => "Small steps towards the class you choose.",
        Method::Pgd => "Iterative FGSM from a random start inside the ε-ball (Madry et al. 2018).",
        Method::MiFgsm => {
            "Iterative FGSM with momentum on the gradient, which fools other models more often (Dong et al. 2018)."
        }
        Method::DiFgsm => {
            "Iterative FGSM whose steps see randomly shrunk and padded copies of the photo, which fools other models more often (Xie et al. 2019)."
        }
        Method::CwL2 => {
            "Searches for the smallest change, measured as L2, that fools the model by a margin κ (Carlini & Wagner 2017). Slow: many small steps."
        }
        Method::DeepFool => {
            "Walks to the nearest decision boundary the gradient shows, then just past it: a minimal L2 change (Moosavi-Dezfooli et al. 2016)."
        }
        Method::Fooling => {
            "Starts from grey or noise instead of the photo and climbs until the model is sure it sees the class you choose (Nguyen et al. 2015)."
        }
        Method::ApgdCe => {
            "PGD that sets its own step size: it starts large and halves it whenever the loss stops climbing, with momentum (Croce & Hein 2020). The first attack of AutoAttack, the field's robustness benchmark."
        }
        Method::ApgdT => {
            "APGD aimed in turn at the photo's next most likely classes, with a loss that ignores how confident the model is (Croce & Hein 2020)."
        }
        Method::Square => {
            "A black box: sees only the model's top-5 probabilities, never a gradient. It tries random squares of ±ε and keeps what lowers the model's margin (Andriushchenko et al. 2020). Hiding the gradient is no defence."
        }
    },
    eps: |eps| format!("ε = {eps} / 255"),
    eps_slider: "Budget ε, in 255ths",
    no_eps_fooling: "No ε: a fooling image is made from scratch.",
    no_eps_l2: "No ε: this attack looks for the smallest change (L2) that fools the model.",
    step_size: "Step α ",
    steps: "Steps ",
    early_stop: " Stop as soon as the goal is reached",
    full_size: |size| {
        let size = size.map(|(w, h)| format!(" ({w}×{h})")).unwrap_or_default();
        format!(" Attack the photo at its own size{size}; off: the model's square crop")
    },
    crop_only: |method| match method {
        Method::Fooling => "On the model's square crop: a fooling image has no photo.",
        Method::DiFgsm => {
            "On the model's square crop: DI-FGSM's resize-and-pad is of the model's input."
        }
        _ => "On the model's square crop: EOT's views are of the model's input.",
    },
    run: "Run",
    cancel: "Cancel",
    lesson_open: "Guided lesson: how a classifier is fooled, on your photo",
    lesson_label: "Guided lesson",
    lesson: [
        LessonWords {
            title: "1. What the model sees",
            text: "A classifier turns the photo into 1000 probabilities, one per ImageNet class. These are its five best guesses for your photo.",
        },
        LessonWords {
            title: "2. Which way is worse: the gradient's sign",
            text: "The gradient of the loss J with respect to the pixels says, for every pixel and colour, which way makes the model less sure of the right answer. Its sign, +1 or -1, is the middle picture below: each value moved by exactly 1/255, grey where nothing moved.",
        },
        LessonWords {
            title: "3. One step: FGSM",
            text: "Move every pixel value by ε along that sign, all at once (the fast gradient sign method). With ε = 8, no value changes by more than 8 of 255 levels: hard to see, and often enough to change the model's answer.",
        },
        LessonWords {
            title: "4. Many small steps, clipped",
            text: "Iterative FGSM takes steps of 1/255 and, after each, clips the image back to within ε of the photo and to valid pixel values. It needs less change than one big step.",
        },
        LessonWords {
            title: "5. Aiming at a class: the panda that becomes a gibbon",
            text: "Going down the loss of a chosen class instead of up the loss of the right one makes the model see that class. Here the target is a gibbon, as in the famous panda picture.",
        },
        LessonWords {
            title: "6. Iterative least-likely",
            text: "The favourite of the 2018 article this lesson follows, “今更聞けない!? Adversarial Examples”: aim at the class the model finds least likely for the photo, the most absurd answer it could give.",
        },
        LessonWords {
            title: "7. Does it fool another model?",
            text: "The image was made for one model. The other models now judge the very same pixels: the 2018 article found that this transfer was rare.",
        },
        LessonWords {
            title: "8. Does it survive a JPEG?",
            text: "People share photos as JPEG, which throws away fine detail, and the perturbation is fine detail. The image is saved as JPEG at three qualities (and resized and filtered), and the model judges each.",
        },
    ],
    lesson_back: "Back",
    lesson_next: "Next",
    lesson_close: "Close",
    lesson_of: |k, n| format!("{k} of {n}"),
    lesson_no_photo: "Choose a photo, a sample or the camera to begin.",
    computing: "Computing…",
    lesson_wait: "Press Next again when the result is in.",
    lesson_sees: |guesses| format!("The model sees: {guesses}."),
    lesson_sign: |linf, class, prob| {
        format!(
            "Every value moved by exactly 1/255 (largest change {linf}). After this one step the model says {class} ({prob})."
        )
    },
    lesson_judged: |model, sees, verdict| {
        let word = match verdict {
            LessonVerdict::WrongBefore => "wrong on the photo already",
            LessonVerdict::Fooled => "fooled too",
            LessonVerdict::NotFooled => "not fooled",
        };
        format!("{model} sees {sees}: {word}")
    },
    lesson_transfer: |lines| format!("{lines}."),
    lesson_no_judge: "No other model judged it.",
    lesson_no_result: "No result to save yet.",
    lesson_jpeg: |checks| {
        format!(
            "{checks}. (\"destroyed\": the model is right again; \"-\": the JPEG fools it on the photo too.)"
        )
    },
    lesson_jpeg_check: |quality, survived| {
        let word = match survived {
            Some(true) => "survives",
            Some(false) => "destroyed",
            None => "-",
        };
        format!("JPEG quality {quality}: {word}")
    },
    chart_title: "Probabilities per step",
    chart_steps: |n| match n {
        1 => "1 step".to_string(),
        n => format!("{n} steps"),
    },
    chart_true: "true class",
    chart_target: "target class",
    sees_now: "What the model sees now",
    rounded_note: "Predictions of the adversarial image after rounding to 8 bits: the PNG you download.",
    attack_running: "The attack is running.",
    attacking: "Attacking…",
    original: "Original",
    original_alt: "The original photo, as the model sees it",
    perturbation: |amplify| format!("Perturbation × {amplify}"),
    perturbation_alt: |amplify| format!("The perturbation, amplified {amplify} times around grey"),
    amplify: "Amplification of the perturbation",
    adversarial: "Adversarial",
    made_from: |start, class, prob| {
        let start = match start {
            Start::Grey => "grey",
            Start::Noise => "noise",
        };
        format!(
            "Made from {start}: the model sees {class} ({:.1}%) in it.",
            prob * 100.0
        )
    },
    wrong_before: |saw, truth| {
        format!("The model was wrong before the attack already: it saw {saw}, not {truth}.")
    },
    fooled: |from, to, prob, linf| {
        format!(
            "Fooled: {from} became {to} ({:.1}%) with changes of at most {linf} / 255 per pixel.",
            prob * 100.0
        )
    },
    not_fooled: |still, prob| format!("Not fooled: still {still} ({:.1}%).", prob * 100.0),
    target: |name, hit| {
        if hit {
            format!(" It now sees the target, {name}.")
        } else {
            format!(" The target was {name}.")
        }
    },
    lattice: |steps, rescued| {
        if rescued {
            format!(
                "Rounding to 8 bits undid the attack; {steps} whole-level step(s) on the 8-bit image rescued it."
            )
        } else {
            format!(
                "Rounding to 8 bits undid the attack, and {steps} whole-level step(s) did not rescue it."
            )
        }
    },
    attacked_on: |names| {
        format!("Attacked on the ensemble {names}: the predictions are their average.")
    },
    steps_run: "Steps",
    download_adversarial: "Download adversarial PNG",
    download_perturbation: "Download perturbation (×10)",
    share_card: "Share card (PNG)",
    card_title: |fooled| {
        let verdict = if fooled { "fooled" } else { "not fooled" };
        format!("An adversarial example: the model is {verdict}")
    },
    card_caption: |panel, class, prob| format!("{panel}: {class} ({:.0}%)", prob * 100.0),
    card_footer: |model, method, budget, linf| {
        format!(
            "{model} · {method} · {budget} · largest change {linf}/255 · made in the browser with Gibbon"
        )
    },
    transfer_title: "Transfer to other models",
    transfer_note: "The other models judge the same 8-bit adversarial image, each at its own input size, as the change_model step of the 2018 article “今更聞けない!? Adversarial Examples” did. Fooled means the model's answer is now wrong (or, for a photo of your own, changed).",
    transfer_run: "Test on the other models",
    transfer_testing: "Testing…",
    column_model: "Model",
    column_verdict: "Verdict",
    transfer_word: |word| match word {
        "target" => "fooled: it sees the target",
        "fooled" => "fooled",
        "held" => "not fooled",
        _ => "wrong already on the original",
    },
    matrix_title: "Transfer matrix",
    matrix_note: "Attack the current photo on every model (with the last attack's settings) and let every model judge every result. Each photo you add is counted once it is complete: a cell shows how often the row's model was fooled by images made on the column's model, leaving out photos it got wrong before the attack, with a 95% interval.",
    matrix_run: "Add this photo to the matrix",
    matrix_running: "Attacking on every model…",
    matrix_corner: "judge \\ made on",
    survival_title: "Does it survive being shared?",
    survival_note: "The adversarial image saved as JPEG by this browser, shrunk as chat apps do, with fewer colours, and median-filtered. Each is judged by the model it was made on; a change counts only where the changed original is still recognised.",
    survival_run: "Check JPEG, resizing and filters",
    survival_checking: "Checking…",
    survival_summary: |survived, counted| {
        format!("It survives {survived} of the {counted} changes the original survives.")
    },
    transform: |t| t.describe(),
    survival_word: |survived| match survived {
        None => "original not recognised either",
        Some(true) => "still fooled",
        Some(false) => "attack undone",
    },
    survival_alt: |what, word, sees| format!("{what}: {word}; the model sees {sees}"),
    sweep_title: "ε sweep",
    sweep_note: |eps| {
        format!(
            "Attack this photo at ε = {eps} with the last attack's method (I-FGSM before any), each ε with its default step size and number of steps: how small can the noise be?"
        )
    },
    sweep_run: "Sweep ε",
    sweeping: "Sweeping…",
    sweep_fooled: "fooled (1 = yes)",
    sweep_true_class: "p(true class)",
    sweep_chart: |method| format!("{method} on this photo, by ε"),
    sweep_point: |eps, fooled, p| {
        let word = if fooled { "fooled" } else { "held" };
        format!("ε {eps}: {word} (p(true class) {p:.2})")
    },
    sweep_empty: "The success and the true class's probability against ε: no sweep yet.",
    own_model: "Your own model: VGG16, ResNet, GoogLeNet…",
    own_model_note: "Weights people have: torchvision's .pth (vgg16-397923af.pth, resnet152-394f9c45.pth, googlenet-1378be20.pth), safetensors with the same names (f16 or f32; ",
    own_model_convert: " writes compact ones), or Chainer's .npz (VGG_ILSVRC_16_layers.npz, ResNet-152-model.npz, bvlc_googlenet.npz).",
    own_model_read_here: " The file is read here, in your browser.",
    architecture: "Architecture ",
    weights_file: "Choose a weights file",
    weights_url: "or a path on this site: models/vgg16.f16.safetensors",
    weights_load: "Load",
    refine: |steps| {
        format!(" If rounding to 8 bits undoes it, up to {steps} whole-level steps more")
    },
    eot: |views| match views {
        0 | 1 => "Robust to JPEG and resizing: off".to_string(),
        n => format!("Robust to JPEG and resizing: {n} views per step ({n}× the time)"),
    },
    eot_slider: "Random views per step (JPEG, rescale, shift) for a robust image",
    restarts: |n| format!("Random restarts: {n}"),
    restarts_slider: "Random restarts",
    targets: |n| format!("Target classes, in turn: {n:.0}"),
    targets_slider: "How many of the photo's next most likely classes APGD-T aims at",
    queries: |n| format!("Query budget: {n:.0}"),
    queries_slider: "How many times the black box may ask the model",
    black_box: "Black box: the attacker sees only the top-5 probabilities the model returns, as a web service shows them, never a gradient. The count below is its questions to the model.",
    progress_steps: |done, planned| format!("step {done} / {planned}"),
    progress_queries: |done, planned| format!("{done} / {planned} questions to the model"),
    progress_matrix: "attacking every model…",
    progress_sweep: "sweeping ε…",
    progress_transfer: "testing the other models…",
    progress_survival: "checking JPEG and resizing…",
    progress_preparing: "preparing…",
    diversity: |p| format!("Diversity: {:.0}% of steps transformed", p * 100.0),
    diversity_slider: "Share of steps that see a transformed copy",
    kappa: |k| format!("Margin κ = {k}"),
    kappa_slider: "Margin kappa, in logits",
    search_rounds: |n| format!("Search rounds on c: {n}"),
    search_slider: "Rounds of the binary search on c",
    overshoot: |o| format!("Overshoot: {o}"),
    overshoot_slider: "How far past the boundary to step",
    threshold: |p| format!("Stop at p ≥ {p:.2}"),
    threshold_slider: "Target probability to reach",
    tv: |w| format!("Smoothness prior (total variation): {w}"),
    tv_slider: "Weight of the total-variation prior",
    start_noise: " Start from noise (else grey)",
    ensemble_legend: "Ensemble: also attack",
    target_class: |required| {
        if required {
            "Target class "
        } else {
            "Target class (optional) "
        }
    },
    target_placeholder: "type a class, e.g. gibbon",
    target_chosen: |name, index| format!("Target: {name} ({index})"),
    no_target: "No target chosen",
    universal_title: "Make a universal noise from these photos",
    universal_note: "One noise, learnt from a few photos, that changes the model's answer on most photos it is added to, photos it never saw included (Moosavi-Dezfooli et al. 2017). It is learnt by gradient ascent over random crops and mirrors of the photos.",
    training_gallery: |n| format!("The {n} gallery photos"),
    training_added: |n| format!("{n} photo(s) of your own or from the camera"),
    training_add_photo: "Add the current photo",
    training_add_frame: "Add a camera frame",
    training_clear: "Clear",
    cpu_steps: |steps, default| {
        format!(
            "On the CPU the page takes {steps} steps unless you type more (the command line's default is {default}, which takes minutes here); more steps work better."
        )
    },
    universal_make: "Make the noise",
    universal_progress: |step, steps, fooled, left| {
        let left = left
            .map(|s| format!(" · about {s:.0} s left"))
            .unwrap_or_default();
        format!(
            "Step {step} of {steps} · {:.0}% of the step's views fooled{left}",
            fooled * 100.0
        )
    },
    universal_done: |eps, steps, fooled, counted, seconds| {
        format!(
            "A noise of ε = {eps} / 255 after {steps} step(s), in {seconds:.0} s: it changes the model's answer on {fooled} of the {counted} photos it was learnt from."
        )
    },
    noise_alt: |eps, amplify| {
        format!("The universal noise (ε = {eps} / 255), amplified ×{amplify:.0} to be seen")
    },
    noise_download: "Download the noise (PNG)",
    noise_upload: "Use a noise PNG",
    noise_apply_photo: "Apply to the photo",
    noise_apply_camera: "Apply to the camera: live top-5 with and without the noise",
    noise_verdict: |clean, noisy, changed| {
        if changed {
            format!("Without the noise the model sees {clean}; with it, {noisy}: fooled.")
        } else {
            format!("The model sees {clean} with and without the noise: not fooled.")
        }
    },
    noisy_photo_alt: "The photo with the noise, as the model sees it",
    live_without: "Without the noise",
    live_with: "With the noise",
    patch_title: "Make a printable patch",
    patch_note: "A round sticker, learnt over random places, sizes, turns, light and a simulated camera, that makes the model see the target class wherever it lies (Brown et al. 2017). Print it and hold it up to the camera.",
    patch_make: "Make a new patch",
    patch_batch: "Photos per step ",
    patch_resume: |done, steps| format!("Resume (step {done} of {steps})"),
    patch_progress: |step, steps, hits, left| {
        let left = left
            .map(|s| format!(" · about {s:.0} s left"))
            .unwrap_or_default();
        format!(
            "Step {step} of {steps} · {:.0}% of the step's placements seen as the target{left}",
            hits * 100.0
        )
    },
    patch_kept: |target, done, steps, per_step| {
        let speed = per_step
            .map(|s| format!(" ({s:.1} s a step)"))
            .unwrap_or_default();
        format!("A patch towards {target}: {done} of {steps} steps{speed}, kept in this browser.")
    },
    patch_place: "The photo with the patch",
    patch_place_hint: "Drag the patch onto the photo, or focus the photo and use the arrow keys to move it and + or − to resize it.",
    patch_scale: |scale| format!("Patch size: {:.0}% of the photo", scale * 100.0),
    patch_scale_slider: "Patch size, as a share of the photo",
    patch_verdict: |seen, prob, target, hit| {
        if hit {
            format!(
                "With the patch the model sees {seen} ({:.0}%): the target, hit.",
                prob * 100.0
            )
        } else {
            format!(
                "With the patch the model sees {seen} ({:.0}%), not yet the target, {target}.",
                prob * 100.0
            )
        }
    },
    patch_live: "Paste the patch on the camera's frames (centred, at this size)",
    patch_diameter: "Diameter in cm ",
    patch_print: "Print",
    patch_download: "Download to print (PNG, 300 dpi)",
    patch_print_alt: |cm| format!("The patch to print, {cm:.1} cm across, with a cut line"),
    details: "Details",
    close_notice: "Close this notice",
    page_broke: "Something broke on this page. Reload it to start again; your photo never left your machine.",
    say,
    note,
};

fn say(say: &Say) -> String {
    match say {
        Say::NotUnderstood => {
            "The page sent a request its computing part does not understand (two versions of Gibbon?). Reload the page.".into()
        }
        Say::DeviceLost => "The graphics device was lost; Gibbon is starting again.".into(),
        Say::NoWebGpu => {
            "This browser gives Gibbon no WebGPU here, so it computes on the CPU: slower, with the same results.".into()
        }
        Say::PlainHttp => {
            "This page comes over plain http, where browsers allow neither WebGPU nor offline use, so Gibbon computes on the CPU (slower, same results). Open it over https or on localhost for both.".into()
        }
        Say::LoadWeightsFirst(model) => format!(
            "Load weights for {} first (Your own model).",
            model.display_name()
        ),
        Say::ModelUnreadable(model) => format!("{} could not be read.", model.display_name()),
        Say::NotWeights(file) => format!("{file} is not a weights file Gibbon can use."),
        Say::WrongWeights { file, model } => {
            format!("{file} does not hold the weights of {}.", model.display_name())
        }
        Say::PhotoUnreadable(name) => format!("{name} could not be read."),
        Say::BadPhoto { name, why } => format!("{name}: {}", photo_problem(*why)),
        Say::ChoosePhoto => "Choose a photo first.".into(),
        Say::FrameUnreadable => {
            "A frame of the camera could not be read, so live classification stopped.".into()
        }
        Say::DeviceFailed => {
            "The computation failed on the device. Try again, or switch to the CPU.".into()
        }
        Say::Downscaled {
            size: (w, h),
            megapixels,
            copy: (cw, ch),
        } => format!(
            "Your photo is {w}x{h}; this device attacks at most {megapixels:.0} megapixels at full size, so Gibbon attacked a {cw}x{ch} copy."
        ),
        Say::NoResult => "The attack returned no image.".into(),
        Say::PngFailed => "The PNG could not be made.".into(),
        Say::Part(PartError::Missing(part)) => capitalised(&format!(
            "{} did not arrive with its message between the page and Gibbon's computing part (two versions of Gibbon?). Reload the page.",
            part_name(*part)
        )),
        Say::Part(PartError::WrongSize {
            part,
            width,
            height,
            expected,
            got,
        }) => capitalised(&format!(
            "{} arrived with {got} bytes, not the {expected} of its {width}x{height} pixels (two versions of Gibbon?). Reload the page.",
            part_name(*part)
        )),
        Say::CheckFailed(t) => format!("The {} check failed.", (EN.transform)(*t)),
        Say::SweepPoints(max) => format!("A sweep takes 1 to {max} values of ε."),
        Say::BadSetting { param, value } => capitalised(&format!(
            "{} must be {} (not “{value}”).",
            param_name(*param),
            allowed(*param)
        )),
        Say::SettingsRefused => "The attack refuses these settings; the details say why.".into(),
        Say::NoTrainingPhotos => {
            "None of the photos to learn from could be read. Choose the gallery, add a photo, or add camera frames.".into()
        }
        Say::TooManyPhotos(max) => format!("Learn from at most {max} photos at a time."),
        Say::TrainingSkipped(names) => format!(
            "These photos could not be read and were left out: {}.",
            names.join(", ")
        ),
        Say::PatchScale(scale) => format!(
            "A patch covers more than 0 and at most half of the photo, not {scale}."
        ),
        Say::PrintSize(cm) => format!(
            "Print the patch 1 to {} cm across, not {cm} cm.",
            crate::worker::protocol::MAX_PRINT_CM
        ),
    }
}

/// The page's own notices, and the worker's.
fn note(note: &Note) -> String {
    match note {
        Note::Said(said) => say(said),
        Note::Interrupted { work, why } => {
            let work = match work {
                Work::Attack => "The attack",
                Work::Transfer => "The transfer test",
                Work::Survival => "The survival check",
                Work::Matrix => "The matrix photo",
                Work::Sweep => "The ε sweep",
            };
            let why = match why {
                Why::Photo => "another photo was chosen",
                Why::Model => "the model changed",
                Why::Device => "the device changed",
                Why::Loaded => "another model was loaded",
            };
            format!("{work} was cancelled because {why}.")
        }
        Note::CancelledAfter(steps) => {
            format!("Cancelled after {steps} step(s); the result so far is shown.")
        }
        Note::NeedsTarget(method) => format!(
            "{} needs a target class: type one, such as gibbon, and choose it.",
            (EN.method_title)(*method)
        ),
        Note::ModelLoaded {
            model,
            from,
            layout,
        } => {
            let layout = layout
                .map(|l| format!(" ({l:?} layout)"))
                .unwrap_or_default();
            format!(
                "{} loaded from {from}{layout}; choose it in the model list.",
                model.display_name()
            )
        }
        Note::SameSiteOnly => {
            "Give a path on this site, such as models/resnet152.f16.safetensors (no other site is contacted).".into()
        }
        Note::DeviceStopped => {
            "The graphics device stopped (a driver reset, or the browser took it back). Gibbon started its computing part again; your photo and result are kept.".into()
        }
        Note::WorkerBroke => {
            "Something broke in Gibbon's computing part. It was started again; your photo and result are kept.".into()
        }
        Note::WorkerKeepsStopping => {
            "Gibbon's computing part keeps stopping in this browser. Reload the page to try again.".into()
        }
        Note::DownloadFailed => "The download could not start.".into(),
        Note::CardFailed => "The share card could not be made.".into(),
        Note::Camera(problem) => match problem {
            CameraProblem::NoPicture => {
                "The camera gave no picture yet; try again in a moment."
            }
            CameraProblem::Insecure => {
                "No camera here: browsers give cameras only to pages over https or on localhost. Drop, paste or choose a photo instead."
            }
            CameraProblem::Failed => "The camera could not be opened.",
            CameraProblem::Refused => {
                "No camera: permission was refused or there is none. Drop, paste or choose a photo instead."
            }
            CameraProblem::NotVideo => "The camera gave something that is not a video.",
            CameraProblem::Ended => {
                "The camera stopped (unplugged, or taken by another app). Open it again, or drop, paste or choose a photo."
            }
            CameraProblem::NoFrames => {
                "The camera gives no picture, so Gibbon closed it. Open it again, or drop, paste or choose a photo."
            }
        }
        .into(),
        Note::NoiseResized { from, to } => format!(
            "The noise is {from}x{from}; it was resized to the model's {to}x{to} input."
        ),
        Note::NotANoise => {
            "That file is not a universal noise: choose a PNG that Gibbon (the page or `gibbon universal`) made.".into()
        }
        Note::StageStopped { patch } => {
            if *patch {
                "Making the patch stopped because the model or the device changed; resume it when you like."
            } else {
                "Making the noise stopped because the model or the device changed."
            }
            .into()
        }
    }
}

/// An attack's parameter, as a notice names it.
fn param_name(param: Param) -> &'static str {
    match param {
        Param::Eps => "the budget ε",
        Param::Alpha => "the step α",
        Param::Steps => "the number of steps",
        Param::Target => "the target class",
        Param::Label => "the true class",
        Param::Momentum => "the momentum",
        Param::Restarts => "the number of random restarts",
        Param::Diversity => "the diversity",
        Param::Confidence => "the margin κ",
        Param::C => "the constant c",
        Param::SearchSteps => "the number of search rounds on c",
        Param::LearningRate => "the learning rate",
        Param::Overshoot => "the overshoot",
        Param::Candidates => "the number of candidate classes",
        Param::Threshold => "the probability to stop at",
        Param::Tv => "the weight of the total-variation prior",
        Param::Refine => "the number of whole-level steps after rounding",
        Param::Eot => "the number of random views per step",
        Param::Resolution => "the resolution",
        Param::Targets => "the number of target classes",
        Param::Queries => "the number of queries",
        Param::PInit => "the first share of pixels a square covers (p_init)",
    }
}

/// What an attack's parameter may be (the ranges of `AttackConfig::validate`).
fn allowed(param: Param) -> String {
    let number = |v: f64| v.to_string();
    match (param, param.range()) {
        (Param::Eps, _) => "a number from 0 to 255 (in 255ths: 8 means 8/255)".into(),
        (Param::Alpha, _) => "a positive number of pixel levels up to 255, such as 1 or 0.5".into(),
        (_, Range::Whole { min, max }) => format!("a whole number from {min} to {max}"),
        (
            _,
            Range::Number {
                min_open: true,
                max_open: true,
                ..
            },
        ) => "a probability between 0 and 1".into(),
        (
            _,
            Range::Number {
                min: 0.0,
                max,
                min_open: true,
                ..
            },
        ) => format!("a positive number up to {}", number(max)),
        (_, Range::Number { min, max, .. }) => {
            format!("a number from {} to {}", number(min), number(max))
        }
        (_, Range::Class) => "an ImageNet class, 0 to 999".into(),
        (_, Range::Resolution) => "the photo's own size or the model's".into(),
    }
}

/// A binary part of the messages between the page and the worker.
fn part_name(part: Part) -> String {
    match part {
        Part::Photo => "the photo's file".into(),
        Part::Input => "what the model sees".into(),
        Part::Iterate => "the attack's current image".into(),
        Part::Original => "the original image".into(),
        Part::Adversarial => "the adversarial image".into(),
        Part::Png => "the adversarial PNG".into(),
        Part::ShownOriginal => "the smaller copy of the original image".into(),
        Part::ShownAdversarial => "the smaller copy of the adversarial image".into(),
        Part::Check(n) => format!("the image of survival check {}", n + 1),
        Part::Noise => "the universal noise".into(),
        Part::Patch => "the patch".into(),
    }
}

/// A sentence that starts with a capital letter.
fn capitalised(sentence: &str) -> String {
    let mut chars = sentence.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn photo_problem(why: PhotoProblem) -> String {
    match why {
        PhotoProblem::UnknownFormat => {
            "not an image Gibbon can read (PNG, JPEG, WebP, BMP or GIF)".into()
        }
        PhotoProblem::TooLarge {
            size,
            max_megapixels,
        } => format!(
            "the image is {}larger than Gibbon accepts ({max_megapixels} megapixels); scale it down first",
            size.map(|(w, h)| format!("{w}x{h} pixels, "))
                .unwrap_or_default()
        ),
        PhotoProblem::Empty => "the image is empty (0 pixels)".into(),
        PhotoProblem::AspectRatio {
            size: (w, h),
            max_ratio,
        } => format!(
            "the image is {w}x{h} pixels: Gibbon takes photos at most {max_ratio} times as wide as tall (or tall as wide); crop it first"
        ),
        PhotoProblem::Truncated => {
            "the image is truncated (a partly downloaded or damaged file)".into()
        }
        PhotoProblem::Corrupt => "the image is corrupt or truncated".into(),
    }
}
