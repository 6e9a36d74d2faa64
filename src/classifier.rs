//! The classifier: a model, its vocabulary, and the evidence it gives.

use crate::analysis::word::WordInfo;
use crate::features::{crossed, FeatureSink};
use crate::lexicon::{Category, CueKind, Lexicon, Source, Status, Strength};
use crate::matcher::{Hits, MatchHow};
use crate::model::{Linear, Model, ModelError};
use crate::pipeline::{Pipeline, Workspace};
use crate::profile::{Bands, Decision, Priority, Profile};
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

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

impl Span {
    pub fn new(text: &str, start: usize, end: usize) -> Span {
        let s = &text[start..end];
        let mut cut = s.len().min(SNIPPET);
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        let mut t = s[..cut].to_string();
        if cut < s.len() {
            t.push('…');
        }
        Span { start, end, text: t, field: None }
    }
}

/// A practice found in a text, with its public source.
#[derive(Debug, Clone, Serialize)]
pub struct PracticeEvidence {
    pub id: String,
    /// Canonical name.
    pub name: String,
    pub category: Category,
    pub status: Status,
    /// The first public source, in words.
    pub source: String,
    pub sources: Vec<Source>,
    pub note: String,
    /// True when at least one span was matched with one typo.
    pub typo: bool,
    pub spans: Vec<Span>,
}

/// A cue found in a text.
#[derive(Debug, Clone, Serialize)]
pub struct CueEvidence {
    pub id: String,
    pub kind: CueKind,
    pub strength: Strength,
    pub label: String,
    pub spans: Vec<Span>,
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

/// The result for one text.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub id: String,
    pub profile: Profile,
    /// Calibrated probability that the text is one to flag.
    pub score: f32,
    pub decision: Decision,
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
    /// Override the decision thresholds of a profile.
    pub fn bands(mut self, profile: Profile, flag_at: f32, review_at: f32) -> Result<Self, String> {
        self.bands.insert(profile, Bands::new(flag_at, review_at)?);
        Ok(self)
    }
    pub fn build(self) -> Result<Classifier, ModelError> {
        let model = match &self.model_path {
            Some(p) => Model::from_path(p)?,
            None => Model::builtin()?,
        };
        let mut c = Classifier::from_model(model);
        for (p, b) in self.bands {
            c.set_bands(p, b);
        }
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
    model: Model,
    bands: BTreeMap<Profile, Bands>,
    pool: Mutex<Vec<Workspace>>,
}

impl Classifier {
    /// The shipped default model.
    pub fn builtin() -> Result<Classifier, ModelError> {
        Ok(Classifier::from_model(Model::builtin()?))
    }

    /// A model read from a file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Classifier, ModelError> {
        Ok(Classifier::from_model(Model::from_path(path)?))
    }

    pub fn from_model(model: Model) -> Classifier {
        let bands = Profile::ALL.iter().map(|&p| (p, model.bands(p))).collect();
        let pipeline = Pipeline::new(model.lexicon.clone());
        Classifier { pipeline, model, bands, pool: Mutex::new(Vec::new()) }
    }

    pub fn model(&self) -> &Model {
        &self.model
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

    /// Runs `f` with a workspace from the pool (one per thread in use).
    pub fn with_workspace<R>(&self, f: impl FnOnce(&mut Workspace) -> R) -> R {
        let mut ws = self.pool.lock().map(|mut p| p.pop()).ok().flatten().unwrap_or_default();
        let r = f(&mut ws);
        if let Ok(mut p) = self.pool.lock() {
            p.push(ws);
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
        self.with_workspace(|ws| self.assess_in(doc, ws))
    }

    fn assess_in(&self, doc: &Document, ws: &mut Workspace) -> Assessment {
        let mut sink = ScoreSink::new(&self.model.flag, &self.model.urgent, doc.profile);
        // The per-word partial scores live in the workspace between documents
        // and in the sink during the walk.
        sink.partial = std::mem::take(&mut ws.partial);
        let hits = self.pipeline.walk(doc.text, doc.profile, ws, &mut sink);
        let totals = sink.totals();
        ws.partial = std::mem::take(&mut sink.partial);
        let contributions = sink.contributions;
        self.build(doc, hits, totals, contributions)
    }

    fn build(&self, doc: &Document, hits: Hits, t: Totals, contrib: Contributions) -> Assessment {
        let lex = &self.pipeline.lexicon;
        let m = &self.model;
        let score = m.flag.calibration.prob(t.flag);
        let decision = self.bands[&doc.profile].decide(score);
        let (priority, urgency) = if doc.profile == Profile::Report {
            let u = m.urgent.calibration.prob(t.urgent);
            let p = if decision.sent_to_review() && u >= m.data.urgent_at { Priority::Urgent } else { Priority::Normal };
            (Some(p), Some(u))
        } else {
            (None, None)
        };
        let mut practices = Vec::new();
        let mut hints = Vec::new();
        let mut order: Vec<usize> = hits.practices.iter().map(|h| h.practice).collect();
        order.dedup();
        let mut seen = std::collections::HashSet::new();
        for p in order {
            if !seen.insert(p) {
                continue;
            }
            let e = &lex.practices[p];
            let strong: Vec<_> = hits.practices.iter().filter(|h| h.practice == p && !h.weak).collect();
            let weak: Vec<_> = hits.practices.iter().filter(|h| h.practice == p && h.weak).collect();
            let is_strong = !strong.is_empty();
            let used = if is_strong { &strong } else { &weak };
            let ev = PracticeEvidence {
                id: e.id.clone(),
                name: e.name.clone(),
                category: e.category,
                status: e.status,
                source: e.sources.first().map(|&s| lex.sources[s].to_string()).unwrap_or_default(),
                sources: e.sources.iter().map(|&s| lex.sources[s].clone()).collect(),
                note: e.note.clone(),
                typo: used.iter().any(|h| h.how == MatchHow::Typo),
                spans: used.iter().take(MAX_SPANS).map(|h| Span::new(doc.text, h.start, h.end)).collect(),
            };
            if is_strong {
                practices.push(ev);
            } else {
                hints.push(ev);
            }
        }
        let mut cues: Vec<CueEvidence> = Vec::new();
        for h in &hits.cues {
            let c = &lex.cues[h.cue];
            match cues.iter_mut().find(|e| e.id == c.id) {
                Some(e) => {
                    if e.spans.len() < MAX_SPANS {
                        e.spans.push(Span::new(doc.text, h.start, h.end));
                    }
                }
                None => cues.push(CueEvidence {
                    id: c.id.clone(),
                    kind: c.kind,
                    strength: c.strength,
                    label: c.label.clone(),
                    spans: vec![Span::new(doc.text, h.start, h.end)],
                }),
            }
        }
        let top_features = contrib.top(0, doc.text, lex, t.scale, false);
        let urgent_because = if priority == Some(Priority::Urgent) {
            contrib.top(1, doc.text, lex, t.scale, true)
        } else {
            Vec::new()
        };
        Assessment {
            id: doc.id.to_string(),
            profile: doc.profile,
            score,
            decision,
            priority,
            urgency,
            practices,
            hints,
            cues,
            top_features,
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

/// What each feature brought, kept to explain the score.
#[derive(Default)]
struct Contributions {
    /// word id → (count, stem, up to 3 spans, partial scores)
    words: FxHashMap<Box<str>, (f32, [f32; 2], Vec<(usize, usize)>)>,
    /// bigram → (count, weights, spans)
    bigrams: FxHashMap<u64, (f32, [f32; 2], String, Vec<(usize, usize)>)>,
    /// named feature → (weights, spans)
    named: Vec<(String, [f32; 2], Vec<(usize, usize)>)>,
}

impl Contributions {
    fn top(&self, model: usize, text: &str, lex: &Lexicon, scale: f32, positive_only: bool) -> Vec<Contribution> {
        let mut all: Vec<Contribution> = Vec::new();
        let spans = |v: &Vec<(usize, usize)>| v.iter().take(3).map(|&(s, e)| Span::new(text, s, e)).collect::<Vec<_>>();
        for (stem, (count, w, sp)) in &self.words {
            let c = count * w[model] * scale;
            let shown = sp.first().map(|&(s, e)| &text[s..e]).unwrap_or(stem);
            all.push(Contribution {
                feature: format!("u:{stem} + c:*"),
                label: format!("mot « {shown} » (racine {stem} et ses n-grammes)"),
                contribution: c,
                spans: spans(sp),
            });
        }
        for (count, w, pair, sp) in self.bigrams.values() {
            let shown = sp.first().map(|&(s, e)| &text[s..e]).unwrap_or(pair);
            all.push(Contribution {
                feature: format!("b:{pair}"),
                label: format!("suite de mots « {shown} »"),
                contribution: count * w[model] * scale,
                spans: spans(sp),
            });
        }
        for (name, w, sp) in &self.named {
            all.push(Contribution {
                feature: name.clone(),
                label: describe_feature(name, lex),
                contribution: w[model],
                spans: spans(sp),
            });
        }
        all.retain(|c| c.contribution != 0.0 && (!positive_only || c.contribution > 0.0));
        all.sort_by(|a, b| {
            b.contribution.abs().partial_cmp(&a.contribution.abs()).unwrap_or(std::cmp::Ordering::Equal).then_with(|| a.feature.cmp(&b.feature))
        });
        all.truncate(TOP_FEATURES);
        all
    }
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
        "x" => format!("combinaison : {rest}"),
        _ => name.to_string(),
    }
}

/// Sums weights as features arrive; records contributions for explanation.
struct ScoreSink<'m> {
    flag: &'m Linear,
    urgent: &'m Linear,
    profile: Profile,
    use_urgent: bool,
    partial: Vec<[f32; 3]>,
    tokens: [f32; 2],
    named: [f32; 2],
    scale: f32,
    contributions: Contributions,
}

impl<'m> ScoreSink<'m> {
    fn new(flag: &'m Linear, urgent: &'m Linear, profile: Profile) -> Self {
        ScoreSink {
            flag,
            urgent,
            profile,
            use_urgent: profile == Profile::Report,
            partial: Vec::new(),
            tokens: [0.0; 2],
            named: [0.0; 2],
            scale: 1.0,
            contributions: Contributions::default(),
        }
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
        let f = self.flag.weight(hash) + self.flag.weight(crossed(hash, self.profile));
        let u = if self.use_urgent {
            self.urgent.weight(hash) + self.urgent.weight(crossed(hash, Profile::Report))
        } else {
            0.0
        };
        [f, u]
    }

    fn word_partial(&mut self, info: &WordInfo, id: u32) -> [f32; 2] {
        if self.partial.len() <= id as usize {
            self.partial.resize(id as usize + 1, [f32::NAN; 3]);
        }
        let p = self.partial[id as usize];
        let (slot, urgent) = match self.profile {
            Profile::Course => (0, None),
            Profile::Report => (1, Some(2)),
        };
        if !p[slot].is_nan() && urgent.is_none_or(|u| !p[u].is_nan()) {
            return [p[slot], urgent.map_or(0.0, |u| p[u])];
        }
        let mut v = self.token_weights(info.unigram);
        for &g in info.chargrams.iter() {
            let w = self.token_weights(g);
            v[0] += w[0];
            v[1] += w[1];
        }
        let entry = &mut self.partial[id as usize];
        entry[slot] = v[0];
        if let Some(u) = urgent {
            entry[u] = v[1];
        }
        v
    }
}

impl FeatureSink for ScoreSink<'_> {
    fn word(&mut self, span: (usize, usize), info: &WordInfo, id: u32) {
        let p = self.word_partial(info, id);
        self.tokens[0] += p[0];
        self.tokens[1] += p[1];
        let e = self.contributions.words.entry(info.stem.clone()).or_insert((0.0, p, Vec::new()));
        e.0 += 1.0;
        if e.2.len() < 3 {
            e.2.push(span);
        }
    }

    fn bigram(&mut self, hash: u64, span: (usize, usize), stems: &str) {
        let w = self.token_weights(hash);
        if w[0] == 0.0 && w[1] == 0.0 {
            return;
        }
        self.tokens[0] += w[0];
        self.tokens[1] += w[1];
        let e = self.contributions.bigrams.entry(hash).or_insert_with(|| (0.0, w, stems.to_string(), Vec::new()));
        e.0 += 1.0;
        if e.3.len() < 3 {
            e.3.push(span);
        }
    }

    fn scale_tokens(&mut self, scale: f32) {
        self.scale = scale;
    }

    fn words_forgotten(&mut self) {
        self.partial.clear();
    }

    fn named(&mut self, name: &str, hash: u64, spans: &[(usize, usize)]) {
        let w = [self.flag.weight(hash), if self.use_urgent { self.urgent.weight(hash) } else { 0.0 }];
        self.named[0] += w[0];
        self.named[1] += w[1];
        if w[0] != 0.0 || w[1] != 0.0 {
            self.contributions.named.push((name.to_string(), w, spans.to_vec()));
        }
    }
}
