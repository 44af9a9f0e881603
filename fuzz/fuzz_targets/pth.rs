//! Fuzz target: see `gibbon::fuzzing::pth`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gibbon::fuzzing::pth(data));
