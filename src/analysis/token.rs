//! Raw segmentation: where words start and end in the original text.
//!
//! This stage decides nothing about spelling; it only cuts. A word is a run of
//! letters and digits, with the marks and invisible characters that may sit
//! inside it, possibly joined by hyphens (`micro-kiné` is one word). French
//! elisions (`l'`, `d'`, `qu'`…) are cut off and dropped, with either
//! apostrophe. Runs of four or more single letters separated by one space, dot
//! or hyphen (`k i n é s i o`, `r.e.i.k.i`) are merged back into one word:
//! nobody writes French that way except to slip past a filter.

use super::fold::{is_apostrophe, is_joiner, is_word_char, latin_word_table};

/// One raw word: byte range in the text, and for merged spaced-out spellings
/// the byte offsets of each letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawWord {
    pub start: u32,
    pub end: u32,
    /// For a merged spelling: `(offset in the merged key, offset in the text)`
    /// of every letter. Empty for an ordinary word, whose key is
    /// `text[start..end]`.
    pub pieces: Vec<(u32, u32)>,
}

const ELISIONS: &[&str] =
    &["l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "presqu"];

fn is_elision(word: &str) -> bool {
    if word.is_ascii() {
        word.len() <= 7 && ELISIONS.iter().any(|e| e.eq_ignore_ascii_case(word))
    } else {
        // full-width or look-alike letters: compare the folded form
        word.chars().count() <= 7 && ELISIONS.contains(&super::fold::fold_word(word).text.as_str())
    }
}

/// Cuts `text` into raw words.
///
/// ```
/// use vigie::analysis::token::segment;
/// let t = "L'hypnose d’Erickson, la micro-kiné";
/// let words: Vec<&str> = segment(t).iter().map(|w| &t[w.start as usize..w.end as usize]).collect();
/// assert_eq!(words, ["hypnose", "Erickson", "la", "micro-kiné"]);
/// ```
pub fn segment(text: &str) -> Vec<RawWord> {
    let mut words = Vec::with_capacity(text.len() / 6 + 1);
    segment_into(text, &mut words);
    words
}

/// ASCII letters and digits, by byte (false for every non-ASCII byte).
static ASCII_ALNUM: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 128 {
        t[i] = (i as u8).is_ascii_alphanumeric();
        i += 1;
    }
    t
};

/// How many of the eight bytes of `x` (in memory order) are, from the
/// first, ASCII letters or digits: the bytes [`ASCII_ALNUM`] marks.
#[inline(always)]
fn ascii_alnum_prefix(x: u64) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Low seven bits of each byte: adding below 0x80 cannot carry into the
    // next byte, so each byte is tested on its own.
    let y = x & !HIGH;
    // High bit set where lo ≤ y < hi.
    let within = |lo: u64, hi: u64| (y + (0x80 - lo) * ONES) & !(y + (0x80 - hi) * ONES);
    let alnum = (within(0x30, 0x3A) | within(0x41, 0x5B) | within(0x61, 0x7B)) & !x & HIGH;
    ((!alnum & HIGH).trailing_zeros() / 8) as usize
}

/// Byte length of the word character at byte `j` of `text` (a character
/// boundary), or 0 when the character there does not belong to a word.
/// ASCII and the two-byte Latin letters of French are answered from tables;
/// the rest decodes the character.
#[inline(always)]
fn word_char_len(text: &str, j: usize) -> usize {
    let bytes = text.as_bytes();
    let b = bytes[j];
    if b < 0x80 {
        return ASCII_ALNUM[b as usize] as usize;
    }
    if (0xC2..=0xC5).contains(&b) && j + 1 < bytes.len() {
        let c = (((b & 0x1F) as usize) << 6) | (bytes[j + 1] & 0x3F) as usize;
        return if latin_word_table()[c] { 2 } else { 0 };
    }
    let c = char_at(text, j);
    if is_word_char(c) {
        c.len_utf8()
    } else {
        0
    }
}

/// Same as [`segment`], reusing the caller's buffer.
pub fn segment_into(text: &str, words: &mut Vec<RawWord>) {
    words.clear();
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut i = 0usize;
    // Runs of words that may be single letters: merging spelled-out words
    // is only attempted when one reaches MIN_RUN (most texts have none).
    let (mut run, mut longest_run) = (0usize, 0usize);
    while i < n {
        let b = bytes[i];
        if b < 0x80 {
            if !ASCII_ALNUM[b as usize] {
                i += 1;
                continue;
            }
        } else {
            let c = char_at(text, i);
            if !is_word_char(c) || (!c.is_alphanumeric() && !starts_word_after(text, i)) {
                i += c.len_utf8();
                continue;
            }
        }
        // A word starts here.
        let start = i;
        let mut j = i;
        // Set when the word ends at an apostrophe: its length.
        let mut apostrophe_len = 0;
        loop {
            // consume word chars
            while j < n {
                // Eight bytes at a time while they are ASCII letters and
                // digits (most of a French word).
                if j + 8 <= n {
                    let run = ascii_alnum_prefix(u64::from_le_bytes(bytes[j..j + 8].try_into().expect("8 bytes")));
                    j += run;
                    if run == 8 {
                        continue;
                    }
                } else if ASCII_ALNUM[bytes[j] as usize] {
                    j += 1;
                    continue;
                }
                let l = word_char_len(text, j);
                if l == 0 {
                    break;
                }
                j += l;
            }
            if j >= n {
                break;
            }
            // Most words end at an ASCII space or punctuation mark.
            let bj = bytes[j];
            if bj < 0x80 && !matches!(bj, b'\'' | b'`' | b'-') {
                break;
            }
            let c = char_at(text, j);
            let (apostrophe, joiner) = (is_apostrophe(c), is_joiner(c));
            if !apostrophe && !joiner {
                break;
            }
            let after = j + c.len_utf8();
            let next_is_word = text[after..].chars().next().is_some_and(|d| d.is_alphanumeric());
            if apostrophe {
                if next_is_word && !is_elision(&text[start..j]) {
                    j = after; // aujourd'hui, prud'homme: one word
                    continue;
                }
                apostrophe_len = c.len_utf8();
                break;
            }
            if next_is_word {
                j = after;
                continue;
            }
            break;
        }
        if apostrophe_len > 0 && is_elision(&text[start..j]) {
            // Drop the elided article/pronoun; the word starts after it.
            i = j + apostrophe_len;
            continue;
        }
        let len = j - start;
        let maybe_letter = len == 1 || (len <= 16 && (bytes[start] >= 0x80 || bytes[start + 1] >= 0x80));
        run = if maybe_letter { run + 1 } else { 0 };
        longest_run = longest_run.max(run);
        words.push(RawWord { start: start as u32, end: j as u32, pieces: Vec::new() });
        i = j.max(i + 1);
    }
    if longest_run >= MIN_RUN {
        merge_spelled_out(text, words);
    }
}

/// The character at byte `i` (a character boundary) of `text`.
#[inline]
fn char_at(text: &str, i: usize) -> char {
    text[i..].chars().next().expect("a character boundary inside the text")
}

/// An invisible character or mark only starts a word when a letter follows.
fn starts_word_after(text: &str, i: usize) -> bool {
    text[i..].chars().skip(1).find(|c| c.is_alphanumeric() || !is_word_char(*c)).is_some_and(|c| c.is_alphanumeric())
}

fn single_letter(text: &str, w: &RawWord) -> bool {
    // Fast answers for the common cases: one ASCII letter, a long word, an
    // ordinary ASCII word. (A letter with the marks or invisible characters
    // that may follow it stays under 16 bytes in any plausible spelling; a
    // longer one is a word in its own right.)
    match w.end - w.start {
        1 => return true,
        n if n > 16 => return false,
        _ => {}
    }
    // Two ASCII bytes in front are two letters: an ordinary word.
    let b = text.as_bytes();
    if b[w.start as usize] < 0x80 && b[w.start as usize + 1] < 0x80 {
        return false;
    }
    let s = &text[w.start as usize..w.end as usize];
    let mut letters = s.chars().filter(|c| c.is_alphanumeric());
    letters.next().is_some() && letters.next().is_none()
}

/// Shortest run of single letters read as one spelled-out word.
const MIN_RUN: usize = 4;

/// Merges runs of ≥ 4 single-letter words separated by exactly one
/// separator character (space, dot, hyphen, underscore, slash, star, middle dot).
fn merge_spelled_out(text: &str, words: &mut Vec<RawWord>) {
    let gap_ok = |a: &RawWord, b: &RawWord| {
        let gap = &text[a.end as usize..b.start as usize];
        let mut cs = gap.chars();
        matches!((cs.next(), cs.next()), (Some(' ' | '.' | '-' | '_' | '/' | '*' | '·' | '\u{2022}'), None))
    };
    // Compacts in place: `w` is where the next output word goes. Ordinary
    // words are moved, never cloned (their `pieces` are empty).
    let mut w = 0;
    let mut k = 0;
    while k < words.len() {
        let mut e = k;
        if single_letter(text, &words[k]) {
            while e + 1 < words.len() && single_letter(text, &words[e + 1]) && gap_ok(&words[e], &words[e + 1]) {
                e += 1;
            }
        }
        if e + 1 - k >= MIN_RUN {
            let mut pieces = Vec::with_capacity(e + 1 - k);
            let mut key_off = 0u32;
            for r in &words[k..=e] {
                pieces.push((key_off, r.start));
                key_off += r.end - r.start;
            }
            words[w] = RawWord { start: words[k].start, end: words[e].end, pieces };
            k = e + 1;
        } else {
            words.swap(w, k);
            k += 1;
        }
        w += 1;
    }
    words.truncate(w);
}

impl RawWord {
    /// The cache key of this word: its text, or its letters for a merged
    /// spelling.
    pub fn key<'t>(&self, text: &'t str, buf: &'t mut String) -> &'t str {
        if self.pieces.is_empty() {
            &text[self.start as usize..self.end as usize]
        } else {
            buf.clear();
            for (idx, &(_, off)) in self.pieces.iter().enumerate() {
                let end = if idx + 1 < self.pieces.len() {
                    // each piece is one letter (plus marks): up to the gap
                    let next = self.pieces[idx + 1].1 as usize;
                    let s = &text[off as usize..next];
                    off as usize + s.trim_end_matches(|c: char| !is_word_char(c)).len()
                } else {
                    self.end as usize
                };
                buf.push_str(&text[off as usize..end]);
            }
            buf.as_str()
        }
    }

    /// Converts an offset inside the key into an offset in the text.
    pub fn to_text_offset(&self, key_off: u32) -> u32 {
        if self.pieces.is_empty() {
            return self.start + key_off;
        }
        let idx = self.pieces.partition_point(|p| p.0 <= key_off).saturating_sub(1);
        let (k, t) = self.pieces[idx];
        t + (key_off - k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The segmentation before its fast paths, kept as the oracle.
    fn segment_reference(text: &str, words: &mut Vec<RawWord>) {
        words.clear();
        let bytes = text.as_bytes();
        let mut i = 0usize;
        let n = bytes.len();
        while i < n {
            let b = bytes[i];
            // ASCII fast path for separators.
            if b < 0x80 && !b.is_ascii_alphanumeric() {
                i += 1;
                continue;
            }
            let c = text[i..].chars().next().unwrap();
            if !is_word_char(c) || (c.len_utf8() > 1 && !c.is_alphanumeric() && !starts_word_after(text, i)) {
                i += c.len_utf8();
                continue;
            }
            // A word starts here.
            let start = i;
            let mut j = i;
            loop {
                // consume word chars
                while j < n {
                    let bj = bytes[j];
                    if bj < 0x80 {
                        if bj.is_ascii_alphanumeric() {
                            j += 1;
                            continue;
                        }
                        break;
                    }
                    let c = text[j..].chars().next().unwrap();
                    if is_word_char(c) {
                        j += c.len_utf8();
                    } else {
                        break;
                    }
                }
                if j >= n {
                    break;
                }
                let c = text[j..].chars().next().unwrap();
                let after = j + c.len_utf8();
                let next_is_word = text[after..].chars().next().is_some_and(|d| d.is_alphanumeric());
                if is_apostrophe(c) && next_is_word {
                    if is_elision(&text[start..j]) {
                        // Drop the elided article/pronoun; the word starts after it.
                        break;
                    }
                    j = after; // aujourd'hui, prud'homme: one word
                    continue;
                }
                if is_joiner(c) && next_is_word {
                    j = after;
                    continue;
                }
                break;
            }
            if j < n {
                let c = text[j..].chars().next().unwrap();
                if is_apostrophe(c) && is_elision(&text[start..j]) {
                    i = j + c.len_utf8();
                    continue;
                }
            }
            words.push(RawWord { start: start as u32, end: j as u32, pieces: Vec::new() });
            i = j.max(i + 1);
        }
        merge_spelled_out(text, words);
    }

    proptest! {
        #[test]
        fn the_eight_byte_test_counts_the_leading_ascii_letters_and_digits(x in any::<u64>()) {
            let b = x.to_le_bytes();
            let want = b.iter().take_while(|&&c| ASCII_ALNUM[c as usize]).count();
            prop_assert_eq!(ascii_alnum_prefix(x), want);
        }

        #[test]
        fn the_eight_byte_test_is_exact_at_the_edges_of_each_range(
            b in proptest::collection::vec(proptest::sample::select(
                b"/09:@AZ[`az{ \x00\x7f\x80\xb0\xb9\xc1\xda\xe1\xfa\xff".to_vec()), 8)
        ) {
            let x = u64::from_le_bytes(b.clone().try_into().unwrap());
            let want = b.iter().take_while(|&&c| ASCII_ALNUM[c as usize]).count();
            prop_assert_eq!(ascii_alnum_prefix(x), want);
        }

        #[test]
        fn fast_segmentation_cuts_exactly_like_the_reference(
            pieces in proptest::collection::vec(prop_oneof![
                Just("a".to_string()), Just("é".to_string()), Just("k".to_string()), Just("l".to_string()), Just("qu".to_string()), Just("d".to_string()), Just("mot".to_string()), Just("Ça".to_string()),
                Just(" ".to_string()), Just("  ".to_string()), Just(".".to_string()), Just("-".to_string()), Just("\u{2011}".to_string()), Just("'".to_string()), Just("’".to_string()), Just("`".to_string()),
                Just("\u{200B}".to_string()), Just("\u{301}".to_string()), Just("\n".to_string()), Just("1".to_string()), Just("ｋ".to_string()), Just("«".to_string()), Just("/".to_string()),
                "[a-zé' .-]{1,6}".prop_map(String::from), any::<char>().prop_map(|c| c.to_string()),
            ], 0..40)
        ) {
            let text = pieces.concat();
            let mut fast = Vec::new();
            segment_into(&text, &mut fast);
            let mut slow = Vec::new();
            segment_reference(&text, &mut slow);
            prop_assert_eq!(fast, slow);
        }
    }

    fn words(t: &str) -> Vec<String> {
        let mut buf = String::new();
        segment(t).iter().map(|w| w.key(t, &mut buf).to_string()).collect()
    }

    #[test]
    fn elisions_are_dropped_with_both_apostrophes() {
        assert_eq!(words("l'hypnose d’un qu'il"), ["hypnose", "un", "il"]);
    }

    #[test]
    fn non_elided_apostrophes_stay_inside_the_word() {
        assert_eq!(words("aujourd'hui"), ["aujourd'hui"]);
    }

    #[test]
    fn hyphenated_words_stay_whole() {
        assert_eq!(words("la micro-kiné, c'est-à-dire"), ["la", "micro-kiné", "est-à-dire"]);
    }

    #[test]
    fn spaced_out_letters_merge() {
        assert_eq!(words("la k i n é s i o l o g i e aide"), ["la", "kinésiologie", "aide"]);
        assert_eq!(words("r.e.i.k.i"), ["reiki"]);
    }

    #[test]
    fn three_single_letters_do_not_merge() {
        assert_eq!(words("il y a à faire"), ["il", "y", "a", "à", "faire"]);
    }

    #[test]
    fn zero_width_space_does_not_split_a_word() {
        assert_eq!(words("kiné\u{200B}siologie"), ["kiné\u{200B}siologie"]);
    }

    #[test]
    fn merged_offsets_point_at_the_letters() {
        let t = "xy k i n e s";
        let w = &segment(t)[1];
        assert_eq!(w.to_text_offset(0), 3);
        assert_eq!(w.to_text_offset(4), 11);
    }
}
