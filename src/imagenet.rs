//! The 1000 ImageNet-1k classes: names, WordNet ids, and lookup by index, id or name.
//!
//! The list is the standard order (0 = tench) from timm's synset files; the 2018 article had to
//! guess its class names, Gibbon ships the real ones.

use std::sync::OnceLock;

/// Number of ImageNet-1k classes.
pub const NUM_CLASSES: usize = 1000;

const TABLE: &str = include_str!("imagenet_classes.tsv");

/// One ImageNet class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Class {
    /// Position in the standard order, 0..1000.
    pub index: usize,
    /// WordNet id such as `n02483362`.
    pub wnid: &'static str,
    /// All synonyms, comma separated, as WordNet gives them.
    pub names: &'static str,
}

impl Class {
    /// The first synonym: "gibbon" for "gibbon, Hylobates lar".
    pub fn name(&self) -> &'static str {
        self.names.split(',').next().unwrap_or(self.names).trim()
    }

    /// Each synonym, trimmed.
    pub fn synonyms(&self) -> impl Iterator<Item = &'static str> {
        self.names.split(',').map(str::trim)
    }
}

/// Why a class could not be found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassError {
    #[error("class index {0} is out of range: ImageNet classes are 0..=999")]
    OutOfRange(usize),
    #[error("no ImageNet class is called '{query}'{}", suggest(.suggestions))]
    Unknown {
        query: String,
        suggestions: Vec<String>,
    },
    #[error("'{query}' names several ImageNet classes: {}; give the index instead", .candidates.join(", "))]
    Ambiguous {
        query: String,
        candidates: Vec<String>,
    },
}

fn suggest(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", suggestions.join(", "))
    }
}

/// All classes in order.
pub fn classes() -> &'static [Class] {
    static CLASSES: OnceLock<Vec<Class>> = OnceLock::new();
    CLASSES.get_or_init(|| {
        let classes: Vec<Class> = TABLE
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .enumerate()
            .map(|(index, line)| {
                let (wnid, names) = line.split_once('\t').unwrap_or((line, line));
                Class { index, wnid, names }
            })
            .collect();
        assert_eq!(
            classes.len(),
            NUM_CLASSES,
            "imagenet_classes.tsv must list 1000 classes"
        );
        classes
    })
}

/// The class at `index`.
pub fn class(index: usize) -> Result<Class, ClassError> {
    classes()
        .get(index)
        .copied()
        .ok_or(ClassError::OutOfRange(index))
}

/// Short name of the class at `index`, or "?" when out of range.
pub fn name(index: usize) -> &'static str {
    classes().get(index).map(Class::name).unwrap_or("?")
}

/// Finds a class by index ("368"), WordNet id ("n02483362") or any synonym ("gibbon",
/// "Hylobates lar"), case-insensitively. A name shared by several classes is an error that
/// lists them.
pub fn lookup(query: &str) -> Result<Class, ClassError> {
    let q = query.trim();
    if let Ok(index) = q.parse::<usize>() {
        return class(index);
    }
    let lower = q.to_lowercase();
    if let Some(c) = classes().iter().find(|c| c.wnid == lower) {
        return Ok(*c);
    }
    // A full synonym list ("tabby, tabby cat") names one class, unless two classes share it
    // ("crane" is a bird and a machine).
    let full: Vec<Class> = classes()
        .iter()
        .filter(|c| c.names.to_lowercase() == lower)
        .copied()
        .collect();
    if full.len() == 1 {
        return Ok(full[0]);
    }
    let exact: Vec<Class> = classes()
        .iter()
        .filter(|c| c.synonyms().any(|s| s.to_lowercase() == lower))
        .copied()
        .collect();
    match exact.len() {
        1 => Ok(exact[0]),
        0 => Err(ClassError::Unknown {
            query: q.to_string(),
            suggestions: search(q)
                .take(5)
                .map(|c| format!("{} ({})", c.name(), c.index))
                .collect(),
        }),
        _ => Err(ClassError::Ambiguous {
            query: q.to_string(),
            candidates: exact
                .iter()
                .map(|c| format!("{} = {}", c.index, c.names))
                .collect(),
        }),
    }
}

/// Classes whose names contain `query` (case-insensitive), those whose first name starts with
/// it first: what a searchable class picker shows as the user types.
pub fn search(query: &str) -> impl Iterator<Item = Class> {
    let q = query.trim().to_lowercase();
    let (mut first, mut rest): (Vec<Class>, Vec<Class>) = (Vec::new(), Vec::new());
    if !q.is_empty() {
        for c in classes() {
            let names = c.names.to_lowercase();
            if c.name().to_lowercase().starts_with(&q) {
                first.push(*c);
            } else if names.contains(&q) || c.wnid == q {
                rest.push(*c);
            }
        }
    }
    first.into_iter().chain(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_order() {
        assert_eq!(classes().len(), 1000);
        assert_eq!(name(0), "tench");
        assert_eq!(name(368), "gibbon");
        assert_eq!(name(388), "giant panda");
        assert_eq!(name(999), "toilet tissue");
        assert_eq!(class(368).unwrap().wnid, "n02483362");
    }

    #[test]
    fn lookup_by_index_wnid_and_names() {
        assert_eq!(lookup("368").unwrap().index, 368);
        assert_eq!(lookup("n02483362").unwrap().index, 368);
        assert_eq!(lookup("Gibbon").unwrap().index, 368);
        assert_eq!(lookup("Hylobates lar").unwrap().index, 368);
        assert_eq!(lookup("tabby").unwrap().index, 281);
        assert_eq!(lookup("giant panda").unwrap().index, 388);
    }

    #[test]
    fn lookup_errors_are_helpful() {
        assert_eq!(lookup("1000"), Err(ClassError::OutOfRange(1000)));
        let ambiguous = lookup("crane").unwrap_err().to_string();
        assert!(
            ambiguous.contains("134") && ambiguous.contains("517"),
            "{ambiguous}"
        );
        let unknown = lookup("gibbonn").unwrap_err();
        assert!(matches!(unknown, ClassError::Unknown { .. }));
        let panda = lookup("panda").unwrap_err().to_string();
        assert!(panda.contains("387") && panda.contains("388"), "{panda}");
    }

    #[test]
    fn search_puts_prefix_matches_first() {
        let hits: Vec<usize> = search("gib").map(|c| c.index).collect();
        assert_eq!(hits.first(), Some(&368));
        assert!(search("").next().is_none());
    }
}
