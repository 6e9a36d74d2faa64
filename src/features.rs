//! Features of a text, as the learned model sees them.
//!
//! [`crate::pipeline::Pipeline::walk`] calls [`token_features`],
//! [`named_features`] and [`frame_features`] on an analysed text and its
//! vocabulary hits, and they hand every feature to a [`FeatureSink`]. The
//! scorer sums weights, the trainer collects sparse vectors and the
//! explainer records contributions with their spans: all three see exactly
//! the same features.
//!
//! Families (the prefix of a feature's name in the model file):
//! - `u:` stem of a content word, `b:` two consecutive content stems,
//!   `c:` character 4-gram of a folded word (robust to unseen words and typos).
//!   Valued count / √(number of content words).
//! - `p:`, `pc:`, `ps:`, `kps:` a practice by entry, category, status, and
//!   status for this kind of document; `pw:`, `pwc:` weak practice terms. Class
//!   features let a practice added to the vocabulary later score sensibly
//!   before any retraining.
//! - `q:`, `qk:`, `kqk:` cues by entry, kind, and kind for this document kind.
//! - `k:` the document kind; `np:` how many distinct practices; `x:`
//!   combinations (critical framing with a practice, warning with a practice,
//!   how many distinct critical and warning cues, which of the two dominates,
//!   critical framing around several practices). These are presence features
//!   valued 1.
//! - `x:{kind}:frame…`, `x:{kind}:practice-with:…`, `x:{kind}:price`… (see
//!   [`frame_features`]): who provides or speaks of the practices a text
//!   names, read sentence by sentence against frame cues and prices.

use crate::analysis::word::{seed, WordCache};
use crate::analysis::Analysis;
use crate::lexicon::{CueKind, Frame, Lexicon};
use crate::matcher::Hits;
use crate::profile::Profile;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Receives the features of one text.
///
/// Token features (`word`, `bigram`) arrive unscaled, window by window; once
/// the whole text is read, `scale_tokens` gives the factor that applies to all
/// of them (1/√n), then the named features arrive.
pub trait FeatureSink {
    /// A content word (its unigram and character n-grams) at a text span.
    /// `cache` holds the word (`cache.get(word_id)` is its analysis).
    fn word(&mut self, span: (usize, usize), cache: &WordCache, word_id: u32);
    /// Two consecutive content words: `stems` is the pair as in the model
    /// file, `words` their word-cache ids (for sinks that keep them past the
    /// window without copying the text).
    fn bigram(&mut self, hash: u64, span: (usize, usize), stems: &str, words: (u32, u32));
    /// The factor applying to every token feature of this text.
    fn scale_tokens(&mut self, scale: f32);
    /// A named presence feature, with the text spans behind it.
    fn named(&mut self, name: &str, hash: u64, spans: &[(usize, usize)]);
    /// The word cache is about to be emptied: word ids seen so far will no
    /// longer be valid. Sinks that keep ids resolve them now.
    fn words_forgotten(&mut self, _cache: &crate::analysis::word::WordCache) {}
}

/// The kind-specific twin of a token feature: every word, bigram and
/// character n-gram counts once for all texts and once for its kind of text,
/// since the same words weigh differently in a course proposal (where a
/// critical frame clears) and in a report (where any involvement counts).
#[inline]
pub fn crossed(hash: u64, profile: Profile) -> u64 {
    let salt = match profile {
        Profile::Course => 0x9E37_79B9_7F4A_7C15,
        Profile::Report => 0xC2B2_AE3D_27D4_EB4F,
    };
    (hash ^ salt).wrapping_mul(0xFF51_AFD7_ED55_8CCD).rotate_left(29)
}

/// True for token features (words, bigrams, character n-grams, and their
/// kind-specific twins), whose names start with `u:`, `b:` or `c:`; the
/// others are named presence features.
pub fn is_token_feature(name: &str) -> bool {
    name.starts_with("u:") || name.starts_with("b:") || name.starts_with("c:")
}

/// A token feature's name split into its shared name and the kind of text
/// its twin is for (`u:cour@course` → `u:cour`, course); other names whole.
pub fn split_kind(name: &str) -> (&str, Option<Profile>) {
    if name.starts_with(['u', 'b', 'c']) {
        // The suffix as the trainer writes it (`Profile::as_str`), compared
        // in place: parsing it as user input lowercased a copy of every
        // name (11 million instructions of each start).
        for p in Profile::ALL {
            if let Some(base) = name.strip_suffix(p.as_str()).and_then(|b| b.strip_suffix('@')) {
                return (base, Some(p));
            }
        }
    }
    (name, None)
}

/// Hash of a feature from its name as written in the model file. Token
/// features of one kind of text end with `@course` or `@report`.
pub fn hash_name(name: &str) -> u64 {
    if let (base, Some(p)) = split_kind(name) {
        return crossed(hash_name(base), p);
    }
    if let Some(rest) = name.strip_prefix("u:") {
        xxh3_64_with_seed(rest.as_bytes(), seed::UNIGRAM)
    } else if let Some(rest) = name.strip_prefix("b:") {
        xxh3_64_with_seed(rest.as_bytes(), seed::BIGRAM)
    } else if let Some(rest) = name.strip_prefix("c:") {
        xxh3_64_with_seed(rest.as_bytes(), seed::CHARGRAM)
    } else {
        xxh3_64_with_seed(name.as_bytes(), seed::NAMED)
    }
}

/// Scale of token features for a text of `n` content words: one occurrence
/// counts 1/√n, so long and short texts weigh alike.
pub fn token_scale(n: usize) -> f32 {
    1.0 / (n.max(1) as f32).sqrt()
}

/// The number of content words a [`token_scale`] was computed for.
pub fn content_words(scale: f32) -> usize {
    (1.0 / (scale * scale)).round() as usize
}

/// Walks the token features of one analysed window; `base` is the window's
/// byte offset in the whole text.
pub fn token_features(a: &Analysis, base: usize, sink: &mut impl FeatureSink) {
    let mut prev: Option<(usize, u32)> = None; // (token index, stem start)
    for (ci, &ti) in a.content.iter().enumerate() {
        let t = &a.tokens[ti as usize];
        sink.word((base + t.start as usize, base + t.end as usize), a.cache(), t.word);
        let end = a.stem_end(ci) as usize;
        if let Some((pt, ps)) = prev {
            let pair = &a.stems[ps as usize..end];
            let h = xxh3_64_with_seed(pair.as_bytes(), seed::BIGRAM);
            let ids = (a.tokens[pt].word, t.word);
            sink.bigram(h, (base + a.tokens[pt].start as usize, base + t.end as usize), pair, ids);
        }
        prev = Some((ti as usize, t.stem_start));
    }
}

/// Receives a named feature's name and the text spans behind it.
pub type EmitNamed<'e> = dyn FnMut(&str, &[(usize, usize)]) + 'e;

/// Emits a feature whose name is the concatenation of `parts`. Names are
/// assembled in one reused buffer: `format!` and a fresh string per feature
/// cost more than the rest of the named features.
fn namer<'a, 'e>(emit: &'a mut EmitNamed<'e>) -> impl FnMut(&[&str], &[(usize, usize)]) + use<'a, 'e> {
    let mut buf = String::with_capacity(64);
    move |parts, spans| {
        buf.clear();
        parts.iter().for_each(|p| buf.push_str(p));
        emit(&buf, spans);
    }
}

/// The named (presence) features of a text, in a fixed order.
pub fn named_features(hits: &Hits, lex: &Lexicon, profile: Profile, emit: &mut EmitNamed) {
    let kind = profile.as_str();
    let mut put = namer(emit);
    put(&["k:", kind], &[]);
    // Practices: strong first, then weak terms of practices not strongly found.
    let mut strong: Vec<usize> = hits.practices.iter().filter(|h| !h.weak).map(|h| h.practice).collect();
    strong.sort_unstable();
    strong.dedup();
    let spans_of = |p: usize, weak: bool| -> Vec<(usize, usize)> {
        hits.practices.iter().filter(|h| h.practice == p && h.weak == weak).map(|h| (h.start, h.end)).collect()
    };
    let mut cats = Vec::new();
    let mut stats = Vec::new();
    for &p in &strong {
        let e = &lex.practices[p];
        let spans = spans_of(p, false);
        put(&["p:", &e.id], &spans);
        cats.push((e.category, spans.clone()));
        stats.push((e.status, spans));
    }
    for (c, spans) in &merge_by_key(cats) {
        put(&["pc:", c.as_str()], spans);
    }
    for (s, spans) in &merge_by_key(stats) {
        put(&["ps:", s.as_str()], spans);
        put(&["kps:", kind, ":", s.as_str()], spans);
    }
    let mut weak: Vec<usize> =
        hits.practices.iter().filter(|h| h.weak && !strong.contains(&h.practice)).map(|h| h.practice).collect();
    weak.sort_unstable();
    weak.dedup();
    for &p in &weak {
        let e = &lex.practices[p];
        let spans = spans_of(p, true);
        put(&["pw:", &e.id], &spans);
        put(&["pwc:", e.category.as_str()], &spans);
    }
    let np = match strong.len() {
        0 => "0",
        1 => "1",
        2 => "2",
        _ => "3+",
    };
    put(&["np:", kind, ":", np], &[]);
    // Cues.
    let mut cue_ids: Vec<usize> = hits.cues.iter().map(|c| c.cue).collect();
    cue_ids.sort_unstable();
    cue_ids.dedup();
    let mut kinds: Vec<(CueKind, Vec<(usize, usize)>)> = Vec::new();
    for &c in &cue_ids {
        let cue = &lex.cues[c];
        let spans: Vec<(usize, usize)> = hits.cues.iter().filter(|h| h.cue == c).map(|h| (h.start, h.end)).collect();
        if cue.frame.is_some() {
            // Frame cues speak through `frame_features`, per kind of text
            // and not through their cue kind.
            continue;
        }
        put(&["q:", &cue.id], &spans);
        match kinds.iter_mut().find(|k| k.0 == cue.kind) {
            Some(k) => k.1.extend(spans),
            None => kinds.push((cue.kind, spans)),
        }
    }
    kinds.sort_by_key(|k| k.0);
    for (k, spans) in &kinds {
        put(&["qk:", k.as_str()], spans);
        put(&["kqk:", kind, ":", k.as_str()], spans);
    }
    let has = |k: CueKind| kinds.iter().any(|x| x.0 == k);
    // Combinations point at the text behind both of their parts, so that a
    // reviewer sees what was combined.
    let strong_spans: Vec<(usize, usize)> =
        hits.practices.iter().filter(|h| !h.weak).map(|h| (h.start, h.end)).collect();
    let cue_spans = |k: CueKind| -> Vec<(usize, usize)> {
        let mut v = kinds.iter().filter(|x| x.0 == k).flat_map(|x| x.1.iter().copied()).collect::<Vec<_>>();
        v.sort_unstable();
        v
    };
    let both = |k: CueKind| -> Vec<(usize, usize)> {
        let mut v = strong_spans.clone();
        v.extend(cue_spans(k));
        v.sort_unstable();
        v
    };
    if !strong.is_empty() {
        if has(CueKind::Critical) {
            put(&["x:", kind, ":critical+practice"], &both(CueKind::Critical));
        }
        if has(CueKind::Warning) {
            put(&["x:", kind, ":warning+practice"], &both(CueKind::Warning));
        }
        if has(CueKind::Urgent) {
            put(&["x:", kind, ":urgent+practice"], &both(CueKind::Urgent));
        }
    }
    // How much critical and warning framing a text carries, per kind of
    // text: a single presence feature cannot tell a prevention course built
    // on several critical cues around a list of practices from a promotional
    // one with a boilerplate "mise en garde".
    let distinct =
        |k: CueKind| cue_ids.iter().filter(|&&c| lex.cues[c].kind == k && lex.cues[c].frame.is_none()).count();
    let (ncrit, nwarn) = (distinct(CueKind::Critical), distinct(CueKind::Warning));
    let bin = |n: usize| match n {
        0 => "0",
        1 => "1",
        2 => "2",
        _ => "3+",
    };
    put(&["x:", kind, ":critical-cues:", bin(ncrit)], &cue_spans(CueKind::Critical));
    put(&["x:", kind, ":warning-cues:", bin(nwarn)], &cue_spans(CueKind::Warning));
    let balance = match ncrit.cmp(&nwarn) {
        std::cmp::Ordering::Greater => "critical",
        std::cmp::Ordering::Less => "warning",
        std::cmp::Ordering::Equal if ncrit == 0 => "none",
        std::cmp::Ordering::Equal => "even",
    };
    let mut framing = cue_spans(CueKind::Critical);
    framing.extend(cue_spans(CueKind::Warning));
    framing.sort_unstable();
    put(&["x:", kind, ":balance:", balance], &framing);
    if ncrit > 0 && strong.len() >= 2 {
        put(&["x:", kind, ":critical+practices:", np], &both(CueKind::Critical));
    }
    if ncrit == 0 && !strong.is_empty() {
        put(&["x:", kind, ":practice-without-critical"], &strong_spans);
    }
}

/// The sentence a vocabulary hit lies in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sentence {
    /// Sentences are numbered from the start of the text.
    pub index: u32,
    /// The sentence ends with a question mark.
    pub question: bool,
}

/// The sentence of each practice hit and each cue hit of a text, in the
/// order of [`Hits::practices`] and [`Hits::cues`].
#[derive(Debug, Clone, Default)]
pub struct Sentences {
    pub practices: Vec<Sentence>,
    pub cues: Vec<Sentence>,
    /// Prices written in the text (a number with €, euros…), with their
    /// sentence.
    pub prices: Vec<((usize, usize), Sentence)>,
}

/// Named features of who provides or speaks of the practices a text names
/// or evokes (strong or weak terms), read sentence by sentence (after
/// [`named_features`], same conventions):
/// - `x:{kind}:frame:{frame}`: the text has a frame cue (recognised care, a
///   lay or commercial provider, a request for material, someone else's
///   words);
/// - `x:{kind}:practice-with:{frame}`: a practice is named or evoked in the same
///   sentence as a cue of that frame;
/// - `x:{kind}:price`, `x:{kind}:practice-with:price`: a price is written
///   in the text, in the same sentence as a practice (sessions sold);
/// - `x:{kind}:practice-framed:{all|some|none}`: how many of the sentences
///   naming a practice carry a care, request or hearsay frame (a report that
///   names a practice only beside a hospital or a relative's opinion is not
///   one that tells what a practitioner did);
/// - `x:{kind}:practice-in-question`: a practice is named in a question.
pub fn frame_features(hits: &Hits, state: &FrameState, lex: &Lexicon, profile: Profile, emit: &mut EmitNamed) {
    let kind = profile.as_str();
    let mut put = namer(emit);
    for (k, f) in Frame::ALL.into_iter().enumerate() {
        let cues: Vec<(usize, usize)> =
            hits.cues.iter().filter(|h| lex.cues[h.cue].frame == Some(f)).map(|h| (h.start, h.end)).collect();
        if cues.is_empty() {
            continue;
        }
        put(&["x:", kind, ":frame:", f.as_str()], &cues);
        let mut ids: Vec<usize> =
            hits.cues.iter().filter(|h| lex.cues[h.cue].frame == Some(f)).map(|h| h.cue).collect();
        ids.sort_unstable();
        ids.dedup();
        for c in ids {
            let spans: Vec<(usize, usize)> =
                hits.cues.iter().filter(|h| h.cue == c).map(|h| (h.start, h.end)).collect();
            put(&["x:", kind, ":frame-cue:", &lex.cues[c].id], &spans);
        }
        if !state.with[k].is_empty() {
            put(&["x:", kind, ":practice-with:", f.as_str()], &state.with[k]);
        }
    }
    if !state.prices.is_empty() {
        put(&["x:", kind, ":price"], &state.prices);
        if !state.with[PRICE].is_empty() {
            put(&["x:", kind, ":practice-with:price"], &state.with[PRICE]);
        }
    }
    if state.inside.is_empty() && state.outside.is_empty() {
        return;
    }
    let how = match (state.inside.is_empty(), state.outside.is_empty()) {
        (false, true) => "all",
        (false, false) => "some",
        _ => "none",
    };
    let mut spans = state.inside.clone();
    spans.extend(&state.outside);
    spans.sort_unstable();
    spans.dedup();
    put(&["x:", kind, ":practice-framed:", how], &spans);
    if !state.asked.is_empty() {
        put(&["x:", kind, ":practice-in-question"], &state.asked);
    }
}

/// Index of the price pairs in [`FrameState::with`], after the frames.
const PRICE: usize = 4;

/// Spans kept per sentence feature: the first ones in the text, enough for
/// any explanation (which shows three).
const FRAME_SPANS: usize = 20;

/// What [`frame_features`] needs from the sentences of a text, gathered
/// window by window as the hits are found, before a streamed walk caps the
/// hits it keeps (see [`crate::pipeline::Walk::bounded`]): so a text held
/// whole and the same text streamed give the same sentence features, however
/// many hits come before the sentence that pairs a practice with a frame.
/// Each list holds the first 20 spans (`FRAME_SPANS`) in text order, sorted.
#[derive(Debug, Clone, Default)]
pub struct FrameState {
    /// Mentions and frame cues sharing a sentence, per frame (in
    /// [`Frame::ALL`] order), then mentions and prices ([`PRICE`]).
    with: [Vec<(usize, usize)>; 5],
    /// Mentions in a sentence with a care, request or hearsay cue (and
    /// those cues), and mentions in a sentence with none.
    inside: Vec<(usize, usize)>,
    outside: Vec<(usize, usize)>,
    /// Mentions in a sentence that ends with a question mark.
    asked: Vec<(usize, usize)>,
    prices: Vec<(usize, usize)>,
    /// The last sentence seen, which the next window may continue.
    open: Option<OpenSentence>,
}

/// What a sentence holds that the frame features read.
#[derive(Debug, Clone, Copy)]
enum InSentence {
    /// A practice, named or evoked.
    Mention,
    /// A cue of this frame.
    Framed(Frame),
    Price,
}

/// A sentence's practice mentions, frame cues and prices.
#[derive(Debug, Clone, Default)]
struct OpenSentence {
    index: u32,
    mentions: Vec<(usize, usize)>,
    framed: Vec<(Frame, (usize, usize))>,
    prices: Vec<(usize, usize)>,
}

/// Adds `spans` to a sorted list that keeps its first [`FRAME_SPANS`].
fn keep_first(list: &mut Vec<(usize, usize)>, spans: impl IntoIterator<Item = (usize, usize)>) {
    list.extend(spans);
    list.sort_unstable();
    list.dedup();
    list.truncate(FRAME_SPANS);
}

impl FrameState {
    /// Takes in one window's hits (offsets in the whole text) and the
    /// sentence of each (`sentences`, in the order of the hits).
    pub fn absorb(&mut self, hits: &Hits, sentences: &Sentences, lex: &Lexicon) {
        let mut items: Vec<(u32, InSentence, (usize, usize))> =
            Vec::with_capacity(hits.practices.len() + hits.cues.len() + sentences.prices.len());
        for (h, s) in hits.practices.iter().zip(&sentences.practices) {
            items.push((s.index, InSentence::Mention, (h.start, h.end)));
            if s.question {
                keep_first(&mut self.asked, [(h.start, h.end)]);
            }
        }
        for (h, s) in hits.cues.iter().zip(&sentences.cues) {
            if let Some(f) = lex.cues[h.cue].frame {
                items.push((s.index, InSentence::Framed(f), (h.start, h.end)));
            }
        }
        for &(span, s) in &sentences.prices {
            items.push((s.index, InSentence::Price, span));
            keep_first(&mut self.prices, [span]);
        }
        items.sort_by_key(|x| x.0);
        for (index, what, span) in items {
            if self.open.as_ref().is_none_or(|o| o.index != index) {
                self.close();
                self.open = Some(OpenSentence { index, ..OpenSentence::default() });
            }
            let o = self.open.as_mut().expect("a sentence was just opened");
            match what {
                InSentence::Mention => o.mentions.push(span),
                InSentence::Framed(f) => o.framed.push((f, span)),
                InSentence::Price => o.prices.push(span),
            }
        }
    }

    /// The text is read: the last sentence is complete.
    pub fn finish(&mut self) {
        self.close();
    }

    fn close(&mut self) {
        let Some(o) = self.open.take() else { return };
        if o.mentions.is_empty() {
            return;
        }
        for (k, f) in Frame::ALL.into_iter().enumerate() {
            let near: Vec<(usize, usize)> = o.framed.iter().filter(|x| x.0 == f).map(|x| x.1).collect();
            if !near.is_empty() {
                keep_first(&mut self.with[k], o.mentions.iter().copied().chain(near));
            }
        }
        if !o.prices.is_empty() {
            keep_first(&mut self.with[PRICE], o.mentions.iter().chain(&o.prices).copied());
        }
        let distancing = |f: Frame| matches!(f, Frame::Care | Frame::Request | Frame::Hearsay);
        let near: Vec<(usize, usize)> = o.framed.iter().filter(|x| distancing(x.0)).map(|x| x.1).collect();
        if near.is_empty() {
            keep_first(&mut self.outside, o.mentions);
        } else {
            keep_first(&mut self.inside, o.mentions.into_iter().chain(near));
        }
    }
}

/// A reviewer's wording of the frame features of [`frame_features`]
/// (`what` and `value` as in `x:{kind}:{what}:{value}`), or `None` for
/// other features.
pub fn describe_frame_feature(what: &str, value: &str) -> Option<String> {
    let frame = |v: &str| match v {
        "care" => "le soin reconnu (soignant, établissement, remboursement)",
        "lay" => "le praticien non soignant ou la vente",
        "request" => "la demande de documents, d'entretien ou de relecture",
        "hearsay" => "les propos ou lectures d'un tiers",
        "price" => "un prix",
        _ => "le cadre",
    };
    Some(match what {
        "frame" => format!("cadre du texte : {}", frame(value)),
        "price" => "prix mentionné (somme en euros)".into(),
        "frame-cue" => format!("indice de cadre : {value}"),
        "practice-with" => format!("pratique nommée ou évoquée dans la même phrase que {}", frame(value)),
        "practice-framed" => match value {
            "all" => "pratique nommée ou évoquée seulement dans des phrases de soin reconnu, de demande ou de propos rapportés".into(),
            "some" => "pratique nommée ou évoquée en partie dans des phrases de soin reconnu, de demande ou de propos rapportés".into(),
            _ => "pratique nommée ou évoquée hors de tout cadre de soin reconnu, de demande ou de propos rapportés".into(),
        },
        "practice-in-question" => "pratique nommée ou évoquée dans une question".into(),
        _ => return None,
    })
}

/// Sorts (key, spans) pairs by key and merges the spans of equal keys.
fn merge_by_key<K: Ord + Copy>(mut v: Vec<(K, Vec<(usize, usize)>)>) -> Vec<(K, Vec<(usize, usize)>)> {
    v.sort_by_key(|x| x.0);
    v.dedup_by(|a, b| {
        if a.0 == b.0 {
            b.1.append(&mut a.1);
            true
        } else {
            false
        }
    });
    v
}

/// A sparse feature vector: (hash, value), sorted by hash, no duplicates.
pub type SparseVec = Vec<(u64, f32)>;

/// Collects the sparse vector of a text (used by training).
pub struct Collector {
    profile: Profile,
    tokens: Vec<(u64, f32)>,
    named: Vec<(u64, f32)>,
    /// Feature names seen, for the model file (hash → name).
    pub names: Vec<(u64, String)>,
    want_names: bool,
    /// The scale of token features (see [`token_scale`]), once known.
    scale: f32,
}

impl Collector {
    /// The number of content words of the text walked (see [`content_words`]).
    pub fn content_words(&self) -> usize {
        content_words(self.scale)
    }

    /// A collector for a text of this kind; `names` also records feature
    /// names (for the model file).
    pub fn new(profile: Profile, names: bool) -> Self {
        Collector { profile, tokens: Vec::new(), named: Vec::new(), names: Vec::new(), want_names: names, scale: 1.0 }
    }

    fn token(&mut self, hash: u64, name: impl FnOnce() -> String) {
        self.tokens.push((hash, 1.0));
        self.tokens.push((crossed(hash, self.profile), 1.0));
        if self.want_names {
            let n = name();
            self.names.push((crossed(hash, self.profile), format!("{n}@{}", self.profile.as_str())));
            self.names.push((hash, n));
        }
    }

    /// The finished vector.
    pub fn finish(self) -> (SparseVec, Vec<(u64, String)>) {
        let mut items = self.tokens;
        items.extend(self.named);
        items.sort_unstable_by_key(|x| x.0);
        let mut out: SparseVec = Vec::with_capacity(items.len());
        for (h, v) in items {
            match out.last_mut() {
                Some(last) if last.0 == h => last.1 += v,
                _ => out.push((h, v)),
            }
        }
        (out, self.names)
    }
}

impl FeatureSink for Collector {
    fn word(&mut self, _span: (usize, usize), cache: &WordCache, id: u32) {
        let info = cache.get(id);
        self.token(info.unigram, || format!("u:{}", info.stem));
        let names = if self.want_names { crate::analysis::word::chargram_names(&info.folded) } else { Vec::new() };
        let mut i = 0;
        info.for_each_chargram(|g| {
            self.token(g, || format!("c:{}", names[i]));
            i += 1;
        });
    }

    fn bigram(&mut self, hash: u64, _span: (usize, usize), stems: &str, _words: (u32, u32)) {
        self.token(hash, || format!("b:{stems}"));
    }

    fn scale_tokens(&mut self, scale: f32) {
        self.scale = scale;
        for t in &mut self.tokens {
            t.1 *= scale;
        }
    }

    fn named(&mut self, name: &str, hash: u64, _spans: &[(usize, usize)]) {
        self.named.push((hash, 1.0));
        if self.want_names {
            self.names.push((hash, name.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_twins_split_on_the_suffix_the_trainer_writes() {
        assert_eq!(split_kind("u:cour@course"), ("u:cour", Some(Profile::Course)));
        assert_eq!(split_kind("b:arret chimio@report"), ("b:arret chimio", Some(Profile::Report)));
        assert_eq!(split_kind("c:^rei@course"), ("c:^rei", Some(Profile::Course)));
        assert_eq!(split_kind("u:cour"), ("u:cour", None));
        assert_eq!(split_kind("u:cour@formation"), ("u:cour@formation", None), "only the written form");
        assert_eq!(split_kind("u:cour@"), ("u:cour@", None));
        assert_eq!(split_kind("x:course:practice@course"), ("x:course:practice@course", None), "not a token feature");
    }

    #[test]
    fn a_kind_twin_hashes_as_its_base_crossed_with_the_kind() {
        for p in Profile::ALL {
            assert_eq!(hash_name(&format!("u:cour@{}", p.as_str())), crossed(hash_name("u:cour"), p));
        }
        assert_ne!(hash_name("u:cour@course"), hash_name("u:cour@report"));
    }
}
