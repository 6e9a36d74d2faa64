//! The labelled corpus: reading it, describing it, and guarding it against
//! near-duplicates and templated text.
//!
//! Items are JSON Lines (see `data/corpus/README.md`):
//! `{"id", "kind": "course"|"report", "text", "label": "flag"|"clear",
//!   "priority": "urgent"|"normal"|null, "practices": [...], "tags": [...]}`.

use crate::lexicon::hex;
use crate::profile::{Priority, Profile};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Gold label of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Flag,
    Clear,
}

/// One labelled text.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    pub kind: Profile,
    pub text: String,
    pub label: Label,
    pub priority: Option<Priority>,
    #[serde(default)]
    pub practices: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Items sharing a group stay in one validation fold (variants of one
    /// text). Defaults to the id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

impl Item {
    pub fn group(&self) -> &str {
        self.group.as_deref().unwrap_or(&self.id)
    }
    pub fn is_flag(&self) -> bool {
        self.label == Label::Flag
    }
    pub fn is_urgent(&self) -> bool {
        self.priority == Some(Priority::Urgent)
    }
}

/// A problem with one line of a corpus file.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct CorpusError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

/// Items read from one or more files.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    pub items: Vec<Item>,
    /// SHA-256 over the files' names and bytes, in name order.
    pub fingerprint: String,
}

/// The corpus files under a directory (`*.jsonl`, sorted by name).
pub fn corpus_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    Ok(files)
}

/// Expands directories to their `*.jsonl` files.
pub fn expand(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            out.extend(corpus_files(p)?);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn check(item: &Item) -> Result<(), String> {
    if item.id.trim().is_empty() {
        return Err("empty id".into());
    }
    if item.text.trim().is_empty() {
        return Err("empty text".into());
    }
    match (item.kind, item.label, item.priority) {
        (Profile::Report, Label::Flag, None) => Err("a flagged report needs a priority (urgent or normal)".into()),
        (Profile::Course, _, Some(_)) => Err("a course has no priority (null)".into()),
        (Profile::Report, Label::Clear, Some(_)) => Err("a clear report has no priority (null)".into()),
        _ => Ok(()),
    }
}

impl Corpus {
    /// Reads corpus files (directories expand to their `*.jsonl` files).
    /// Every bad line is reported; the corpus is refused if any is bad.
    pub fn load(paths: &[PathBuf]) -> Result<Corpus, Vec<CorpusError>> {
        let files = expand(paths)
            .map_err(|e| vec![CorpusError { path: format!("{paths:?}"), line: 0, message: e.to_string() }])?;
        let mut files = files;
        files.sort();
        let mut hasher = Sha256::new();
        let mut items = Vec::new();
        let mut errors = Vec::new();
        let mut ids: FxHashMap<String, String> = FxHashMap::default();
        for f in &files {
            let shown = f.display().to_string();
            let bytes = match std::fs::read(f) {
                Ok(b) => b,
                Err(e) => {
                    errors.push(CorpusError { path: shown, line: 0, message: e.to_string() });
                    continue;
                }
            };
            hasher.update(f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default().as_bytes());
            hasher.update([0u8]);
            hasher.update(&bytes);
            let text = String::from_utf8_lossy(&bytes);
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let err = |message: String| CorpusError { path: shown.clone(), line: i + 1, message };
                match serde_json::from_str::<Item>(line) {
                    Ok(item) => {
                        if let Err(m) = check(&item) {
                            errors.push(err(format!("item '{}': {m}", item.id)));
                        } else if let Some(prev) = ids.insert(item.id.clone(), format!("{shown}:{}", i + 1)) {
                            errors.push(err(format!("duplicate id '{}' (first at {prev})", item.id)));
                        } else {
                            items.push(item);
                        }
                    }
                    Err(e) => errors.push(err(e.to_string())),
                }
            }
        }
        if errors.is_empty() {
            Ok(Corpus { items, fingerprint: hex(&hasher.finalize()) })
        } else {
            Err(errors)
        }
    }

    /// Validation fold of every item: stratified by kind and label, grouped
    /// by [`Item::group`], deterministic for a given seed.
    pub fn folds(&self, k: usize, seed: u64) -> Vec<usize> {
        let mut groups: BTreeMap<(Profile, Label, u64, String), Vec<usize>> = BTreeMap::new();
        for (i, it) in self.items.iter().enumerate() {
            let h = xxhash_rust::xxh3::xxh3_64_with_seed(it.group().as_bytes(), seed);
            groups.entry((it.kind, it.label, h, it.group().to_string())).or_default().push(i);
        }
        let mut fold = vec![0usize; self.items.len()];
        let mut counter: BTreeMap<(Profile, Label), usize> = BTreeMap::new();
        for ((kind, label, _, _), members) in groups {
            let c = counter.entry((kind, label)).or_default();
            for m in members {
                fold[m] = *c % k;
            }
            *c += 1;
        }
        fold
    }
}

/// Lowercase words of a text, as the duplicate checks see them.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Pairs of items whose sets of word 3-grams have a Jaccard similarity above
/// `threshold`: (index, index, similarity).
pub fn near_duplicates(items: &[Item], threshold: f64) -> Vec<(usize, usize, f64)> {
    let shingles: Vec<FxHashSet<[u64; 3]>> = items
        .iter()
        .map(|it| {
            let ws: Vec<u64> = words(&it.text).iter().map(|w| xxhash_rust::xxh3::xxh3_64(w.as_bytes())).collect();
            ws.windows(3).map(|w| [w[0], w[1], w[2]]).collect()
        })
        .collect();
    let mut inverted: FxHashMap<[u64; 3], Vec<u32>> = FxHashMap::default();
    for (i, s) in shingles.iter().enumerate() {
        for g in s {
            inverted.entry(*g).or_default().push(i as u32);
        }
    }
    let mut shared: FxHashMap<(u32, u32), u32> = FxHashMap::default();
    for list in inverted.values() {
        if list.len() > 300 {
            continue; // a stock phrase; cannot make a pair similar on its own
        }
        for a in 0..list.len() {
            for b in a + 1..list.len() {
                *shared.entry((list[a], list[b])).or_default() += 1;
            }
        }
    }
    let mut out: Vec<(usize, usize, f64)> = shared
        .into_iter()
        .filter_map(|((a, b), c)| {
            let union = shingles[a as usize].len() + shingles[b as usize].len() - c as usize;
            let j = c as f64 / union.max(1) as f64;
            (j > threshold).then_some((a as usize, b as usize, j))
        })
        .collect();
    out.sort_by_key(|x| (x.0, x.1));
    out
}

/// Items that share some 7-word run with at least `min_others` other items
/// (a sign of templated writing), and the most common such runs.
pub fn templated(items: &[Item], min_others: usize) -> (Vec<usize>, Vec<(String, usize)>) {
    let mut owners: FxHashMap<Vec<String>, FxHashSet<u32>> = FxHashMap::default();
    let runs: Vec<FxHashSet<Vec<String>>> = items
        .iter()
        .map(|it| {
            let ws = words(&it.text);
            ws.windows(7).map(|w| w.to_vec()).collect()
        })
        .collect();
    for (i, r) in runs.iter().enumerate() {
        for g in r {
            owners.entry(g.clone()).or_default().insert(i as u32);
        }
    }
    let common: FxHashSet<&Vec<String>> = owners.iter().filter(|(_, s)| s.len() > min_others).map(|(g, _)| g).collect();
    let flagged: Vec<usize> =
        runs.iter().enumerate().filter(|(_, r)| r.iter().any(|g| common.contains(g))).map(|(i, _)| i).collect();
    let mut top: Vec<(String, usize)> = common.iter().map(|g| (g.join(" "), owners[*g].len())).collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top.truncate(10);
    (flagged, top)
}

/// Counts describing a corpus.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub items: usize,
    pub by_kind_label: BTreeMap<String, usize>,
    pub flag_share: BTreeMap<String, f64>,
    pub by_priority: BTreeMap<String, usize>,
    pub by_tag: BTreeMap<String, usize>,
    pub distinct_practices: usize,
    pub by_practice: BTreeMap<String, usize>,
    pub words_min: usize,
    pub words_median: usize,
    pub words_max: usize,
}

impl Stats {
    pub fn of(items: &[Item]) -> Stats {
        let mut by_kind_label = BTreeMap::new();
        let mut by_priority = BTreeMap::new();
        let mut by_tag = BTreeMap::new();
        let mut by_practice = BTreeMap::new();
        let mut lens = Vec::new();
        for it in items {
            *by_kind_label
                .entry(format!("{}/{}", it.kind.as_str(), if it.is_flag() { "flag" } else { "clear" }))
                .or_insert(0) += 1;
            if let Some(p) = it.priority {
                *by_priority.entry(p.as_str().to_string()).or_insert(0) += 1;
            }
            for t in &it.tags {
                *by_tag.entry(t.clone()).or_insert(0) += 1;
            }
            for p in &it.practices {
                *by_practice.entry(p.clone()).or_insert(0) += 1;
            }
            lens.push(words(&it.text).len());
        }
        lens.sort_unstable();
        let mut flag_share = BTreeMap::new();
        for k in Profile::ALL {
            let f = by_kind_label.get(&format!("{}/flag", k.as_str())).copied().unwrap_or(0);
            let c = by_kind_label.get(&format!("{}/clear", k.as_str())).copied().unwrap_or(0);
            if f + c > 0 {
                flag_share.insert(k.as_str().to_string(), f as f64 / (f + c) as f64);
            }
        }
        Stats {
            items: items.len(),
            by_kind_label,
            flag_share,
            by_priority,
            by_tag,
            distinct_practices: by_practice.len(),
            by_practice,
            words_min: lens.first().copied().unwrap_or(0),
            words_median: lens.get(lens.len() / 2).copied().unwrap_or(0),
            words_max: lens.last().copied().unwrap_or(0),
        }
    }
}
