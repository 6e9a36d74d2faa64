//! Text → features: the single path shared by scoring, training, explanation
//! and evaluation.
//!
//! [`Pipeline::walk`] cuts very long texts into windows of at most
//! [`WINDOW`] bytes (at a whitespace, so no word is split) to keep memory
//! flat, analyses each window, finds vocabulary hits, sends token features to
//! the sink, and finally the named features computed from all hits of the
//! text.

use crate::analysis::{analyze, word::WordCache};
use crate::classifier::MAX_SPANS;
use crate::features::{
    frame_features, hash_name, named_features, token_features, token_scale, Collector, FeatureSink, FrameState,
    Sentence, Sentences, SparseVec,
};
use crate::lexicon::Lexicon;
use crate::matcher::{Hits, MatchHow, Matcher};
use crate::profile::Profile;
use rustc_hash::FxHashMap;

/// Largest piece of text analysed at once.
pub const WINDOW: usize = 1 << 20;

/// Per-thread working memory: the word cache and what the scorer caches per
/// word. Reused across documents.
pub struct Workspace {
    /// The word cache, which also holds what scorers and matchers keep per
    /// word (partial scores, memos).
    pub cache: WordCache,
    /// The scorer's record of what each feature brought, reused per text.
    pub(crate) contributions: crate::classifier::Contributions,
}

impl Default for Workspace {
    /// A workspace whose word cache has room reserved for its capacity: a
    /// workspace lives as long as its classifier and sees every word.
    fn default() -> Self {
        Workspace::with_words(WordCache::default())
    }
}

impl Workspace {
    /// A workspace that starts from the words of `cache` (which gets room
    /// reserved for its capacity, as [`Workspace::default`]'s does).
    /// Results do not depend on what a workspace has seen before.
    pub fn with_words(mut cache: WordCache) -> Workspace {
        cache.reserve_room();
        Workspace { cache, contributions: Default::default() }
    }
}

/// The vocabulary and its compiled matcher.
pub struct Pipeline {
    pub lexicon: Lexicon,
    pub matcher: Matcher,
    /// Largest window analysed at once ([`WINDOW`] unless changed).
    window: usize,
}

/// A walk in progress over one text whose windows arrive one by one (see
/// [`Pipeline::walk_window`]): the vocabulary hits so far and the number of
/// content words.
#[derive(Default)]
pub struct Walk {
    all: Hits,
    /// What the sentence features need, from every hit (kept or not).
    frames: FrameState,
    /// Sentence ends seen in the windows walked so far.
    ends: u32,
    n: usize,
    /// Where the next window must start: windows come in order, with no gap
    /// or overlap (checked in debug builds).
    next: usize,
    /// When set, hits are kept only as far as results use them (see
    /// [`Walk::bounded`]).
    kept: Option<Kept>,
}

/// Hits kept so far, per practice (and strength), cue and look-alike.
#[derive(Default)]
struct Kept {
    practices: FxHashMap<(usize, bool), (usize, bool)>,
    cues: FxHashMap<usize, usize>,
    lookalikes: FxHashMap<usize, usize>,
}

impl Walk {
    /// A walk that keeps all hits (texts held in memory: bounded by the text).
    pub fn new() -> Walk {
        Walk::default()
    }

    /// A walk whose memory does not grow with the number of hits: it keeps
    /// the first [`MAX_SPANS`] hits of each practice (strong and weak apart),
    /// cue and look-alike, plus the first one-typo hit of a practice past
    /// them. Results are the same as with every hit kept: evidence shows the
    /// first `MAX_SPANS` spans, named features depend on which practices and
    /// cues are present, and explanations show the first three spans of each.
    /// The sentence features of [`frame_features`] (a practice in the same
    /// sentence as a frame cue, a price or a question) are gathered from
    /// every hit before this cap ([`FrameState`]).
    pub fn bounded() -> Walk {
        Walk { kept: Some(Kept::default()), ..Walk::default() }
    }

    fn absorb(&mut self, hits: Hits) {
        let Some(k) = &mut self.kept else {
            // Most texts are one window: their lists are taken whole.
            if self.all.practices.is_empty() && self.all.cues.is_empty() && self.all.lookalikes.is_empty() {
                self.all = hits;
            } else {
                self.all.practices.extend(hits.practices);
                self.all.cues.extend(hits.cues);
                self.all.lookalikes.extend(hits.lookalikes);
            }
            return;
        };
        for h in hits.practices {
            let (n, typo_kept) = k.practices.entry((h.practice, h.weak)).or_default();
            let late_typo = h.how == MatchHow::Typo && !*typo_kept;
            if *n < MAX_SPANS || late_typo {
                *n += 1;
                *typo_kept |= h.how == MatchHow::Typo;
                self.all.practices.push(h);
            }
        }
        for h in hits.cues {
            let n = k.cues.entry(h.cue).or_default();
            if *n < MAX_SPANS {
                *n += 1;
                self.all.cues.push(h);
            }
        }
        for h in hits.lookalikes {
            let n = k.lookalikes.entry(h.0).or_default();
            if *n < MAX_SPANS {
                *n += 1;
                self.all.lookalikes.push(h);
            }
        }
    }
}

/// Splits `text` into windows of at most `max` bytes, cut after a whitespace
/// character when there is one in the second half of the window.
///
/// # Panics
/// When `max < 4`: a window must be able to hold any UTF-8 character, or
/// the iteration could not advance.
pub fn windows(text: &str, max: usize) -> impl Iterator<Item = (usize, &str)> {
    assert!(max >= 4, "a window must hold at least one UTF-8 character (4 bytes)");
    let mut start = 0usize;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let end = start + window_end(&text[start..], max);
        let w = (start, &text[start..end]);
        start = end;
        Some(w)
    })
}

/// Length of the window that starts `rest` (the text not yet cut, to its
/// end): at most `max` bytes, after the last whitespace character when there
/// is one in the second half. [`windows`] and readers that stream a text
/// (which must hold more than `max` bytes of `rest`, or all of it) cut alike.
pub fn window_end(rest: &str, max: usize) -> usize {
    let mut end = max.min(rest.len());
    while !rest.is_char_boundary(end) {
        end -= 1;
    }
    if end < rest.len() {
        let slice = &rest[..end];
        if let Some(ws) = slice.rfind(char::is_whitespace) {
            if ws > max / 2 {
                end = ws + slice[ws..].chars().next().map_or(1, char::len_utf8);
            }
        }
    }
    end
}

/// A sentence end: its byte position, and whether it is a question mark.
type SentenceEnd = (usize, bool);

/// What a byte can start, for the one pass of [`scan`]: 1 a sentence end
/// (`\n`, `?`, `!`), 2 a full stop, 3 a digit, 0 nothing.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'\n' as usize] = 1;
    t[b'?' as usize] = 1;
    t[b'!' as usize] = 1;
    t[b'.' as usize] = 2;
    let mut d = b'0';
    while d <= b'9' {
        t[d as usize] = 3;
        d += 1;
    }
    t
};

/// One pass over a window: its sentence ends (position, is a question mark)
/// — a line break, `?`, `!`, or a full stop followed by a space or the end
/// of the window (not the dot of "3.5" or of an address) — and its prices:
/// a number (digits, with spaces, dots or commas between groups) followed,
/// after at most one space, by `€`, `euro(s)`, `EUR`, or a bare `e` ending
/// the word as typed on a phone ("3800e", or "30e la séance": a short number
/// with a bare `e` is an ordinal, "3e étage", unless a price's "la", "le",
/// "par" or "pour" follows).
fn scan(window: &str) -> (Vec<SentenceEnd>, Vec<(usize, usize)>) {
    let b = window.as_bytes();
    // A sentence end every 60 bytes or so: room for a record's at once.
    let (mut breaks, mut prices) = (Vec::with_capacity(16), Vec::new());
    let mut i = 0;
    while i < b.len() {
        // Most of a text is letters and spaces: read eight bytes at a time
        // and go straight to the first that may matter (the bytes before it
        // cannot), or past all eight.
        if i + 8 <= b.len() {
            let m = matter_mask(u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes")));
            if m == 0 {
                i += 8;
                continue;
            }
            i += (m.trailing_zeros() / 8) as usize;
        }
        match CLASS[b[i] as usize] {
            0 => i += 1,
            1 => {
                breaks.push((i, b[i] == b'?'));
                i += 1;
            }
            2 => {
                if b.get(i + 1).is_none_or(|c| c.is_ascii_whitespace()) {
                    breaks.push((i, false));
                }
                i += 1;
            }
            _ => {
                if i > 0 && b[i - 1].is_ascii_alphanumeric() {
                    i += 1;
                    continue;
                }
                let (end, price) = price_at(window, i);
                prices.extend(price);
                // Dots inside the number ("1.497") end no sentence.
                i = end;
            }
        }
    }
    (breaks, prices)
}

/// The high bit of each of the eight bytes of `x` (little endian) that may
/// be one [`CLASS`] marks (a line break, `?`, `!`, `.`, a digit): every such
/// byte is flagged; a byte just above a flagged one may be flagged too (the
/// caller then reads it and moves on), so the lowest flag is never past the
/// first byte that matters.
#[inline(always)]
fn matter_mask(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let ascii = !x & HIGH;
    // Low seven bits of each byte: the sums below cannot carry into the
    // next byte.
    let y = x & !HIGH;
    // A zero byte of `y ^ c·ONES` is a byte equal to `c` (the borrow trick
    // can also flag a byte above a true match: harmless here).
    let has = |c: u8| {
        let z = y ^ (c as u64 * ONES);
        z.wrapping_sub(ONES) & !z
    };
    let digit = (y + (0x80 - 0x30) * ONES) & !(y + (0x80 - 0x3A) * ONES); // 0x30 ≤ y < 0x3A
    (has(b'\n') | has(b'?') | has(b'!') | has(b'.') | digit) & HIGH & ascii
}

/// The number starting at byte `start` (a digit that starts a word): where
/// it ends, and its range with the currency when it is a price.
fn price_at(window: &str, start: usize) -> (usize, Option<(usize, usize)>) {
    let b = window.as_bytes();
    let mut end = start;
    while end < b.len() && b[end].is_ascii_digit() {
        end += 1;
        // groups: "1 497", "1.497", "12,50"
        let sep = |j: usize| j + 1 < b.len() && matches!(b[j], b' ' | b'.' | b',') && b[j + 1].is_ascii_digit();
        if sep(end) {
            end += 1;
        }
    }
    let mut j = end;
    for space in [" ", "\u{a0}", "\u{202f}"] {
        if window[j..].starts_with(space) {
            j += space.len();
            break;
        }
    }
    let rest = &b[j..];
    let word_end = |n: usize| rest.get(n).is_none_or(|c| !c.is_ascii_alphanumeric());
    let starts = |w: &str| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w.as_bytes());
    let unit = if rest.starts_with("€".as_bytes()) {
        Some('€'.len_utf8())
    } else if starts("euros") {
        Some(5)
    } else if starts("euro") && word_end(4) {
        Some(4)
    } else if rest.starts_with(b"EUR") && word_end(3) {
        Some(3)
    } else if j == end
        && (rest.starts_with(b"e") || rest.starts_with(b"E"))
        && word_end(1)
        && (end - start >= 3 || [" la ", " le ", " par ", " pour "].iter().any(|w| rest[1..].starts_with(w.as_bytes())))
    {
        Some(1)
    } else {
        None
    };
    (end, unit.map(|n| (start, j + n)))
}

/// The sentence of each hit of one window (offsets still relative to the
/// window), numbered across the whole text: `ends` counts the sentence ends
/// of the windows before this one and is advanced past this window's.
fn sentences_of(window: &str, hits: &Hits, ends: &mut u32) -> Sentences {
    let (breaks, prices) = scan(window);
    let at = |pos: usize| {
        let i = breaks.partition_point(|b| b.0 < pos);
        Sentence { index: *ends + i as u32, question: breaks.get(i).is_some_and(|b| b.1) }
    };
    let out = Sentences {
        practices: hits.practices.iter().map(|h| at(h.start)).collect(),
        cues: hits.cues.iter().map(|h| at(h.start)).collect(),
        prices: prices.into_iter().map(|p| (p, at(p.0))).collect(),
    };
    *ends += breaks.len() as u32;
    out
}

impl Pipeline {
    pub fn new(lexicon: Lexicon) -> Pipeline {
        let matcher = Matcher::new(&lexicon);
        Pipeline { lexicon, matcher, window: WINDOW }
    }

    /// Largest window analysed at once, in bytes.
    pub fn window(&self) -> usize {
        self.window
    }

    /// Changes the window size (tests use small windows to cross window
    /// edges on short texts). Results near window edges depend on it.
    ///
    /// # Panics
    /// When `max < 4` (see [`windows`]).
    pub fn set_window(&mut self, max: usize) {
        assert!(max >= 4, "a window must hold at least one UTF-8 character (4 bytes)");
        self.window = max;
    }

    /// Walks all features of `text` into `sink` and returns the vocabulary
    /// hits, with byte offsets into `text`.
    pub fn walk(&self, text: &str, profile: Profile, ws: &mut Workspace, sink: &mut impl FeatureSink) -> Hits {
        let mut w = Walk::new();
        for (base, window) in windows(text, self.window) {
            self.walk_window(&mut w, base, window, ws, sink);
        }
        self.walk_end(w, profile, sink)
    }

    /// Walks one window of a text starting at byte `base`. Windows must come
    /// in order and be cut as [`windows`] cuts them (with [`Pipeline::window`]
    /// as the size): then a text walked window by window gives exactly what
    /// [`Pipeline::walk`] gives on the whole text. Debug builds check that
    /// each window starts where the previous one ended and is no longer
    /// than the window size (a panic otherwise).
    #[inline]
    pub fn walk_window(
        &self,
        w: &mut Walk,
        base: usize,
        window: &str,
        ws: &mut Workspace,
        sink: &mut impl FeatureSink,
    ) {
        debug_assert_eq!(base, w.next, "windows must follow one another with no gap or overlap");
        debug_assert!(window.len() <= self.window, "a window is longer than Pipeline::window");
        w.next = base + window.len();
        if ws.cache.is_full() {
            sink.words_forgotten(&ws.cache);
            ws.cache.trim();
        }
        let a = analyze(window, &mut ws.cache);
        let mut hits = self.matcher.find(&a);
        token_features(&a, base, sink);
        w.n += a.content.len();
        let mut sentences = sentences_of(window, &hits, &mut w.ends);
        for h in &mut hits.practices {
            h.start += base;
            h.end += base;
        }
        for h in &mut hits.cues {
            h.start += base;
            h.end += base;
        }
        for h in &mut hits.lookalikes {
            h.1 += base;
            h.2 += base;
        }
        for p in &mut sentences.prices {
            p.0 .0 += base;
            p.0 .1 += base;
        }
        w.frames.absorb(&hits, &sentences, &self.lexicon);
        w.absorb(hits);
    }

    /// Ends a walk: scales the token features and emits the named ones.
    pub fn walk_end(&self, mut w: Walk, profile: Profile, sink: &mut impl FeatureSink) -> Hits {
        w.frames.finish();
        sink.scale_tokens(token_scale(w.n));
        let mut emit = |name: &str, spans: &[(usize, usize)]| sink.named(name, hash_name(name), spans);
        named_features(&w.all, &self.lexicon, profile, &mut emit);
        frame_features(&w.all, &w.frames, &self.lexicon, profile, &mut emit);
        w.all
    }

    /// The sparse feature vector of a text (training and evaluation).
    pub fn vector(
        &self,
        text: &str,
        profile: Profile,
        ws: &mut Workspace,
        names: bool,
    ) -> (SparseVec, Vec<(u64, String)>) {
        let mut c = Collector::new(profile, names);
        self.walk(text, profile, ws, &mut c);
        c.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn every_byte_the_scan_reads_is_flagged_by_the_fast_scan(x in proptest::prelude::any::<u64>()) {
            let m = matter_mask(x);
            for (k, &b) in x.to_le_bytes().iter().enumerate() {
                if CLASS[b as usize] != 0 {
                    proptest::prop_assert!(m >> (8 * k + 7) & 1 == 1, "byte {} ({:#x}) not flagged", k, b);
                }
            }
        }

        #[test]
        fn the_fast_scan_finds_what_a_byte_by_byte_scan_finds(
            text in "[a-zé €0-9.,!?\n]{0,80}"
        ) {
            proptest::prop_assert_eq!(scan(&text), scan_bytewise(&text));
        }
    }

    /// [`scan`] without the eight-byte reads: the reference it must match.
    fn scan_bytewise(window: &str) -> (Vec<SentenceEnd>, Vec<(usize, usize)>) {
        let b = window.as_bytes();
        let (mut breaks, mut prices) = (Vec::new(), Vec::new());
        let mut i = 0;
        while i < b.len() {
            match CLASS[b[i] as usize] {
                0 => i += 1,
                1 => {
                    breaks.push((i, b[i] == b'?'));
                    i += 1;
                }
                2 => {
                    if b.get(i + 1).is_none_or(|c| c.is_ascii_whitespace()) {
                        breaks.push((i, false));
                    }
                    i += 1;
                }
                _ if i > 0 && b[i - 1].is_ascii_alphanumeric() => i += 1,
                _ => {
                    let (end, price) = price_at(window, i);
                    prices.extend(price);
                    i = end;
                }
            }
        }
        (breaks, prices)
    }

    #[test]
    fn the_fast_scan_skips_plain_words_and_stops_at_what_matters() {
        let flags = |s: &[u8; 8]| matter_mask(u64::from_le_bytes(*s));
        assert_eq!(flags(b"abc defg"), 0);
        assert_eq!(flags(b"\xc3\xa9t\xc3\xa9 ab"), 0);
        assert_eq!(flags(b"l'a, b-c"), 0);
        for s in [b"abcdefg.", b"abc\ndefg", b"?bcdefgh", b"abcd!efg", b"abc 12 e", b"abcdefg9"] {
            assert_ne!(flags(s), 0, "{:?}", String::from_utf8_lossy(s));
        }
    }

    #[test]
    fn prices_are_numbers_with_a_currency() {
        let text = "Trois séances à 60 €, 1 497 € le module, 30e la seance, payé 90 euros, 12,50€ ou 5 EUR, 3800e. \
                    En 2019, 3e étage, le 2e degré, 4 eurodéputés.";
        let found: Vec<&str> = scan(text).1.into_iter().map(|(a, b)| &text[a..b]).collect();
        assert_eq!(found, ["60 €", "1 497 €", "30e", "90 euros", "12,50€", "5 EUR", "3800e"]);
    }

    #[test]
    fn sentences_number_hits_and_mark_questions() {
        let p = Pipeline::new(Lexicon::builtin());
        let mut ws = Workspace::default();
        let text =
            "Ma sœur voit une naturopathe. Est-ce que la kinésiologie est sérieuse ?\nLe reiki à 50 € la séance.";
        let a = analyze(text, &mut ws.cache);
        let hits = p.matcher.find(&a);
        let sentences = sentences_of(text, &hits, &mut 0);
        let s = &sentences.practices;
        assert_eq!(s.len(), 3);
        assert!(s[0].index < s[1].index && s[1].index < s[2].index);
        assert_eq!(s.iter().map(|s| s.question).collect::<Vec<_>>(), [false, true, false]);
        assert_eq!(sentences.prices.len(), 1);
        assert_eq!(sentences.prices[0].1.index, s[2].index);
    }

    #[test]
    fn windows_cover_the_text_exactly_and_cut_at_spaces() {
        let text = "aaa bbb ccc ddd éée fff";
        let parts: Vec<(usize, &str)> = windows(text, 9).collect();
        let joined: String = parts.iter().map(|p| p.1).collect();
        assert_eq!(joined, text);
        for (b, p) in &parts {
            assert_eq!(&text[*b..*b + p.len()], *p);
            assert!(p.len() <= 9);
        }
        assert_eq!(parts[0].1, "aaa bbb ");
    }

    #[test]
    fn windows_of_a_spaceless_text_respect_char_boundaries() {
        let text = "éééééééééé";
        let parts: Vec<&str> = windows(text, 5).map(|p| p.1).collect();
        assert_eq!(parts.concat(), text);
    }

    #[test]
    #[should_panic(expected = "at least one UTF-8 character")]
    fn windows_too_small_for_a_character_are_refused() {
        let _ = windows("é", 1).count();
    }
}
