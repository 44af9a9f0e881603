//! Photos in and out: decode (PNG, JPEG, WebP, BMP, GIF), honour EXIF orientation, shrink,
//! convert to planar pixel values (0..255) and back, round to 8 bits and encode PNG. What is
//! saved is exactly what is re-classified: 8-bit and lossless. How a photo becomes a model's
//! input, as a differentiable tensor function, is [`crate::models::input`] (it needs burn).

use image::{DynamicImage, ImageDecoder, ImageReader, Limits, RgbImage};

/// Largest image accepted, in pixels (a 64-megapixel photo decodes to 256 MB of RGBA).
pub const MAX_PIXELS: u64 = 64_000_000;

/// Most a photo's long side may exceed its short side: a 100000x1 PNG is 370 valid bytes, and
/// scaling its short side up to a model's input would ask for gigabytes.
pub const MAX_ASPECT: u32 = 50;

/// What can go wrong with an image.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("not an image Gibbon can read (PNG, JPEG, WebP, BMP or GIF)")]
    UnknownFormat,
    #[error(
        "the image is {}larger than Gibbon accepts ({} megapixels); scale it down first",
        .size.map(|(w, h)| format!("{w}x{h} pixels, ")).unwrap_or_default(),
        MAX_PIXELS / 1_000_000
    )]
    TooLarge {
        /// Width and height, when the header could be read (a 32-bit browser cannot even
        /// describe some sizes).
        size: Option<(u32, u32)>,
    },
    #[error("the image is empty (0 pixels)")]
    Empty,
    #[error(
        "the image is {width}x{height} pixels: Gibbon takes photos at most {MAX_ASPECT} times as wide as tall (or tall as wide); crop it first"
    )]
    AspectRatio { width: u32, height: u32 },
    #[error("the image is truncated: {0} (a partly downloaded or damaged file)")]
    Truncated(String),
    #[error("the image is corrupt or truncated: {0}")]
    Corrupt(String),
    #[error("cannot encode PNG: {0}")]
    Encode(String),
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// How a photo becomes the model's square input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Preprocess {
    /// Resize the shorter side to `size + 32` (256 for 224) and take the centre square, as the
    /// reference preprocessing of EfficientNet does.
    #[default]
    Crop,
    /// Resize to `size` x `size`, ignoring the aspect ratio (the 2018 article's plain resize).
    Stretch,
}

impl std::str::FromStr for Preprocess {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "crop" => Ok(Preprocess::Crop),
            "stretch" => Ok(Preprocess::Stretch),
            _ => Err(format!("unknown preprocessing '{s}': use crop or stretch")),
        }
    }
}

/// The text chunks (tEXt: keyword and text) of a PNG, or None when the bytes are no PNG.
/// Gibbon's own PNGs (a universal noise, a patch) say what they are in them.
pub fn png_text(bytes: &[u8]) -> Option<Vec<(String, String)>> {
    let reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .ok()?;
    Some(
        reader
            .info()
            .uncompressed_latin1_text
            .iter()
            .map(|t| (t.keyword.clone(), t.text.clone()))
            .collect(),
    )
}

/// Decodes an image file's bytes to 8-bit RGB, upright (EXIF orientation applied). Animated
/// GIFs give their first frame; transparency is composited over white.
pub fn decode(bytes: &[u8]) -> Result<RgbImage, ImageError> {
    let reader = || -> Result<ImageReader<std::io::Cursor<&[u8]>>, ImageError> {
        let reader = ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| ImageError::Corrupt(e.to_string()))?;
        match reader.format() {
            Some(_) => Ok(reader),
            None => Err(ImageError::UnknownFormat),
        }
    };
    // The header first, without limits, so that a huge image is refused by its real size
    // before anything is allocated.
    let mut header = reader()?;
    header.no_limits();
    let (width, height) = header.into_dimensions().map_err(classify_error)?;
    check_size(width, height)?;
    let mut reader = reader()?;
    if reader.format() == Some(image::ImageFormat::Jpeg) {
        check_jpeg_complete(bytes)?;
    }
    reader.limits(limits());
    let decoder = reader.into_decoder().map_err(classify_error)?;
    upright_rgb(decoder)
}

/// Decodes a PNG file's bytes to 8-bit RGB, with [`decode`]'s checks, and nothing but PNG: the
/// web page reads Gibbon's own PNGs (a universal noise) with it, without every other decoder
/// in its code.
pub fn decode_png(bytes: &[u8]) -> Result<RgbImage, ImageError> {
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err(ImageError::UnknownFormat);
    }
    let png = |limits: Limits| {
        image::codecs::png::PngDecoder::with_limits(std::io::Cursor::new(bytes), limits)
            .map_err(classify_error)
    };
    let (width, height) = png(Limits::no_limits())?.dimensions();
    check_size(width, height)?;
    upright_rgb(png(limits())?)
}

/// Refuses an empty image, one of more than [`MAX_PIXELS`] and one of a longer side more than
/// [`MAX_ASPECT`] times the shorter.
fn check_size(width: u32, height: u32) -> Result<(), ImageError> {
    if width == 0 || height == 0 {
        return Err(ImageError::Empty);
    }
    if width as u64 * height as u64 > MAX_PIXELS {
        return Err(ImageError::TooLarge {
            size: Some((width, height)),
        });
    }
    if width.max(height) / width.min(height) > MAX_ASPECT {
        return Err(ImageError::AspectRatio { width, height });
    }
    Ok(())
}

/// What a decoder may allocate: an RGBA image of [`MAX_PIXELS`] and some room.
fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4 + (64 << 20));
    limits
}

/// The decoder's image, turned upright by its EXIF orientation, transparency over white.
fn upright_rgb(mut decoder: impl ImageDecoder) -> Result<RgbImage, ImageError> {
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(classify_error)?;
    image.apply_orientation(orientation);
    Ok(flatten_alpha(image))
}

/// A JPEG decoder given a truncated file fills the missing rows with grey and reports
/// success, as browsers draw partial images; a tool that attacks pixels must not attack grey
/// that was never in the photo. A complete JPEG's scan data ends with the EOI marker
/// (FF D9), which cannot occur inside entropy-coded data (an FF there is followed by 00 or
/// a restart marker D0-D7).
fn check_jpeg_complete(bytes: &[u8]) -> Result<(), ImageError> {
    // The first start-of-scan marker: headers before it are length-prefixed segments.
    let mut pos = 2;
    let scan = loop {
        match (bytes.get(pos), bytes.get(pos + 1)) {
            (Some(0xff), Some(0xda)) => break pos,
            (Some(0xff), Some(0xff)) => pos += 1,
            (Some(0xff), Some(_)) => {
                let len = bytes
                    .get(pos + 2..pos + 4)
                    .map(|l| u16::from_be_bytes([l[0], l[1]]) as usize)
                    .ok_or_else(|| ImageError::Truncated("the JPEG ends in its headers".into()))?;
                pos += 2 + len;
            }
            _ => return Err(ImageError::Truncated("the JPEG has no image data".into())),
        }
    };
    let ends = bytes[scan..].windows(2).any(|w| w == [0xff, 0xd9]);
    if ends {
        Ok(())
    } else {
        Err(ImageError::Truncated(
            "the JPEG's end marker is missing".into(),
        ))
    }
}

fn classify_error(e: image::ImageError) -> ImageError {
    match e {
        image::ImageError::Unsupported(_) => ImageError::UnknownFormat,
        image::ImageError::Limits(_) => ImageError::TooLarge { size: None },
        other => ImageError::Corrupt(other.to_string()),
    }
}

fn flatten_alpha(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let (w, h) = rgba.dimensions();
    RgbImage::from_fn(w, h, |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let a = p[3] as u32;
        let over_white = |c: u8| ((c as u32 * a + 255 * (255 - a) + 127) / 255) as u8;
        image::Rgb([over_white(p[0]), over_white(p[1]), over_white(p[2])])
    })
}

/// Reads and decodes an image file.
#[cfg(not(target_arch = "wasm32"))]
pub fn open(path: &std::path::Path) -> Result<RgbImage, ImageError> {
    let bytes = std::fs::read(path).map_err(|e| ImageError::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    decode(&bytes)
}

/// A copy of `photo` whose long side is at most `max_side` (antialiased Catmull-Rom), for work
/// on a photo too large to attack at its own size; a photo within it is returned as it is.
pub fn shrink_to(photo: &RgbImage, max_side: u32) -> RgbImage {
    let (w, h) = photo.dimensions();
    let long = w.max(h);
    if long <= max_side {
        return photo.clone();
    }
    let scale = max_side as f64 / long as f64;
    let side = |v: u32| ((v as f64 * scale).round() as u32).max(1);
    image::imageops::resize(
        photo,
        side(w),
        side(h),
        image::imageops::FilterType::CatmullRom,
    )
}

/// Planar CHW pixel values (any real numbers) to an 8-bit image: rounded to the nearest
/// integer and clamped to 0..255.
pub fn from_chw(values: &[f32], width: usize, height: usize) -> RgbImage {
    let plane = width * height;
    assert_eq!(
        values.len(),
        3 * plane,
        "from_chw: expected 3x{width}x{height} values"
    );
    RgbImage::from_fn(width as u32, height as u32, |x, y| {
        let i = y as usize * width + x as usize;
        image::Rgb([0, 1, 2].map(|c| round_pixel(values[c * plane + i])))
    })
}

/// Rounds a pixel value to 8 bits (half away from zero, clamped to 0..255).
pub fn round_pixel(v: f32) -> u8 {
    if v.is_nan() {
        0
    } else {
        v.round().clamp(0.0, 255.0) as u8
    }
}

/// Planar CHW f32 values of an 8-bit image.
pub fn to_chw(image: &RgbImage) -> Vec<f32> {
    let (w, h) = image.dimensions();
    let plane = (w * h) as usize;
    let mut chw = vec![0f32; 3 * plane];
    for (i, p) in image.pixels().enumerate() {
        for c in 0..3 {
            chw[c * plane + i] = p.0[c] as f32;
        }
    }
    chw
}

/// Lossless PNG bytes of an image.
pub fn encode_png(image: &RgbImage) -> Result<Vec<u8>, ImageError> {
    let mut out = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .map_err(|e| ImageError::Encode(e.to_string()))?;
    Ok(out)
}

/// A square thumbnail of `photo`: its centre, as wide as its short side, scaled to `side`
/// pixels (antialiased Catmull-Rom), then JPEG (quality 80). The web app's gallery shows these,
/// and loads a photo itself only when it is chosen.
pub fn thumbnail_jpeg(photo: &RgbImage, side: u32) -> Result<Vec<u8>, ImageError> {
    let (w, h) = photo.dimensions();
    let short = w.min(h).max(1);
    let square = image::imageops::crop_imm(photo, (w - short) / 2, (h - short) / 2, short, short);
    let small = image::imageops::resize(
        &square.to_image(),
        side,
        side,
        image::imageops::FilterType::CatmullRom,
    );
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&small)
        .map_err(|e| ImageError::Encode(e.to_string()))?;
    Ok(out)
}

/// A test pattern, for the tests of this crate.
#[cfg(test)]
pub(crate) fn checker(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            (x * 7 % 256) as u8,
            (y * 5 % 256) as u8,
            ((x + y) % 256) as u8,
        ])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_round_trip_is_exact() {
        let img = checker(37, 23);
        let png = encode_png(&img).unwrap();
        assert_eq!(img, decode(&png).unwrap());
        assert_eq!(img, decode_png(&png).unwrap());
    }

    #[test]
    fn chw_round_trip_is_exact_and_rounds() {
        let img = checker(5, 4);
        assert_eq!(from_chw(&to_chw(&img), 5, 4), img);
        assert_eq!(round_pixel(-3.0), 0);
        assert_eq!(round_pixel(255.6), 255);
        assert_eq!(round_pixel(127.5), 128);
        assert_eq!(round_pixel(f32::NAN), 0);
    }

    #[test]
    fn bad_bytes_are_errors() {
        assert!(matches!(
            decode(b"hello, world"),
            Err(ImageError::UnknownFormat)
        ));
        let png = encode_png(&checker(64, 64)).unwrap();
        assert!(matches!(
            decode(&png[..png.len() / 2]),
            Err(ImageError::Corrupt(_))
        ));
        assert!(decode(&[]).is_err());
        // The PNG-only reader says the same, and a photo in another format is no PNG to it.
        assert!(matches!(
            decode_png(&png[..png.len() / 2]),
            Err(ImageError::Corrupt(_))
        ));
        let mut jpeg = Vec::new();
        checker(8, 8)
            .write_to(
                &mut std::io::Cursor::new(&mut jpeg),
                image::ImageFormat::Jpeg,
            )
            .unwrap();
        assert!(decode(&jpeg).is_ok());
        assert!(matches!(decode_png(&jpeg), Err(ImageError::UnknownFormat)));
        assert!(matches!(decode_png(&[]), Err(ImageError::UnknownFormat)));
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn huge_images_are_refused_before_decoding() {
        // A PNG whose header (with a valid checksum) claims 40000 x 40000 pixels.
        let mut png = encode_png(&checker(1, 1)).unwrap();
        png[16..20].copy_from_slice(&40000u32.to_be_bytes());
        png[20..24].copy_from_slice(&40000u32.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        for err in [decode(&png).unwrap_err(), decode_png(&png).unwrap_err()] {
            assert!(matches!(err, ImageError::TooLarge { .. }), "{err}");
            assert!(err.to_string().contains("40000x40000"), "{err}");
        }
    }

    /// A JPEG with an EXIF APP1 segment saying "rotate 90 degrees clockwise" (orientation 6).
    fn jpeg_with_orientation(image: &RgbImage, orientation: u16) -> Vec<u8> {
        let mut jpeg = Vec::new();
        image
            .write_to(
                &mut std::io::Cursor::new(&mut jpeg),
                image::ImageFormat::Jpeg,
            )
            .unwrap();
        // TIFF header (little endian), one IFD entry: tag 0x0112 SHORT 1 = orientation.
        let mut tiff = vec![
            b'I', b'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0,
        ];
        tiff.extend_from_slice(&orientation.to_le_bytes());
        tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xff, 0xe1]);
        out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    #[test]
    fn exif_orientation_is_applied() {
        // 32x16: left half red, right half blue.
        let wide = RgbImage::from_fn(32, 16, |x, _| {
            if x < 16 {
                image::Rgb([220, 20, 20])
            } else {
                image::Rgb([20, 20, 220])
            }
        });
        let plain = decode(&jpeg_with_orientation(&wide, 1)).unwrap();
        assert_eq!(plain.dimensions(), (32, 16));
        let rotated = decode(&jpeg_with_orientation(&wide, 6)).unwrap();
        // Rotated 90 degrees clockwise: 16 wide, 32 tall, red on top, blue below.
        assert_eq!(rotated.dimensions(), (16, 32));
        let top = rotated.get_pixel(8, 4).0;
        let bottom = rotated.get_pixel(8, 28).0;
        assert!(top[0] > 150 && top[2] < 100, "top {top:?}");
        assert!(bottom[2] > 150 && bottom[0] < 100, "bottom {bottom:?}");
    }

    #[test]
    fn gif_gives_its_first_frame() {
        use image::codecs::gif::GifEncoder;
        use image::{Delay, Frame, RgbaImage};
        let frame = |c: [u8; 4]| {
            Frame::from_parts(
                RgbaImage::from_pixel(8, 8, image::Rgba(c)),
                0,
                0,
                Delay::from_numer_denom_ms(100, 1),
            )
        };
        let mut gif = Vec::new();
        {
            let mut encoder = GifEncoder::new(&mut gif);
            encoder
                .encode_frames([frame([0, 200, 0, 255]), frame([200, 0, 0, 255])])
                .unwrap();
        }
        let first = decode(&gif).unwrap();
        assert_eq!(first.dimensions(), (8, 8));
        let p = first.get_pixel(3, 3).0;
        assert!(p[1] > 150 && p[0] < 50, "{p:?}");
    }

    #[test]
    fn webp_and_bmp_decode_losslessly() {
        let img = checker(19, 11);
        let mut webp = Vec::new();
        image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
            .encode(img.as_raw(), 19, 11, image::ExtendedColorType::Rgb8)
            .unwrap();
        assert_eq!(decode(&webp).unwrap(), img);
        let mut bmp = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut bmp), image::ImageFormat::Bmp)
            .unwrap();
        assert_eq!(decode(&bmp).unwrap(), img);
    }

    #[test]
    fn alpha_is_composited_over_white() {
        let rgba = image::RgbaImage::from_pixel(2, 2, image::Rgba([0, 0, 0, 0]));
        let mut bytes = Vec::new();
        rgba.write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
        assert_eq!(decode(&bytes).unwrap().get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(
            decode_png(&bytes).unwrap().get_pixel(0, 0).0,
            [255, 255, 255]
        );
    }
}
