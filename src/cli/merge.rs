//! `gibbon merge`: the report one run would give, from the records of a study's shards (a
//! sweep's, a transfer test's or an evaluation's).

use std::path::PathBuf;
use std::process::ExitCode;

use super::{CliError, eval, sweep, transfer};
use crate::attacks::Suite;
use crate::study::{
    EvalRecord, RecordKind, canonical, canonical_eval, canonical_transfer, parse_records,
    record_kind,
};

/// Merge the records of sharded sweeps, transfer tests or evaluations into the report one run
/// gives.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// records.jsonl files written by `gibbon sweep`, `gibbon transfer` or `gibbon eval`
    /// with `--shard i/n --out DIR` (one kind at a time).
    #[arg(required = true, value_name = "RECORDS")]
    records: Vec<PathBuf>,

    /// Write the merged report here: records.jsonl and sweep.jsonl, sweep.csv and
    /// sweep.svg; transfer.jsonl and transfer.csv; or eval.jsonl and eval.csv.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// Print one JSON line per cell instead of the table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let mut texts = Vec::new();
    for path in &args.records {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?;
        texts.push((path.display().to_string(), text));
    }
    let out = args.out.as_deref();
    // Every file holds one kind of record (or none): a sweep's or a transfer test's.
    let mut kinds: Vec<RecordKind> = texts.iter().filter_map(|(_, t)| record_kind(t)).collect();
    kinds.dedup();
    match kinds[..] {
        [] | [RecordKind::Sweep] => {
            let records = canonical(parse_all(&texts)?).map_err(CliError::usage)?;
            sweep::report(&records, out, args.json)?;
        }
        [RecordKind::Transfer] => {
            let records = canonical_transfer(parse_all(&texts)?).map_err(CliError::usage)?;
            transfer::report(&records, out, args.json)?;
        }
        [RecordKind::Eval] => {
            let records: Vec<EvalRecord> =
                canonical_eval(parse_all(&texts)?).map_err(CliError::usage)?;
            let suite: Suite = records
                .first()
                .map(|r| r.suite.parse())
                .transpose()
                .map_err(CliError::usage)?
                .unwrap_or_else(Suite::standard);
            eval::report(&records, &suite, out, args.json)?;
        }
        _ => {
            return Err(CliError::usage(
                "the files hold records of different kinds (sweeps, transfer tests, evaluations); merge each kind on its own",
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The records of every file, `(name, text)`, in order.
fn parse_all<R: serde::de::DeserializeOwned>(
    texts: &[(String, String)],
) -> Result<Vec<R>, CliError> {
    let mut records = Vec::new();
    for (name, text) in texts {
        records.extend(parse_records(text, name).map_err(CliError::usage)?);
    }
    Ok(records)
}
