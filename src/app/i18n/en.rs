//! The page in English.

use super::{LessonVerdict, LessonWords, Texts};
use crate::attacks::Method;

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
            text: "The article's favourite: aim at the class the model finds least likely for the photo, the most absurd answer it could give.",
        },
        LessonWords {
            title: "7. Does it fool another model?",
            text: "The image was made for one model. The other models now judge the very same pixels: the article found that this transfer was rare.",
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
};
