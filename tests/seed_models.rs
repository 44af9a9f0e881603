//! The seed article's architectures (VGG16, ResNet, GoogLeNet) against an independent float64
//! numpy implementation (tests/data/reference_nets.py) on random weights saved the ways people
//! have them: torchvision `.pth` (zip), safetensors, and Chainer `.npz`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::*;
use gibbon::burn::prelude::*;
use gibbon::models::Classifier;
use gibbon::weights::{self, WeightsError};
use gibbon::zoo::{Layout, ModelError, ModelId};

/// Runs the numpy reference once per test binary; returns its output folder.
fn reference_nets() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("reference-nets");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/reference_nets.py");
        let done = dir.join("reference.json");
        let stale = std::fs::metadata(&done)
            .and_then(|d| Ok(d.modified()? < std::fs::metadata(&script)?.modified()?))
            .unwrap_or(true);
        if stale {
            let python = std::env::var("GIBBON_PYTHON").unwrap_or_else(|_| "python3".into());
            let out = Command::new(&python).arg(&script).arg(&dir).output().unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
            assert!(
                out.status.success(),
                "the numpy reference failed (it needs numpy; scripts/setup-tools.sh installs it and sets GIBBON_PYTHON):\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        dir
    })
}

fn cases() -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(reference_nets().join("reference.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn pixels(case: &serde_json::Value, device: &Device) -> Tensor<4> {
    let (shape, values) = read_npy_f32(&reference_nets().join(case["pixels"].as_str().unwrap()));
    Tensor::from_data(TensorData::new(values, shape), device)
}

fn check_case(name: &str) {
    let device = cpu();
    let case = cases()
        .into_iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name}"));
    let id: ModelId = case["model"].as_str().unwrap().parse().unwrap();
    let expected: Vec<f32> = case["logits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    for file in case["files"].as_array().unwrap() {
        let path = reference_nets().join(file.as_str().unwrap());
        let model = Classifier::load(id, weights::read_file(&path).unwrap(), &device)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let logits = values(model.logits(pixels(&case, &device)));
        let diff = max_abs_diff(&logits, &expected);
        println!(
            "{name} from {}: {:?} layout, max |logit - reference| = {diff:.2e}",
            file,
            model.layout()
        );
        assert!(
            diff <= 1e-3,
            "{name} from {file}: logits differ from numpy by {diff}"
        );
    }
}

#[test]
fn vgg16_matches_numpy_from_pth_and_safetensors() {
    require!(Need::Numpy);
    check_case("vgg16");
}

#[test]
fn resnet18_matches_numpy() {
    require!(Need::Numpy);
    check_case("resnet18");
}

/// A ResNet-50 as MadryLab's robustness library saves it (legacy format, `module.model.`,
/// the attacker's copy, the normaliser, an optimizer's buffer and a 0-dim accuracy tensor)
/// and as RobustBench ships it (`model.`, `normalize.mean`): the same network.
#[test]
fn robust_resnet50_checkpoints_match_numpy() {
    require!(Need::Numpy);
    check_case("resnet50-robust");
}

#[test]
fn resnet152_matches_numpy() {
    require!(Need::Numpy);
    check_case("resnet152");
}

#[test]
fn resnet152_caffe_layout_from_chainer_npz_matches_numpy() {
    require!(Need::Numpy);
    check_case("resnet152-chainer");
}

#[test]
fn googlenet_matches_numpy() {
    require!(Need::Numpy);
    check_case("googlenet");
}

#[test]
fn bvlc_googlenet_from_chainer_npz_matches_numpy() {
    require!(Need::Numpy);
    check_case("googlenet-bvlc");
}

/// Chainer's VGG16Layers file holding the same numbers as the torchvision file gives the same
/// network: identical logits on the same normalised input (only the pixel normalisation,
/// Caffe's BGR minus mean, differs, as it should).
#[test]
fn chainer_vgg16_npz_is_the_same_network_as_torchvision() {
    require!(Need::Numpy);
    let device = cpu();
    let dir = reference_nets();
    let torch = Classifier::load(
        ModelId::Vgg16,
        weights::read_file(&dir.join("vgg16-random.pth")).unwrap(),
        &device,
    )
    .unwrap();
    let chainer = Classifier::load(
        ModelId::Vgg16,
        weights::read_file(&dir.join("vgg16-random-chainer.npz")).unwrap(),
        &device,
    )
    .unwrap();
    assert_eq!(torch.layout(), Layout::Torchvision);
    assert_eq!(chainer.layout(), Layout::Chainer);
    assert!(chainer.normalization().bgr && !torch.normalization().bgr);
    let x = Tensor::<4>::random(
        [1, 3, 32, 32],
        gibbon::burn::tensor::Distribution::Normal(0.0, 1.0),
        &device,
    );
    let a = values(torch.forward_normalized(x.clone()));
    let b = values(chainer.forward_normalized(x));
    let diff = max_abs_diff(&a, &b);
    println!("VGG16 torchvision .pth vs Chainer .npz: max |diff| = {diff:.2e}");
    assert!(diff <= 1e-5, "{diff}");
}

/// A file of another architecture, or a damaged one, fails on the first key that does not fit.
#[test]
fn wrong_weight_files_name_the_first_bad_key() {
    require!(Need::Numpy);
    let device = cpu();
    let dir = reference_nets();
    let resnet18 = || weights::read_file(&dir.join("resnet18-random.safetensors")).unwrap();
    // ResNet-18 weights for ResNet-34: layer1 has a third block in ResNet-34.
    let err = Classifier::load(ModelId::ResNet34, resnet18(), &device)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("'layer1.2.conv1.weight'") && err.contains("ResNet-34"),
        "{err}"
    );
    // ResNet-18 weights for ResNet-50: bottleneck blocks have 1x1 first convolutions.
    let err = Classifier::load(ModelId::ResNet50, resnet18(), &device).unwrap_err();
    assert!(
        matches!(err, ModelError::Weights(WeightsError::Shape { ref key, .. }) if key == "layer1.0.conv1.weight"),
        "{err}"
    );
    // GoogLeNet weights for VGG16.
    let googlenet = weights::read_file(&dir.join("googlenet-random.safetensors")).unwrap();
    let err = Classifier::load(ModelId::Vgg16, googlenet, &device)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no tensor 'features.0.weight'"), "{err}");
    // A truncated .pth and a truncated .npz.
    for file in ["resnet18-random.pth", "googlenet-random-bvlc.npz"] {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let err = weights::read_bytes(&bytes[..bytes.len() * 2 / 3], file).unwrap_err();
        assert!(matches!(err, WeightsError::Corrupt(_)), "{file}: {err}");
    }
}

/// WebGPU binds at most 128 MiB per buffer by default; VGG16's fc6 (411 MB in f32) is split
/// into parts that fit, and the logits do not change.
#[test]
fn vgg16_fc6_split_to_fit_a_binding_limit_gives_the_same_logits() {
    require!(Need::Numpy);
    let device = cpu();
    let dir = reference_nets();
    let store = || weights::read_file(&dir.join("vgg16-random.safetensors")).unwrap();
    let whole = Classifier::load(ModelId::Vgg16, store(), &device).unwrap();
    let split = Classifier::load_within(ModelId::Vgg16, store(), &device, Some(128 << 20)).unwrap();
    let x = Tensor::<4>::random(
        [1, 3, 32, 32],
        gibbon::burn::tensor::Distribution::Uniform(0.0, 255.0),
        &device,
    );
    let diff = max_abs_diff(&values(whole.logits(x.clone())), &values(split.logits(x)));
    assert!(diff <= 1e-5, "{diff}");
}

/// The seed's workflow with two models in the CLI: attack on each, judge with both, print the
/// tables and the transfer matrix (EfficientNet-Lite0 and a random-weight ResNet-18).
#[test]
fn cli_transfer_matrix_with_two_models() {
    require!(Need::Numpy, Need::Weights);
    let resnet = reference_nets().join("resnet18-random.safetensors");
    let crops: Vec<String> = ["coffee", "camera"]
        .iter()
        .map(|n| {
            reference_dir()
                .join(format!("{n}_224.png"))
                .display()
                .to_string()
        })
        .collect();
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("transfer-out");
    let _ = std::fs::remove_dir_all(&out_dir);
    let out = Command::new(env!("CARGO_BIN_EXE_gibbon"))
        .args([
            "--device", "cpu", "transfer", "--method", "ifgsm", "--eps", "4", "--models",
        ])
        .arg(format!("lite0,resnet18={}", resnet.display()))
        .arg("--out")
        .arg(&out_dir)
        .args(&crops)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "# attacked on efficientnet-lite0");
    assert!(lines.contains(&"# attacked on resnet18"));
    assert!(lines.contains(&"# transfer: made on efficientnet-lite0, judged by resnet18"));
    assert!(lines.contains(&"# transfer: made on resnet18, judged by efficientnet-lite0"));
    let matrix = lines
        .iter()
        .position(|l| l.starts_with("judge \\ made on"))
        .expect("a matrix");
    assert!(lines[matrix].ends_with("resnet18"));
    // Unlabelled images: a cell counts answers that changed. Each model is fooled by its own.
    let cells = |row: &str| -> Vec<String> {
        row.split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect()
    };
    let lite0_row = cells(lines[matrix + 1]);
    let resnet_row = cells(lines[matrix + 2]);
    assert_eq!(lite0_row[0], "efficientnet-lite0");
    assert_eq!(lite0_row[1], "2/2 (100%, 95% CI 34-100%)", "{lite0_row:?}");
    assert_eq!(resnet_row[0], "resnet18");
    assert!(resnet_row[2].starts_with("2/2 (100%"), "{resnet_row:?}");
    for model in ["efficientnet-lite0", "resnet18"] {
        assert!(out_dir.join(model).join("coffee_224.png").exists());
    }
}
