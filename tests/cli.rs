//! The `gibbon` command as a user runs it: outputs, saved files, exit codes and messages.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

fn gibbon(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gibbon"))
        .args(["--device", "cpu"])
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn crop(name: &str) -> String {
    reference_dir()
        .join(format!("{name}_224.png"))
        .display()
        .to_string()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gibbon-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn classify_prints_top_k_and_json() {
    require!(Need::Weights);
    let out = gibbon(&["classify", "--top", "3", &crop("coffee")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("967  espresso"), "{text}");
    assert_eq!(text.lines().count(), 4, "path + 3 classes: {text}");

    let out = gibbon(&[
        "classify",
        "--json",
        "--top",
        "2",
        &crop("chelsea"),
        &crop("camera"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["path"], crop("chelsea"));
    assert_eq!(lines[0]["top"][0]["index"], 282);
    assert_eq!(lines[0]["top"][0]["name"], "tiger cat");
    assert!((lines[0]["top"][0]["prob"].as_f64().unwrap() - 0.3858).abs() < 1e-3);
    assert_eq!(lines[1]["top"][0]["index"], 872);
}

/// The 2018 article's workflow: attack, save Original/ and <model>/, print the table, transfer.
#[test]
fn attack_saves_pngs_that_classify_as_reported() {
    require!(Need::Weights);
    let dir = temp_dir("attack");
    let out = gibbon(&[
        "attack",
        "--method",
        "ill",
        "--eps",
        "8",
        "--out",
        dir.to_str().unwrap(),
        "--json",
        "--transfer",
        "lite1",
        &format!("{}:281", crop("chelsea")),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let line: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(line["label"]["index"], 281);
    assert_eq!(line["success"], true);
    assert_eq!(line["steps"], 10);
    assert!(line["linf"].as_f64().unwrap() <= 8.0);
    let saved = line["saved"].as_str().unwrap();
    assert!(
        saved.ends_with("efficientnet-lite0/chelsea_224.png"),
        "{saved}"
    );
    assert!(dir.join("Original/chelsea_224.png").exists());
    assert_eq!(line["transfer"][0]["model"], "efficientnet-lite1");

    // The saved PNG, classified again from disk, gives the reported class and probability.
    let again = gibbon(&["classify", "--json", "--top", "1", saved]);
    let again: serde_json::Value = serde_json::from_str(stdout(&again).trim()).unwrap();
    assert_eq!(again["top"][0]["index"], line["adversarial"]["index"]);
    let (p, q) = (
        again["top"][0]["prob"].as_f64().unwrap(),
        line["adversarial"]["prob"].as_f64().unwrap(),
    );
    assert!((p - q).abs() < 1e-6, "{p} vs {q}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn attack_table_like_the_2018_articles_with_a_list_and_transfer() {
    require!(Need::Weights);
    let dir = temp_dir("table");
    let list = dir.join("images.txt");
    std::fs::write(
        &list,
        format!(
            "# path label\n{} 967\n{} tripod\n",
            crop("coffee"),
            crop("camera")
        ),
    )
    .unwrap();
    let out = gibbon(&[
        "attack",
        "--method",
        "ifgsm",
        "--eps",
        "4",
        "--list",
        list.to_str().unwrap(),
        "--transfer",
        "efficientnet-lite2",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    println!("{text}");
    let lines: Vec<&str> = text.lines().collect();
    // `label : (pred, prob) --> (adv_pred, adv_prob)  path: names`
    assert!(
        lines[0].starts_with("967 : (967, 0.951) --> ("),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("872 : (872, 0.937) --> ("),
        "{}",
        lines[1]
    );
    assert_eq!(
        lines[2],
        "# transfer: made on efficientnet-lite0, judged by efficientnet-lite2"
    );
    assert!(lines[3].starts_with("967 : (967, "), "{}", lines[3]);
    // One summary, by the library's rule: coffee and camera are labelled, and Lite0 was
    // right on both before the attack.
    let summary = lines.last().unwrap();
    assert!(summary.starts_with("# fooled ("), "{text}");
    assert!(
        summary.contains("efficientnet-lite0 ") && summary.contains("/2 ("),
        "{summary}"
    );
    assert!(summary.contains("efficientnet-lite2 "), "{summary}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn user_errors_have_clear_messages_and_exit_codes() {
    require!(Need::Weights);
    let dir = temp_dir("errors");
    let corrupt = dir.join("corrupt.png");
    let png = std::fs::read(crop("coffee")).unwrap();
    std::fs::write(&corrupt, &png[..png.len() / 3]).unwrap();
    let text = dir.join("notes.png");
    std::fs::write(&text, "not an image").unwrap();

    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (
            vec!["classify", "/no/such/photo.jpg"],
            1,
            "cannot read /no/such/photo.jpg",
        ),
        (
            vec!["classify", corrupt.to_str().unwrap()],
            1,
            "corrupt or truncated",
        ),
        (
            vec!["classify", text.to_str().unwrap()],
            1,
            "not an image Gibbon can read",
        ),
        (
            vec!["classify", "--model", "vgg99", "x.png"],
            2,
            "unknown model 'vgg99'",
        ),
        // The library names the parameter; the command line adds its flag.
        (
            vec!["attack", "--eps", "300", "x.png"],
            2,
            "--eps: eps must be a number from 0 to 255",
        ),
        (
            vec!["attack", "--eps", "-2", "x.png"],
            2,
            "--eps: eps must be",
        ),
        (
            vec!["attack", "--cw-c", "0", "x.png"],
            2,
            "--cw-c: the constant c must be a positive number",
        ),
        (
            vec!["attack", "--method", "cw", "--search-steps", "0", "x.png"],
            2,
            "--search-steps: the number of search steps must be",
        ),
        (
            vec!["attack", "--method", "targeted", "x.png"],
            2,
            "--target: the targeted attack needs a target class",
        ),
        (
            vec![
                "attack", "--method", "targeted", "--target", "gibbonn", "x.png",
            ],
            2,
            "no ImageNet class is called 'gibbonn'",
        ),
        (
            vec!["attack", "--method", "nope", "x.png"],
            2,
            "unknown attack method",
        ),
        (vec!["attack", "photo.png:1000"], 2, "out of range"),
        (vec!["attack"], 2, "no images given"),
    ];
    for (args, code, message) in cases {
        let out = gibbon(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert!(
            err.contains(message),
            "{args:?}: expected '{message}' in: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    }
    // One bad image in a list does not stop the others.
    let out = gibbon(&["classify", "/no/such.png", &crop("coffee")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("espresso"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn missing_weights_say_how_to_fetch_them() {
    let home = temp_dir("home");
    let out = Command::new(env!("CARGO_BIN_EXE_gibbon"))
        .env("GIBBON_HOME", &home)
        .args([
            "--device",
            "cpu",
            "classify",
            "--model",
            "lite2",
            &crop("coffee"),
        ])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("weights for efficientnet-lite2 are not installed"),
        "{err}"
    );
    assert!(err.contains("gibbon fetch efficientnet-lite2"), "{err}");
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn models_lists_the_zoo() {
    let out = gibbon(&["models", "--json"]);
    assert!(out.status.success());
    let models: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = models.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        vec![
            "efficientnet-lite0",
            "efficientnet-lite1",
            "efficientnet-lite2",
            "vgg16",
            "vgg19",
            "resnet18",
            "resnet34",
            "resnet50",
            "resnet101",
            "resnet152",
            "googlenet"
        ]
    );
    assert_eq!(models[2]["input"], serde_json::json!([3, 260, 260]));
    assert_eq!(models[3]["input"], serde_json::json!([3, 224, 224]));
    assert!(Path::new(models[0]["weights"].as_str().unwrap()).exists());

    // Weights people have are found by their usual names in the weights folder.
    let home = temp_dir("models-home");
    std::fs::create_dir_all(home.join("weights")).unwrap();
    std::fs::write(home.join("weights/resnet18-f37072fd.pth"), b"").unwrap();
    std::fs::write(home.join("weights/ResNet-152-model.npz"), b"").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_gibbon"))
        .env("GIBBON_HOME", &home)
        .args(["models", "--json"])
        .output()
        .unwrap();
    let models: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by_id = |id: &str| models.iter().find(|m| m["id"] == id).unwrap().clone();
    assert_eq!(by_id("efficientnet-lite0")["installed"], false);
    assert_eq!(by_id("resnet18")["layout"], "torchvision");
    assert!(
        by_id("resnet18")["weights"]
            .as_str()
            .unwrap()
            .ends_with("resnet18-f37072fd.pth")
    );
    assert_eq!(by_id("resnet152")["layout"], "chainer");
    assert_eq!(by_id("resnet152")["normalization"]["bgr"], true);
    assert_eq!(by_id("vgg16")["installed"], false);
    let text = Command::new(env!("CARGO_BIN_EXE_gibbon"))
        .env("GIBBON_HOME", &home)
        .args(["models"])
        .output()
        .unwrap();
    let text = stdout(&text);
    assert!(
        text.contains("bring weights: --weights FILE, or put vgg16-*.pth in"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(home);
}

/// `--batch 4` attacks four images in one pass per step; the PNGs are byte for byte those of
/// one image at a time, and early stop still stops each image on its own.
#[test]
fn batched_attacks_equal_one_at_a_time() {
    require!(Need::Weights);
    let dir = temp_dir("batch");
    let list = dir.join("list.txt");
    let lines: Vec<String> = [
        ("chelsea", 281),
        ("coffee", 967),
        ("camera", 872),
        ("motorcycle_left", 665),
    ]
    .iter()
    .map(|(name, label)| format!("{} {label}", crop(name)))
    .collect();
    std::fs::write(&list, lines.join("\n")).unwrap();
    let run = |batch: &str| {
        let out = dir.join(format!("out-{batch}"));
        let o = gibbon(&[
            "attack",
            "--method",
            "ifgsm",
            "--eps",
            "8",
            "--early-stop",
            "--json",
            "--batch",
            batch,
            "--list",
            list.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let steps: Vec<u64> = stdout(&o)
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["steps"]
                    .as_u64()
                    .unwrap()
            })
            .collect();
        (out, steps)
    };
    let (one, steps_one) = run("1");
    let (four, steps_four) = run("4");
    println!("steps per image: {steps_one:?}");
    assert_eq!(steps_one, steps_four, "early stop per image");
    assert!(
        steps_one.iter().any(|&s| s < 10),
        "some image stops early: {steps_one:?}"
    );
    for name in [
        "chelsea_224",
        "coffee_224",
        "camera_224",
        "motorcycle_left_224",
    ] {
        let a = std::fs::read(one.join("efficientnet-lite0").join(format!("{name}.png"))).unwrap();
        let b = std::fs::read(four.join("efficientnet-lite0").join(format!("{name}.png"))).unwrap();
        assert!(a == b, "{name}: batch 4 differs from batch 1");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// `gibbon classify a b c | head -1`: the closed pipe ends the command quietly, with success.
#[test]
fn a_closed_pipe_is_not_an_error() {
    require!(Need::Weights);
    use std::io::{BufRead, BufReader};
    let coffee = crop("coffee");
    let mut child = Command::new(env!("CARGO_BIN_EXE_gibbon"))
        .args(["--device", "cpu", "classify"])
        .args(std::iter::repeat_n(&coffee, 30))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("coffee_224.png"), "{first}");
    // The reader goes away, as `head -1` does.
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "exit {:?}: {err}", out.status.code());
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "{err}"
    );
}

/// Runs a study (`sweep` or `transfer` with `study`) on three labelled crops: whole into
/// DIR/whole, then as shards 0/2 and 1/2 into DIR/s0 and DIR/s1, whose records are merged (the
/// second shard first) into DIR/merged; `both` goes to the study and to the merge. Returns the
/// output of the whole run and of the merge.
fn whole_and_merged(dir: &Path, study: &[&str], both: &[&str]) -> (Output, Output) {
    let list = dir.join("list.txt");
    std::fs::write(
        &list,
        format!(
            "{} 967\n{} 872\n{} 665\n",
            crop("coffee"),
            crop("camera"),
            crop("motorcycle_left")
        ),
    )
    .unwrap();
    let run = |shard: &[&str], out: &str| {
        let out = dir.join(out);
        let mut args = study.to_vec();
        args.extend([
            "--list",
            list.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        args.extend(shard.iter().chain(both));
        let o = gibbon(&args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        o
    };
    let whole = run(&[], "whole");
    run(&["--shard", "0/2"], "s0");
    run(&["--shard", "1/2"], "s1");
    let (s1, s0, merged) = (
        dir.join("s1/records.jsonl"),
        dir.join("s0/records.jsonl"),
        dir.join("merged"),
    );
    let mut args = vec![
        "merge",
        s1.to_str().unwrap(),
        s0.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ];
    args.extend(both);
    let merged = gibbon(&args);
    assert!(merged.status.success(), "{}", stderr(&merged));
    (whole, merged)
}

/// Each of `files` is the same, byte for byte, in DIR/whole and DIR/merged.
fn same_files(dir: &Path, files: &[&str]) {
    for file in files {
        let a = std::fs::read(dir.join("whole").join(file)).unwrap();
        let b = std::fs::read(dir.join("merged").join(file)).unwrap();
        assert!(a == b, "{file} differs between one run and merged shards");
    }
}

/// A study split over two machines (`--shard 0/2`, `--shard 1/2`) and merged gives, byte for
/// byte, the report of one run: records, cells, CSV and plot.
#[test]
fn sharded_sweep_merges_into_the_one_run_report() {
    require!(Need::Weights);
    let dir = temp_dir("sweep");
    let (whole, merged) = whole_and_merged(
        &dir,
        &[
            "sweep",
            "--methods",
            "fgsm,deepfool",
            "--eps",
            "1,4",
            "--steps",
            "3",
        ],
        &[],
    );
    assert_eq!(stdout(&merged), stdout(&whole));
    same_files(
        &dir,
        &["records.jsonl", "sweep.jsonl", "sweep.csv", "sweep.svg"],
    );
    let s0 = std::fs::read_to_string(dir.join("s0/records.jsonl")).unwrap();
    assert_eq!(
        s0.lines().count(),
        2 * 2 + 2,
        "shard 0 takes images 0 and 2"
    );
    let csv = std::fs::read_to_string(dir.join("whole/sweep.csv")).unwrap();
    println!("{csv}");
    assert_eq!(
        csv.lines().count(),
        1 + 3,
        "fgsm at eps 1 and 4, deepfool once"
    );
    assert!(csv.contains("efficientnet-lite0,deepfool,0,3,"), "{csv}");
    // Overlapping shards are refused.
    let twice = gibbon(&[
        "merge",
        dir.join("s0/records.jsonl").to_str().unwrap(),
        dir.join("s0/records.jsonl").to_str().unwrap(),
    ]);
    assert_eq!(twice.status.code(), Some(2));
    assert!(stderr(&twice).contains("twice"), "{}", stderr(&twice));
    std::fs::remove_dir_all(dir).unwrap();
}

/// A transfer test split over two machines and merged gives the one run's matrix, byte for
/// byte; records of a sweep and of a transfer test are not merged together.
#[test]
fn sharded_transfer_merges_into_the_one_run_matrix() {
    require!(Need::Weights);
    let dir = temp_dir("transfer-shards");
    let (whole, merged) = whole_and_merged(
        &dir,
        &[
            "transfer",
            "--models",
            "lite0,lite1",
            "--method",
            "fgsm",
            "--eps",
            "4",
        ],
        &["--json"],
    );
    let cells = stdout(&whole);
    println!("{cells}");
    assert_eq!(stdout(&merged), cells);
    same_files(&dir, &["records.jsonl", "transfer.jsonl", "transfer.csv"]);
    // 2 x 2 cells, each over the 3 images; 3 images x 2 sources x 2 judges records.
    let lines: Vec<serde_json::Value> = cells
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert!(
        lines
            .iter()
            .all(|l| l["images"] == 3 && l["ci95"].is_array())
    );
    let records = std::fs::read_to_string(dir.join("whole/records.jsonl")).unwrap();
    assert_eq!(records.lines().count(), 12);
    let csv = std::fs::read_to_string(dir.join("merged/transfer.csv")).unwrap();
    assert!(csv.starts_with("method,eps,judge,source,"), "{csv}");
    assert_eq!(csv.lines().count(), 1 + 4);
    // A sweep's records and a transfer test's do not mix.
    let sweep = dir.join("sweep.jsonl");
    std::fs::write(
        &sweep,
        r#"{"index":0,"path":"a.png","model":"efficientnet-lite0","method":"fgsm","eps":4.0,"verdict":{"counted":true,"fooled":true,"target_hit":null},"original":1,"adversarial":2,"linf":4.0,"l2":100.0}"#,
    )
    .unwrap();
    let mixed = gibbon(&[
        "merge",
        sweep.to_str().unwrap(),
        dir.join("s0/records.jsonl").to_str().unwrap(),
    ]);
    assert_eq!(mixed.status.code(), Some(2));
    assert!(
        stderr(&mixed).contains("records of different kinds"),
        "{}",
        stderr(&mixed)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// `--survival`: each adversarial image is checked after JPEG, downscaling, 5-bit colour and a
/// median filter. The 5-bit check is redone here independently (quantise the saved PNG with
/// the textbook formula, classify it with `gibbon classify`) and must agree.
#[test]
fn attack_survival_checks_agree_with_classifying_the_changed_png() {
    require!(Need::Weights);
    let dir = temp_dir("survival");
    let list = dir.join("list.txt");
    std::fs::write(&list, format!("{} 967\n", crop("coffee"))).unwrap();
    let out = gibbon(&[
        "attack",
        "--method",
        "ifgsm",
        "--eps",
        "8",
        "--survival",
        "--json",
        "--out",
        dir.to_str().unwrap(),
        "--list",
        list.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let line: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let survival = line["survival"].as_array().expect("a survival list");
    let keys: Vec<&str> = survival
        .iter()
        .map(|s| s["transform"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "jpeg95",
            "jpeg75",
            "jpeg50",
            "scale0.75",
            "scale0.5",
            "5bit",
            "median3"
        ]
    );
    println!("{}", serde_json::to_string_pretty(survival).unwrap());
    let five = &survival[5];
    let saved = line["saved"].as_str().unwrap();
    let adversarial = image::open(saved).unwrap().to_rgb8();
    let mut squeezed = adversarial.clone();
    for v in squeezed.iter_mut() {
        *v = ((*v as f64 / 255.0 * 31.0).round() / 31.0 * 255.0).round() as u8;
    }
    let path = dir.join("five-bit.png");
    squeezed.save(&path).unwrap();
    let c = gibbon(&["classify", "--json", "--top", "1", path.to_str().unwrap()]);
    assert!(c.status.success(), "{}", stderr(&c));
    let c: serde_json::Value = serde_json::from_str(stdout(&c).trim()).unwrap();
    assert_eq!(c["top"][0]["index"], five["adversarial"]["index"]);
    let (p, q) = (
        c["top"][0]["prob"].as_f64().unwrap(),
        five["adversarial"]["prob"].as_f64().unwrap(),
    );
    assert!((p - q).abs() < 1e-4, "{p} vs {q}");
    // The one rule: survived = counted and still fooled (the label is espresso, 967).
    for s in survival {
        let counted = s["original"]["index"] == 967;
        assert_eq!(s["verdict"]["counted"], counted, "{s}");
        let fooled = counted && s["adversarial"]["index"] != 967;
        assert_eq!(s["survived"], fooled, "{s}");
    }
    // The table names every check and gives a rate per transform.
    let table = gibbon(&[
        "attack",
        "--method",
        "fgsm",
        "--eps",
        "4",
        "--survival",
        &crop("coffee"),
    ]);
    assert!(table.status.success(), "{}", stderr(&table));
    let text = stdout(&table);
    assert!(text.contains("# survived: jpeg95 "), "{text}");
    assert!(text.contains("median3"), "{text}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// `--resolution full`: the saved PNG has the photo's own size (coffee, 600x400), and `gibbon
/// classify` of it gives the reported class and probability; the original's prediction is
/// classify's of the photo. Wrong combinations are usage errors.
#[test]
fn full_resolution_attack_saves_the_photo_size() {
    require!(Need::Weights);
    let dir = temp_dir("full");
    let photo = gibbon::home::samples_dir().join("coffee.png");
    let photo = photo.to_str().unwrap();
    let (w, h) = image::image_dimensions(photo).unwrap();
    let out = gibbon(&[
        "attack",
        "--resolution",
        "full",
        "--method",
        "ifgsm",
        "--eps",
        "4",
        "--out",
        dir.to_str().unwrap(),
        "--json",
        &format!("{photo}:967"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let line: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(line["resolution"], "full");
    assert_eq!(
        (line["width"].as_u64(), line["height"].as_u64()),
        (Some(w as u64), Some(h as u64))
    );
    assert!(line["linf"].as_f64().unwrap() <= 4.0);
    let saved = line["saved"].as_str().unwrap();
    assert_eq!(image::image_dimensions(saved).unwrap(), (w, h));
    let top1 = |path: &str| {
        let o = gibbon(&["classify", "--json", "--top", "1", path]);
        let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
        (
            v["top"][0]["index"].clone(),
            v["top"][0]["prob"].as_f64().unwrap(),
        )
    };
    for (path, reported) in [(photo, &line["original"]), (saved, &line["adversarial"])] {
        let (index, p) = top1(path);
        assert_eq!(index, reported["index"], "{path}");
        assert!(
            (p - reported["prob"].as_f64().unwrap()).abs() < 1e-5,
            "{path}: {p} vs {}",
            reported["prob"]
        );
    }

    for (args, words) in [
        (
            vec!["--max-side", "100"],
            "--max-side applies to --resolution full",
        ),
        (
            vec!["--resolution", "full", "--preprocess", "stretch"],
            "--preprocess stretch",
        ),
        (
            vec!["--resolution", "full", "--method", "di-fgsm"],
            "--resolution: DI-FGSM",
        ),
        (vec!["--resolution", "huge"], "use full or model"),
    ] {
        let mut all = vec!["attack"];
        all.extend(args);
        all.push(photo);
        let out = gibbon(&all);
        assert_eq!(out.status.code(), Some(2), "{all:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(words), "{all:?}: {}", stderr(&out));
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Every default that `gibbon attack --help` shows for an attack parameter is the one of
/// `AttackConfig::default()`, the library's one home for them: a flag that wrote its own would
/// drift from the page and the library.
#[test]
fn attack_help_shows_the_configs_defaults() {
    use gibbon::attacks::{AttackConfig, Method, Resolution, Start};
    use serde_json::Value;

    let out = gibbon(&["attack", "--help"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let help = stdout(&out);
    // (flag, what its `[default: ...]` says), in the order shown.
    let mut shown: Vec<(String, String)> = Vec::new();
    let mut flag = String::new();
    for line in help.lines() {
        let text = line.trim_start();
        if line.len() - text.len() < 10 && text.starts_with('-') {
            // A flag's first line, e.g. `-m, --model <MODEL>` or `--eps <EPS>`.
            flag = text
                .split([' ', ','])
                .find(|w| w.starts_with("--"))
                .unwrap_or_default()
                .to_string();
        }
        let mut rest = line;
        while let Some(at) = rest.find("[default: ") {
            let value = &rest[at + "[default: ".len()..];
            let end = value.find(']').expect("a closed [default: ...]");
            shown.push((flag.clone(), value[..end].to_string()));
            rest = &value[end..];
        }
    }
    let config = serde_json::to_value(AttackConfig::default()).unwrap();
    // What `shown` is in the config's JSON: its enums say `ill` on the command line and
    // `least-likely` in JSON.
    let as_json = |field: &str, text: &str| -> Value {
        match field {
            "method" => serde_json::to_value(text.parse::<Method>().unwrap()).unwrap(),
            "start" => serde_json::to_value(text.parse::<Start>().unwrap()).unwrap(),
            "resolution" => serde_json::to_value(text.parse::<Resolution>().unwrap()).unwrap(),
            _ => serde_json::from_str(text).unwrap_or_else(|e| panic!("{field}: {text}: {e}")),
        }
    };
    let mut checked = Vec::new();
    for (flag, text) in &shown {
        let field = match flag.as_str() {
            "--cw-c" => "c".to_string(),
            f => f.trim_start_matches("--").replace('-', "_"),
        };
        // Flags of the command, not of the attack (--model, --batch, --preprocess, ...).
        let Some(default) = config.get(&field) else {
            continue;
        };
        if default.is_null() {
            // Unset, the library decides (alpha and steps follow the method and eps): the help
            // says how in words and gives no value of its own.
            assert!(text.contains(' '), "{flag} is unset by default, not {text}");
            continue;
        }
        let value = as_json(&field, text);
        let same = match (value.as_f64(), default.as_f64()) {
            (Some(a), Some(b)) => a as f32 == b as f32,
            _ => value == *default,
        };
        assert!(
            same,
            "{flag}: --help says [default: {text}], AttackConfig::default().{field} is {default}"
        );
        checked.push(flag.as_str());
    }
    for flag in [
        "--method",
        "--eps",
        "--momentum",
        "--seed",
        "--restarts",
        "--diversity",
        "--confidence",
        "--cw-c",
        "--search-steps",
        "--learning-rate",
        "--overshoot",
        "--candidates",
        "--threshold",
        "--tv",
        "--start",
        "--refine",
        "--eot",
        "--resolution",
    ] {
        assert!(checked.contains(&flag), "{flag} shows no default: {help}");
    }
}

/// `gibbon fetch --web DIR` (the web build's step): the sample photos byte for byte, and a
/// square 144 px JPEG thumbnail of each, small enough that the gallery costs little.
#[test]
fn fetch_web_copies_the_samples_with_thumbnails() {
    require!(Need::Weights);
    let dir = temp_dir("web-samples");
    let out = gibbon(&["--quiet", "fetch", "--web", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let installed = gibbon::home::samples_dir();
    let mut thumbs = 0;
    for sample in &gibbon::samples::SAMPLES {
        let copy = std::fs::read(dir.join(sample.file)).unwrap();
        assert_eq!(
            copy,
            std::fs::read(installed.join(sample.file)).unwrap(),
            "{}",
            sample.file
        );
        let thumb = std::fs::read(dir.join(sample.thumbnail_file())).unwrap();
        assert!(
            thumb.starts_with(&[0xff, 0xd8]),
            "{}: not a JPEG",
            sample.file
        );
        let image = image::load_from_memory(&thumb).unwrap();
        assert_eq!(
            (image.width(), image.height()),
            (144, 144),
            "{}",
            sample.file
        );
        thumbs += thumb.len();
    }
    assert!(thumbs < 60_000, "thumbnails of {thumbs} bytes");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `gibbon convert --dtype int8` (what the web build ships) writes a file a quarter of the f32
/// size that `--model MODEL=FILE` reads back, with the same verdicts on the samples.
#[test]
fn convert_int8_writes_weights_that_classify_like_the_original() {
    require!(Need::Weights);
    let dir = temp_dir("convert-int8");
    let out = gibbon(&[
        "convert",
        "efficientnet-lite0",
        "--dtype",
        "int8",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let file = dir.join("efficientnet-lite0.int8.safetensors");
    let size = std::fs::metadata(&file).unwrap().len();
    assert!((5_000_000..5_600_000).contains(&size), "{size} bytes");
    let samples = gibbon::home::samples_dir();
    let photos: Vec<String> = ["chelsea.png", "coffee.png", "camera.png"]
        .iter()
        .map(|f| samples.join(f).display().to_string())
        .collect();
    let top1 = |model: &str| -> Vec<String> {
        let mut args = vec![
            "--quiet", "classify", "--model", model, "--top", "1", "--json",
        ];
        args.extend(photos.iter().map(String::as_str));
        let out = gibbon(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["top"][0]["index"].to_string()
            })
            .collect()
    };
    let small = format!("efficientnet-lite0={}", file.display());
    let original = top1("efficientnet-lite0");
    assert_eq!(original, ["282", "967", "872"]);
    assert_eq!(top1(&small), original);
    let _ = std::fs::remove_dir_all(&dir);
}
