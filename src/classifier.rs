//! The classifier: a model, its vocabulary, and the evidence it gives.

use crate::analysis::word::WordCache;
use crate::features::FeatureSink;
use crate::lexicon::{Category, CueKind, Lexicon, Source, Status, Strength};
use crate::matcher::{Hits, MatchHow};
use crate::model::{Linear, Model, ModelError, TokenWeights};
use crate::pipeline::{Pipeline, Workspace};
use crate::profile::{Bands, Decision, Priority, Profile};
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Retired words always kept before pruning starts (see
/// `Contributions::prune_retired`).
const RETIRED_KEEP: usize = 1024;
/// Most spans reported per practice or cue (a 200 MB text may hold millions).
pub const MAX_SPANS: usize = 20;
/// How many learned features each result carries.
pub const TOP_FEATURES: usize = 8;
/// Longest span text echoed in results.
const SNIPPET: usize = 120;

/// A piece of the input text, by byte offsets into the original input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    /// The text of the span (cut at 120 bytes).
    pub text: String,
    /// For inputs made of several columns, the column the span is in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Where the text of evidence spans is read: the document itself when it is
/// in memory (`str`), or texts fetched for the spans a result shows when the
/// document was streamed ([`Classifier::assess_windows`]).
pub trait SpanText {
    /// The text between byte offsets `start` and `end` of the document.
    fn span_text(&self, start: usize, end: usize) -> std::borrow::Cow<'_, str>;
}

impl SpanText for str {
    #[inline]
    fn span_text(&self, start: usize, end: usize) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Borrowed(&self[start..end])
    }
}

/// Span texts fetched ahead, by (start, end): what a streamed document's
/// result shows. A span missing from the map reads as empty.
impl SpanText for FxHashMap<(usize, usize), String> {
    fn span_text(&self, start: usize, end: usize) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Borrowed(self.get(&(start, end)).map_or("", String::as_str))
    }
}

/// Notes which spans a result shows, reading them as empty.
#[derive(Default)]
struct SpanRecorder(std::cell::RefCell<Vec<(usize, usize)>>);

impl SpanText for SpanRecorder {
    fn span_text(&self, start: usize, end: usize) -> std::borrow::Cow<'_, str> {
        self.0.borrow_mut().push((start, end));
        std::borrow::Cow::Borrowed("")
    }
}

impl Span {
    /// The span `start..end` (byte offsets) of `text`; a text longer than
    /// 120 bytes is cut there (on a character boundary) and ends with "…".
    ///
    /// # Panics
    ///
    /// When `start..end` is not a range of `text` on character boundaries.
    pub fn new(text: &str, start: usize, end: usize) -> Span {
        Span::of(text, start, end)
    }

    /// The span from `start` to `end` of a document whose text `src` reads.
    #[inline]
    pub fn of<S: SpanText + ?Sized>(src: &S, start: usize, end: usize) -> Span {
        let s = src.span_text(start, end);
        SpanParts::new(start, end, &s).to_span()
    }
}

/// A span before its text is copied: what [`Span`] holds, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct SpanParts<'a> {
    pub start: usize,
    pub end: usize,
    /// The span's text, cut at 120 bytes (on a character boundary).
    pub text: &'a str,
    /// True when `text` was cut: [`Span::text`] then ends with "…".
    pub cut: bool,
}

impl<'a> SpanParts<'a> {
    /// The span `start..end` whose whole text is `whole`.
    #[inline]
    pub fn new(start: usize, end: usize, whole: &'a str) -> SpanParts<'a> {
        let mut cut = whole.len().min(SNIPPET);
        while !whole.is_char_boundary(cut) {
            cut -= 1;
        }
        SpanParts { start, end, text: &whole[..cut], cut: cut < whole.len() }
    }

    /// The owned [`Span`] (no column).
    pub fn to_span(&self) -> Span {
        let mut text = String::with_capacity(self.text.len() + if self.cut { 3 } else { 0 });
        text.push_str(self.text);
        if self.cut {
            text.push('…');
        }
        Span { start: self.start, end: self.end, text, field: None }
    }
}

/// One top feature before any string is built: the fields of a
/// [`Contribution`] as pieces, handed to a [`ContributionWriter`].
#[derive(Debug, Clone, Copy)]
pub struct ContributionParts<'a> {
    /// The feature's name: these pieces, concatenated.
    pub feature: &'a [&'a str],
    /// What it means, in words: these pieces, concatenated.
    pub label: &'a [&'a str],
    /// weight × value: positive raises the score, negative lowers it.
    pub contribution: f32,
    /// Its first spans (at most three).
    pub spans: &'a [SpanParts<'a>],
    /// For a named feature of the model, whose name and label are the same
    /// in every result of this classifier: its hash (as in
    /// [`Classifier::named_features`]), under which a writer may keep their
    /// rendering. `None` for words and word pairs, whose label quotes the text.
    pub named: Option<u64>,
}

impl ContributionParts<'_> {
    /// The owned [`Contribution`].
    pub fn to_contribution(&self) -> Contribution {
        Contribution {
            feature: self.feature.concat(),
            label: self.label.concat(),
            contribution: self.contribution,
            spans: self.spans.iter().map(SpanParts::to_span).collect(),
        }
    }
}

/// Receives the top features of a result one by one, in rank order (see
/// [`TopFeatures::write`]). `Vec<Contribution>` collects them; an output
/// writer can serialise the pieces directly, without building a string per
/// field first.
pub trait ContributionWriter {
    fn write(&mut self, c: &ContributionParts<'_>);
}

impl ContributionWriter for Vec<Contribution> {
    fn write(&mut self, c: &ContributionParts<'_>) {
        self.push(c.to_contribution());
    }
}

/// The top features of a result still in the classifier's workspace (see
/// [`Classifier::assess_then`]): written on request, in rank order, to a
/// [`ContributionWriter`].
pub struct TopFeatures<'w> {
    contrib: &'w Contributions,
    cx: RankingContext<'w, str>,
}

impl TopFeatures<'_> {
    /// Writes the top features to `w`: the same as [`Assessment::top_features`]
    /// of [`Classifier::assess`], piece by piece.
    pub fn write(&self, w: &mut impl ContributionWriter) {
        self.contrib.top_into(&self.cx, 0, false, w);
    }

    /// The top features as [`Contribution`]s.
    pub fn to_vec(&self) -> Vec<Contribution> {
        self.contrib.top(&self.cx, 0, false)
    }
}

/// What ranking and wording a text's top features reads besides the
/// scorer's record of contributions: the word cache that scored the text,
/// the text, the vocabulary, the named features' labels and the text's
/// token scale.
struct RankingContext<'w, S: SpanText + ?Sized> {
    cache: &'w WordCache,
    text: &'w S,
    lex: &'w Lexicon,
    labels: &'w FxHashMap<u64, Box<str>>,
    scale: f32,
}

/// What vigie says about a practice wherever it is found: built once per
/// classifier and shared by every result that names the practice.
#[derive(Debug, Clone, Serialize)]
pub struct PracticeInfo {
    pub id: String,
    /// Canonical name.
    pub name: String,
    pub category: Category,
    pub status: Status,
    /// The first public source, in words.
    pub source: String,
    pub sources: Vec<Source>,
    pub note: String,
}

/// A practice found in a text, with its public source.
#[derive(Debug, Clone, Serialize)]
pub struct PracticeEvidence {
    #[serde(flatten)]
    pub info: Arc<PracticeInfo>,
    /// True when at least one span was matched with one typo.
    pub typo: bool,
    pub spans: Vec<Span>,
}

impl std::ops::Deref for PracticeEvidence {
    type Target = PracticeInfo;
    fn deref(&self) -> &PracticeInfo {
        &self.info
    }
}

/// What a cue is, shared by every result where it is found.
#[derive(Debug, Clone, Serialize)]
pub struct CueInfo {
    pub id: String,
    pub kind: CueKind,
    pub strength: Strength,
    pub label: String,
}

/// A cue found in a text.
#[derive(Debug, Clone, Serialize)]
pub struct CueEvidence {
    #[serde(flatten)]
    pub info: Arc<CueInfo>,
    pub spans: Vec<Span>,
}

impl std::ops::Deref for CueEvidence {
    type Target = CueInfo;
    fn deref(&self) -> &CueInfo {
        &self.info
    }
}

/// One learned feature's share of a score.
#[derive(Debug, Clone, Serialize)]
pub struct Contribution {
    /// Feature name as in the model file.
    pub feature: String,
    /// What it means, in words.
    pub label: String,
    /// weight × value: positive raises the score, negative lowers it.
    pub contribution: f32,
    pub spans: Vec<Span>,
}

/// Texts of at most this many content words (about thirty words in all)
/// are the ones the review floor applies to. Measured with 15, 25, 40 and
/// no limit: from 25 up it also sent held-out requests for interviews, data
/// or prevention material to review (and, without a limit, corpus ones); at
/// 15 it changes nothing in the corpus's cross-validation or on the
/// held-out texts not written to probe the model (`data/heldout/README.md`).
pub const REVIEW_FLOOR_MAX_WORDS: usize = 15;

/// The review floor: true when a short text (at most
/// [`REVIEW_FLOOR_MAX_WORDS`] content words) names, by a strong term, a
/// practice under a public warning (status [`Status::Warned`]) and has no
/// critical cue. Such a text goes to review even when the model's score
/// would clear it: the model learned from texts of some length and can
/// clear a message of a few words naming MMS or reiki, and in triage a
/// missed report costs more than a message read for nothing. The score is
/// left as the model gave it; [`Assessment::review_floor`] says the rule
/// decided. Training applies the same rule to its out-of-fold figures.
pub fn review_floor(hits: &Hits, lexicon: &Lexicon, content_words: usize) -> bool {
    if content_words > REVIEW_FLOOR_MAX_WORDS {
        return false;
    }
    let warned = hits.practices.iter().any(|h| !h.weak && lexicon.practices[h.practice].status == Status::Warned);
    warned && !hits.cues.iter().any(|h| lexicon.cues[h.cue].kind == CueKind::Critical)
}

/// The decision once the review floor is applied to the score's decision:
/// only a text the score clears is lifted, to review. Returns the decision
/// and whether the floor made it; `holds` (whether [`review_floor`] holds
/// for the text) is only asked for a cleared text. The classifier and
/// training's out-of-fold figures decide through this one rule.
pub fn apply_review_floor(by_score: Decision, holds: impl FnOnce() -> bool) -> (Decision, bool) {
    if by_score == Decision::Clear && holds() {
        (Decision::Review, true)
    } else {
        (by_score, false)
    }
}

/// The result for one text.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub id: String,
    pub profile: Profile,
    /// Calibrated probability that the text is one to flag.
    pub score: f32,
    pub decision: Decision,
    /// True when the score alone would have cleared the text and the
    /// review floor sent it to review (see [`review_floor`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub review_floor: bool,
    /// Reports only: urgent or normal.
    pub priority: Option<Priority>,
    /// Reports only: calibrated probability of urgency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urgency: Option<f32>,
    /// Practices named by a strong term.
    pub practices: Vec<PracticeEvidence>,
    /// Practices only hinted at by weak terms.
    pub hints: Vec<PracticeEvidence>,
    pub cues: Vec<CueEvidence>,
    /// Learned features that weighed most, raising or lowering the score.
    pub top_features: Vec<Contribution>,
    /// For urgent reports: what made them urgent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub urgent_because: Vec<Contribution>,
    pub model: String,
    pub lexicon: String,
    /// Problems met reading the input (invalid UTF-8, a binary file…):
    /// filled by readers such as `vigie score` and `vigie::stream`, which
    /// know the bytes; the classifier, given a `&str`, adds none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A text to classify.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    pub id: &'a str,
    pub text: &'a str,
    pub profile: Profile,
}

/// Builds a [`Classifier`] with non-default settings.
///
/// ```
/// use vigie::{ClassifierBuilder, Profile};
/// let c = ClassifierBuilder::new().bands(Profile::Course, 0.9, 0.4).unwrap().build().unwrap();
/// assert_eq!(c.bands(Profile::Course).flag_at(), 0.9);
/// ```
#[derive(Default)]
pub struct ClassifierBuilder {
    model_path: Option<std::path::PathBuf>,
    bands: BTreeMap<Profile, Bands>,
    no_review_floor: bool,
}

impl ClassifierBuilder {
    pub fn new() -> Self {
        Self::default()
    }
    /// Use the model file at `path` instead of the shipped default.
    pub fn model_path(mut self, path: impl AsRef<Path>) -> Self {
        self.model_path = Some(path.as_ref().to_path_buf());
        self
    }
    /// Override the decision thresholds of a profile. The review floor (see
    /// [`ClassifierBuilder::review_floor`]) still sends short texts naming
    /// a publicly warned practice to review when the score clears them:
    /// turn it off for decisions by these thresholds alone.
    pub fn bands(mut self, profile: Profile, flag_at: f32, review_at: f32) -> Result<Self, crate::profile::BandsError> {
        self.bands.insert(profile, Bands::new(flag_at, review_at)?);
        Ok(self)
    }
    /// Whether the review floor applies (it does by default; see
    /// [`review_floor`]). Without it, decisions follow the score alone.
    pub fn review_floor(mut self, on: bool) -> Self {
        self.no_review_floor = !on;
        self
    }
    pub fn build(self) -> Result<Classifier, ModelError> {
        let model = match &self.model_path {
            Some(p) => Model::from_path(p)?,
            None => Model::builtin()?,
        };
        let mut c = Classifier::from_model(model)?;
        for (p, b) in self.bands {
            c.set_bands(p, b);
        }
        c.set_review_floor(!self.no_review_floor);
        Ok(c)
    }
}

/// Scores French texts and gives the evidence behind each score.
///
/// ```
/// use vigie::{Classifier, Profile, Decision};
/// let c = Classifier::builtin().unwrap();
/// let a = c.classify(
///     "Formation en biokinergie : libérez les enroulements tissulaires de vos patients, niveau 1 du cursus certifiant.",
///     Profile::Course,
/// );
/// assert_eq!(a.decision, Decision::Flag);
/// assert_eq!(a.practices[0].name, "Biokinergie");
/// ```
pub struct Classifier {
    pipeline: Pipeline,
    practice_info: Vec<Arc<PracticeInfo>>,
    cue_info: Vec<Arc<CueInfo>>,
    /// Reviewer's wording of every named feature the model weighs, by hash
    /// (worded once here rather than for every text that shows it).
    labels: FxHashMap<u64, Box<str>>,
    token_weights: TokenWeights,
    model: Model,
    bands: BTreeMap<Profile, Bands>,
    /// Whether the review floor applies.
    review_floor: bool,
    /// Idle workspaces, each with the thread that used it last.
    pool: Mutex<Vec<(std::thread::ThreadId, Workspace)>>,
}

/// The first 12 characters of a fingerprint, for messages.
fn short(fingerprint: &str) -> String {
    fingerprint.chars().take(12).collect()
}

impl Classifier {
    /// The shipped default model.
    pub fn builtin() -> Result<Classifier, ModelError> {
        Classifier::from_model(Model::builtin()?)
    }

    /// A model read from a file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Classifier, ModelError> {
        Classifier::from_model(Model::from_path(path)?)
    }

    /// A classifier on a model already loaded. The model's fields are
    /// public, so the vocabulary's fingerprint (of the text it was read
    /// from) is checked against the one the weights were trained with: a
    /// model whose `lexicon` was replaced by one read from other text is
    /// refused (train a model on a custom vocabulary with `vigie train
    /// --lexicon`), since its results would name the model next to a
    /// vocabulary it never saw. Changes made to the `Lexicon` value in
    /// place keep its fingerprint and are not detected.
    ///
    /// ```
    /// use vigie::{model::Model, Classifier, Lexicon};
    /// let mut m = Model::builtin().unwrap();
    /// assert!(Classifier::from_model(m.clone()).is_ok());
    /// let edited = m.data.lexicon_toml.replace("Reiki", "Reïki");
    /// m.lexicon = Lexicon::from_toml_str(&edited, "edited.toml").unwrap();
    /// assert!(Classifier::from_model(m).is_err());
    /// ```
    pub fn from_model(model: Model) -> Result<Classifier, ModelError> {
        if model.lexicon.fingerprint != model.data.lexicon_fingerprint {
            return Err(ModelError::Incompatible {
                path: format!("model {}", model.id),
                message: format!(
                    "its vocabulary (version {}, fingerprint {}) is not the one it was trained with (version {}, \
                     fingerprint {})",
                    model.lexicon.version,
                    short(&model.lexicon.fingerprint),
                    model.data.lexicon_version,
                    short(&model.data.lexicon_fingerprint)
                ),
            });
        }
        let bands = Profile::ALL.iter().map(|&p| (p, model.bands(p))).collect();
        let pipeline = Pipeline::new(model.lexicon.clone());
        let lex = &pipeline.lexicon;
        let practice_info = lex
            .practices
            .iter()
            .map(|e| {
                Arc::new(PracticeInfo {
                    id: e.id.clone(),
                    name: e.name.clone(),
                    category: e.category,
                    status: e.status,
                    source: e.sources.first().map(|&s| lex.sources[s].to_string()).unwrap_or_default(),
                    sources: e.sources.iter().map(|&s| lex.sources[s].clone()).collect(),
                    note: e.note.clone(),
                })
            })
            .collect();
        let cue_info = lex
            .cues
            .iter()
            .map(|c| Arc::new(CueInfo { id: c.id.clone(), kind: c.kind, strength: c.strength, label: c.label.clone() }))
            .collect();
        let labels = model
            .data
            .flag
            .weights
            .iter()
            .chain(&model.data.urgent.weights)
            .map(|(name, _)| name)
            .filter(|name| !crate::features::is_token_feature(name))
            .map(|name| (crate::features::hash_name(name), describe_feature(name, lex).into_boxed_str()))
            .collect();
        let token_weights = TokenWeights::new(&model.data.flag, &model.data.urgent);
        Ok(Classifier {
            pipeline,
            practice_info,
            cue_info,
            labels,
            token_weights,
            model,
            bands,
            review_floor: true,
            pool: Mutex::new(Vec::new()),
        })
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    /// What the classifier says about each practice of its vocabulary (in
    /// vocabulary order): the values every result naming a practice shares.
    pub fn practice_infos(&self) -> &[Arc<PracticeInfo>] {
        &self.practice_info
    }

    /// The named features the model weighs, as (hash, name, label): what a
    /// [`ContributionParts`] with `named: Some(hash)` holds. A feature both
    /// models weigh comes twice.
    pub fn named_features(&self) -> impl Iterator<Item = (u64, &str, &str)> + '_ {
        let m = &self.model.data;
        m.flag.weights.iter().chain(&m.urgent.weights).filter_map(move |(name, _)| {
            let hash = crate::features::hash_name(name);
            let label = self.labels.get(&hash)?;
            Some((hash, name.as_str(), &**label))
        })
    }

    /// What each cue of the vocabulary is, shared by every result (in
    /// vocabulary order).
    pub fn cue_infos(&self) -> &[Arc<CueInfo>] {
        &self.cue_info
    }

    pub fn lexicon(&self) -> &Lexicon {
        &self.pipeline.lexicon
    }

    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// Thresholds in force for a profile.
    pub fn bands(&self, p: Profile) -> Bands {
        self.bands[&p]
    }

    /// Overrides the thresholds of a profile.
    pub fn set_bands(&mut self, p: Profile, bands: Bands) {
        self.bands.insert(p, bands);
    }

    /// Turns the review floor on or off (see [`review_floor`]).
    pub fn set_review_floor(&mut self, on: bool) {
        self.review_floor = on;
    }

    /// Changes the size of the windows long texts are analysed in (see
    /// [`Pipeline::set_window`]; tests use small ones). Scores of texts
    /// longer than a window depend on it: keep the default in production.
    ///
    /// # Panics
    ///
    /// When `max` is below the smallest window [`Pipeline::set_window`]
    /// accepts.
    pub fn set_window(&mut self, max: usize) {
        self.pipeline.set_window(max);
    }

    /// Runs `f` with a workspace from the pool (one per thread in use).
    /// Workspaces (a word cache each, tens of megabytes at most) are kept
    /// for reuse as long as the classifier lives: a classifier that eight
    /// threads used at the same time holds eight.
    pub fn with_workspace<R>(&self, f: impl FnOnce(&mut Workspace) -> R) -> R {
        // A thread takes back the workspace it used last: its word cache
        // (megabytes, read at every word) is then still in this core's
        // caches. Handing workspaces out in any order moved them from core
        // to core, and two threads scored 1.76 times as fast as one where
        // two processes reach 2.
        let me = std::thread::current().id();
        let taken = self.pool.lock().ok().and_then(|mut p| {
            let at = p.iter().rposition(|(t, _)| *t == me).or_else(|| p.len().checked_sub(1))?;
            Some(p.swap_remove(at).1)
        });
        // The first workspace starts from the words the vocabulary's
        // validation analysed (see `TermTable::take_words`).
        let mut ws = taken
            .unwrap_or_else(|| self.pipeline.lexicon.terms.take_words().map(Workspace::with_words).unwrap_or_default());
        let r = f(&mut ws);
        if let Ok(mut p) = self.pool.lock() {
            p.push((me, ws));
        }
        r
    }

    /// Classifies one text.
    pub fn classify(&self, text: &str, profile: Profile) -> Assessment {
        self.assess(&Document { id: "", text, profile })
    }

    /// Classifies a batch in parallel; results are in input order.
    pub fn classify_batch(&self, docs: &[Document]) -> Vec<Assessment> {
        use rayon::prelude::*;
        docs.par_iter().map(|d| self.assess(d)).collect()
    }

    /// Classifies one document.
    pub fn assess(&self, doc: &Document) -> Assessment {
        self.assess_then(doc, |mut a, top| {
            a.top_features = top.to_vec();
            a
        })
    }

    /// Classifies one document and calls `f` with the result, whose
    /// `top_features` are left empty, and with those top features still in
    /// the classifier's workspace, to be written piece by piece: for writers
    /// of large outputs, which then serialise them without first building a
    /// string per field (`vigie score --format jsonl` does). [`Classifier::assess`]
    /// is this with the top features collected.
    ///
    /// ```
    /// use vigie::{Classifier, Document, Profile};
    /// let c = Classifier::builtin().unwrap();
    /// let doc = Document { id: "1", text: "Stage de biokinergie, niveau 1", profile: Profile::Course };
    /// let names = c.assess_then(&doc, |a, top| {
    ///     assert!(a.top_features.is_empty());
    ///     top.to_vec().into_iter().map(|c| c.feature).collect::<Vec<_>>()
    /// });
    /// let whole = c.assess(&doc);
    /// assert_eq!(names, whole.top_features.iter().map(|c| c.feature.clone()).collect::<Vec<_>>());
    /// ```
    pub fn assess_then<R>(&self, doc: &Document, f: impl FnOnce(Assessment, &TopFeatures<'_>) -> R) -> R {
        self.with_workspace(|ws| self.assess_in(doc, ws, f))
    }

    /// What ranking the top features of `text`, scored with `cache`, reads.
    fn ranking<'w, S: SpanText + ?Sized>(
        &'w self,
        cache: &'w WordCache,
        text: &'w S,
        scale: f32,
    ) -> RankingContext<'w, S> {
        RankingContext { cache, text, lex: &self.pipeline.lexicon, labels: &self.labels, scale }
    }

    /// [`Classifier::assess_then`] in a given workspace.
    fn assess_in<R>(&self, doc: &Document, ws: &mut Workspace, f: impl FnOnce(Assessment, &TopFeatures<'_>) -> R) -> R {
        let mut sink = ScoreSink::borrowing(&self.model, &self.token_weights, doc.profile, ws);
        let hits = self.pipeline.walk(doc.text, doc.profile, ws, &mut sink);
        let totals = sink.give_back(ws);
        let a = self.build_without_top(doc.id, doc.profile, doc.text, &hits, &totals, &ws.contributions, &ws.cache);
        let top = TopFeatures { contrib: &ws.contributions, cx: self.ranking(&ws.cache, doc.text, totals.scale) };
        f(a, &top)
    }

    /// Classifies one document that is not held in memory: `walk` calls the
    /// function it is given on each window of the text, in order, with the
    /// window's byte offset, cut as [`crate::pipeline::windows`] cuts the
    /// whole text with [`Pipeline::window`] bytes (`vigie::stream` does it
    /// for files). Then `texts` fetches the text of the (start, end) spans
    /// the result shows — a bounded number, sorted and distinct — keyed by
    /// (start, end). The result is the one [`Classifier::assess`] gives on
    /// the whole text: same analysis, hits, features, score and evidence;
    /// only hits that no result uses are dropped on the way, so memory does
    /// not grow with the length of the text.
    pub fn assess_windows<E>(
        &self,
        id: &str,
        profile: Profile,
        walk: impl FnOnce(&mut dyn FnMut(usize, &str)) -> Result<(), E>,
        texts: impl FnOnce(&[(usize, usize)]) -> Result<FxHashMap<(usize, usize), String>, E>,
    ) -> Result<Assessment, E> {
        self.with_workspace(|ws| {
            let mut sink = ScoreSink::borrowing(&self.model, &self.token_weights, profile, ws);
            let mut w = crate::pipeline::Walk::bounded();
            walk(&mut |base, window| self.pipeline.walk_window(&mut w, base, window, ws, &mut sink))?;
            let hits = self.pipeline.walk_end(w, profile, &mut sink);
            let totals = sink.give_back(ws);
            let (contrib, cache) = (&ws.contributions, &ws.cache);
            let build = |text: &dyn SpanText| {
                let mut a = self.build_without_top(id, profile, text, &hits, &totals, contrib, cache);
                a.top_features = contrib.top(&self.ranking(cache, text, totals.scale), 0, false);
                a
            };
            // Build once to learn which spans the result shows, fetch them,
            // then build the result with their text.
            let rec = SpanRecorder::default();
            build(&rec);
            let mut spans = rec.0.into_inner();
            spans.sort_unstable();
            spans.dedup();
            let map = texts(&spans)?;
            Ok(build(&map))
        })
    }

    /// The result but its `top_features` (left empty).
    #[allow(clippy::too_many_arguments)]
    fn build_without_top<S: SpanText + ?Sized>(
        &self,
        id: &str,
        profile: Profile,
        text: &S,
        hits: &Hits,
        t: &Totals,
        contrib: &Contributions,
        cache: &WordCache,
    ) -> Assessment {
        let lex = &self.pipeline.lexicon;
        let m = &self.model;
        let score = m.flag.calibration.prob(t.flag);
        let (decision, review_floor) = apply_review_floor(self.bands[&profile].decide(score), || {
            self.review_floor && review_floor(hits, lex, crate::features::content_words(t.scale))
        });
        let (priority, urgency) = if profile == Profile::Report {
            let u = m.urgent.calibration.prob(t.urgent);
            let p =
                if decision.sent_to_review() && u >= m.data.urgent_at { Priority::Urgent } else { Priority::Normal };
            (Some(p), Some(u))
        } else {
            (None, None)
        };
        let mut practices = Vec::new();
        let mut hints = Vec::new();
        // Practices in the order of their first hit. A text names few: a
        // list scan finds the ones already seen.
        let mut seen: Vec<usize> = Vec::new();
        for p in hits.practices.iter().map(|h| h.practice) {
            if seen.contains(&p) {
                continue;
            }
            seen.push(p);
            // A practice named by a strong term shows its strong hits; one
            // only hinted at, its weak ones.
            let is_strong = hits.practices.iter().any(|h| h.practice == p && !h.weak);
            let used = || hits.practices.iter().filter(move |h| h.practice == p && h.weak != is_strong);
            let ev = PracticeEvidence {
                info: Arc::clone(&self.practice_info[p]),
                typo: used().any(|h| h.how == MatchHow::Typo),
                spans: used().take(MAX_SPANS).map(|h| Span::of(text, h.start, h.end)).collect(),
            };
            if is_strong {
                practices.push(ev);
            } else {
                hints.push(ev);
            }
        }
        let mut cues: Vec<CueEvidence> = Vec::new();
        for h in &hits.cues {
            let c = &self.cue_info[h.cue];
            match cues.iter_mut().find(|e| Arc::ptr_eq(&e.info, c)) {
                Some(e) => {
                    if e.spans.len() < MAX_SPANS {
                        e.spans.push(Span::of(text, h.start, h.end));
                    }
                }
                None => cues.push(CueEvidence { info: Arc::clone(c), spans: vec![Span::of(text, h.start, h.end)] }),
            }
        }
        let urgent_because = if priority == Some(Priority::Urgent) {
            contrib.top(&self.ranking(cache, text, t.scale), 1, true)
        } else {
            Vec::new()
        };
        Assessment {
            id: id.to_string(),
            profile,
            score,
            decision,
            review_floor,
            priority,
            urgency,
            practices,
            hints,
            cues,
            top_features: Vec::new(),
            urgent_because,
            model: m.id.clone(),
            lexicon: lex.version.clone(),
            warnings: Vec::new(),
        }
    }
}

struct Totals {
    flag: f32,
    urgent: f32,
    scale: f32,
}

/// Up to three text spans, without allocation.
#[derive(Default, Clone, Copy)]
struct Spans3 {
    spans: [(usize, usize); 3],
    len: u8,
}

impl Spans3 {
    /// The first three spans of `self` followed by `later`.
    fn then(mut self, later: &Spans3) -> Spans3 {
        for &s in later.as_slice() {
            self.push(s);
        }
        self
    }
    fn push(&mut self, s: (usize, usize)) {
        if (self.len as usize) < 3 {
            self.spans[self.len as usize] = s;
            self.len += 1;
        }
    }
    fn as_slice(&self) -> &[(usize, usize)] {
        &self.spans[..self.len as usize]
    }
}

/// One word's share of the score: occurrences, weights, first spans.
#[derive(Clone, Copy)]
struct WordShare {
    count: f32,
    w: [f32; 2],
    spans: Spans3,
}

/// The two stems of a bigram: word ids while they are valid, their stems once
/// the word cache has been emptied mid-text.
enum Pair {
    Ids(u32, u32),
    Text(Box<str>),
}

/// One bigram's share of the score.
struct BigramShare {
    count: f32,
    w: [f32; 2],
    pair: Pair,
    spans: Spans3,
}

impl WordShare {
    /// The share of one word seen in two parts of the text, `self` first.
    fn merged(&self, later: &WordShare) -> WordShare {
        WordShare { count: self.count + later.count, w: self.w, spans: self.spans.then(&later.spans) }
    }
}

/// What each feature brought, kept to explain the score. Words are keyed by
/// cache id while the walk runs (no allocation or hashing per token) and
/// resolved to their stem only for the few that make the top of the list.
/// Kept in the [`Workspace`] and reset per text, so its tables keep their
/// memory from one text to the next.
#[derive(Default)]
pub(crate) struct Contributions {
    /// Stamp of the current text: a word's slot in the cache
    /// ([`WordCache::slot`]: text stamp, index into `words`) is valid only
    /// when its stamp is this one.
    stamp: u32,
    /// (canonical word id, share): words that fold alike count as one.
    words: Vec<(u32, WordShare)>,
    /// Words whose cache ids were invalidated mid-text: folded form → (stem,
    /// share), merged with the same word seen after.
    retired: FxHashMap<Box<str>, (Box<str>, WordShare)>,
    bigrams: FxHashMap<u64, BigramShare>,
    /// Named features with a weight, in emission order: `named[..named_len]`
    /// (entries past it keep their memory for the next text).
    named: Vec<NamedShare>,
    named_len: usize,
}

/// A named feature's share of the score.
#[derive(Default)]
struct NamedShare {
    name: String,
    hash: u64,
    w: [f32; 2],
    spans: Vec<(usize, usize)>,
}

/// A word in the ranking: a cached word (by id) or a retired one (by stem).
enum WordRef<'a> {
    Id(u32),
    Stem(&'a str),
}

enum Share<'a> {
    Word(WordRef<'a>, WordShare),
    Bigram(&'a BigramShare),
    Named(&'a NamedShare),
}

impl Contributions {
    /// Forgets the previous text, keeping the memory.
    fn reset(&mut self) {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            // Stamps wrapped around: after four billion texts an old slot
            // could look current (slots live in the word cache; a stale one
            // needs a word unseen for exactly 2³² texts).
            self.stamp = 1;
        }
        self.words.clear();
        self.retired.clear();
        self.bigrams.clear();
        self.named_len = 0;
    }

    /// Records a named feature's weights and spans.
    fn push_named(&mut self, name: &str, hash: u64, w: [f32; 2], spans: &[(usize, usize)]) {
        if self.named_len == self.named.len() {
            self.named.push(NamedShare::default());
        }
        let n = &mut self.named[self.named_len];
        self.named_len += 1;
        n.name.clear();
        n.name.push_str(name);
        n.hash = hash;
        n.w = w;
        n.spans.clear();
        n.spans.extend_from_slice(spans);
    }

    /// The share of word `id`, created with weights `w` on first sight. The
    /// word's slot for this text lives in the cache's per-word record.
    #[inline]
    fn word(&mut self, cache: &WordCache, id: u32, w: [f32; 2]) -> &mut WordShare {
        let cell = cache.slot(id);
        let mut slot = cell.get();
        if slot.0 != self.stamp {
            slot = (self.stamp, self.words.len() as u32);
            cell.set(slot);
            self.words.push((id, WordShare { count: 0.0, w, spans: Spans3::default() }));
        }
        &mut self.words[slot.1 as usize].1
    }

    /// The word cache is about to be emptied: resolve every id to its stem.
    fn retire(&mut self, cache: &WordCache) {
        for (id, share) in self.words.drain(..) {
            // A word that no list can show is not kept (see `prune_retired`).
            if share.w[0] == 0.0 && share.w[1] <= 0.0 {
                continue;
            }
            let info = cache.get(id);
            match self.retired.get_mut(&*info.folded) {
                Some((_, old)) => *old = old.merged(&share),
                None => {
                    self.retired.insert(info.folded.clone(), (info.stem.clone(), share));
                }
            }
        }
        for b in self.bigrams.values_mut() {
            if let Pair::Ids(a, z) = b.pair {
                b.pair = Pair::Text(format!("{} {}", cache.get(a).stem, cache.get(z).stem).into_boxed_str());
            }
        }
        self.prune_retired();
    }

    /// Bounds the retired words, so that memory does not grow with the
    /// number of times the word cache is emptied (a long text of ever new
    /// words). Up to `4 × RETIRED_KEEP` words are all kept; past that, only
    /// those that rank within the first `RETIRED_KEEP` by |flag weight| or by
    /// positive urgency weight stay (a word's place is `count × weight ×
    /// scale`, and `scale` is the same for all, so ranks do not change
    /// later). A dropped word that appears again later counts only its later
    /// occurrences, which can only matter for texts of several hundred
    /// thousand distinct words, and by design nothing with a chance of
    /// reaching the top eight is dropped: it would need a thousand words
    /// ahead of it.
    fn prune_retired(&mut self) {
        const MARGIN: f32 = 1.0 + 1.0 / (1u32 << 20) as f32;
        if self.retired.len() <= 4 * RETIRED_KEEP {
            return;
        }
        let nth = |mut v: Vec<f32>| -> f32 {
            if v.len() < RETIRED_KEEP {
                return 0.0;
            }
            *v.select_nth_unstable_by(RETIRED_KEEP - 1, |a, b| b.total_cmp(a)).1
        };
        let flag = nth(self.retired.values().map(|(_, w)| (w.count * w.w[0]).abs()).collect());
        let urgent = nth(self.retired.values().map(|(_, w)| w.count * w.w[1]).filter(|&v| v > 0.0).collect());
        self.retired.retain(|_, (_, w)| {
            let (f, u) = ((w.count * w.w[0]).abs(), w.count * w.w[1]);
            (f != 0.0 && f * MARGIN >= flag) || (u > 0.0 && u * MARGIN >= urgent)
        });
    }

    /// The features that weighed most for `model` (0 flag, 1 urgency), as
    /// [`Contribution`]s.
    fn top<S: SpanText + ?Sized>(
        &self,
        cx: &RankingContext<S>,
        model: usize,
        positive_only: bool,
    ) -> Vec<Contribution> {
        let mut v = Vec::with_capacity(TOP_FEATURES);
        self.top_into(cx, model, positive_only, &mut v);
        v
    }

    /// Writes the features that weighed most for `model`, in rank order, to
    /// `w`: the one place where a top feature's name, label and spans are
    /// worded, whatever then holds or serialises them.
    fn top_into<'a, S: SpanText + ?Sized>(
        &'a self,
        cx: &RankingContext<S>,
        model: usize,
        positive_only: bool,
        w: &mut impl ContributionWriter,
    ) {
        let (cache, text, lex, labels, scale) = (cx.cache, cx.text, cx.lex, cx.labels, cx.scale);
        // Numbers first; words are put into words only for the winners,
        // which are kept in a short sorted list as candidates arrive (no
        // list of every feature, no sort of it).
        // Ties break on text position, never on cache ids, so results do not
        // depend on which thread's cache scored the text.
        let word_key = |w: &WordShare| (0u8, w.spans.spans[0].0 as u64);
        // Larger |contribution| first, then the key, then emission order:
        // the order a full stable sort would give.
        type Rank = (f32, (u8, u64), usize);
        let cmp = |a: &Rank, b: &Rank| {
            b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal).then_with(|| a.1.cmp(&b.1)).then(a.2.cmp(&b.2))
        };
        let mut best: Vec<(Rank, f32, Share)> = Vec::with_capacity(TOP_FEATURES + 1);
        let mut emitted = 0usize;
        // Once the list is full, |contribution| of its last entry: anything
        // smaller is out at the cost of one comparison (most features are).
        let mut floor = 0.0f32;
        // `src` is only built for candidates that enter the list.
        let mut offer = |c: f32, key: (u8, u64), src: &dyn Fn() -> Share<'a>| {
            emitted += 1;
            if c == 0.0 || (positive_only && c <= 0.0) || c.abs() < floor {
                return;
            }
            let rank = (c.abs(), key, emitted);
            if best.len() == TOP_FEATURES && cmp(&rank, &best[TOP_FEATURES - 1].0).is_ge() {
                return;
            }
            let at = best.partition_point(|x| cmp(&x.0, &rank).is_lt());
            best.insert(at, (rank, c, src()));
            best.truncate(TOP_FEATURES);
            if best.len() == TOP_FEATURES {
                floor = best[TOP_FEATURES - 1].0 .0;
            }
        };
        // A word seen before and after the cache was emptied is one word.
        let mut merged_into_current: rustc_hash::FxHashSet<&str> = Default::default();
        for (id, share) in &self.words {
            let mut share = *share;
            if !self.retired.is_empty() {
                let folded = &*cache.get(*id).folded;
                if let Some((_, old)) = self.retired.get(folded) {
                    share = old.merged(&share);
                    merged_into_current.insert(folded);
                }
            }
            offer(share.count * share.w[model] * scale, word_key(&share), &|| Share::Word(WordRef::Id(*id), share));
        }
        for (folded, (stem, share)) in &self.retired {
            if !merged_into_current.contains(folded.as_ref()) {
                offer(share.count * share.w[model] * scale, word_key(share), &|| {
                    Share::Word(WordRef::Stem(stem), *share)
                });
            }
        }
        for b in self.bigrams.values() {
            offer(b.count * b.w[model] * scale, (2, b.spans.spans[0].0 as u64), &|| Share::Bigram(b));
        }
        for n in &self.named[..self.named_len] {
            offer(n.w[model], (3, n.spans.first().map_or(0, |s| s.0) as u64), &|| Share::Named(n));
        }
        for &(_, c, ref src) in &best {
            match src {
                Share::Word(word, share) => {
                    let stem: &str = match word {
                        WordRef::Id(id) => &cache.get(*id).stem,
                        WordRef::Stem(stem) => stem,
                    };
                    let sp = share.spans.as_slice();
                    let shown = sp.first().map_or(stem.into(), |&(s, e)| text.span_text(s, e));
                    with_spans(text, sp, |spans| {
                        w.write(&ContributionParts {
                            feature: &["u:", stem, " + c:*"],
                            label: &["mot « ", &shown, " » (racine ", stem, " et ses n-grammes)"],
                            contribution: c,
                            spans,
                            named: None,
                        })
                    });
                }
                Share::Bigram(b) => {
                    let joined;
                    let pair: [&str; 3] = match &b.pair {
                        Pair::Ids(a, z) => [&cache.get(*a).stem, " ", &cache.get(*z).stem],
                        Pair::Text(t) => [t, "", ""],
                    };
                    let sp = b.spans.as_slice();
                    let shown = match sp.first() {
                        Some(&(s, e)) => text.span_text(s, e),
                        None => {
                            joined = pair.concat();
                            joined.as_str().into()
                        }
                    };
                    with_spans(text, sp, |spans| {
                        w.write(&ContributionParts {
                            feature: &["b:", pair[0], pair[1], pair[2]],
                            label: &["suite de mots « ", &shown, " »"],
                            contribution: c,
                            spans,
                            named: None,
                        })
                    });
                }
                Share::Named(n) => {
                    let described;
                    let (label, named) = match labels.get(&n.hash) {
                        Some(l) => (&**l, Some(n.hash)),
                        None => {
                            described = describe_feature(&n.name, lex);
                            (described.as_str(), None)
                        }
                    };
                    with_spans(text, &n.spans, |spans| {
                        w.write(&ContributionParts {
                            feature: &[&n.name],
                            label: &[label],
                            contribution: c,
                            spans,
                            named,
                        })
                    });
                }
            }
        }
    }
}

/// Calls `f` with the first three of `spans` as [`SpanParts`] of `text`,
/// without allocating.
fn with_spans<S: SpanText + ?Sized>(text: &S, spans: &[(usize, usize)], f: impl FnOnce(&[SpanParts<'_>])) {
    let n = spans.len().min(3);
    let texts = [0, 1, 2].map(|i| spans.get(i).map(|&(s, e)| (s, e, text.span_text(s, e))));
    let parts = texts.each_ref().map(|t| match t {
        Some((s, e, t)) => SpanParts::new(*s, *e, t),
        None => SpanParts { start: 0, end: 0, text: "", cut: false },
    });
    f(&parts[..n])
}

/// A named feature in words, for reviewers.
pub fn describe_feature(name: &str, lex: &Lexicon) -> String {
    let (family, rest) = name.split_once(':').unwrap_or((name, ""));
    let practice = |id: &str| lex.practice(id).map_or(id.to_string(), |p| p.name.clone());
    let cue = |id: &str| lex.cues.iter().find(|c| c.id == id).map_or(id.to_string(), |c| c.label.clone());
    match family {
        "k" => format!("type de texte : {rest}"),
        "p" => format!("pratique nommée : {}", practice(rest)),
        "pc" => format!("famille de pratique : {rest}"),
        "ps" => format!("statut de la pratique : {rest}"),
        "kps" => format!("statut de pratique pour ce type de texte : {rest}"),
        "pw" => format!("terme évocateur de : {}", practice(rest)),
        "pwc" => format!("terme évocateur, famille : {rest}"),
        "np" => format!("nombre de pratiques nommées ({rest})"),
        "q" => format!("indice : {}", cue(rest)),
        "qk" => format!("indices de type {rest}"),
        "kqk" => format!("indices pour ce type de texte : {rest}"),
        "x" => {
            // x:{kind}:{what}[:{value}]
            let (kind, what) = rest.split_once(':').unwrap_or(("", rest));
            let (what, value) = what.split_once(':').unwrap_or((what, ""));
            let words = match what {
                "critical+practice" => "cadrage critique autour d'une pratique nommée".to_string(),
                "warning+practice" => "signaux d'alerte avec une pratique nommée".to_string(),
                "urgent+practice" => "signe d'urgence avec une pratique nommée".to_string(),
                "critical-cues" => format!("nombre d'indices critiques distincts : {value}"),
                "warning-cues" => format!("nombre de signaux d'alerte distincts : {value}"),
                "balance" => format!(
                    "dominante des indices : {}",
                    match value {
                        "critical" => "critique",
                        "warning" => "alerte",
                        "even" => "autant de l'un que de l'autre",
                        _ => "aucun indice",
                    }
                ),
                "critical+practices" => format!("cadrage critique autour de plusieurs pratiques ({value})"),
                "practice-without-critical" => "pratique nommée sans aucun cadrage critique".to_string(),
                _ => match crate::features::describe_frame_feature(what, value) {
                    Some(words) => words,
                    None => return format!("combinaison : {rest}"),
                },
            };
            format!("{words} ({kind})")
        }
        _ => name.to_string(),
    }
}

/// Sums weights as features arrive; records contributions for explanation.
struct ScoreSink<'m> {
    flag: &'m Linear,
    urgent: &'m Linear,
    token_weights: &'m TokenWeights,
    profile: Profile,
    use_urgent: bool,
    tokens: [f32; 2],
    named: [f32; 2],
    scale: f32,
    contributions: Contributions,
}

impl<'m> ScoreSink<'m> {
    /// A sink for one text that works in the workspace's per-word scores
    /// and contribution tables (kept there between texts so their memory is
    /// reused); [`ScoreSink::give_back`] returns them.
    fn borrowing(model: &'m Model, token_weights: &'m TokenWeights, profile: Profile, ws: &mut Workspace) -> Self {
        let mut contributions = std::mem::take(&mut ws.contributions);
        contributions.reset();
        ScoreSink {
            flag: &model.flag,
            urgent: &model.urgent,
            token_weights,
            profile,
            use_urgent: profile == Profile::Report,
            tokens: [0.0; 2],
            named: [0.0; 2],
            scale: 1.0,
            contributions,
        }
    }

    /// Returns the borrowed tables to the workspace, with the text's totals.
    fn give_back(self, ws: &mut Workspace) -> Totals {
        let totals = self.totals();
        ws.contributions = self.contributions;
        totals
    }

    fn totals(&self) -> Totals {
        Totals {
            flag: self.flag.bias + self.tokens[0] * self.scale + self.named[0],
            urgent: self.urgent.bias + self.tokens[1] * self.scale + self.named[1],
            scale: self.scale,
        }
    }

    /// Weight of a token feature for this text: shared plus kind-specific.
    #[inline]
    fn token_weights(&self, hash: u64) -> [f32; 2] {
        self.token_weights.get(hash, self.profile)
    }

    /// The summed weights of a word's unigram and character n-grams,
    /// remembered in the word cache's per-word record.
    #[inline]
    fn word_partial(&mut self, cache: &WordCache, id: u32) -> [f32; 2] {
        let p = cache.partial(id);
        let (slot, urgent) = match self.profile {
            Profile::Course => (0, None),
            Profile::Report => (1, Some(2)),
        };
        let known = p[slot].get();
        let known_urgent = urgent.map_or(0.0, |u| p[u].get());
        if !known.is_nan() && !known_urgent.is_nan() {
            return [known, known_urgent];
        }
        // The word's first text: its weights for both kinds of text at
        // once, from the same lookups, so that its first text of the other
        // kind does not look up its unigram and n-grams again (each lookup
        // is a likely cache miss in a table of the whole model).
        let info = cache.get(id);
        let weights = &self.token_weights;
        let mut all = weights.get_all(info.unigram);
        info.for_each_chargram(|g| {
            let w = weights.get_all(g);
            for k in 0..2 {
                all[k][0] += w[k][0];
                all[k][1] += w[k][1];
            }
        });
        let [course, report] = all;
        p[0].set(course[0]);
        p[1].set(report[0]);
        p[2].set(report[1]);
        all[self.profile as usize]
    }
}

impl FeatureSink for ScoreSink<'_> {
    fn word(&mut self, span: (usize, usize), cache: &WordCache, id: u32) {
        let p = self.word_partial(cache, id);
        self.tokens[0] += p[0];
        self.tokens[1] += p[1];
        let e = self.contributions.word(cache, cache.canon(id), p);
        e.count += 1.0;
        e.spans.push(span);
    }

    fn bigram(&mut self, hash: u64, span: (usize, usize), _stems: &str, words: (u32, u32)) {
        let w = self.token_weights(hash);
        if w[0] == 0.0 && w[1] == 0.0 {
            return;
        }
        self.tokens[0] += w[0];
        self.tokens[1] += w[1];
        let e = self.contributions.bigrams.entry(hash).or_insert_with(|| BigramShare {
            count: 0.0,
            w,
            pair: Pair::Ids(words.0, words.1),
            spans: Spans3::default(),
        });
        e.count += 1.0;
        e.spans.push(span);
    }

    fn scale_tokens(&mut self, scale: f32) {
        self.scale = scale;
    }

    fn words_forgotten(&mut self, cache: &WordCache) {
        self.contributions.retire(cache);
    }

    fn named(&mut self, name: &str, hash: u64, spans: &[(usize, usize)]) {
        let w = [self.flag.weight(hash), if self.use_urgent { self.urgent.weight(hash) } else { 0.0 }];
        self.named[0] += w[0];
        self.named[1] += w[1];
        if w[0] != 0.0 || w[1] != 0.0 {
            self.contributions.push_named(name, hash, w, spans);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::word::WordCache;

    /// A text of several analysis windows, made of real corpus prose.
    fn long_text() -> String {
        let prose = include_str!("../data/corpus/reports-ra.jsonl");
        let mut t = String::new();
        while t.len() < 2 * crate::pipeline::WINDOW + 1000 {
            t.push_str(prose);
        }
        t
    }

    #[test]
    fn every_named_feature_of_the_shipped_model_reads_in_words() {
        let c = Classifier::builtin().unwrap();
        let m = c.model();
        let named = m.data.flag.weights.iter().chain(&m.data.urgent.weights).map(|(n, _)| n.as_str());
        let mut seen = 0;
        for name in named.filter(|n| !n.starts_with(['u', 'b', 'c'])) {
            let words = describe_feature(name, c.lexicon());
            assert!(words != name && !words.starts_with("combinaison :"), "{name} reads as {words}");
            seen += 1;
        }
        assert!(seen > 50, "only {seen} named features");
    }

    #[test]
    fn emptying_the_word_cache_mid_text_changes_nothing_in_the_result() {
        let c = Classifier::builtin().unwrap();
        let text = long_text();
        let doc = Document { id: "long", text: &text, profile: Profile::Report };
        let whole = |mut a: Assessment, top: &TopFeatures| {
            a.top_features = top.to_vec();
            a
        };
        let roomy = c.assess_in(&doc, &mut Workspace::default(), whole);
        // A cache this small is full after the first window and emptied before each of the others.
        let mut tight = Workspace { cache: WordCache::with_capacity(50), ..Workspace::default() };
        let small = c.assess_in(&doc, &mut tight, whole);
        assert!((roomy.score - small.score).abs() < 1e-5, "{} vs {}", roomy.score, small.score);
        assert_eq!(roomy.decision, small.decision);
        let names = |a: &Assessment| -> Vec<(String, Vec<Span>)> {
            a.top_features.iter().map(|f| (f.feature.clone(), f.spans.clone())).collect()
        };
        assert_eq!(names(&roomy), names(&small));
        let spans = |a: &Assessment| -> Vec<Vec<Span>> { a.cues.iter().map(|c| c.spans.clone()).collect() };
        assert_eq!(spans(&roomy), spans(&small));
    }

    #[test]
    fn the_first_workspace_starts_from_the_vocabulary_words_and_scores_alike() {
        let c = Classifier::builtin().unwrap();
        let seeded = c.with_workspace(|ws| ws.cache.len());
        assert!(seeded > 1000, "the first workspace holds {seeded} words");
        let text = long_text();
        let doc = Document { id: "long", text: &text, profile: Profile::Report };
        let whole = |mut a: Assessment, top: &TopFeatures| {
            a.top_features = top.to_vec();
            a
        };
        let from_vocabulary = c.with_workspace(|ws| c.assess_in(&doc, ws, whole));
        let from_nothing = c.assess_in(&doc, &mut Workspace::default(), whole);
        assert_eq!(serde_json::to_string(&from_vocabulary).unwrap(), serde_json::to_string(&from_nothing).unwrap());
    }

    /// Pruning retired words never changes a list of top features: words are
    /// retired in batches (as the word cache empties), pruned after each, and
    /// the lists match those of all words kept, at any scale.
    #[test]
    fn pruning_retired_words_keeps_the_top_features() {
        let c = Classifier::builtin().unwrap();
        let cache = WordCache::default();
        let text = "x".repeat(250_000);
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut rnd = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        // one word in `ties` has a weight from a small set
        for ties in [0, 4, 400] {
            let (mut all, mut pruned) = (Contributions::default(), Contributions::default());
            for batch in 0..100 {
                let mut fresh = Vec::new();
                for i in 0..300usize {
                    let pos = batch * 2_000 + i * 6;
                    let mut spans = Spans3::default();
                    spans.push((pos, pos + 3));
                    // words with equal weights (exact ties), one in `ties`
                    let (w0, w1) = if ties > 0 && rnd(ties) == 0 {
                        ((rnd(9) as f32 - 4.0) * 0.25, (rnd(7) as f32 - 3.0) * 0.5)
                    } else {
                        ((rnd(20_001) as f32 - 10_000.0) / 9_999.0, (rnd(20_001) as f32 - 10_000.0) / 7_777.0)
                    };
                    let share = WordShare { count: (1 + rnd(4)) as f32, w: [w0, w1], spans };
                    fresh.push((format!("w{batch}_{i}").into_boxed_str(), share));
                }
                for (stem, share) in fresh {
                    all.retired.insert(stem.clone(), (stem.clone(), share));
                    if share.w[0] != 0.0 || share.w[1] > 0.0 {
                        pruned.retired.insert(stem.clone(), (stem, share));
                    }
                }
                pruned.prune_retired();
            }
            // Bounded: at most the words kept plus one batch, of 30,000 in all.
            assert!(pruned.retired.len() <= 4 * RETIRED_KEEP + 300, "{}", pruned.retired.len());
            assert_eq!(all.retired.len(), 30_000);
            for scale in [1.0, 0.3, 1e-3, 0.123_456_7] {
                for (model, positive) in [(0, false), (1, true)] {
                    let top = |x: &Contributions| {
                        serde_json::to_value(x.top(&c.ranking(&cache, text.as_str(), scale), model, positive)).unwrap()
                    };
                    assert_eq!(top(&pruned), top(&all), "ties {ties}, scale {scale}, model {model}");
                }
            }
        }
    }
}
