//! Finding vocabulary terms and cues in an analysed text.
//!
//! Automata run over the two streams of the [`Analysis`], walked only from
//! the positions where a word starts (matches must start there) and skipped
//! for words that no pattern can start with (remembered per word):
//! - practice terms and look-alikes over the *key* stream (folded letters with
//!   word separators removed), so `micro kiné`, `micro-kiné` and `m i c r o k
//!   i n é` all read `microkine`. A match must start where a word starts and
//!   end where a word ends, or before a plural/feminine ending (`s`, `x`, `e`,
//!   `es`). Look-alikes veto any practice match they cover.
//! - cue phrases over the *stem* stream, so inflected forms match ("a arrêté
//!   sa chimio" ~ "arrêter la chimio").
//!
//! Long single-word terms also match with one typo (Damerau distance 1),
//! looked up with symmetric deletions rather than a scan of the vocabulary.

use crate::analysis::word::WordCache;
use crate::analysis::Analysis;
use crate::lexicon::{Lexicon, TermForms};
use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::nfa::contiguous::NFA;
use aho_corasick::{Anchored, MatchKind};
use rustc_hash::{FxHashMap, FxHashSet};

/// Minimum key length for a term to be matched with one typo.
pub const TYPO_MIN_LEN: usize = 8;
/// A term shorter than this must sit inside a single word of the text.
const SPLIT_MIN_LEN: usize = 6;
const ENDINGS: &[&str] = &["s", "x", "e", "es"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TermPat {
    practice: u32,
    weak: bool,
    multiword: bool,
    len: u32,
}

/// How a practice term was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchHow {
    /// The term as written, after folding.
    Exact,
    /// The term with one typo.
    Typo,
}

/// A practice term found in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeHit {
    /// Index into [`Lexicon::practices`].
    pub practice: usize,
    /// A weak term: evidence, but not a practice match on its own.
    pub weak: bool,
    pub how: MatchHow,
    /// Byte range in the original text.
    pub start: usize,
    pub end: usize,
}

/// A cue phrase found in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CueHit {
    /// Index into [`Lexicon::cues`].
    pub cue: usize,
    pub start: usize,
    pub end: usize,
}

/// Everything the vocabulary found in one text.
#[derive(Debug, Clone, Default)]
pub struct Hits {
    pub practices: Vec<PracticeHit>,
    pub cues: Vec<CueHit>,
    /// Look-alike matches: (index into [`Lexicon::lookalikes`], start, end).
    pub lookalikes: Vec<(usize, usize, usize)>,
}

/// A set of patterns searched only where a word starts: matches must begin at
/// a word boundary, so instead of scanning every byte of the stream for every
/// pattern (an unanchored search), an anchored automaton is walked from each
/// word start until it dies, which for most words happens within two or three
/// letters.
///
/// The automaton is aho-corasick's contiguous NFA rather than its DFA: an
/// anchored walk never follows failure transitions, and on our vocabulary it
/// steps almost as fast (5.8 vs 5.4 ns) while it builds four times faster and
/// is 17 times smaller (`cargo run --release --example ac_kinds`), which
/// matters for start-up time.
struct WordStartSearch {
    nfa: NFA,
    start: aho_corasick::automaton::StateID,
    /// Byte length of each pattern.
    lens: Vec<u32>,
}

impl WordStartSearch {
    fn new(patterns: &[String]) -> WordStartSearch {
        let nfa = NFA::builder()
            .match_kind(MatchKind::Standard)
            .build(patterns)
            .expect("vocabulary patterns are plain strings of bounded size");
        let start = nfa.start_state(Anchored::Yes).expect("contiguous NFAs support anchored searches");
        WordStartSearch { nfa, start, lens: patterns.iter().map(|p| p.len() as u32).collect() }
    }

    fn len(&self) -> usize {
        self.lens.len()
    }

    /// False when no pattern can start with this word: walking it from the
    /// start dies before any match. Depends on the word alone, so callers
    /// remember it per word and most words are never walked again.
    fn may_start_with(&self, word: &[u8]) -> bool {
        let mut sid = self.start;
        for &b in word {
            sid = self.nfa.next_state(Anchored::Yes, sid, b);
            if self.nfa.is_dead(sid) {
                return false;
            }
            if self.nfa.is_match(sid) {
                return true;
            }
        }
        true
    }

    /// Calls `f(pattern, end)` for every pattern that occurs in `hay` starting
    /// exactly at byte `from`, shortest first.
    #[inline]
    fn walk(&self, hay: &[u8], from: usize, f: impl FnMut(usize, usize)) {
        self.walk_on(hay, from, 0, self.start, f)
    }

    /// Where a walk from the start of `word` stands once the whole word is
    /// read: [`AFTER_DEAD`] when no pattern starts with it, [`AFTER_MATCH`]
    /// when a pattern ends inside it (or at its end), otherwise the state to
    /// go on from. Depends on the word alone: callers remember it per word,
    /// so that a common word that merely begins some phrase ("ne", "pas")
    /// is not walked letter by letter again at each occurrence.
    fn after_word(&self, word: &[u8]) -> u32 {
        let mut sid = self.start;
        for (i, &b) in word.iter().enumerate() {
            sid = self.nfa.next_state(Anchored::Yes, sid, b);
            if self.nfa.is_dead(sid) {
                return AFTER_DEAD;
            }
            if self.nfa.is_match(sid)
                && (0..self.nfa.match_len(sid))
                    .any(|k| self.lens[self.nfa.match_pattern(sid, k).as_usize()] as usize == i + 1)
            {
                return AFTER_MATCH;
            }
        }
        let id = sid.as_u32();
        assert!(id < AFTER_MATCH, "automaton state ids stay far below the reserved values");
        id
    }

    /// Same as [`WordStartSearch::walk`] from `from`, when the first `skip`
    /// bytes have already been read and led to state `after` (a value of
    /// [`WordStartSearch::after_word`]).
    #[inline]
    fn walk_after(&self, hay: &[u8], from: usize, skip: usize, after: u32, f: impl FnMut(usize, usize)) {
        match after {
            AFTER_DEAD => {}
            AFTER_MATCH => self.walk(hay, from, f),
            id => self.walk_on(hay, from, skip, StateID::must(id as usize), f),
        }
    }

    /// The walk from `from`, resumed after `skip` bytes at state `sid`.
    #[inline]
    fn walk_on(&self, hay: &[u8], from: usize, skip: usize, mut sid: StateID, mut f: impl FnMut(usize, usize)) {
        for (i, &b) in hay[from + skip..].iter().enumerate() {
            sid = self.nfa.next_state(Anchored::Yes, sid, b);
            if !self.nfa.is_special(sid) {
                continue;
            }
            if self.nfa.is_dead(sid) {
                return;
            }
            if self.nfa.is_match(sid) {
                let n = skip + i + 1;
                for k in 0..self.nfa.match_len(sid) {
                    let p = self.nfa.match_pattern(sid, k).as_usize();
                    // A match state also lists patterns that are suffixes of
                    // the path walked; only those of the walked length start
                    // at `from`.
                    if self.lens[p] as usize == n {
                        f(p, from + n);
                    }
                }
            }
        }
    }
}

/// Appends `x` to `v`, making room for 16 at the first: most texts have no
/// match at all (nothing allocated), and the others a handful (one
/// allocation rather than one per doubling from four).
#[inline]
fn push<T>(v: &mut Vec<T>, x: T) {
    if v.capacity() == 0 {
        v.reserve(16);
    }
    v.push(x);
}

/// Non-overlapping half-open ranges, by start: an overlap test and an
/// insertion in logarithmic time.
#[derive(Default)]
struct Disjoint(std::collections::BTreeMap<u32, u32>);

impl Disjoint {
    /// Adds `[s, e)` unless it overlaps a range already held; returns whether
    /// it was added. The held ranges are disjoint, so their ends rise with
    /// their starts: the last one starting before `e` is the only one that
    /// can reach past `s`.
    fn insert(&mut self, s: u32, e: u32) -> bool {
        if self.0.range(..e).next_back().is_some_and(|(_, &held_end)| held_end > s) {
            return false;
        }
        self.0.insert(s, e);
        true
    }
}

/// The ends a word must share with some typo term to be one edit from it.
///
/// One edit (insertion, deletion, substitution or swap of neighbours) at
/// byte `p` of a term of `n` bytes leaves its first `p` bytes and its last
/// `n - p - 2` or more in place. So a word one edit from a term shares with
/// it its first `k` bytes or its last `k`, for any `k ≤ (n - 1) / 2`. A word
/// of `len` bytes can only be one edit from terms of `len - 1` bytes or
/// more, and terms have at least [`TYPO_MIN_LEN`]: `k` is chosen from the
/// word's length alone. Two set lookups then turn away almost every word,
/// where the full lookup built and hashed one variant per byte of the word
/// (the first sight of a long word paid that for nothing, nearly always).
struct TypoEnds(FxHashSet<(bool, u8, u64)>);

impl TypoEnds {
    /// `k` for the shortest terms.
    const MIN: usize = (TYPO_MIN_LEN - 1) / 2;
    /// Longest end compared (a shorter end is still shared).
    const MAX: usize = 8;

    fn new(terms: &[(String, u32)]) -> TypoEnds {
        let mut set = FxHashSet::default();
        for (t, _) in terms {
            let b = t.as_bytes();
            for k in Self::MIN..=(b.len().saturating_sub(1) / 2).min(Self::MAX) {
                set.insert((false, k as u8, Self::pack(&b[..k])));
                set.insert((true, k as u8, Self::pack(&b[b.len() - k..])));
            }
        }
        TypoEnds(set)
    }

    /// Up to eight bytes as one number.
    fn pack(b: &[u8]) -> u64 {
        b.iter().rev().fold(0, |acc, &x| acc << 8 | u64::from(x))
    }

    /// False when no term of at least [`TYPO_MIN_LEN`] bytes is one edit
    /// from `word`.
    fn may_be_near(&self, word: &[u8]) -> bool {
        let k = (word.len().saturating_sub(2) / 2).clamp(Self::MIN, Self::MAX);
        if word.len() < k {
            return false; // shorter than any term less one byte
        }
        self.0.contains(&(false, k as u8, Self::pack(&word[..k])))
            || self.0.contains(&(true, k as u8, Self::pack(&word[word.len() - k..])))
    }
}

/// Compiled vocabulary automata.
pub struct Matcher {
    terms: WordStartSearch,
    term_pats: Vec<TermPat>,
    lookalike_ac: WordStartSearch,
    lookalike_keys: FxHashSet<String>,
    cues: WordStartSearch,
    cue_pats: Vec<u32>,
    /// deletion variant -> indices into `typo_terms`
    typo_index: FxHashMap<String, Vec<u32>>,
    typo_terms: Vec<(String, u32)>,
    typo_ends: TypoEnds,
    /// Longest word that can be one edit from a typo term. Longer words are
    /// not looked up: the lookup costs the square of the word's length, and a
    /// hostile text can hold a word of a megabyte.
    typo_max_len: usize,
    /// Identifies this matcher in word-cache memos.
    id: u64,
}

static NEXT_MATCHER_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
/// Memo value for "no typo match".
const NO_TYPO: u32 = u32::MAX - 1;
/// Memo slots in the word cache: the typo lookup, and which automata may
/// find a match starting at the word (bits `STARTS_*`).
const MEMO_TYPO: usize = 0;
const MEMO_STARTS: usize = 1;
/// Per automaton: where a walk stands after the word (see
/// [`WordStartSearch::after_word`]).
const MEMO_AFTER_TERM: usize = 2;
const MEMO_AFTER_LOOKALIKE: usize = 3;
const MEMO_AFTER_CUE: usize = 4;
/// Values of [`WordStartSearch::after_word`] that are not states.
const AFTER_DEAD: u32 = u32::MAX - 1;
const AFTER_MATCH: u32 = u32::MAX - 2;
const STARTS_TERM: u32 = 1;
const STARTS_LOOKALIKE: u32 = 2;
const STARTS_CUE: u32 = 4;
/// Long enough, and not too long, for the one-typo lookup.
const TYPO_SIZED: u32 = 8;

/// Calls `f` with each variant of `s` missing one of its one-byte
/// characters, built in one buffer: the typo lookup runs this for every new
/// long word, and a string per variant cost more than the lookups.
fn for_each_deletion(s: &str, mut f: impl FnMut(&str)) {
    let mut v = String::with_capacity(s.len());
    for i in (0..s.len()).filter(|&i| s.is_char_boundary(i) && s.is_char_boundary(i + 1)) {
        v.clear();
        v.push_str(&s[..i]);
        v.push_str(&s[i + 1..]);
        f(&v);
    }
}

/// Optimal string alignment distance, bounded: returns true when `a` and `b`
/// differ by at most one insertion, deletion, substitution or swap of
/// neighbours.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a == b {
        return true;
    }
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 1 {
        return false;
    }
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if la == lb {
        // substitution or transposition
        (a[p + 1..] == b[p + 1..]) || (p + 1 < la && a[p] == b[p + 1] && a[p + 1] == b[p] && a[p + 2..] == b[p + 2..])
    } else if la > lb {
        a[p + 1..] == b[p..]
    } else {
        b[p + 1..] == a[p..]
    }
}

impl Matcher {
    /// Compiles the vocabulary's terms through the analysis path, so a term
    /// and a text that read the same to vigie match.
    pub fn new(lex: &Lexicon) -> Matcher {
        let mut cache = WordCache::default();
        let mut patterns = Vec::new();
        let mut term_pats = Vec::new();
        let mut typo_terms = Vec::new();
        for (pi, p) in lex.practices.iter().enumerate() {
            let strong = p.strong_terms().map(|t| (t, false));
            let weak = p.weak.iter().map(|t| (t.as_str(), true));
            for (t, weak) in strong.chain(weak) {
                let TermForms { keys: key, words, first_folded: folded, .. } = lex.terms.forms(t, &mut cache);
                let multiword = words > 1;
                if key.is_empty() {
                    continue;
                }
                // Typos are looked up on the folded form, before doubled
                // letters collapse: "haptoomie" is one edit from
                // "haptonomie", not two.
                if !weak && !multiword && folded.len() >= TYPO_MIN_LEN {
                    typo_terms.push((folded, term_pats.len() as u32));
                }
                term_pats.push(TermPat { practice: pi as u32, weak, multiword, len: key.len() as u32 });
                patterns.push(key);
            }
        }
        let mut typo_index: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        for (ti, (k, _)) in typo_terms.iter().enumerate() {
            typo_index.entry(k.clone()).or_default().push(ti as u32);
            for_each_deletion(k, |v| typo_index.entry(v.to_string()).or_default().push(ti as u32));
        }
        let lookalike_forms: Vec<TermForms> =
            lex.lookalikes.iter().map(|l| lex.terms.forms(&l.term, &mut cache)).collect();
        let lookalike_patterns: Vec<String> = lookalike_forms.iter().map(|f| f.keys.clone()).collect();
        let lookalike_keys = lookalike_forms.iter().map(TermForms::term_key).collect();
        let mut cue_patterns = Vec::new();
        let mut cue_pats = Vec::new();
        for (ci, c) in lex.cues.iter().enumerate() {
            for t in &c.terms {
                let stems = lex.terms.forms(t, &mut cache).stems;
                if !stems.is_empty() {
                    cue_patterns.push(stems);
                    cue_pats.push(ci as u32);
                }
            }
        }
        Matcher {
            terms: WordStartSearch::new(&patterns),
            term_pats,
            lookalike_ac: WordStartSearch::new(&lookalike_patterns),
            lookalike_keys,
            cues: WordStartSearch::new(&cue_patterns),
            cue_pats,
            typo_max_len: typo_terms.iter().map(|t| t.0.len() + 1).max().unwrap_or(0),
            typo_index,
            typo_ends: TypoEnds::new(&typo_terms),
            typo_terms,
            id: NEXT_MATCHER_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// The automata in use, for diagnostics: pattern count and memory of each.
    pub fn describe(&self) -> String {
        let one = |w: &WordStartSearch| format!("{} patterns, {} KiB", w.len(), w.nfa.memory_usage() / 1024);
        format!(
            "anchored automata (contiguous NFA) walked from word starts: terms {}, look-alikes {}, cues {}",
            one(&self.terms),
            one(&self.lookalike_ac),
            one(&self.cues)
        )
    }

    /// Where a key-stream match may end: at the end of a word, or before a
    /// plural/feminine ending. Returns the key position of the word end.
    fn accept_end(a: &Analysis, e: u32) -> Option<u32> {
        let we = a.key_end_of(e - 1);
        if we == e {
            return Some(we);
        }
        let rest = &a.keys[e as usize..we as usize];
        ENDINGS.contains(&rest).then_some(we)
    }

    /// Matches of `ac` in the key stream that start where a word starts,
    /// with (pattern, start, end, end of the word the match ends in).
    fn key_matches(
        &self,
        a: &Analysis,
        ac: &WordStartSearch,
        bits: &[u32],
        bit: u32,
        slot: usize,
    ) -> Vec<(usize, u32, u32, u32)> {
        let mut out = Vec::new();
        let keys = a.keys.as_bytes();
        let mut last = u32::MAX;
        for (i, (t, &b)) in a.tokens.iter().zip(bits).enumerate() {
            // Words with an empty key share their start with the next word.
            if t.key_start == last || t.key_start as usize >= keys.len() {
                continue;
            }
            last = t.key_start;
            if b & bit == 0 {
                continue;
            }
            let s = t.key_start;
            let len = a.key_end(i) - s;
            let after = a.cache().memo(t.word, self.id, slot, || ac.after_word(a.word(t).key.text.as_bytes()));
            ac.walk_after(keys, s as usize, len as usize, after, |p, e| {
                if let Some(we) = Self::accept_end(a, e as u32) {
                    push(&mut out, (p, s, e as u32, we));
                }
            });
        }
        out
    }

    /// What token `t` may take part in: matches starting at it (`STARTS_*`
    /// bits) and the typo lookup (`TYPO_SIZED`). Depends on the word alone.
    #[inline]
    fn starts(&self, a: &Analysis, t: &crate::analysis::Token) -> u32 {
        a.cache().memo(t.word, self.id, MEMO_STARTS, || {
            let w = a.word(t);
            let key = w.key.text.as_bytes();
            let mut bits = 0;
            let len = w.folded.len();
            if len >= TYPO_MIN_LEN - 1 && len <= self.typo_max_len {
                bits |= TYPO_SIZED;
            }
            if self.terms.may_start_with(key) {
                bits |= STARTS_TERM;
            }
            if self.lookalike_ac.may_start_with(key) {
                bits |= STARTS_LOOKALIKE;
            }
            if self.cues.may_start_with(w.stem.as_bytes()) {
                bits |= STARTS_CUE;
            }
            bits
        })
    }

    /// Finds practices, look-alikes and cues in `a`.
    pub fn find(&self, a: &Analysis) -> Hits {
        let mut hits = Hits::default();
        if a.tokens.is_empty() {
            return hits;
        }
        // One memo lookup per token serves every loop below.
        let bits: Vec<u32> = a.tokens.iter().map(|t| self.starts(a, t)).collect();
        // Matches come in the order of their start, and so does every list
        // below until sorted otherwise: overlaps are found by binary search
        // and sweeps, never by scanning a list per match, which made a
        // window crowded with matches (a page repeating a practice's name)
        // cost the square of their number.
        let looks = self.key_matches(a, &self.lookalike_ac, &bits, STARTS_LOOKALIKE, MEMO_AFTER_LOOKALIKE);
        // A look-alike covering a match starts at most this far before it.
        let look_reach = looks.iter().map(|&(_, ls, le, lwe)| lwe.max(le) - ls).max().unwrap_or(0);
        let mut cands: Vec<(u32, u32, TermPat, MatchHow)> = Vec::new();
        for (pi, s, e, we) in self.key_matches(a, &self.terms, &bits, STARTS_TERM, MEMO_AFTER_TERM) {
            let pat = self.term_pats[pi];
            let spans_words = a.token_at_key(s) != a.token_at_key(e - 1);
            if spans_words && !pat.multiword && (pat.len as usize) < SPLIT_MIN_LEN {
                continue;
            }
            // A look-alike covering the match vetoes it (e.g. "jeûne
            // préopératoire" over "jeûne").
            let near =
                looks.partition_point(|l| l.1 < s.saturating_sub(look_reach))..looks.partition_point(|l| l.1 <= s);
            if looks[near].iter().any(|&(_, ls, le, lwe)| ls <= s && lwe.max(le) >= we && (le - ls) >= (e - s)) {
                continue;
            }
            push(&mut cands, (s, we, pat, MatchHow::Exact));
        }
        // One typo in long single words not matched otherwise.
        if !self.typo_terms.is_empty() {
            // Sweeps over the exact matches and the look-alikes (both by
            // start): how many start before the current word's end, and the
            // furthest end among those. Word ends never decrease.
            let exact = cands.len();
            let (mut ci, mut cands_end, mut li, mut looks_end) = (0, 0, 0, 0);
            for (i, t) in a.tokens.iter().enumerate().filter(|&(i, _)| bits[i] & TYPO_SIZED != 0) {
                // The word's cached analysis is only read when the lookup is
                // not remembered (reading it for every long word cost a
                // cache miss each).
                let s = t.key_start;
                let e = a.key_end(i);
                while ci < exact && cands[ci].0 < e {
                    cands_end = cands_end.max(cands[ci].1);
                    ci += 1;
                }
                while li < looks.len() && looks[li].1 < e {
                    looks_end = looks_end.max(looks[li].3);
                    li += 1;
                }
                // Something that starts before the word ends and ends after
                // it starts overlaps it.
                if cands_end > s || looks_end > s {
                    continue;
                }
                // The lookup depends on the word alone: remember it per word.
                let found = a.cache().memo(t.word, self.id, MEMO_TYPO, || {
                    let w = a.word(t);
                    let key = &w.key.text;
                    if self.lookalike_keys.contains(key.as_str()) {
                        return NO_TYPO;
                    }
                    self.typo_match(&w.folded).unwrap_or(NO_TYPO)
                });
                if found != NO_TYPO {
                    push(&mut cands, (s, e, self.term_pats[found as usize], MatchHow::Typo));
                }
            }
        }
        // Longest first, strong before weak; keep non-overlapping.
        cands.sort_by_key(|&(s, e, p, _)| (std::cmp::Reverse(e - s), p.weak, s));
        let mut taken = Disjoint::default();
        hits.practices.reserve_exact(cands.len());
        for (s, e, pat, how) in cands {
            if !taken.insert(s, e) {
                continue;
            }
            let (start, end) = a.key_span(s, e);
            hits.practices.push(PracticeHit { practice: pat.practice as usize, weak: pat.weak, how, start, end });
        }
        hits.practices.sort_by_key(|h| (h.start, h.end));
        hits.lookalikes.reserve_exact(looks.len());
        for (li, s, _e, we) in looks {
            let (start, end) = a.key_span(s, we);
            hits.lookalikes.push((li, start, end));
        }
        // Cues over stems: whole stems only; overlapping phrases of the same cue
        // keep the longest.
        let mut cue_cands: Vec<(u32, u32, u32)> = Vec::new();
        let stems = a.stems.as_bytes();
        for (ci, &ti) in a.content.iter().enumerate() {
            if bits[ti as usize] & STARTS_CUE == 0 {
                continue;
            }
            let t = &a.tokens[ti as usize];
            let s = t.stem_start;
            let end = a.stem_end(ci);
            let after =
                a.cache().memo(t.word, self.id, MEMO_AFTER_CUE, || self.cues.after_word(a.word(t).stem.as_bytes()));
            self.cues.walk_after(stems, s as usize, (end - s) as usize, after, |p, e| {
                if a.is_stem_end(e as u32) {
                    push(&mut cue_cands, (s, e as u32, self.cue_pats[p]));
                }
            });
        }
        cue_cands.sort_by_key(|&(s, e, c)| (c, std::cmp::Reverse(e - s), s));
        let mut kept: Vec<(u32, u32, u32)> = Vec::with_capacity(cue_cands.len());
        // Phrases kept for the cue being read (candidates come cue by cue).
        let mut kept_of_cue = (u32::MAX, Disjoint::default());
        for (s, e, c) in cue_cands {
            if kept_of_cue.0 != c {
                kept_of_cue = (c, Disjoint::default());
            }
            if kept_of_cue.1.insert(s, e) {
                kept.push((s, e, c));
            }
        }
        kept.sort_by_key(|&(s, e, c)| (s, e, c));
        hits.cues.reserve_exact(kept.len());
        for (s, e, c) in kept {
            let (start, end) = a.stem_span(s, e);
            hits.cues.push(CueHit { cue: c as usize, start, end });
        }
        hits
    }

    /// Index of the pattern `key` matches with one typo, if exactly one
    /// practice is that close.
    fn typo_match(&self, key: &str) -> Option<u32> {
        if !self.typo_ends.may_be_near(key.as_bytes()) {
            return None;
        }
        let mut found: Option<u32> = None;
        let mut check = |variant: &str| {
            if let Some(list) = self.typo_index.get(variant) {
                for &ti in list {
                    let (term, pat) = &self.typo_terms[ti as usize];
                    if within_one_edit(term, key) {
                        match found {
                            None => found = Some(*pat),
                            Some(f)
                                if self.term_pats[f as usize].practice != self.term_pats[*pat as usize].practice =>
                            {
                                found = Some(u32::MAX); // ambiguous: two practices
                            }
                            _ => {}
                        }
                    }
                }
            }
        };
        check(key);
        for_each_deletion(key, check);
        found.filter(|&p| p != u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;

    proptest::proptest! {
        #[test]
        fn a_word_one_edit_from_a_typo_term_is_never_turned_away_by_its_ends(
            term in "[a-z]{8,20}",
            edit in 0usize..5,
            at in 0usize..20,
            letter in proptest::char::range('a', 'z'),
        ) {
            let mut w: Vec<u8> = term.clone().into_bytes();
            let p = at % w.len();
            match edit {
                0 => {}
                1 => w[p] = letter as u8,
                2 => { w.remove(p); }
                3 => w.insert(p, letter as u8),
                _ => { let q = (p + 1).min(w.len() - 1); w.swap(p, q); }
            }
            let word = String::from_utf8(w).unwrap();
            proptest::prop_assert!(within_one_edit(&term, &word));
            let ends = TypoEnds::new(&[(term.clone(), 0)]);
            proptest::prop_assert!(ends.may_be_near(word.as_bytes()), "{} vs {}", term, word);
        }

        #[test]
        fn disjoint_ranges_refuse_exactly_what_overlaps_a_held_range(
            ranges in proptest::collection::vec((0u32..60, 1u32..12), 0..40)
        ) {
            let mut fast = Disjoint::default();
            let mut held: Vec<(u32, u32)> = Vec::new();
            for (s, len) in ranges {
                let e = s + len;
                let free = !held.iter().any(|&(hs, he)| hs < e && he > s);
                proptest::prop_assert_eq!(fast.insert(s, e), free);
                if free {
                    held.push((s, e));
                }
            }
        }
    }

    #[test]
    fn a_window_crowded_with_matches_keeps_every_non_overlapping_one() {
        let m = Matcher::new(&Lexicon::builtin());
        let mut cache = WordCache::default();
        let n = 3000;
        let text = "reiki kinésiologie jeûne préopératoire magnétiseur ".repeat(n);
        let a = analyze(&text, &mut cache);
        let hits = m.find(&a);
        let lex = Lexicon::builtin();
        let count = |id: &str| hits.practices.iter().filter(|h| lex.practices[h.practice].id == id).count();
        assert_eq!(count("reiki"), n);
        assert_eq!(count("kinesiologie"), n);
        // "jeûne préopératoire" is a look-alike: it vetoes the fasting term.
        assert_eq!(hits.lookalikes.len(), n);
        assert!(hits.practices.iter().all(|h| !text[h.start..h.end].starts_with("jeûne")));
    }

    #[test]
    fn a_word_sharing_neither_end_with_a_typo_term_is_turned_away() {
        let ends = TypoEnds::new(&[("kinesiologie".to_string(), 0)]);
        assert!(!ends.may_be_near(b"consultation"));
        assert!(ends.may_be_near(b"kinesiologue"));
        assert!(ends.may_be_near(b"kynesiologie"));
    }

    #[test]
    fn one_edit_accepts_each_kind_of_typo() {
        assert!(within_one_edit("kinesiologie", "kinesiologie"));
        assert!(within_one_edit("kinesiologie", "kinesologie"));
        assert!(within_one_edit("kinesiologie", "kinesiiologie"));
        assert!(within_one_edit("kinesiologie", "kinesiolagie"));
        assert!(within_one_edit("kinesiologie", "kinesoilogie"));
    }

    #[test]
    fn one_edit_rejects_two_edits() {
        assert!(!within_one_edit("kinesiologie", "kinesitherapie"));
        assert!(!within_one_edit("abc", "bca"));
        assert!(!within_one_edit("kinesiologie", "kinseoilogie"));
    }
}

#[cfg(test)]
mod vocabulary_tests {
    use super::*;
    use crate::analysis::analyze;
    use crate::lexicon::Lexicon;

    fn setup() -> (Lexicon, Matcher) {
        let lex = Lexicon::from_toml_str(include_str!("../tests/fixtures/lexicon-mini.toml"), "mini").unwrap();
        let m = Matcher::new(&lex);
        (lex, m)
    }

    fn practices(text: &str) -> Vec<(String, String, bool)> {
        let (lex, m) = setup();
        let mut c = WordCache::default();
        let a = analyze(text, &mut c);
        m.find(&a)
            .practices
            .iter()
            .map(|h| (lex.practices[h.practice].id.clone(), text[h.start..h.end].to_string(), h.weak))
            .collect()
    }

    #[test]
    fn terms_remembered_from_validation_read_as_a_fresh_analysis_reads_them() {
        let lex = Lexicon::builtin();
        let practice_terms =
            lex.practices.iter().flat_map(|p| p.strong_terms().chain(p.weak.iter().map(String::as_str)));
        let cue_terms = lex.cues.iter().flat_map(|c| c.terms.iter().map(String::as_str));
        let lookalike_terms = lex.lookalikes.iter().map(|l| l.term.as_str());
        let mut checked = 0;
        for term in practice_terms.chain(cue_terms).chain(lookalike_terms) {
            let remembered = lex.terms.get(term).unwrap_or_else(|| panic!("'{term}' was not remembered"));
            assert_eq!(*remembered, TermForms::of(term, &mut WordCache::default()), "{term}");
            checked += 1;
        }
        assert!(checked > 1000, "only {checked} terms");
    }

    #[test]
    fn a_term_added_after_loading_is_analysed_and_matched() {
        let mut lex = Lexicon::from_toml_str(include_str!("../tests/fixtures/lexicon-mini.toml"), "mini").unwrap();
        assert!(lex.terms.get("zorglubothérapie").is_none());
        lex.practices[0].aliases.push("zorglubothérapie".into());
        let m = Matcher::new(&lex);
        let mut c = WordCache::default();
        let text = "Séances de Zorglubothérapie le mardi.";
        let hits = m.find(&analyze(text, &mut c)).practices;
        assert_eq!(hits.len(), 1);
        assert_eq!((hits[0].practice, &text[hits[0].start..hits[0].end]), (0, "Zorglubothérapie"));
    }

    /// Every match a walk from a word start reports, resumed after the first
    /// word or walked whole.
    type Found = Vec<(usize, usize)>;

    fn both_walks(ac: &WordStartSearch, hay: &[u8], first: usize) -> (Found, Found) {
        let (mut whole, mut resumed) = (Vec::new(), Vec::new());
        ac.walk(hay, 0, |p, e| whole.push((p, e)));
        ac.walk_after(hay, 0, first, ac.after_word(&hay[..first]), |p, e| resumed.push((p, e)));
        (whole, resumed)
    }

    #[test]
    fn a_walk_resumed_after_the_first_word_finds_what_a_whole_walk_finds() {
        let (_, m) = setup();
        let mut found = 0;
        for (hay, first) in [
            ("kinesiologieappliquee", 12),
            ("kinesiologieappliquee", 4),
            ("kinesiologieappliquee", 0),
            ("ksiologie", 1),
            ("zzzkinesiologie", 3),
        ] {
            let (whole, resumed) = both_walks(&m.terms, hay.as_bytes(), first);
            found += whole.len();
            assert_eq!(whole, resumed, "{hay} after {first} bytes");
        }
        // Cue phrases run over stems separated by spaces: resume after each
        // stem of a phrase, and after a stem that begins none.
        let mut c = WordCache::default();
        for text in ["elle ne prend plus son insuline", "il faut arrêter la chimio", "on veut guérir définitivement"]
        {
            let a = analyze(text, &mut c);
            let mut at = 0;
            for stem in a.stems.split(' ') {
                let hay = &a.stems.as_bytes()[at..];
                let (whole, resumed) = both_walks(&m.cues, hay, stem.len());
                found += whole.len();
                assert_eq!(whole, resumed, "{:?} after {stem:?}", &a.stems[at..]);
                at += stem.len() + 1;
            }
        }
        assert!(found >= 4, "the samples must contain matches ({found})");
    }

    #[test]
    fn evasive_spellings_resolve_to_the_practice_with_original_spans() {
        for t in [
            "k1nésio-logie",
            "KINESIOLOGIE",
            "kinésiologue",
            "kіnésiologie",
            "kiné\u{200B}siologie",
            "k i n é s i o l o g i e",
        ] {
            let text = format!("Séance de {t} ce soir");
            let p = practices(&text);
            assert_eq!(p, vec![("kinesiologie".to_string(), t.to_string(), false)], "{t}");
        }
    }

    #[test]
    fn plural_practitioner_forms_match() {
        assert_eq!(practices("des kinésiologues")[0].1, "kinésiologues");
    }

    #[test]
    fn kinesitherapie_is_not_a_practice() {
        assert!(practices("Cours de kinésithérapie respiratoire pour kinésithérapeutes").is_empty());
    }

    #[test]
    fn microkine_does_not_match_inside_other_words_but_split_forms_do() {
        assert_eq!(practices("la micro-kiné")[0].0, "microkinesitherapie");
        assert_eq!(practices("la micro kiné")[0].0, "microkinesitherapie");
    }

    #[test]
    fn one_typo_in_a_long_term_still_matches() {
        let p = practices("un stage de kinesiolgie");
        assert_eq!(p[0].0, "kinesiologie");
    }

    #[test]
    fn lookalike_vetoes_a_weak_term_it_covers() {
        assert!(practices("respecter le jeûne préopératoire de six heures").is_empty());
        assert!(practices("un jeûne de dix jours")[0].2);
    }

    #[test]
    fn short_terms_do_not_match_across_words() {
        assert!(practices("le rei ki").is_empty());
    }

    #[test]
    fn cues_match_inflected_forms() {
        let (lex, m) = setup();
        let mut c = WordCache::default();
        let text = "Ma mère a arrêté sa chimiothérapie.";
        let a = analyze(text, &mut c);
        let h = m.find(&a);
        assert_eq!(h.cues.len(), 1);
        assert_eq!(lex.cues[h.cues[0].cue].id, "treatment-stopped");
        assert_eq!(&text[h.cues[0].start..h.cues[0].end], "arrêté sa chimiothérapie");
    }
}
