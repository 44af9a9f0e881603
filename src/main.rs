//! The `gibbon` binary: the command line natively, the web app in the browser.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    gibbon::cli::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {
    gibbon::app::mount();
}
