//! Fuzz target: see `gibbon::fuzzing::pickle`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gibbon::fuzzing::pickle(data));
