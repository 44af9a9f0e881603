//! Fuzz target: see `gibbon::fuzzing::npz`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gibbon::fuzzing::npz(data));
