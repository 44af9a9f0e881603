//! The `gibbon` binary: the command line natively, the web app in the browser.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    gibbon::cli::main()
}

#[cfg(all(target_arch = "wasm32", feature = "page"))]
fn main() {
    gibbon::app::mount();
}

#[cfg(all(target_arch = "wasm32", not(feature = "page")))]
compile_error!(
    "the page's binary is built with `--no-default-features --features page` (see index.html); the worker is gibbon-worker"
);
