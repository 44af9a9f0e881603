//! Which images a command works on: `IMAGE[:LABEL]` arguments and `--list` files.

use std::path::{Path, PathBuf};

use super::CliError;
use crate::attacks::Truth;
use crate::imagenet;

/// One input image and what is known to be right for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub path: PathBuf,
    pub truth: Truth,
    /// Place in the whole input list (set by [`collect`]).
    pub index: usize,
    /// Name for saved images, unique in the whole list (set by [`collect`]).
    pub stem: String,
}

/// Parses `LABEL[,LABEL...]`: the true class, then other classes that are also right, each an
/// index or a name.
pub fn parse_truth(text: &str) -> Result<Truth, imagenet::ClassError> {
    let mut classes = text
        .split(',')
        .map(|c| imagenet::lookup(c.trim()).map(|c| c.index));
    let label = classes.next().expect("split yields at least one part")?;
    let also = classes.collect::<Result<Vec<_>, _>>()?;
    Ok(Truth::Known { label, also })
}

impl Input {
    /// An input not yet placed in a list.
    pub fn new(path: PathBuf, truth: Truth) -> Self {
        let mut input = Self {
            path,
            truth,
            index: 0,
            stem: String::new(),
        };
        input.stem = input.file_stem();
        input
    }

    /// The file name without extension.
    pub fn file_stem(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "image".into())
    }
}

/// Parses `IMAGE` or `IMAGE:LABEL[,LABEL...]`, where each LABEL is a class index or name (the
/// first is the label, the others are also right). A path that exists as written is taken
/// whole, so file names with colons work.
pub fn parse_arg(arg: &str) -> Result<Input, CliError> {
    if Path::new(arg).exists() {
        return Ok(Input::new(arg.into(), Truth::Unknown));
    }
    match arg.rsplit_once(':') {
        Some((path, label)) if !path.is_empty() && !label.contains(['/', '\\']) => {
            let truth = parse_truth(label).map_err(|e| CliError::usage(format!("{arg}: {e}")))?;
            Ok(Input::new(path.into(), truth))
        }
        _ => Ok(Input::new(arg.into(), Truth::Unknown)),
    }
}

/// Reads a list file like the 2018 article's: one `path label` per line (label = class index
/// or name, or several separated by commas), `#` comments and blank lines ignored. Relative paths are taken from the list's
/// folder when they do not exist from the current one.
pub fn read_list(list: &Path) -> Result<Vec<Input>, CliError> {
    let text = std::fs::read_to_string(list)
        .map_err(|e| CliError::usage(format!("cannot read list {}: {e}", list.display())))?;
    let base = list.parent().unwrap_or(Path::new("."));
    let mut inputs = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (path, label) = match line.split_once(char::is_whitespace) {
            Some((p, l)) => (p, Some(l.trim())),
            None => (line, None),
        };
        let truth = match label {
            Some(l) => parse_truth(l)
                .map_err(|e| CliError::usage(format!("{}:{}: {e}", list.display(), n + 1)))?,
            None => Truth::Unknown,
        };
        let mut path = PathBuf::from(path);
        if path.is_relative() && !path.exists() && base.join(&path).exists() {
            path = base.join(path);
        }
        inputs.push(Input::new(path, truth));
    }
    Ok(inputs)
}

/// All inputs of a command: the arguments, then the list file's lines.
pub fn collect(args: &[String], list: Option<&Path>) -> Result<Vec<Input>, CliError> {
    let mut inputs = args
        .iter()
        .map(|a| parse_arg(a))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(list) = list {
        inputs.extend(read_list(list)?);
    }
    if inputs.is_empty() {
        return Err(CliError::usage(
            "no images given: name image files, or a list with --list FILE",
        ));
    }
    let stems = unique_stems(&inputs);
    for (index, (input, stem)) in inputs.iter_mut().zip(stems).enumerate() {
        input.index = index;
        input.stem = stem;
    }
    Ok(inputs)
}

/// Unique output names: a second `cat.png` from another folder becomes `cat-2`.
pub fn unique_stems(inputs: &[Input]) -> Vec<String> {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    inputs
        .iter()
        .map(|i| {
            let stem = i.file_stem();
            let n = seen.entry(stem.clone()).or_insert(0);
            *n += 1;
            if *n == 1 { stem } else { format!("{stem}-{n}") }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_by_index_and_name() {
        assert_eq!(
            parse_arg("cat.png:281").unwrap(),
            Input::new("cat.png".into(), Truth::label(281))
        );
        assert_eq!(
            parse_arg("panda.jpg:giant panda").unwrap().truth,
            Truth::label(388)
        );
        assert_eq!(
            parse_arg("cat.png:tabby, tiger cat,285").unwrap().truth,
            Truth::Known {
                label: 281,
                also: vec![282, 285]
            }
        );
        assert_eq!(parse_arg("plain.png").unwrap().truth, Truth::Unknown);
        assert!(parse_arg("cat.png:1001").is_err());
        assert!(parse_arg("cat.png:not a class at all").is_err());
    }

    #[test]
    fn list_files() {
        let dir = std::env::temp_dir().join(format!("gibbon-list-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.png"), b"x").unwrap();
        let list = dir.join("list.txt");
        std::fs::write(
            &list,
            "# the 2018 article's format\na.png 281\n\nb/c.png tabby\n",
        )
        .unwrap();
        let inputs = read_list(&list).unwrap();
        assert_eq!(inputs.len(), 2);
        assert_eq!(inputs[0], Input::new(dir.join("a.png"), Truth::label(281)));
        assert_eq!(inputs[1], Input::new("b/c.png".into(), Truth::label(281)));
        std::fs::write(&list, "a.png 5000\n").unwrap();
        let err = read_list(&list).unwrap_err().message;
        assert!(err.contains("list.txt:1"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn stems_are_unique() {
        let inputs = vec![
            Input::new("x/cat.png".into(), Truth::Unknown),
            Input::new("y/cat.jpg".into(), Truth::Unknown),
            Input::new("dog.png".into(), Truth::Unknown),
        ];
        assert_eq!(unique_stems(&inputs), vec!["cat", "cat-2", "dog"]);
    }
}
