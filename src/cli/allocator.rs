//! How the command line asks glibc's allocator to treat tensor buffers.
//!
//! burn's CPU backend allocates a fresh buffer for nearly every operation's output and frees
//! it soon after. With glibc's defaults, buffers above its mmap threshold (at most 32 MB) are
//! mapped and unmapped from the kernel each time, and freed memory at the top of the heap is
//! given back; every reuse then page-faults its memory in again, and unmapping interrupts the
//! other threads to flush their TLBs. At batch 32 that was over half of an attack step
//! (Lite0: 3.8 s per step, 1.2 s with this). So the CLI keeps freed memory for reuse: no
//! mmap for allocations, and the heap is trimmed only above 2 GiB free. Peak memory is
//! unchanged; memory the process no longer uses is held until it exits.
//!
//! A user's own `GLIBC_TUNABLES` wins: with it set, nothing is changed.

/// Asks glibc to keep freed memory for reuse (see the module's text). Call it first in main,
/// before other threads exist.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("GLIBC_TUNABLES").is_none() {
        // SAFETY: mallopt only sets allocator parameters; it is called before any other
        // thread starts. A failure (return value 0) leaves glibc's defaults, which work.
        unsafe {
            libc::mallopt(libc::M_MMAP_MAX, 0);
            libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
        }
    }
}
