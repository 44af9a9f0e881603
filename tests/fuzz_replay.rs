//! Replays what fuzzing found and kept (fuzz/seeds, fuzz/corpus, fuzz/artifacts) through the
//! very entry points the fuzz targets drive (`gibbon::fuzzing`), with no fuzzing engine: a
//! crash input fixed once can never come back unnoticed. `scripts/fuzz.sh` runs the fuzzers.

use std::path::{Path, PathBuf};

use gibbon::fuzzing::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn inputs(target: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for kind in ["seeds", "corpus", "artifacts"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind).join(target)) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.path().is_file() {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    files
}

/// What the CLI and the worker do next with a photo that decodes: make each model's input.
/// It needs burn, which the fuzz crate leaves out to stay fast.
fn prepare_for_models(data: &[u8]) {
    use gibbon::imaging::{Preprocess, decode};
    if let Ok(photo) = decode(data) {
        let _ = gibbon::models::prepare(&photo, 224, Preprocess::Crop);
        let _ = gibbon::models::prepare(&photo, 240, Preprocess::Stretch);
    }
}

#[test]
fn every_kept_input_returns_without_a_panic() {
    let mut total = 0;
    for (target, entry) in TARGETS {
        let files = inputs(target);
        assert!(
            !files.is_empty(),
            "no seeds for {target}: run `cargo test --release --test fuzz_replay -- --ignored`"
        );
        for file in &files {
            let data = std::fs::read(file).unwrap();
            let started = std::time::Instant::now();
            let outcome = std::panic::catch_unwind(|| {
                entry(&data);
                if target == "image" {
                    prepare_for_models(&data);
                }
            });
            assert!(
                outcome.is_ok(),
                "{target}: {} panics (see the message above)",
                file.display()
            );
            let seconds = started.elapsed().as_secs_f64();
            assert!(
                seconds < 30.0,
                "{target}: {} took {seconds:.0} s",
                file.display()
            );
        }
        println!("{target}: {} inputs", files.len());
        total += files.len();
    }
    println!("{total} inputs replayed");
}

/// Writes the seed corpora (small valid files of each kind) into fuzz/seeds. Run by
/// scripts/fuzz.sh; the seeds are committed.
#[test]
#[ignore]
fn write_fuzz_seeds() {
    let seeds = fuzz_dir().join("seeds");
    let put = |target: &str, name: &str, bytes: &[u8]| {
        let dir = seeds.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    };
    // Weights: the torch zip fixture of the tests, its pickle, and small files of each format.
    let fixture = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/torch_zip_fixture.pth"),
    )
    .unwrap();
    put("pth", "zip_fixture.pth", &fixture);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&fixture)).unwrap();
    let name = zip
        .file_names()
        .find(|n| n.ends_with("data.pkl"))
        .unwrap()
        .to_string();
    let mut pkl = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name(&name).unwrap(), &mut pkl).unwrap();
    put("pickle", "state_dict.pkl", &pkl);
    put("pth", "state_dict.pkl", &pkl);
    use gibbon::weights::{Dtype, NamedTensor};
    let tensor = |name: &str, shape: &[usize]| NamedTensor {
        name: name.into(),
        shape: shape.to_vec(),
        values: (0..shape.iter().product::<usize>())
            .map(|i| i as f32 * 0.5 - 1.0)
            .collect(),
        stored_as: Dtype::F32,
    };
    let (a, b) = (
        tensor("conv.weight", &[2, 1, 2, 2]),
        tensor("fc.bias", &[3]),
    );
    for (file, dtype) in [
        ("f32.safetensors", Dtype::F32),
        ("f16.safetensors", Dtype::F16),
    ] {
        let bytes =
            gibbon::weights::safetensors::write([&a, &b], |_| dtype, &Default::default()).unwrap();
        put("safetensors", file, &bytes);
    }
    // An .npz as Chainer writes it: a zip of .npy arrays.
    let npy = |shape: &str, values: &[f32]| {
        let header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}");
        let mut header = header.into_bytes();
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(b' ');
        }
        header.push(b'\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend((header.len() as u16).to_le_bytes());
        bytes.extend(header);
        for v in values {
            bytes.extend(v.to_le_bytes());
        }
        bytes
    };
    let mut npz = Vec::new();
    {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(&mut npz));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        w.start_file("conv1/W.npy", stored).unwrap();
        std::io::Write::write_all(&mut w, &npy("(2, 2)", &[1.0, 2.0, 3.0, 4.0])).unwrap();
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file("fc6/b.npy", deflated).unwrap();
        std::io::Write::write_all(&mut w, &npy("(3,)", &[0.5, 0.25, 0.125])).unwrap();
        w.finish().unwrap();
    }
    put("npz", "chainer.npz", &npz);
    // Images: small ones in every format Gibbon reads.
    let photo = image::RgbImage::from_fn(24, 16, |x, y| {
        image::Rgb([(x * 10) as u8, (y * 15) as u8, ((x * y) % 256) as u8])
    });
    for (file, format) in [
        ("small.png", image::ImageFormat::Png),
        ("small.jpg", image::ImageFormat::Jpeg),
        ("small.gif", image::ImageFormat::Gif),
        ("small.bmp", image::ImageFormat::Bmp),
    ] {
        let mut bytes = Vec::new();
        photo
            .write_to(&mut std::io::Cursor::new(&mut bytes), format)
            .unwrap();
        put("image", file, &bytes);
    }
    let mut webp = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
        .encode(photo.as_raw(), 24, 16, image::ExtendedColorType::Rgb8)
        .unwrap();
    put("image", "small.webp", &webp);
}
