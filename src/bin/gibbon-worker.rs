//! The web app's Web Worker, which owns burn and runs every computation (see
//! `gibbon::worker`). trunk builds it for the browser from `index.html` (it needs the
//! `compute` feature, which Cargo.toml requires); natively it only says where to look instead.

#[cfg(target_arch = "wasm32")]
fn main() {
    gibbon::worker::run();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    eprintln!(
        "gibbon-worker is the web app's Web Worker and runs in a browser; on the command line use `gibbon`"
    );
    std::process::ExitCode::from(2)
}
