//! Fuzz target: see `gibbon::fuzzing::image`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gibbon::fuzzing::image(data));
