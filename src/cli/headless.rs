//! A headless machine without a login session (a container, a CI runner, `ssh` without
//! systemd-logind) has no `XDG_RUNTIME_DIR`. Mesa's Vulkan drivers, which wgpu loads while it
//! looks for an adapter, then print "error: XDG_RUNTIME_DIR is invalid or not set in the
//! environment." once per driver, although nothing is wrong. The command line gives them a
//! private one, as `scripts/env.sh` does for the scripts.

/// Sets `XDG_RUNTIME_DIR` to `$TMPDIR/gibbon-runtime-<uid>` (mode 0700) when it is unset.
/// Call it first in main, before other threads exist.
pub fn give_vulkan_a_runtime_dir() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt};
        let Ok(me) = std::fs::metadata("/proc/self") else {
            return;
        };
        let dir = std::env::temp_dir().join(format!("gibbon-runtime-{}", me.uid()));
        let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
        let ours = std::fs::metadata(&dir)
            .is_ok_and(|m| m.is_dir() && m.uid() == me.uid() && m.mode() & 0o077 == 0);
        if ours {
            // SAFETY: called at the start of main, before any other thread exists, so nothing
            // reads the environment concurrently.
            unsafe { std::env::set_var("XDG_RUNTIME_DIR", &dir) };
        }
    }
}
