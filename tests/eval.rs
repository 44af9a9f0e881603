//! `gibbon eval` and the attacks it runs (APGD-CE, APGD-T, Square), on the real Lite0: robust
//! accuracy by AutoAttack's protocol, its bad inputs, shards that merge into one run's report,
//! and a run that resumes.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::*;
use gibbon::attacks::{self, AttackConfig, Method, NoObserver, Truth};
use gibbon::zoo::ModelId;

fn gibbon(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gibbon"))
        .args(["--device", "cpu", "--quiet"])
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gibbon-eval-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The reference crops with their labels, as a list file.
fn labelled_list(dir: &std::path::Path, label: Option<&str>) -> PathBuf {
    let lines: Vec<String> = [
        ("coffee", "967"),
        ("camera", "872"),
        ("motorcycle_left", "665,670"),
        ("chelsea", "tabby,tiger cat"),
    ]
    .iter()
    .map(|(name, l)| {
        let path = reference_dir().join(format!("{name}_224.png"));
        format!("{} {}", path.display(), label.unwrap_or(l))
    })
    .collect();
    let list = dir.join("list.txt");
    std::fs::write(&list, lines.join("\n")).unwrap();
    list
}

#[test]
fn apgd_and_square_fool_lite0_inside_the_ball() {
    require!(Need::Weights);
    let model = load(ModelId::EfficientNetLite0, &cpu());
    let images = [reference_crop("coffee"), reference_crop("camera")];
    let truths = [Truth::label(967), Truth::label(872)];
    for config in [
        AttackConfig {
            steps: Some(20),
            early_stop: true,
            ..AttackConfig::new(Method::ApgdCe, 2.0)
        },
        AttackConfig {
            steps: Some(10),
            targets: 2,
            ..AttackConfig::new(Method::ApgdT, 2.0)
        },
        AttackConfig {
            queries: 1000,
            ..AttackConfig::new(Method::Square, 8.0)
        },
    ] {
        let outcomes = pollster::block_on(attacks::run_batch(
            &model,
            &images,
            &truths,
            &config,
            &mut NoObserver,
        ))
        .unwrap();
        for o in &outcomes {
            println!(
                "{}: {} -> {} ({:.3}), linf {}, steps {}, queries {:?}",
                config.method,
                o.original_prediction.name(),
                o.adversarial_prediction.name(),
                o.adversarial_prediction.prob,
                o.distance.linf,
                o.steps_run,
                o.queries
            );
            assert!(o.success(), "{}: not fooled", config.method);
            assert!(o.distance.linf <= config.eps, "{}", config.method);
        }
        if config.method == Method::Square {
            // Each image's questions to the model: the stripes, then one per step until it
            // fell, within the budget.
            for o in &outcomes {
                let q = o.queries.unwrap();
                assert!((1..=1001).contains(&q), "{q}");
                assert_eq!(o.steps_run, q);
                assert_eq!(o.history.last().unwrap().step, q);
            }
        } else {
            assert!(outcomes.iter().all(|o| o.queries.is_none()));
        }
    }
}

#[test]
fn eval_reports_clean_and_robust_accuracy_and_refuses_what_it_cannot_judge() {
    require!(Need::Weights);
    let dir = temp_dir("report");
    let list = labelled_list(&dir, None);
    let out = gibbon(&[
        "eval",
        "--suite",
        "custom:apgd-ce",
        "--eps",
        "0,1",
        "--list",
        list.to_str().unwrap(),
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let cells: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(cells.len(), 2);
    // eps 0: nothing can change an image, robust accuracy is clean accuracy (4 of 4: the cat
    // is a tiger cat to Lite0, a right class).
    assert_eq!(cells[0]["clean"]["hits"], 4);
    assert_eq!(cells[0]["robust"]["hits"], 4);
    // eps 1/255 undoes an undefended model.
    assert_eq!(cells[1]["clean"]["hits"], 4);
    let robust = cells[1]["robust"]["hits"].as_u64().unwrap();
    assert!(robust <= 1, "{robust} of 4 withstand eps 1");
    assert_eq!(cells[1]["after"][0]["attack"], "apgd-ce");

    // Without labels there is no robust accuracy.
    let coffee = reference_dir().join("coffee_224.png");
    let out = gibbon(&["eval", coffee.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("needs each image's label"),
        "{}",
        text(&out.stderr)
    );
    // A suite of an attack that needs a target is refused.
    let out = gibbon(&["eval", "--suite", "custom:targeted", list.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));

    // A model that gets nothing right says so rather than report 0% robust.
    let wrong = labelled_list(&dir, Some("goldfish"));
    let out = gibbon(&[
        "eval",
        "--suite",
        "custom:apgd-ce",
        "--eps",
        "1",
        "--list",
        wrong.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.contains("clean accuracy 0/4"), "{table}");
    assert!(
        table.contains("its robust accuracy says nothing"),
        "{table}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn shards_merge_into_one_runs_report_and_a_run_resumes() {
    require!(Need::Weights);
    let dir = temp_dir("shards");
    let list = labelled_list(&dir, None);
    let list = list.to_str().unwrap();
    let run = |out: &str, extra: &[&str]| {
        let out_dir = dir.join(out);
        let mut args = vec![
            "eval",
            "--suite",
            "custom:apgd-ce",
            "--eps",
            "0.5",
            "--list",
            list,
            "--out",
            out_dir.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let o = gibbon(&args);
        assert!(o.status.success(), "{}", text(&o.stderr));
        out_dir
    };
    let whole = run("whole", &[]);
    let a = run("a", &["--shard", "0/2"]);
    let b = run("b", &["--shard", "1/2"]);
    let merged = dir.join("merged");
    let o = gibbon(&[
        "merge",
        a.join("records.jsonl").to_str().unwrap(),
        b.join("records.jsonl").to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    for file in ["records.jsonl", "eval.jsonl", "eval.csv"] {
        let read = |d: &PathBuf| std::fs::read_to_string(d.join(file)).unwrap();
        assert_eq!(read(&whole), read(&merged), "{file}");
    }
    // A run that stopped after shard 0 carries on where it stopped: the same records.
    let resumed = dir.join("resumed");
    std::fs::create_dir_all(&resumed).unwrap();
    std::fs::copy(a.join("records.jsonl"), resumed.join("records.jsonl")).unwrap();
    run("resumed", &["--resume"]);
    let read = |d: &PathBuf| std::fs::read_to_string(d.join("records.jsonl")).unwrap();
    assert_eq!(read(&whole), read(&resumed));
    // Resuming another model's evaluation is refused.
    let o = gibbon(&[
        "eval",
        "--model",
        "lite1",
        "--suite",
        "custom:apgd-ce",
        "--eps",
        "0.5",
        "--list",
        list,
        "--out",
        resumed.to_str().unwrap(),
        "--resume",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let _ = std::fs::remove_dir_all(dir);
}
