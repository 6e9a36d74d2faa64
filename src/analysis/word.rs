//! Per-word analysis and its cache.
//!
//! Everything vigie needs to know about a word depends on the word alone:
//! its folded form, its matching key, its stem, whether it is a stop word, its
//! character n-grams. All of it is computed once per distinct word and kept in
//! a [`WordCache`]; since French text is Zipfian, the expensive parts
//! (Unicode normalisation, Snowball stemming) run on a small fraction of the
//! tokens.

use super::fold::{dedup_key, fold_word, Folded};
use hashbrown::HashTable;
use rustc_hash::FxHashMap;
use std::cell::Cell;
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

/// Byte length of the longest stop word.
const STOP_WORD_MAX_LEN: usize = {
    let (mut i, mut max) = (0, 0);
    while i < STOP_WORDS.len() {
        if STOP_WORDS[i].len() > max {
            max = STOP_WORDS[i].len();
        }
        i += 1;
    }
    max
};

/// True for a folded word of [`STOP_WORDS`]. Most new words are longer than
/// any stop word and are answered by their length: the binary search's
/// string comparisons were 1 % of a first pass over the corpus.
fn is_stop_word(folded: &str) -> bool {
    folded.len() <= STOP_WORD_MAX_LEN && STOP_WORDS.binary_search(&folded).is_ok()
}

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
    /// Folded form (lowercase, no accents, evasion undone). Its alignment
    /// to the raw word is not kept: spans go through the key's.
    pub folded: Box<str>,
    /// Matching key: the folded form with doubled letters collapsed.
    pub key: Folded,
    /// French Snowball stem of the folded form.
    pub stem: Box<str>,
    /// Hash of the unigram feature for this stem.
    pub unigram: u64,
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
    analyse_folded(fold_word(raw), stemmer)
}

/// [`analyse_word`] of a word already folded.
fn analyse_folded(folded: Folded, stemmer: &Stemmer) -> WordInfo {
    let key = dedup_key(&folded);
    let stop = is_stop_word(&folded.text);
    let stem = stemmer.stem(&folded.text);
    let unigram = xxh3_64_with_seed(stem.as_bytes(), seed::UNIGRAM);
    WordInfo { folded: folded.text.into_boxed_str(), key, stem: stem.into_boxed_str(), unigram, stop, canon: 0 }
}

impl WordInfo {
    /// Calls `f` with the hash of each character n-gram feature of the word
    /// (see [`for_each_chargram`]).
    #[inline]
    pub fn for_each_chargram(&self, f: impl FnMut(u64)) {
        for_each_chargram(&self.folded, f)
    }
}

/// Calls `f` with the hash of each character n-gram of `^folded$`, in
/// order. Words of one or two letters get none: they carry no subword
/// information. Computed when asked rather than kept per cached word: a
/// scorer reads them once per word (its weights are then remembered), and
/// keeping them cost an allocation and some 70 bytes per distinct word.
pub fn for_each_chargram(folded: &str, mut f: impl FnMut(u64)) {
    if folded.len() < 3 || !folded.is_ascii() {
        return;
    }
    let mut short = [0u8; 64];
    let mut long = Vec::new();
    let padded: &mut [u8] = if folded.len() + 2 <= short.len() {
        &mut short[..folded.len() + 2]
    } else {
        long.resize(folded.len() + 2, 0);
        &mut long
    };
    padded[0] = b'^';
    padded[1..=folded.len()].copy_from_slice(folded.as_bytes());
    padded[folded.len() + 1] = b'$';
    for g in padded.windows(CHARGRAM_LEN) {
        f(xxh3_64_with_seed(g, seed::CHARGRAM));
    }
}

/// The hashes [`for_each_chargram`] gives, as a list.
pub fn chargrams(folded: &str) -> Vec<u64> {
    let mut v = Vec::new();
    for_each_chargram(folded, |g| v.push(g));
    v
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

/// Most words a [`WordCache`] reserves room for up front (past that, its
/// lists grow as needed).
const RESERVE_MAX_WORDS: usize = 1 << 20;

/// Words [`WordCache::reserve_room`] makes room for in empty hash tables.
const RESERVE_TABLE_WORDS: usize = 1 << 15;

/// Room reserved per word in [`WordCache`]'s streams: a key and a stem of a
/// typical French word and the stem's length.
const STREAM_BYTES_PER_WORD: usize = 24;

/// Zero bytes kept after the last word in [`WordCache`]'s streams.
const SLACK: usize = 16;

/// Raw words up to this length are compared inside the index entry itself.
const INLINE_RAW: usize = 16;

/// One entry of the cache's index: enough to recognise a raw word and to
/// write its key and stem without touching anything else. Per token the
/// analysis reads the index's control bytes, this entry, and the streams:
/// loads that follow one another, so each one avoided is a cache miss
/// avoided (the former chain, id → raw bytes → record → streams → analysis,
/// was where the analysis stalled).
#[derive(Clone, Copy)]
struct Entry {
    /// The raw word's first bytes, zero-padded (see [`prefix`]).
    raw: [u64; 2],
    raw_len: u32,
    id: u32,
    /// Where the key sits in `streams`; the stem follows it, after its
    /// length in four bytes.
    key_off: u32,
    /// Key length, with [`CONTENT`] set for content words.
    key_len: u32,
}

/// Set in [`Entry::key_len`] for a content word (not a stop word, a stem).
const CONTENT: u32 = 1 << 31;

/// What scorers and matchers keep per word, side by side so that a token
/// costs one cache line: values derived from the word alone by the current
/// owner (a matcher's memo, a scorer's partial weights), the canonical id,
/// and a scorer's per-text slot. Cells: the analysis holds the cache shared
/// while these are filled in.
#[derive(Clone)]
struct Hot {
    memo: [Cell<u32>; MEMO_SLOTS],
    partial: [Cell<f32>; 3],
    slot: Cell<(u32, u32)>,
    canon: u32,
}

/// Appends `src[off..off + len]` to `dst`. `src` must hold [`SLACK`] bytes
/// past any such range: short pieces are then moved as a fixed 16 bytes and
/// the tail cut, which compiles to two vector moves instead of a `memcpy`.
#[inline(always)]
fn push_short(dst: &mut Vec<u8>, src: &[u8], off: usize, len: usize) {
    if len <= SLACK {
        let keep = dst.len() + len;
        dst.extend_from_slice(&src[off..off + SLACK]);
        dst.truncate(keep);
    } else {
        dst.extend_from_slice(&src[off..off + len]);
    }
}

/// Hash of a raw word for the cache's index, from its [`prefix`] (and, for
/// a word longer than the prefix, from all its bytes): the prefix is in
/// registers already, so a short word is hashed with one multiplication
/// instead of a byte loop.
#[inline(always)]
fn hash_word(head: [u64; 2], b: &[u8]) -> u64 {
    if b.len() > INLINE_RAW {
        hash_long(b)
    } else {
        hash_short(head, b.len())
    }
}

/// [`hash_word`] of the raw word behind an index entry (for rehashing).
fn entry_hash(long_raw: &FxHashMap<u32, Box<[u8]>>, e: &Entry) -> u64 {
    match long_raw.get(&e.id) {
        Some(r) => hash_long(r),
        None => hash_short(e.raw, e.raw_len as usize),
    }
}

/// Hash of a folded form, for [`WordCache`]'s `by_folded`.
fn hash_folded(folded: &str) -> u64 {
    xxh3_64_with_seed(folded.as_bytes(), 0x666f_6c64)
}

/// [`hash_word`] of a word longer than [`INLINE_RAW`] bytes.
fn hash_long(b: &[u8]) -> u64 {
    xxh3_64_with_seed(b, 0x7669_6769_6505)
}

/// [`hash_word`] of a word of `len` ≤ [`INLINE_RAW`] bytes with prefix `head`.
#[inline(always)]
fn hash_short(head: [u64; 2], len: usize) -> u64 {
    // A folded multiply (the 128-bit product's halves xored): every input
    // bit reaches the high bits, which hashbrown reads for its tags, and
    // the low ones, which pick the bucket.
    let m = ((head[0] ^ 0x243f_6a88_85a3_08d3) as u128) * ((head[1] ^ 0x1319_8a2e_0370_7344 ^ len as u64) as u128);
    (m as u64) ^ ((m >> 64) as u64)
}

/// The first [`INLINE_RAW`] bytes of `b`, zero-padded, as two
/// little-endian words. Built in registers from fixed-size loads (two
/// overlapping ones, the second shifted to drop the overlap) rather than by
/// writing overlapping pieces to a byte array and reading it back as words,
/// which the processor cannot forward from the stores (measured: no gain in
/// time on its own, fewer instructions with the hash it feeds).
#[inline(always)]
fn prefix(b: &[u8]) -> [u64; 2] {
    let n = b.len();
    let rd8 = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
    let rd4 = |i: usize| u64::from(u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes")));
    if n >= INLINE_RAW {
        [rd8(0), rd8(8)]
    } else if n > 8 {
        [rd8(0), rd8(n - 8) >> (8 * (16 - n))]
    } else if n == 8 {
        [rd8(0), 0]
    } else if n >= 4 {
        [rd4(0) | (rd4(n - 4) >> (8 * (8 - n))) << 32, 0]
    } else if n > 0 {
        let at = |i: usize| u64::from(b[i]) << (8 * i);
        [at(0) | at(n / 2) | at(n - 1), 0]
    } else {
        [0, 0]
    }
}

/// Distinct words seen so far, with their analysis. Bounded: once it holds
/// `capacity` words it is emptied before the next document, which keeps the
/// memory of a long stream flat at the price of re-analysing common words.
pub struct WordCache {
    /// Raw word → entry (see [`Entry`]).
    index: HashTable<Entry>,
    /// Raw words longer than [`INLINE_RAW`] bytes, whole, by id.
    long_raw: FxHashMap<u32, Box<[u8]>>,
    /// Per word: its key, the stem's length (4 bytes, little endian) and its
    /// stem, concatenated, then [`SLACK`] zero bytes, so that copying a short
    /// key or stem can always move a fixed 16 bytes.
    streams: Vec<u8>,
    /// Per word id (see [`Hot`]).
    hot: Vec<Hot>,
    /// Who the memo slots belong to (see [`WordCache::memo`]).
    memo_owner: Cell<u64>,
    /// First word id with each folded form (see [`WordInfo::canon`]), found
    /// by the folded text's hash and compared with `words[id].folded`: no
    /// copy of the text per word.
    by_folded: HashTable<u32>,
    words: Vec<WordInfo>,
    stemmer: Stemmer,
    capacity: usize,
}

/// Capacity of a default [`WordCache`], in distinct words.
pub const DEFAULT_CAPACITY: usize = 200_000;

impl Default for WordCache {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }
}

impl WordCache {
    /// A cache that holds at most `capacity` distinct words; its lists
    /// grow as words arrive.
    pub fn with_capacity(capacity: usize) -> Self {
        WordCache {
            index: HashTable::new(),
            long_raw: FxHashMap::default(),
            streams: vec![0; SLACK],
            hot: Vec::new(),
            memo_owner: Cell::new(0),
            by_folded: HashTable::new(),
            words: Vec::new(),
            stemmer: Stemmer::default(),
            capacity,
        }
    }

    /// A cache that holds at most `capacity` distinct words, with room for
    /// them reserved up front (up to a million words): for a long-lived
    /// cache, such as a scoring thread's. The memory is only an address
    /// range until words are written (pages are faulted in as they fill),
    /// where growing by doubling copied each list and touched its pages
    /// twice. Short-lived caches (one text's) are better made with
    /// [`WordCache::with_capacity`]: each reservation is tens of megabytes
    /// of address space. (A vocabulary's validation reserves the lists of
    /// its cache, which becomes a scoring thread's: see
    /// [`crate::lexicon::TermTable::take_words`].)
    pub fn reserved(capacity: usize) -> Self {
        let mut c = WordCache::with_capacity(capacity);
        c.reserve_room();
        c
    }

    /// Reserves room in the cache's lists (not its hash tables) for its
    /// capacity, up to a million words; returns the room, in words, that
    /// was asked for. Address space only until words arrive, and lists fill
    /// in order, so a cache that stays small costs no more.
    pub fn reserve_lists(&mut self) -> usize {
        let room = self.capacity.min(RESERVE_MAX_WORDS).saturating_sub(self.words.len());
        self.streams.reserve_exact(room * STREAM_BYTES_PER_WORD);
        self.hot.reserve_exact(room);
        self.words.reserve_exact(room);
        room
    }

    /// Reserves room for the cache's capacity (up to a million words), as
    /// [`WordCache::reserved`] does, keeping the words it holds.
    pub fn reserve_room(&mut self) {
        let room = self.reserve_lists();
        // Empty hash tables start with room for a first corpus' worth of
        // words: growing them from empty rehashed every word seven times
        // over (1 % of a first pass over the corpus). Not to the full
        // bound: a table's control bytes are written when it is made. A
        // table holding words is left to grow: moving its words into a
        // larger one scatters them over all its pages (900 page faults,
        // 1.4 ms, for the vocabulary's 2,500 words).
        if self.words.is_empty() {
            let tables = room.min(RESERVE_TABLE_WORDS);
            self.index.reserve(tables, |_| unreachable!("an empty table rehashes nothing"));
            self.by_folded.reserve(tables, |_| unreachable!("an empty table rehashes nothing"));
        }
    }

    #[inline(always)]
    fn entry(&mut self, word: &str) -> Entry {
        let raw = word.as_bytes();
        let head = prefix(raw);
        let hash = hash_word(head, raw);
        let long_raw = &self.long_raw;
        let found = self.index.find(hash, |e| {
            e.raw_len as usize == raw.len()
                && e.raw == head
                && (raw.len() <= INLINE_RAW || long_raw.get(&e.id).is_some_and(|r| **r == *raw))
        });
        match found {
            Some(e) => *e,
            None => self.insert(word, hash),
        }
    }

    /// Id of `raw`, analysing it on first sight.
    #[inline]
    pub fn intern(&mut self, raw: &str) -> u32 {
        self.entry(raw).id
    }

    /// Interns `raw` and appends its key to `keys` and, for a content word,
    /// a space (unless `stems` is empty) and its stem to `stems`. Returns the
    /// word's id and where its key and stem start (`u32::MAX` for the stem
    /// of a stop word). This is the analysis's hot loop.
    #[inline]
    pub fn intern_into(&mut self, raw: &str, keys: &mut Vec<u8>, stems: &mut Vec<u8>) -> (u32, u32, u32) {
        let e = self.entry(raw);
        let key_start = keys.len() as u32;
        let key_len = (e.key_len & !CONTENT) as usize;
        push_short(keys, &self.streams, e.key_off as usize, key_len);
        if e.key_len & CONTENT == 0 {
            return (e.id, key_start, u32::MAX);
        }
        if !stems.is_empty() {
            stems.push(b' ');
        }
        let stem_start = stems.len() as u32;
        let at = e.key_off as usize + key_len;
        let stem_len = u32::from_le_bytes(self.streams[at..at + 4].try_into().expect("4 bytes"));
        push_short(stems, &self.streams, at + 4, stem_len as usize);
        (e.id, key_start, stem_start)
    }

    #[cold]
    fn insert(&mut self, word: &str, hash: u64) -> Entry {
        let id = self.words.len() as u32;
        let raw = word.as_bytes();
        let folded = fold_word(word);
        let folded_hash = hash_folded(&folded.text);
        let words = &self.words;
        let info = match self.by_folded.find(folded_hash, |&id| *words[id as usize].folded == *folded.text) {
            // Another spelling of a word already seen ("Elle", "elle"):
            // what derives from the folded form alone (stop word, stem and
            // its hash) is copied rather than computed again; only the
            // key's alignment to this spelling's bytes is new.
            Some(&canon) => {
                let same = &self.words[canon as usize];
                WordInfo {
                    key: dedup_key(&folded),
                    folded: folded.text.into_boxed_str(),
                    stem: same.stem.clone(),
                    unigram: same.unigram,
                    stop: same.stop,
                    canon,
                }
            }
            None => {
                self.by_folded.insert_unique(folded_hash, id, |&id| hash_folded(&words[id as usize].folded));
                WordInfo { canon: id, ..analyse_folded(folded, &self.stemmer) }
            }
        };
        let key_off = (self.streams.len() - SLACK) as u32;
        self.streams.truncate(key_off as usize);
        self.streams.extend_from_slice(info.key.text.as_bytes());
        self.streams.extend_from_slice(&(info.stem.len() as u32).to_le_bytes());
        self.streams.extend_from_slice(info.stem.as_bytes());
        self.streams.extend_from_slice(&[0; SLACK]);
        let content = !(info.stop || info.stem.is_empty());
        let key_len = info.key.text.len() as u32 | if content { CONTENT } else { 0 };
        let e = Entry { raw: prefix(raw), raw_len: raw.len() as u32, id, key_off, key_len };
        if raw.len() > INLINE_RAW {
            self.long_raw.insert(id, raw.into());
        }
        self.hot.push(Hot {
            memo: std::array::from_fn(|_| Cell::new(u32::MAX)),
            partial: std::array::from_fn(|_| Cell::new(f32::NAN)),
            slot: Cell::new((0, 0)),
            canon: info.canon,
        });
        self.words.push(info);
        let long_raw = &self.long_raw;
        self.index.insert_unique(hash, e, |e| entry_hash(long_raw, e));
        e
    }

    /// The analysis of word `id`.
    #[inline]
    pub fn get(&self, id: u32) -> &WordInfo {
        &self.words[id as usize]
    }

    /// Id of the first cached word that folds like word `id` (see
    /// [`WordInfo::canon`]), from the word's hot record.
    #[inline]
    pub fn canon(&self, id: u32) -> u32 {
        self.hot[id as usize].canon
    }

    /// A scorer's partial weights of word `id` (NaN when not set): kept here
    /// beside the word's other per-token values.
    #[inline]
    pub fn partial(&self, id: u32) -> &[Cell<f32>; 3] {
        &self.hot[id as usize].partial
    }

    /// A scorer's per-text slot for word `id`: (text stamp, index).
    #[inline]
    pub fn slot(&self, id: u32) -> &Cell<(u32, u32)> {
        &self.hot[id as usize].slot
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
        if self.memo_owner.get() != owner {
            self.memo_owner.set(owner);
            for h in &self.hot {
                h.memo.iter().for_each(|m| m.set(u32::MAX));
            }
        }
        let cell = &self.hot[id as usize].memo[slot];
        let v = cell.get();
        if v != u32::MAX {
            return v;
        }
        let v = compute();
        assert_ne!(v, u32::MAX, "u32::MAX marks a memo slot not computed yet");
        cell.set(v);
        v
    }

    /// Empties the cache if it is full. Returns true when it did, so that
    /// caches keyed by word id (model weights) can be emptied with it.
    pub fn trim(&mut self) -> bool {
        if self.words.len() >= self.capacity {
            self.index.clear();
            self.long_raw.clear();
            self.streams.clear();
            self.streams.resize(SLACK, 0);
            self.hot.clear();
            self.by_folded.clear();
            self.words.clear();
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
    fn every_stop_word_and_only_those_is_a_stop_word() {
        for w in STOP_WORDS {
            assert!(is_stop_word(w), "{w}");
        }
        for w in ["", "b", "pas", "ne", "plus", "lesquels", "votres", "cettes"] {
            assert!(!is_stop_word(w), "{w}");
        }
    }

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
        assert_eq!(&*c.get(a).folded, "reiki");
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn long_words_sharing_their_first_sixteen_bytes_stay_distinct() {
        let mut c = WordCache::default();
        let a = c.intern("anticonstitutionnellement");
        let b = c.intern("anticonstitutionnel");
        let d = c.intern("anticonstitutionnalité");
        assert_eq!(c.intern("anticonstitutionnellement"), a);
        assert_eq!(c.intern("anticonstitutionnel"), b);
        assert!(a != b && b != d && a != d);
        assert_eq!(&*c.get(a).folded, "anticonstitutionnellement");
        assert_eq!(&*c.get(d).folded, "anticonstitutionnalite");
    }

    proptest::proptest! {
        #[test]
        fn interning_numbers_words_as_a_plain_map_would(
            words in proptest::collection::vec("[a-dé]{1,20}", 0..60)
        ) {
            let mut c = WordCache::default();
            let mut oracle: std::collections::HashMap<String, u32> = Default::default();
            for w in &words {
                let next = oracle.len() as u32;
                let want = *oracle.entry(w.clone()).or_insert(next);
                proptest::prop_assert_eq!(c.intern(w), want);
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn the_prefix_is_the_first_sixteen_bytes_zero_padded(b in proptest::collection::vec(0u8..=255, 0..24)) {
            let mut want = [0u8; INLINE_RAW];
            let n = b.len().min(INLINE_RAW);
            want[..n].copy_from_slice(&b[..n]);
            let p = prefix(&b);
            let mut got = [0u8; INLINE_RAW];
            got[..8].copy_from_slice(&p[0].to_le_bytes());
            got[8..].copy_from_slice(&p[1].to_le_bytes());
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn a_word_and_its_prefix_are_different_words() {
        let mut c = WordCache::default();
        let a = c.intern("reiki");
        let b = c.intern("rei");
        assert_ne!(a, b);
        assert_eq!(&*c.get(b).folded, "rei");
    }

    #[test]
    fn keys_and_stems_are_appended_for_content_words_only() {
        let mut c = WordCache::default();
        let (mut keys, mut stems) = (Vec::new(), Vec::new());
        let (_, k1, s1) = c.intern_into("Kinésiologies", &mut keys, &mut stems);
        let (_, k2, s2) = c.intern_into("les", &mut keys, &mut stems);
        let (_, k3, s3) = c.intern_into("naturopathes", &mut keys, &mut stems);
        assert_eq!((k1, k2, k3), (0, 13, 16));
        assert_eq!((s1, s2), (0, u32::MAX));
        assert_eq!(String::from_utf8(keys).unwrap(), "kinesiologieslesnaturopathes");
        let stems = String::from_utf8(stems).unwrap();
        assert_eq!(&stems[s3 as usize..], "naturopath");
        assert_eq!(stems, "kinesiolog naturopath");
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
    fn spellings_of_one_word_get_the_analysis_of_their_folded_form() {
        let s = Stemmer::default();
        let mut c = WordCache::default();
        let first = c.intern("Chimiothérapies");
        for raw in ["chimiotherapies", "CHIMIOTHÉRAPIES", "chimiothérapies"] {
            let id = c.intern(raw);
            let (got, want) = (c.get(id), analyse_word(raw, &s));
            assert_eq!(got.canon, first);
            assert_eq!((&got.stem, got.unigram, got.stop), (&want.stem, want.unigram, want.stop));
            assert_eq!((&got.folded, &got.key.text), (&want.folded, &want.key.text));
            assert_eq!(got.key.map, want.key.map, "{raw}: alignments are its own");
        }
    }

    #[test]
    fn a_cache_of_any_size_can_be_reserved() {
        let mut c = WordCache::reserved(usize::MAX);
        let id = c.intern("reiki");
        assert_eq!(&*c.get(id).folded, "reiki");
        assert!(!c.is_full());
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

    proptest::proptest! {
        #[test]
        fn chargrams_are_the_hashed_windows_of_the_padded_word(word in "[a-z0-9]{0,90}") {
            let padded = format!("^{word}$");
            let want: Vec<u64> = if word.len() < 3 {
                Vec::new()
            } else {
                padded.as_bytes().windows(CHARGRAM_LEN).map(|g| xxh3_64_with_seed(g, seed::CHARGRAM)).collect()
            };
            proptest::prop_assert_eq!(chargrams(&word), want);
        }
    }

    #[test]
    fn chargrams_cover_word_edges() {
        assert_eq!(chargram_names("reiki"), ["^rei", "reik", "eiki", "iki$"]);
        assert_eq!(chargrams("reiki").len(), 4);
    }
}
