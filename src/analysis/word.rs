//! Per-word analysis and its cache.
//!
//! Everything vigie needs to know about a word depends on the word alone:
//! its folded form, its matching key, its stem, whether it is a stop word, its
//! character n-grams. All of it is computed once per distinct word and kept in
//! a [`WordCache`]; since French text is Zipfian, the expensive parts
//! (Unicode normalisation, Snowball stemming) run on a small fraction of the
//! tokens.

use super::fold::{dedup_key, fold_word, Folded};
use rustc_hash::FxHashMap;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Hash seeds, one per feature family, so that a stem and a character n-gram
/// with the same letters never share a feature.
pub mod seed {
    pub const UNIGRAM: u64 = 0x7669_6769_6501;
    pub const BIGRAM: u64 = 0x7669_6769_6502;
    pub const CHARGRAM: u64 = 0x7669_6769_6503;
    pub const NAMED: u64 = 0x7669_6769_6504;
}

/// Words skipped by features and by cue matching: articles, possessives,
/// demonstratives and a few particles that carry no meaning on their own.
/// Negations (`ne`, `pas`, `plus`) are deliberately kept: "ne prend plus son
/// insuline" must not read like "prend son insuline".
pub const STOP_WORDS: &[&str] = &[
    "a", "au", "aux", "ce", "ces", "cet", "cette", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les", "leur",
    "leurs", "ma", "mes", "mon", "nos", "notre", "ou", "sa", "ses", "son", "ta", "tes", "ton", "un", "une", "vos",
    "votre", "y",
];

/// Snowball strips "-er" as a verb ending even from nouns; these words keep
/// their form so that the singular and plural share a stem.
const STEM_EXCEPTIONS: &[(&str, &str)] = &[("cancer", "cancer"), ("cancers", "cancer")];

/// Numbers a matcher may keep per cached word (see [`WordCache::memo`]).
pub const MEMO_SLOTS: usize = 5;

/// Character n-gram length used for subword features.
pub const CHARGRAM_LEN: usize = 4;

/// What vigie knows about one distinct word.
#[derive(Debug, Clone)]
pub struct WordInfo {
    /// Folded form (lowercase, no accents, evasion undone).
    pub folded: Folded,
    /// Matching key: the folded form with doubled letters collapsed.
    pub key: Folded,
    /// French Snowball stem of the folded form.
    pub stem: Box<str>,
    /// Hash of the unigram feature for this stem.
    pub unigram: u64,
    /// Hashes of the character n-gram features of `^folded$`.
    pub chargrams: Box<[u64]>,
    /// Stop words carry no feature and are skipped by cue matching.
    pub stop: bool,
    /// Id of the first cached word with the same folded form ("Elle" and
    /// "elle"): such words have the same features, so explanations count
    /// them as one.
    pub canon: u32,
}

/// The French stemmer vigie uses. `frostem` was kept over `rust-stemmers`
/// after measurement (see README: same stems on our word families, faster,
/// maintained against upstream Snowball).
pub struct Stemmer(frostem::Stemmer);

impl Default for Stemmer {
    fn default() -> Self {
        Stemmer(frostem::Stemmer::new(frostem::Algorithm::French))
    }
}

impl Stemmer {
    /// Stems an already folded word.
    pub fn stem(&self, folded: &str) -> String {
        if let Some((_, s)) = STEM_EXCEPTIONS.iter().find(|(w, _)| *w == folded) {
            return (*s).to_string();
        }
        if !folded.is_ascii() || folded.len() < 4 || folded.bytes().any(|b| b.is_ascii_digit()) {
            return folded.to_string();
        }
        self.0.stem(folded).into_owned()
    }
}

/// Analyses one raw word from scratch (no cache).
pub fn analyse_word(raw: &str, stemmer: &Stemmer) -> WordInfo {
    let folded = fold_word(raw);
    let key = dedup_key(&folded);
    let stop = STOP_WORDS.binary_search(&folded.text.as_str()).is_ok();
    let stem = stemmer.stem(&folded.text);
    let unigram = xxh3_64_with_seed(stem.as_bytes(), seed::UNIGRAM);
    let chargrams = chargrams(&folded.text);
    WordInfo { folded, key, stem: stem.into_boxed_str(), unigram, chargrams, stop, canon: 0 }
}

/// Character n-grams of `^word$`, hashed. Words of one or two letters and
/// stop words get none: they carry no subword information.
pub fn chargrams(folded: &str) -> Box<[u64]> {
    if folded.len() < 3 || !folded.is_ascii() {
        return Box::new([]);
    }
    let mut padded = Vec::with_capacity(folded.len() + 2);
    padded.push(b'^');
    padded.extend_from_slice(folded.as_bytes());
    padded.push(b'$');
    padded.windows(CHARGRAM_LEN).map(|g| xxh3_64_with_seed(g, seed::CHARGRAM)).collect()
}

/// Names of the character n-grams of a folded word, in the order of
/// [`chargrams`]; used to explain a score in words.
pub fn chargram_names(folded: &str) -> Vec<String> {
    if folded.len() < 3 || !folded.is_ascii() {
        return Vec::new();
    }
    let padded = format!("^{folded}$");
    padded.as_bytes().windows(CHARGRAM_LEN).map(|g| String::from_utf8_lossy(g).into_owned()).collect()
}

/// Distinct words seen so far, with their analysis. Bounded: once it holds
/// `capacity` words it is emptied before the next document, which keeps the
/// memory of a long stream flat at the price of re-analysing common words.
pub struct WordCache {
    index: FxHashMap<Box<str>, u32>,
    /// folded form → first word id with it (see [`WordInfo::canon`])
    by_folded: FxHashMap<Box<str>, u32>,
    words: Vec<WordInfo>,
    stemmer: Stemmer,
    capacity: usize,
    /// (owner, values per word id) — see [`WordCache::memo`].
    memo: std::cell::RefCell<(u64, Vec<[u32; MEMO_SLOTS]>)>,
}

impl Default for WordCache {
    fn default() -> Self {
        Self::with_capacity(200_000)
    }
}

impl WordCache {
    /// A cache that holds at most `capacity` distinct words.
    pub fn with_capacity(capacity: usize) -> Self {
        WordCache {
            index: FxHashMap::default(),
            by_folded: FxHashMap::default(),
            words: Vec::new(),
            stemmer: Stemmer::default(),
            capacity,
            memo: std::cell::RefCell::new((0, Vec::new())),
        }
    }

    /// Id of `raw`, analysing it on first sight.
    #[inline]
    pub fn intern(&mut self, raw: &str) -> u32 {
        if let Some(&id) = self.index.get(raw) {
            return id;
        }
        let id = self.words.len() as u32;
        let mut info = analyse_word(raw, &self.stemmer);
        info.canon = *self.by_folded.entry(info.folded.text.as_str().into()).or_insert(id);
        self.words.push(info);
        self.index.insert(raw.into(), id);
        id
    }

    /// The analysis of word `id`.
    #[inline]
    pub fn get(&self, id: u32) -> &WordInfo {
        &self.words[id as usize]
    }

    /// Number of distinct words held.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True when no word is held.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// True when the cache holds its capacity of words.
    pub fn is_full(&self) -> bool {
        self.words.len() >= self.capacity
    }

    /// A number that a matcher (identified by `owner`) derives from word `id`
    /// alone, such as the result of a typo lookup: computed by `compute` on
    /// first request, then kept for as long as the word is cached. Each
    /// matcher has [`MEMO_SLOTS`] numbers per word; a cache serves one matcher
    /// at a time (another owner empties the memo).
    ///
    /// # Panics
    /// When `slot >= MEMO_SLOTS`, or when `compute` returns `u32::MAX`
    /// (reserved for "not computed").
    #[inline]
    pub fn memo(&self, id: u32, owner: u64, slot: usize, compute: impl FnOnce() -> u32) -> u32 {
        {
            let memo = self.memo.borrow();
            if memo.0 == owner {
                if let Some(&v) = memo.1.get(id as usize).map(|m| &m[slot]) {
                    if v != u32::MAX {
                        return v;
                    }
                }
            }
        }
        let v = compute();
        assert_ne!(v, u32::MAX, "u32::MAX marks a memo slot not computed yet");
        let mut memo = self.memo.borrow_mut();
        if memo.0 != owner {
            memo.0 = owner;
            memo.1.clear();
        }
        if memo.1.len() <= id as usize {
            let n = (id as usize + 1).max(memo.1.len() * 2).min(self.words.len().max(id as usize + 1));
            memo.1.resize(n, [u32::MAX; MEMO_SLOTS]);
        }
        memo.1[id as usize][slot] = v;
        v
    }

    /// Empties the cache if it is full. Returns true when it did, so that
    /// caches keyed by word id (model weights) can be emptied with it.
    pub fn trim(&mut self) -> bool {
        if self.words.len() >= self.capacity {
            self.index.clear();
            self.by_folded.clear();
            self.words.clear();
            self.memo.borrow_mut().1.clear();
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_word_list_is_sorted_for_binary_search() {
        let mut sorted = STOP_WORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, STOP_WORDS);
    }

    #[test]
    fn cancer_and_cancers_share_a_stem() {
        let s = Stemmer::default();
        assert_eq!(s.stem("cancer"), s.stem("cancers"));
    }

    #[test]
    fn plural_and_singular_share_a_stem() {
        let s = Stemmer::default();
        assert_eq!(s.stem("kinesiologie"), s.stem("kinesiologies"));
        assert_eq!(s.stem("naturopathe"), s.stem("naturopathes"));
    }

    #[test]
    fn cache_returns_the_same_id_for_the_same_word() {
        let mut c = WordCache::default();
        let a = c.intern("Reiki");
        let b = c.intern("Reiki");
        assert_eq!(a, b);
        assert_eq!(c.get(a).folded.text, "reiki");
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn words_that_fold_alike_share_a_canonical_id() {
        let mut c = WordCache::default();
        let a = c.intern("Élle");
        let b = c.intern("elle");
        let d = c.intern("ELLE");
        assert_ne!(a, b);
        assert_eq!(c.get(b).canon, a);
        assert_eq!(c.get(d).canon, a);
        assert_eq!(c.get(a).canon, a);
    }

    #[test]
    fn full_cache_empties_on_trim() {
        let mut c = WordCache::with_capacity(2);
        c.intern("un");
        assert!(!c.trim());
        c.intern("deux");
        assert!(c.trim());
        assert!(c.is_empty());
    }

    #[test]
    fn memo_computes_once_per_word_and_owner() {
        let mut c = WordCache::default();
        let id = c.intern("reiki");
        let mut calls = 0;
        assert_eq!(
            c.memo(id, 7, 0, || {
                calls += 1;
                42
            }),
            42
        );
        assert_eq!(
            c.memo(id, 7, 0, || {
                calls += 1;
                0
            }),
            42
        );
        assert_eq!(calls, 1);
        assert_eq!(c.memo(id, 7, 1, || 5), 5, "slots are independent");
        assert_eq!(c.memo(id, 8, 0, || 9), 9, "another owner starts afresh");
    }

    #[test]
    fn chargrams_cover_word_edges() {
        assert_eq!(chargram_names("reiki"), ["^rei", "reik", "eiki", "iki$"]);
        assert_eq!(chargrams("reiki").len(), 4);
    }
}
