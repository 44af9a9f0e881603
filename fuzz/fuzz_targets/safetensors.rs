//! Fuzz target: see `gibbon::fuzzing::safetensors`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gibbon::fuzzing::safetensors(data));
