//! The sample photos: public-domain / CC0 pictures from scikit-image's data folder, with the
//! ImageNet class a person would give them. `gibbon fetch` installs them; the web app shows them
//! as a gallery and the tests use them as real photos with known labels.

/// Side of a gallery thumbnail in pixels (shown 4.4rem wide: sharp at twice the density).
pub const THUMBNAIL_SIDE: u32 = 144;

/// One sample photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Sample {
    /// File name inside scikit-image's `skimage/data/`.
    pub file: &'static str,
    /// What the photo shows.
    pub title: &'static str,
    /// The ImageNet class a person would choose.
    pub label: usize,
    /// Other classes that are also right (a tabby is also a "tiger cat" to ImageNet).
    pub also: &'static [usize],
    /// Licence of the photo.
    pub license: &'static str,
    /// sha256 of the file.
    pub sha256: &'static str,
}

impl Sample {
    /// Whether predicting `class` counts as correct for this photo.
    pub fn accepts(&self, class: usize) -> bool {
        class == self.label || self.also.contains(&class)
    }

    /// The gallery's thumbnail of the photo, beside it (`thumbs/chelsea.jpg`; see
    /// [`crate::imaging::thumbnail_jpeg`] and `gibbon fetch --web`).
    pub fn thumbnail_file(&self) -> String {
        format!("thumbs/{}.jpg", self.stem())
    }

    /// The file name without its extension ("chelsea").
    pub fn stem(&self) -> &'static str {
        self.file.rsplit_once('.').map_or(self.file, |(s, _)| s)
    }
}

/// Where the sample photos come from: the scikit-image wheel for CPython 3.11 on x86-64 Linux
/// (the data files are the same in every wheel; fixing one makes the download reproducible).
pub const WHEEL: WheelSpec = WheelSpec {
    package: "scikit-image",
    version: "0.26.0",
    platform: Some(("manylinux_2_28_x86_64", "3.11")),
    sha256: Some("74aa5518ccea28121f57a95374581d3b979839adc25bb03f289b1bc9b99c58af"),
};

/// A PyPI wheel to download by exact name and version.
#[derive(Debug, Clone, Copy)]
pub struct WheelSpec {
    pub package: &'static str,
    pub version: &'static str,
    /// pip platform tag and Python version, for a wheel pinned so that any machine downloads
    /// the same bytes; None for pure-Python wheels.
    pub platform: Option<(&'static str, &'static str)>,
    /// sha256 of the wheel itself, when it is pinned.
    pub sha256: Option<&'static str>,
}

impl WheelSpec {
    /// A pure-Python wheel, checked by the file it holds rather than by its own hash.
    pub const fn any_platform(package: &'static str, version: &'static str) -> Self {
        Self {
            package,
            version,
            platform: None,
            sha256: None,
        }
    }
}

/// The gallery.
pub const SAMPLES: [Sample; 5] = [
    Sample {
        file: "chelsea.png",
        title: "Chelsea the cat",
        label: 281,
        also: &[282, 285],
        license: "CC0 (Stefan van der Walt)",
        sha256: "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb",
    },
    Sample {
        file: "coffee.png",
        title: "A cup of coffee",
        label: 967,
        also: &[968, 504],
        license: "CC0 (Rachel Michetti)",
        sha256: "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7",
    },
    Sample {
        file: "camera.png",
        title: "The cameraman",
        label: 872,
        also: &[759, 732],
        license: "CC0 (MIT)",
        sha256: "b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a",
    },
    Sample {
        file: "motorcycle_left.png",
        title: "A motorcycle",
        label: 665,
        also: &[670],
        license: "Middlebury stereo dataset 2014",
        sha256: "db18e9c4157617403c3537a6ba355dfeafe9a7eabb6b9b94cb33f6525dd49179",
    },
    Sample {
        file: "rocket.jpg",
        title: "A Falcon 9 launch",
        label: 657,
        also: &[744, 812],
        license: "Public domain (SpaceX)",
        sha256: "c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c",
    },
];

/// The sample called `name` (file name with or without extension).
pub fn find(name: &str) -> Option<&'static Sample> {
    SAMPLES.iter().find(|s| s.file == name || s.stem() == name)
}
