//! The one text-analysis path of vigie.
//!
//! ```text
//! text ──segment──▶ raw words ──WordCache (fold · key · stem · n-grams)──▶ tokens
//!                                                                        │
//!            ┌───────────────────────────────────────────────────────────┤
//!            ▼                                                           ▼
//!   key stream "biokinergiecours…"                        stem stream "cour biokinerg …"
//!   (vocabulary automaton)                                (cue automaton, word features)
//! ```
//!
//! Scoring, training, explanation and evaluation all call [`analyze`]; every
//! span vigie reports is converted back to byte offsets of the original text
//! through the alignments kept here, so a reviewer sees exactly what the model
//! saw.

pub mod fold;
pub mod token;
pub mod word;

use token::{segment_into, RawWord};
use word::{WordCache, WordInfo};

/// One word of the analysed text.
#[derive(Debug, Clone, Copy)]
pub struct Token {
    /// Byte range in the original text.
    pub start: u32,
    pub end: u32,
    /// Id in the [`WordCache`].
    pub word: u32,
    /// Where this word's matching key starts in [`Analysis::keys`].
    pub key_start: u32,
    /// Where this word's stem starts in [`Analysis::stems`]; `u32::MAX` for stop words.
    pub stem_start: u32,
    /// Index of the letter offsets of a merged spelling, or `u32::MAX`.
    merged: u32,
}

impl Token {
    /// True for words that carry features (not stop words).
    pub fn is_content(&self) -> bool {
        self.stem_start != u32::MAX
    }
}

/// The analysis of one text.
pub struct Analysis<'c> {
    /// Words in text order.
    pub tokens: Vec<Token>,
    /// Matching keys of all words, concatenated without separator, so that a
    /// term split by spaces, hyphens or dots is still one run of letters.
    pub keys: String,
    /// Stems of content words separated by one space.
    pub stems: String,
    /// Token index of each content word, in stem-stream order.
    pub content: Vec<u32>,
    merged: Vec<RawWord>,
    cache: &'c WordCache,
}

/// Analyses `text`, adding new words to `cache`.
///
/// ```
/// use vigie::analysis::{analyze, word::WordCache};
/// let mut cache = WordCache::default();
/// let a = analyze("Formation à la k1nésiologie", &mut cache);
/// assert_eq!(a.keys, "formationalakinesiologie");
/// assert_eq!(a.stems, "format kinesiolog");
/// ```
pub fn analyze<'c>(text: &str, cache: &'c mut WordCache) -> Analysis<'c> {
    let mut raw = Vec::with_capacity(text.len() / 6 + 1);
    segment_into(text, &mut raw);
    let mut tokens = Vec::with_capacity(raw.len());
    let mut keys = Vec::with_capacity(text.len() + 16);
    let mut stems = Vec::with_capacity(text.len() + 16);
    let mut content = Vec::with_capacity(raw.len());
    let mut merged = Vec::new();
    let mut buf = String::new();
    for w in raw {
        let (id, key_start, stem_start) = cache.intern_into(w.key(text, &mut buf), &mut keys, &mut stems);
        if stem_start != u32::MAX {
            content.push(tokens.len() as u32);
        }
        let (start, end) = (w.start, w.end);
        let m = if w.pieces.is_empty() {
            u32::MAX
        } else {
            merged.push(w);
            (merged.len() - 1) as u32
        };
        tokens.push(Token { start, end, word: id, key_start, stem_start, merged: m });
    }
    let cache: &'c WordCache = cache;
    let keys = whole_strings(keys);
    let stems = whole_strings(stems);
    Analysis { tokens, keys, stems, content, merged, cache }
}

/// The bytes of whole UTF-8 strings (keys and stems copied from the word
/// cache, and spaces) as a `String`, without validating them again: that
/// second pass over every text cost 3 % of scoring. Debug builds (and the
/// tests) still check.
fn whole_strings(bytes: Vec<u8>) -> String {
    debug_assert!(std::str::from_utf8(&bytes).is_ok());
    // SAFETY: `WordCache::intern_into` only appends the bytes of a `String`
    // (a key or a stem, copied whole: the fixed 16-byte move is cut back to
    // the string's length) and ASCII spaces, so the bytes are valid UTF-8.
    unsafe { String::from_utf8_unchecked(bytes) }
}

impl<'c> Analysis<'c> {
    /// The text as vigie reads it: the folded words separated by two spaces
    /// (one space could make four one-letter words read as a spelled-out
    /// word). Analysing this again gives the same words.
    pub fn normalized(&self) -> String {
        let words: Vec<&str> = self.tokens.iter().map(|t| &*self.word(t).folded).filter(|w| !w.is_empty()).collect();
        words.join("  ")
    }

    /// The word cache behind this analysis.
    pub fn cache(&self) -> &'c WordCache {
        self.cache
    }

    /// The cached analysis of a token's word.
    #[inline]
    pub fn word(&self, t: &Token) -> &'c WordInfo {
        self.cache.get(t.word)
    }

    fn to_text(&self, t: &Token, raw_off: u32) -> u32 {
        if t.merged == u32::MAX {
            t.start + raw_off
        } else {
            self.merged[t.merged as usize].to_text_offset(raw_off)
        }
    }

    /// Index of the token whose key contains key-stream byte `pos`.
    pub fn token_at_key(&self, pos: u32) -> usize {
        self.tokens.partition_point(|t| t.key_start <= pos).saturating_sub(1)
    }

    /// True when key-stream byte `pos` is where a word's key starts.
    pub fn is_key_start(&self, pos: u32) -> bool {
        let i = self.token_at_key(pos);
        self.tokens.get(i).is_some_and(|t| t.key_start == pos) && !self.key_empty(i)
    }

    /// Where token `i`'s key ends in the key stream (the next token's key
    /// start): read from the token table, not from the word's cached
    /// analysis, which would cost a cache miss per token.
    #[inline]
    pub fn key_end(&self, i: usize) -> u32 {
        self.tokens.get(i + 1).map_or(self.keys.len() as u32, |t| t.key_start)
    }

    fn key_empty(&self, i: usize) -> bool {
        self.key_end(i) == self.tokens[i].key_start
    }

    /// The key-stream end of the word containing byte `pos`.
    pub fn key_end_of(&self, pos: u32) -> u32 {
        self.key_end(self.token_at_key(pos))
    }

    /// Byte range in the original text of key-stream range `[a, b)`.
    pub fn key_span(&self, a: u32, b: u32) -> (usize, usize) {
        let ta = self.token_at_key(a);
        let tb = self.token_at_key(b.saturating_sub(1).max(a));
        let (t1, t2) = (&self.tokens[ta], &self.tokens[tb]);
        let k1 = &self.word(t1).key;
        let k2 = &self.word(t2).key;
        let start = self.to_text(t1, k1.map[(a - t1.key_start) as usize].0);
        let end =
            if b == self.key_end(tb) { t2.end } else { self.to_text(t2, k2.map[(b - 1 - t2.key_start) as usize].1) };
        (start as usize, end as usize)
    }

    /// Where the stem of content word `ci` (an index into `content`) ends in
    /// the stem stream: stems are separated by one space.
    #[inline]
    pub fn stem_end(&self, ci: usize) -> u32 {
        self.content.get(ci + 1).map_or(self.stems.len() as u32, |&n| self.tokens[n as usize].stem_start - 1)
    }

    /// Index (into `content`) of the content word whose stem contains
    /// stem-stream byte `pos`.
    pub fn content_at_stem(&self, pos: u32) -> usize {
        self.content.partition_point(|&ti| self.tokens[ti as usize].stem_start <= pos).saturating_sub(1)
    }

    /// True when stem-stream byte `pos` starts a stem.
    pub fn is_stem_start(&self, pos: u32) -> bool {
        pos == 0 || self.stems.as_bytes().get(pos as usize - 1) == Some(&b' ')
    }

    /// True when stem-stream byte `pos` ends a stem.
    pub fn is_stem_end(&self, pos: u32) -> bool {
        pos as usize == self.stems.len() || self.stems.as_bytes().get(pos as usize) == Some(&b' ')
    }

    /// Byte range in the original text of stem-stream range `[a, b)`.
    pub fn stem_span(&self, a: u32, b: u32) -> (usize, usize) {
        let first = self.tokens[self.content[self.content_at_stem(a)] as usize];
        let last = self.tokens[self.content[self.content_at_stem(b.saturating_sub(1).max(a))] as usize];
        (first.start as usize, last.end as usize)
    }

    /// Tokens of the content words, in order.
    pub fn content_tokens(&self) -> impl Iterator<Item = &Token> + '_ {
        self.content.iter().map(move |&i| &self.tokens[i as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_span_points_at_original_bytes() {
        let mut c = WordCache::default();
        let text = "Un cours de K1NÉSIO-logie ici";
        let a = analyze(text, &mut c);
        let pos = a.keys.find("kinesiologie").unwrap() as u32;
        let (s, e) = a.key_span(pos, pos + 12);
        assert_eq!(&text[s..e], "K1NÉSIO-logie");
    }

    #[test]
    fn span_across_spelled_out_letters_covers_them_all() {
        let mut c = WordCache::default();
        let text = "le r e i k i soigne";
        let a = analyze(text, &mut c);
        let pos = a.keys.find("reiki").unwrap() as u32;
        let (s, e) = a.key_span(pos, pos + 5);
        assert_eq!(&text[s..e], "r e i k i");
    }

    #[test]
    fn stop_words_are_not_in_the_stem_stream() {
        let mut c = WordCache::default();
        let a = analyze("elle a arrêté sa chimiothérapie", &mut c);
        assert_eq!(a.stems, "elle arret chimiotherap");
    }

    #[test]
    fn stem_span_covers_whole_words() {
        let mut c = WordCache::default();
        let text = "elle a arrêté sa chimiothérapie.";
        let a = analyze(text, &mut c);
        let p = a.stems.find("arret").unwrap() as u32;
        let (s, e) = a.stem_span(p, a.stems.len() as u32);
        assert_eq!(&text[s..e], "arrêté sa chimiothérapie");
    }
}
