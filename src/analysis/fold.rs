//! Character folding: the part of the pipeline that decides which characters
//! are "the same letter" for vigie.
//!
//! Folding works on one word at a time (see [`fold_word`]) and always keeps an
//! alignment from every folded byte back to the byte of the raw word it came
//! from, so that a span found on folded text can be shown on the original.
//!
//! What folds, and why:
//! - Unicode compatibility forms (NFKC: full-width letters, ligatures), case,
//!   and accents (NFD, combining marks dropped): French writers drop accents
//!   freely and SMS-style texts rarely carry them.
//! - Format characters (zero-width space/joiner, soft hyphen, BOM) vanish:
//!   they are invisible to a reader and a classic way to break a keyword.
//! - Letters from other scripts that look like Latin letters (Cyrillic `і`,
//!   Greek `ο`) take their UTS #39 confusable prototype.
//! - A digit standing between two letters reads as the letter it mimics
//!   (`k1nésiologie`), since no French word has one there.
//! - `œ`, `æ`, `ß` expand, as a French reader spells them.
//!
//! ASCII and accented Latin words never touch the Unicode tables; words with
//! other characters go through the `tokenizers` normalizer, which tracks alignments
//! through NFKC and NFD for us. Callers cache per word (French is Zipfian), so
//! the slow path is paid once per distinct word.

use tokenizers::NormalizedString;
use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

/// A folded word: the folded text and, for every folded byte, the byte range
/// of the raw word it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folded {
    /// Folded text: lowercase ASCII letters and digits in the usual case; other
    /// scripts (Arabic, Chinese…) are kept lowercased.
    pub text: String,
    /// `map[i]` is the raw byte range `(start, end)` behind folded byte `i`.
    pub map: Vec<(u32, u32)>,
}

impl Folded {
    fn push_char(&mut self, c: char, raw: (u32, u32)) {
        let mut buf = [0u8; 4];
        let s = c.encode_utf8(&mut buf);
        self.text.push_str(s);
        for _ in 0..s.len() {
            self.map.push(raw);
        }
    }
}

/// Characters that join the parts of one word without being part of it:
/// hyphens (micro-kiné = microkiné), apostrophes that are not elisions
/// (aujourd'hui), and the dot or middle dot of a spaced-out spelling.
pub fn is_joiner(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2212}' | '\u{FE63}' | '\u{FF0D}')
}

/// Apostrophes, typographic or not.
pub fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02BC}' | '\u{2018}' | '\u{FF07}' | '`' | '\u{00B4}')
}

/// Invisible characters that must not split or change a word.
pub fn is_invisible(c: char) -> bool {
    c.general_category() == GeneralCategory::Format
        || matches!(c, '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}')
}

/// Combining marks (accents and the like), dropped by accent folding.
pub fn is_mark(c: char) -> bool {
    c.general_category_group() == GeneralCategoryGroup::Mark
}

/// True for characters that make up words: letters, digits, and the marks
/// and invisible characters that can sit inside a word.
pub fn is_word_char(c: char) -> bool {
    // Latin-1 and Latin Extended-A (French accents, œ) from a table built
    // with the general rule below: the Unicode lookups are the slow part of
    // segmenting accented text.
    let i = c as usize;
    if i < 0x180 {
        return latin_word_table()[i];
    }
    word_char_rule(c)
}

/// [`is_word_char`] for the characters below U+0180, by code point.
#[inline]
pub fn latin_word_table() -> &'static [bool; 0x180] {
    static LATIN: std::sync::OnceLock<[bool; 0x180]> = std::sync::OnceLock::new();
    LATIN.get_or_init(|| std::array::from_fn(|i| char::from_u32(i as u32).is_some_and(word_char_rule)))
}

fn word_char_rule(c: char) -> bool {
    c.is_alphanumeric() || is_mark(c) || is_invisible(c)
}

/// The letter a digit imitates when it sits inside a word.
fn digit_as_letter(b: u8) -> Option<u8> {
    Some(match b {
        b'0' => b'o',
        b'1' => b'i',
        b'3' => b'e',
        b'4' => b'a',
        b'5' => b's',
        b'7' => b't',
        b'8' => b'b',
        _ => return None,
    })
}

/// Folds one raw word (no spaces inside) into lowercase, accent-free text.
///
/// ```
/// use vigie::analysis::fold::fold_word;
/// assert_eq!(fold_word("Kinésiologue").text, "kinesiologue");
/// assert_eq!(fold_word("micro-kiné").text, "microkine");
/// assert_eq!(fold_word("k1nésiologie").text, "kinesiologie");
/// assert_eq!(fold_word("kіnésiologie").text, "kinesiologie"); // Cyrillic і
/// assert_eq!(fold_word("kiné\u{200B}siologie").text, "kinesiologie");
/// ```
pub fn fold_word(raw: &str) -> Folded {
    let mut out = Folded { text: String::with_capacity(raw.len()), map: Vec::with_capacity(raw.len()) };
    // ASCII and accented Latin words take the fast path; anything else the
    // full normaliser.
    if !fold_latin(raw, &mut out) {
        out.text.clear();
        out.map.clear();
        fold_unicode(raw, &mut out);
    }
    map_inner_digits(&mut out);
    out
}

/// Folds of the precomposed Latin letters of French and its neighbours
/// (U+00C0–U+00FF, œ, Œ), each computed once by [`fold_unicode`] itself, so
/// the fast path below cannot disagree with the full normaliser.
fn latin_table() -> &'static [(char, Box<str>)] {
    static TABLE: std::sync::OnceLock<Vec<(char, Box<str>)>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        ('\u{C0}'..='\u{FF}')
            .chain(['œ', 'Œ'])
            .filter(|c| c.is_alphabetic())
            .filter_map(|c| {
                let raw = c.to_string();
                let mut f = Folded { text: String::new(), map: Vec::new() };
                fold_unicode(&raw, &mut f);
                // Only letters that fold to ASCII letters, all aligned on the
                // whole character, take the fast path.
                let whole = (0, raw.len() as u32);
                let ok = !f.text.is_empty()
                    && f.text.bytes().all(|b| b.is_ascii_lowercase())
                    && f.map.iter().all(|&m| m == whole);
                ok.then(|| (c, f.text.into_boxed_str()))
            })
            .collect()
    })
}

/// [`latin_table`] by code point, for the fast path: U+00C0–U+00FF at
/// `c - 0xC0`, then Œ and œ; each fold as up to two ASCII bytes, zero-padded
/// (`[0, 0]`: not a letter the fast path handles), so that an accented
/// letter costs an index rather than a scan of the sixty-odd entries.
fn latin_folds() -> &'static [[u8; 2]; 66] {
    static FOLDS: std::sync::OnceLock<[[u8; 2]; 66]> = std::sync::OnceLock::new();
    FOLDS.get_or_init(|| {
        let mut t = [[0u8; 2]; 66];
        for (c, f) in latin_table() {
            let i = latin_index(*c).expect("the table holds U+00C0–U+00FF, Œ and œ only");
            let f = f.as_bytes();
            assert!(f.len() <= 2, "a Latin letter folds to at most two letters");
            t[i] = [f[0], f.get(1).copied().unwrap_or(0)];
        }
        t
    })
}

/// Index of `c` in [`latin_folds`].
#[inline]
fn latin_index(c: char) -> Option<usize> {
    match c as u32 {
        0xC0..=0xFF => Some(c as usize - 0xC0),
        0x152 => Some(64),
        0x153 => Some(65),
        _ => None,
    }
}

/// The fast path for words of ASCII and accented Latin letters, the bulk of
/// French text: the `tokenizers` normaliser costs microseconds per word and
/// would only decompose and drop the accents. Returns false, leaving `out`
/// partly written, when the word holds any other character.
fn fold_latin(raw: &str, out: &mut Folded) -> bool {
    let folds = latin_folds();
    let bytes = raw.as_bytes();
    // Only ASCII bytes are written: built as bytes, checked once at the end.
    let mut text = std::mem::take(&mut out.text).into_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii() {
            if b.is_ascii_alphanumeric() {
                text.push(b.to_ascii_lowercase());
                out.map.push((i as u32, i as u32 + 1));
            } else if let Some(last) = out.map.last_mut() {
                // A joiner, apostrophe or other sign: belongs to the
                // previous folded byte's extent so that spans stay
                // contiguous.
                last.1 = i as u32 + 1;
            }
            i += 1;
            continue;
        }
        let c = raw[i..].chars().next().expect("a non-ASCII byte starts a character here");
        let (start, end) = (i as u32, (i + c.len_utf8()) as u32);
        i = end as usize;
        if is_joiner(c) || is_apostrophe(c) {
            if let Some(last) = out.map.last_mut() {
                last.1 = end;
            }
            continue;
        }
        match latin_index(c).map(|k| folds[k]) {
            Some([a, z]) if a != 0 => {
                text.push(a);
                out.map.push((start, end));
                if z != 0 {
                    text.push(z);
                    out.map.push((start, end));
                }
            }
            _ => {
                out.text = String::from_utf8(text).expect("only ASCII bytes were written");
                return false;
            }
        }
    }
    out.text = String::from_utf8(text).expect("only ASCII bytes were written");
    true
}

fn fold_unicode(raw: &str, out: &mut Folded) {
    let mut n = NormalizedString::from(raw);
    n.nfkc();
    n.nfd();
    n.filter(|c| !is_mark(c) && !is_invisible(c));
    n.lowercase();
    let norm = n.get().to_owned();
    for (pos, c) in norm.char_indices() {
        let r = n
            .convert_offsets(tokenizers::normalizer::Range::Normalized(pos..pos + c.len_utf8()))
            .unwrap_or(0..raw.len());
        let raw_range = (r.start as u32, r.end as u32);
        if c.is_ascii_alphanumeric() {
            out.push_char(c, raw_range);
            continue;
        }
        if c.is_ascii() || is_joiner(c) || is_apostrophe(c) || !c.is_alphanumeric() {
            if let Some(last) = out.map.last_mut() {
                last.1 = last.1.max(raw_range.1);
            }
            continue;
        }
        match c {
            'œ' => "oe".chars().for_each(|x| out.push_char(x, raw_range)),
            'æ' => "ae".chars().for_each(|x| out.push_char(x, raw_range)),
            'ß' => "ss".chars().for_each(|x| out.push_char(x, raw_range)),
            'ø' => out.push_char('o', raw_range),
            'ł' => out.push_char('l', raw_range),
            'đ' | 'ð' => out.push_char('d', raw_range),
            'ı' => out.push_char('i', raw_range),
            _ => {
                // A letter of another script: take its confusable prototype when
                // that prototype is Latin, so Cyrillic "кіnеsіоlоgіе" reads as
                // the Latin word it imitates.
                let proto: String = unicode_security::skeleton(c.encode_utf8(&mut [0u8; 4])).collect();
                let proto = proto.to_lowercase();
                if !proto.is_empty() && proto.chars().all(|p| p.is_ascii_alphabetic()) && proto.len() <= 2 {
                    proto.chars().for_each(|x| out.push_char(x, raw_range));
                } else {
                    out.push_char(c, raw_range);
                }
            }
        }
    }
}

/// A run of up to three digits with a letter on each side reads as the
/// letters it mimics ("k1nésiologie", "b10kinergie").
fn map_inner_digits(out: &mut Folded) {
    let bytes = out.text.as_bytes();
    if !bytes.iter().any(u8::is_ascii_digit) {
        return;
    }
    let mut b = bytes.to_vec();
    let mut i = 1;
    while i < b.len() {
        if b[i].is_ascii_digit() && b[i - 1].is_ascii_alphabetic() {
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j < b.len()
                && b[j].is_ascii_alphabetic()
                && j - i <= 3
                && b[i..j].iter().all(|&d| digit_as_letter(d).is_some())
            {
                for d in &mut b[i..j] {
                    *d = digit_as_letter(*d).expect("checked above");
                }
            }
            i = j;
        } else {
            i += 1;
        }
    }
    // Only ASCII bytes were replaced by ASCII bytes, so the text stays UTF-8.
    out.text = String::from_utf8(b).expect("ASCII-for-ASCII replacement keeps UTF-8");
}

/// Collapses doubled letters ("reiiki" → "reiki", "kinnésiologie" →
/// "kinesiologie") into the matching key used by the vocabulary automaton.
/// Applied the same way to vocabulary terms and to text, so legitimate double
/// letters (`ss`, `ll`) cost nothing. Words shorter than five letters keep
/// theirs: in an acronym the doubling is the word ("MMS" is not "MS").
pub fn dedup_key(f: &Folded) -> Folded {
    if f.text.len() < 5 {
        return f.clone();
    }
    if f.text.is_ascii() {
        return dedup_ascii(f);
    }
    dedup_chars(f)
}

/// [`dedup_key`] of an ASCII word (almost every word, once folded), byte by
/// byte.
fn dedup_ascii(f: &Folded) -> Folded {
    let b = f.text.as_bytes();
    let mut text = Vec::with_capacity(b.len());
    let mut map: Vec<(u32, u32)> = Vec::with_capacity(b.len());
    for (i, &c) in b.iter().enumerate() {
        match map.last_mut() {
            Some(last) if b[i - 1] == c && c.is_ascii_alphabetic() => last.1 = last.1.max(f.map[i].1),
            _ => {
                text.push(c);
                map.push(f.map[i]);
            }
        }
    }
    Folded { text: String::from_utf8(text).expect("ASCII in, ASCII out"), map }
}

/// [`dedup_key`] character by character, for any text.
fn dedup_chars(f: &Folded) -> Folded {
    let mut out = Folded { text: String::with_capacity(f.text.len()), map: Vec::with_capacity(f.map.len()) };
    let mut prev: Option<char> = None;
    let mut byte = 0usize;
    for c in f.text.chars() {
        let len = c.len_utf8();
        let raw = (f.map[byte].0, f.map[byte + len - 1].1);
        if prev == Some(c) && c.is_alphabetic() {
            if let Some(last) = out.map.last_mut() {
                last.1 = last.1.max(raw.1);
            }
        } else {
            out.push_char(c, raw);
        }
        prev = Some(c);
        byte += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_and_case_fold_away() {
        assert_eq!(fold_word("KINÉSIOLOGIE").text, "kinesiologie");
        assert_eq!(fold_word("Décodage").text, "decodage");
    }

    #[test]
    fn hyphen_joins_parts_of_a_word() {
        assert_eq!(fold_word("micro-kiné").text, "microkine");
        assert_eq!(fold_word("k1nésio-logie").text, "kinesiologie");
    }

    #[test]
    fn invisible_characters_vanish() {
        assert_eq!(fold_word("kiné\u{200B}siologie").text, "kinesiologie");
        assert_eq!(fold_word("rei\u{00AD}ki").text, "reiki");
    }

    #[test]
    fn lookalike_letters_of_other_scripts_fold_to_latin() {
        assert_eq!(fold_word("kіnésiologie").text, "kinesiologie");
        assert_eq!(fold_word("rеіkі").text, "reiki");
        assert_eq!(fold_word("ｒｅｉｋｉ").text, "reiki");
        assert_eq!(fold_word("hοméοpathie").text, "homeopathie"); // Greek ο
    }

    #[test]
    fn digits_inside_words_read_as_letters_but_not_at_edges() {
        assert_eq!(fold_word("r3iki").text, "reiki");
        assert_eq!(fold_word("covid19").text, "covid19");
        assert_eq!(fold_word("b12").text, "b12");
        assert_eq!(fold_word("b10kinergie").text, "biokinergie");
    }

    #[test]
    fn latin_fast_path_agrees_with_the_full_normaliser() {
        let words = [
            "Kinésiologie",
            "ÉNERGÉTIQUE",
            "cœur",
            "Œuvre",
            "aujourd’hui",
            "micro–kiné",
            "çà-et-là",
            "Ærø",
            "naïveté",
            "Noël",
            "ÿ",
            "ß",
            "Straße",
            "l’énergie",
            "über-Ñandú",
            "-é-",
            "é'",
        ];
        for w in words {
            let mut slow = Folded { text: String::new(), map: Vec::new() };
            fold_unicode(w, &mut slow);
            let mut fast = Folded { text: String::new(), map: Vec::new() };
            if fold_latin(w, &mut fast) {
                assert_eq!(fast, slow, "{w}");
            }
        }
        assert!(fold_latin("Kinésiologie", &mut Folded { text: String::new(), map: Vec::new() }));
        assert!(!fold_latin("kіnésiologie", &mut Folded { text: String::new(), map: Vec::new() }), "Cyrillic і");
    }

    proptest::proptest! {
        #[test]
        fn the_ascii_key_path_collapses_as_the_character_path_does(word in "[aAbBsS013'-]{0,14}") {
            let f = fold_word(&word);
            proptest::prop_assume!(f.text.len() >= 5);
            proptest::prop_assert_eq!(dedup_ascii(&f), dedup_chars(&f));
        }

        #[test]
        fn latin_fast_path_agrees_with_the_full_normaliser_on_any_mix(
            w in "[a-zA-Z0-9\\u{C0}-\\u{FF}œŒ'’\\-–]{1,12}"
        ) {
            let mut fast = Folded { text: String::new(), map: Vec::new() };
            if fold_latin(&w, &mut fast) {
                let mut slow = Folded { text: String::new(), map: Vec::new() };
                fold_unicode(&w, &mut slow);
                proptest::prop_assert_eq!(fast, slow);
            }
        }
    }

    #[test]
    fn word_char_table_agrees_with_the_rule() {
        for c in (0u32..0x400).filter_map(char::from_u32) {
            assert_eq!(is_word_char(c), word_char_rule(c), "{c:?}");
        }
    }

    #[test]
    fn ligatures_expand() {
        assert_eq!(fold_word("cœur").text, "coeur");
    }

    #[test]
    fn map_points_back_at_raw_bytes() {
        let raw = "kiné\u{200B}siologie";
        let f = fold_word(raw);
        let (s, e) = f.map[3];
        assert_eq!(&raw[s as usize..e as usize].chars().next().unwrap(), &'é');
        let last = *f.map.last().unwrap();
        assert_eq!(last.1 as usize, raw.len());
    }

    #[test]
    fn doubled_letters_collapse_in_the_key() {
        assert_eq!(dedup_key(&fold_word("reiiki")).text, "reiki");
        assert_eq!(dedup_key(&fold_word("kinnésiologie")).text, "kinesiologie");
    }

    #[test]
    fn short_words_keep_doubled_letters() {
        assert_eq!(dedup_key(&fold_word("MMS")).text, "mms");
    }
}
