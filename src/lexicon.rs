//! The practice vocabulary: practices with their aliases and public sources,
//! warning / urgency / critical-context cues, and look-alikes that must never
//! match a practice.
//!
//! The vocabulary is a human-edited TOML file (`data/lexicon.toml`, whose
//! header documents the format). It is validated when loaded; every error
//! names the file, the line and the entry:
//!
//! ```
//! use vigie::lexicon::Lexicon;
//! let bad = r#"
//! [lexicon]
//! version = "t"
//! [[source]]
//! key = "GK"
//! issuer = "connaissance générale"
//! title = "général"
//! [[practice]]
//! id = "reiki"
//! name = "Reiki"
//! category = "energy"
//! status = "warned"
//! aliases = ["reikiste"]
//! sources = ["GK"]
//! note = "n"
//! [[practice]]
//! id = "magnetisme"
//! name = "Magnétisme"
//! category = "energy"
//! status = "warned"
//! aliases = ["Reikiste"]
//! sources = ["GK"]
//! note = "n"
//! "#;
//! let err = Lexicon::from_toml_str(bad, "mini.toml").unwrap_err().to_string();
//! assert!(err.contains("mini.toml:21"), "{err}");
//! assert!(err.contains("reiki") && err.contains("magnetisme"), "{err}");
//! ```

use crate::analysis::{analyze, word::WordCache};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
// Fx rather than SipHash: validation hashes every term at each start-up.
use rustc_hash::FxHashMap as HashMap;
use std::fmt;
use std::path::Path;
use toml::Spanned;

/// The vocabulary shipped with vigie.
pub const BUILTIN_TOML: &str = include_str!("../data/lexicon.toml");

/// Family of a practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Energy,
    Manual,
    Psycho,
    Diet,
    AntiCancer,
    Esoteric,
    Device,
    Other,
}

impl Category {
    pub const ALL: [Category; 8] = [
        Category::Energy,
        Category::Manual,
        Category::Psycho,
        Category::Diet,
        Category::AntiCancer,
        Category::Esoteric,
        Category::Device,
        Category::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Energy => "energy",
            Category::Manual => "manual",
            Category::Psycho => "psycho",
            Category::Diet => "diet",
            Category::AntiCancer => "anti-cancer",
            Category::Esoteric => "esoteric",
            Category::Device => "device",
            Category::Other => "other",
        }
    }
}

/// How firmly public authorities have spoken about a practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Explicitly warned against or ruled illusory by a public authority.
    Warned,
    /// Partly regulated or used in care for some indications: context decides.
    Borderline,
    /// Not validated, with no specific public warning on record.
    Unvalidated,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Warned, Status::Borderline, Status::Unvalidated];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Warned => "warned",
            Status::Borderline => "borderline",
            Status::Unvalidated => "unvalidated",
        }
    }
}

/// What a cue says about a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum CueKind {
    /// A red flag (cure promise, rejection of treatment, jargon…).
    Warning,
    /// A sign of risk of serious harm (treatment stopped, child, fasting…).
    Urgent,
    /// A sign of critical or informative framing (prevention, evidence…).
    Critical,
}

impl CueKind {
    pub const ALL: [CueKind; 3] = [CueKind::Warning, CueKind::Urgent, CueKind::Critical];
    pub fn as_str(self) -> &'static str {
        match self {
            CueKind::Warning => "warning",
            CueKind::Urgent => "urgent",
            CueKind::Critical => "critical",
        }
    }
}

/// Who provides or speaks of what a text mentions, for cues that describe
/// the setting of a mention rather than raise or lower concern by
/// themselves. A practice named in the same sentence as a care frame (a
/// clinician prescribes it, a hospital runs it) or as someone else's words
/// reads differently from one named as what a lay practitioner sells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Frame {
    /// Recognised care: a named clinician, a care institution, reimbursement.
    Care,
    /// A lay or commercial provider: self-styled titles, sessions sold, ads.
    Lay,
    /// A request for material, an interview or a review, not a case.
    Request,
    /// Someone else's words: what a relative says, what was read or seen.
    Hearsay,
}

impl Frame {
    pub const ALL: [Frame; 4] = [Frame::Care, Frame::Lay, Frame::Request, Frame::Hearsay];
    pub fn as_str(self) -> &'static str {
        match self {
            Frame::Care => "care",
            Frame::Lay => "lay",
            Frame::Request => "request",
            Frame::Hearsay => "hearsay",
        }
    }
}

/// How much a cue weighs on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Strength {
    Strong,
    Medium,
    Weak,
}

/// A public document behind a vocabulary entry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub key: String,
    pub issuer: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, « {} »", self.issuer, self.title)?;
        if let Some(y) = self.year {
            write!(f, " ({y})")?;
        }
        Ok(())
    }
}

/// A practice of the vocabulary.
#[derive(Debug, Clone)]
pub struct Practice {
    pub id: String,
    pub name: String,
    pub category: Category,
    pub status: Status,
    pub aliases: Vec<String>,
    pub practitioners: Vec<String>,
    pub weak: Vec<String>,
    /// Indices into [`Lexicon::sources`].
    pub sources: Vec<usize>,
    pub note: String,
    /// Line of the entry in the vocabulary file.
    pub line: usize,
}

impl Practice {
    /// Strong terms: the name, aliases and practitioner forms.
    pub fn strong_terms(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str())
            .chain(self.aliases.iter().map(String::as_str))
            .chain(self.practitioners.iter().map(String::as_str))
    }
}

/// A list of phrases that, found in a text, raise or lower concern.
#[derive(Debug, Clone)]
pub struct Cue {
    pub id: String,
    pub kind: CueKind,
    pub strength: Strength,
    pub label: String,
    pub terms: Vec<String>,
    /// For frame cues: which setting they describe. Frame cues count in
    /// named features by their own entry and through the frame features,
    /// not in the counts of their kind.
    pub frame: Option<Frame>,
    pub line: usize,
}

/// A legitimate term that resembles a practice and must never match one.
#[derive(Debug, Clone)]
pub struct Lookalike {
    pub term: String,
    pub sense: String,
    pub confused_with: Vec<String>,
    pub line: usize,
}

/// A validated vocabulary.
#[derive(Debug, Clone)]
pub struct Lexicon {
    pub version: String,
    /// SHA-256 of the file's bytes, recorded in models trained on it.
    pub fingerprint: String,
    pub sources: Vec<Source>,
    pub practices: Vec<Practice>,
    pub cues: Vec<Cue>,
    pub lookalikes: Vec<Lookalike>,
    /// The terms as analysed during validation (see [`TermTable`]).
    pub terms: TermTable,
}

/// What went wrong loading a vocabulary, and where. Messages include their
/// cause rather than also giving it as `source()` (see `ModelError`).
#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    #[error("{path}: cannot read the vocabulary file: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("{path}:{line}: {message}")]
    Syntax { path: String, line: usize, message: String },
    #[error("{path}:{line}: entry '{entry}': {message}")]
    Invalid { path: String, line: usize, entry: String, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    lexicon: Spanned<RawMeta>,
    #[serde(default)]
    source: Vec<Spanned<Source>>,
    #[serde(default)]
    practice: Vec<Spanned<RawPractice>>,
    #[serde(default)]
    cue: Vec<Spanned<RawCue>>,
    #[serde(default)]
    lookalike: Vec<Spanned<RawLookalike>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    version: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPractice {
    id: Spanned<String>,
    name: Spanned<String>,
    category: Category,
    status: Status,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    #[serde(default)]
    practitioners: Vec<Spanned<String>>,
    #[serde(default)]
    weak: Vec<Spanned<String>>,
    sources: Vec<Spanned<String>>,
    note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCue {
    id: Spanned<String>,
    kind: CueKind,
    strength: Strength,
    label: String,
    terms: Vec<Spanned<String>>,
    #[serde(default)]
    frame: Option<Frame>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLookalike {
    term: Spanned<String>,
    sense: String,
    #[serde(default)]
    confused_with: Vec<String>,
}

/// True for an entry id the vocabulary accepts: non-empty, `[a-z0-9-]`.
fn is_slug(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// True when a term's keys (its folded letters and digits) hold a letter:
/// a term of digits alone ("2024") would match dates and street numbers.
fn has_letter(key: &str) -> bool {
    key.chars().any(char::is_alphabetic)
}

/// A vocabulary term as the analysis path reads it: what the matcher
/// compiles and what validation compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermForms {
    /// Key stream (folded letters, doubled letters collapsed, no separators).
    pub keys: String,
    /// Stem stream of the content words, space-separated.
    pub stems: String,
    /// Number of words.
    pub words: usize,
    /// Folded form of the first word (typos are looked up on it).
    pub first_folded: String,
}

impl TermForms {
    /// Analyses `term` with `cache`.
    pub fn of(term: &str, cache: &mut WordCache) -> TermForms {
        let a = analyze(term, cache);
        TermForms {
            keys: a.keys.clone(),
            stems: a.stems.clone(),
            words: a.tokens.len(),
            first_folded: a.tokens.first().map(|t| a.word(t).folded.to_string()).unwrap_or_default(),
        }
    }

    /// Key under which two vocabulary terms count as the same: the key
    /// stream without a final plural mark.
    pub fn term_key(&self) -> String {
        let mut k = self.keys.clone();
        if k.len() > 3 && (k.ends_with('s') || k.ends_with('x')) {
            k.pop();
        }
        k
    }
}

/// The forms of every term of a vocabulary, kept from its validation so
/// that compiling the matcher does not analyse the same 2,300 terms again
/// (17 million instructions, about 3 ms, of every start). Keyed by the
/// term's exact text, so a term added or changed after loading is simply
/// not found, and analysed afresh.
///
/// The word cache that analysed them is kept too, for the first scoring
/// workspace to start from (see [`TermTable::take_words`]): the vocabulary's
/// words are everyday words of the texts it screens (2,100 of the corpus'
/// 18,000 distinct words), and each costs microseconds on first sight.
#[derive(Clone, Default)]
pub struct TermTable {
    forms: std::sync::Arc<HashMap<String, TermForms>>,
    words: std::sync::Arc<std::sync::Mutex<Option<WordCache>>>,
}

impl fmt::Debug for TermTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TermTable({} terms)", self.forms.len())
    }
}

impl TermTable {
    /// The forms remembered for `term`, if it was analysed at validation.
    pub fn get(&self, term: &str) -> Option<&TermForms> {
        self.forms.get(term)
    }

    /// Number of terms remembered.
    pub fn len(&self) -> usize {
        self.forms.len()
    }

    /// True when no term is remembered.
    pub fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    /// The word cache that analysed the terms, once: the first caller gets
    /// it (with every clone of this table, and so of its vocabulary, sharing
    /// the one cache), later callers get `None`.
    pub fn take_words(&self) -> Option<WordCache> {
        self.words.lock().ok()?.take()
    }

    /// The forms of `term`: remembered from validation, or analysed now
    /// with `cache`.
    pub fn forms(&self, term: &str, cache: &mut WordCache) -> TermForms {
        match self.forms.get(term) {
            Some(f) => f.clone(),
            None => TermForms::of(term, cache),
        }
    }
}

struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(src: &str) -> Self {
        LineIndex(std::iter::once(0).chain(src.match_indices('\n').map(|(i, _)| i + 1)).collect())
    }
    fn line(&self, byte: usize) -> usize {
        self.0.partition_point(|&s| s <= byte)
    }
}

impl Lexicon {
    /// The vocabulary shipped with vigie (compiled in).
    pub fn builtin() -> Lexicon {
        Lexicon::from_toml_str(BUILTIN_TOML, "data/lexicon.toml")
            .expect("the shipped vocabulary is validated by the test suite")
    }

    /// Loads and validates a vocabulary file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Lexicon, LexiconError> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|error| LexiconError::Io { path: shown.clone(), error })?;
        let text = String::from_utf8(bytes).map_err(|e| LexiconError::Syntax {
            path: shown.clone(),
            line: 1,
            message: format!("not UTF-8 text ({e})"),
        })?;
        Lexicon::from_toml_str(&text, &shown)
    }

    /// Parses and validates vocabulary text; `path` names it in errors.
    pub fn from_toml_str(src: &str, path: &str) -> Result<Lexicon, LexiconError> {
        let lines = LineIndex::new(src);
        let raw: RawFile = toml::from_str(src).map_err(|e| LexiconError::Syntax {
            path: path.to_string(),
            line: e.span().map_or(1, |s| lines.line(s.start)),
            message: e.message().to_string(),
        })?;
        let invalid = |line: usize, entry: &str, message: String| LexiconError::Invalid {
            path: path.to_string(),
            line,
            entry: entry.to_string(),
            message,
        };
        let line_of = |s: &std::ops::Range<usize>| lines.line(s.start);

        if raw.lexicon.get_ref().version.trim().is_empty() {
            return Err(invalid(line_of(&raw.lexicon.span()), "lexicon", "empty version".into()));
        }
        let mut source_idx: HashMap<String, (usize, usize)> = HashMap::default();
        for (i, s) in raw.source.iter().enumerate() {
            let line = line_of(&s.span());
            let s = s.get_ref();
            if s.key.trim().is_empty() || s.issuer.trim().is_empty() || s.title.trim().is_empty() {
                return Err(invalid(line, &s.key, "a source needs a key, an issuer and a title".into()));
            }
            if let Some((_, prev)) = source_idx.insert(s.key.clone(), (i, line)) {
                return Err(invalid(line, &s.key, format!("source key already defined at line {prev}")));
            }
        }

        // This cache becomes the first scoring workspace's (see
        // `TermTable::take_words`): its lists get that workspace's room now,
        // rather than growing here and being copied there.
        let mut cache = WordCache::default();
        cache.reserve_lists();
        // Tables sized for every term up front: grown by doubling, they
        // cost a few hundred page faults at each start.
        let practice_terms: usize = raw
            .practice
            .iter()
            .map(|p| p.get_ref())
            .map(|p| 1 + p.aliases.len() + p.practitioners.len() + p.weak.len())
            .sum();
        let cue_terms_count: usize = raw.cue.iter().map(|c| c.get_ref().terms.len()).sum();
        let mut forms: HashMap<String, TermForms> = HashMap::with_capacity_and_hasher(
            practice_terms + cue_terms_count + raw.lookalike.len(),
            Default::default(),
        );
        let mut analyse = |term: &str| -> TermForms {
            forms.entry(term.to_string()).or_insert_with(|| TermForms::of(term, &mut cache)).clone()
        };
        // term key -> (entry id, line, is lookalike)
        let mut seen: HashMap<String, (String, usize)> =
            HashMap::with_capacity_and_hasher(practice_terms + raw.lookalike.len(), Default::default());
        let mut lookalikes = Vec::new();
        for l in &raw.lookalike {
            let line = line_of(&l.span());
            let l = l.get_ref();
            let term = l.term.get_ref();
            let forms = analyse(term);
            if !has_letter(&forms.keys) {
                return Err(invalid(line, term, "look-alike term has no letters".into()));
            }
            let key = forms.term_key();
            seen.entry(key).or_insert((format!("look-alike '{term}'"), line_of(&l.term.span())));
            lookalikes.push(Lookalike {
                term: term.clone(),
                sense: l.sense.clone(),
                confused_with: l.confused_with.iter().map(|c| c.trim().to_string()).collect(),
                line,
            });
        }
        let lookalike_keys: HashMap<String, (String, usize)> = seen.clone();

        let mut practices = Vec::new();
        let mut ids = HashMap::default();
        for p in &raw.practice {
            let line = line_of(&p.span());
            let p = p.get_ref();
            let id = p.id.get_ref().trim().to_string();
            let name = p.name.get_ref().trim().to_string();
            if !is_slug(&id) {
                return Err(invalid(line, &id, "id must be a non-empty slug of [a-z0-9-]".into()));
            }
            if name.is_empty() {
                return Err(invalid(line, &id, "empty name".into()));
            }
            if p.note.trim().is_empty() {
                return Err(invalid(line, &id, "empty note".into()));
            }
            if let Some(prev) = ids.insert(id.clone(), line) {
                return Err(invalid(line, &id, format!("id already used by the entry at line {prev}")));
            }
            let mut sources = Vec::new();
            if p.sources.is_empty() {
                return Err(invalid(line, &id, "at least one source is required".into()));
            }
            for s in &p.sources {
                match source_idx.get(s.get_ref()) {
                    Some(&(i, _)) => sources.push(i),
                    None => {
                        return Err(invalid(
                            line_of(&s.span()),
                            &id,
                            format!("unknown source '{}' (not defined in a [[source]] table)", s.get_ref()),
                        ))
                    }
                }
            }
            let all_terms = std::iter::once(&p.name).chain(&p.aliases).chain(&p.practitioners).chain(&p.weak);
            for t in all_terms {
                let tline = line_of(&t.span());
                let term = t.get_ref();
                if term.trim().is_empty() {
                    return Err(invalid(tline, &id, "empty term".into()));
                }
                let forms = analyse(term);
                if !has_letter(&forms.keys) {
                    return Err(invalid(tline, &id, format!("term '{term}' has no letters")));
                }
                let key = forms.term_key();
                if let Some((other, oline)) = lookalike_keys.get(&key) {
                    return Err(invalid(
                        tline,
                        &id,
                        format!("term '{term}' conflicts with {other} (line {oline}): a look-alike may never match a practice"),
                    ));
                }
                if let Some((other, oline)) = seen.get(&key) {
                    let msg = if *other == id {
                        format!("term '{term}' is listed twice in this entry (also line {oline})")
                    } else {
                        format!("duplicate alias '{term}': already listed by entry '{other}' at line {oline}")
                    };
                    return Err(invalid(tline, &id, msg));
                }
                seen.insert(key, (id.clone(), tline));
            }
            let strings =
                |v: &Vec<Spanned<String>>| v.iter().map(|s| s.get_ref().trim().to_string()).collect::<Vec<_>>();
            practices.push(Practice {
                id,
                name,
                category: p.category,
                status: p.status,
                aliases: strings(&p.aliases),
                practitioners: strings(&p.practitioners),
                weak: strings(&p.weak),
                sources,
                note: p.note.trim().to_string(),
                line,
            });
        }

        for l in &lookalikes {
            if let Some(unknown) = l.confused_with.iter().find(|c| !ids.contains_key(c.as_str())) {
                return Err(invalid(
                    l.line,
                    &l.term,
                    format!("unknown practice '{unknown}' in confused_with (not the id of a [[practice]])"),
                ));
            }
        }

        let mut cues = Vec::new();
        let mut cue_ids = HashMap::default();
        let mut cue_terms: HashMap<String, (String, usize)> = HashMap::default();
        for c in &raw.cue {
            let line = line_of(&c.span());
            let c = c.get_ref();
            let id = c.id.get_ref().trim().to_string();
            if !is_slug(&id) {
                return Err(invalid(line, &id, "id must be a non-empty slug of [a-z0-9-]".into()));
            }
            if c.label.trim().is_empty() {
                return Err(invalid(line, &id, "empty label".into()));
            }
            if let Some(prev) = cue_ids.insert(id.clone(), line) {
                return Err(invalid(line, &id, format!("cue id already used at line {prev}")));
            }
            if c.terms.is_empty() {
                return Err(invalid(line, &id, "a cue needs at least one term".into()));
            }
            for t in &c.terms {
                let tline = line_of(&t.span());
                let a = analyse(t.get_ref());
                if a.stems.is_empty() {
                    return Err(invalid(tline, &id, format!("cue term '{}' has no content word", t.get_ref())));
                }
                if let Some((other, oline)) = cue_terms.insert(a.stems.clone(), (id.clone(), tline)) {
                    return Err(invalid(
                        tline,
                        &id,
                        format!("cue term '{}' is already a term of cue '{other}' at line {oline}", t.get_ref()),
                    ));
                }
            }
            cues.push(Cue {
                id,
                kind: c.kind,
                strength: c.strength,
                label: c.label.clone(),
                terms: c.terms.iter().map(|t| t.get_ref().trim().to_string()).collect(),
                frame: c.frame,
                line,
            });
        }

        let fingerprint = hex(&Sha256::digest(src.as_bytes()));
        Ok(Lexicon {
            version: raw.lexicon.into_inner().version,
            fingerprint,
            sources: raw.source.into_iter().map(Spanned::into_inner).collect(),
            practices,
            cues,
            lookalikes,
            terms: TermTable {
                forms: std::sync::Arc::new(forms),
                words: std::sync::Arc::new(std::sync::Mutex::new(Some(cache))),
            },
        })
    }

    /// The practice with this id.
    pub fn practice(&self, id: &str) -> Option<&Practice> {
        self.practices.iter().find(|p| p.id == id)
    }

    /// The practice with this canonical name.
    pub fn practice_by_name(&self, name: &str) -> Option<&Practice> {
        self.practices.iter().find(|p| p.name == name)
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
