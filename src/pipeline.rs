//! Text → features: the single path shared by scoring, training, explanation
//! and evaluation.
//!
//! [`Pipeline::walk`] cuts very long texts into windows of at most
//! [`WINDOW`] bytes (at a whitespace, so no word is split) to keep memory
//! flat, analyses each window, finds vocabulary hits, sends token features to
//! the sink, and finally the named features computed from all hits of the
//! text.

use crate::analysis::{analyze, word::WordCache};
use crate::features::{hash_name, named_features, token_features, token_scale, Collector, FeatureSink, SparseVec};
use crate::lexicon::Lexicon;
use crate::matcher::{Hits, Matcher};
use crate::profile::Profile;

/// Largest piece of text analysed at once.
pub const WINDOW: usize = 1 << 20;

/// Per-thread working memory: the word cache and what the scorer caches per
/// word. Reused across documents.
#[derive(Default)]
pub struct Workspace {
    pub cache: WordCache,
    /// Per word id: partial scores (flag for courses, flag for reports,
    /// urgency for reports); NaN when not computed yet.
    pub partial: Vec<[f32; 3]>,
    /// The scorer's record of what each feature brought, reused per text.
    pub(crate) contributions: crate::classifier::Contributions,
}

/// The vocabulary and its compiled matcher.
pub struct Pipeline {
    pub lexicon: Lexicon,
    pub matcher: Matcher,
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
        let mut end = (start + max).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        if end < text.len() {
            let slice = &text[start..end];
            if let Some(ws) = slice.rfind(char::is_whitespace) {
                if ws > max / 2 {
                    end = start + ws + slice[ws..].chars().next().map_or(1, char::len_utf8);
                }
            }
        }
        let w = (start, &text[start..end]);
        start = end;
        Some(w)
    })
}

impl Pipeline {
    pub fn new(lexicon: Lexicon) -> Pipeline {
        let matcher = Matcher::new(&lexicon);
        Pipeline { lexicon, matcher }
    }

    /// Walks all features of `text` into `sink` and returns the vocabulary
    /// hits, with byte offsets into `text`.
    pub fn walk(&self, text: &str, profile: Profile, ws: &mut Workspace, sink: &mut impl FeatureSink) -> Hits {
        let mut all = Hits::default();
        let mut n = 0usize;
        for (base, window) in windows(text, WINDOW) {
            if ws.cache.is_full() {
                sink.words_forgotten(&ws.cache);
                ws.cache.trim();
                ws.partial.clear();
            }
            let a = analyze(window, &mut ws.cache);
            let mut hits = self.matcher.find(&a);
            token_features(&a, base, sink);
            n += a.content.len();
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
            all.practices.extend(hits.practices);
            all.cues.extend(hits.cues);
            all.lookalikes.extend(hits.lookalikes);
        }
        sink.scale_tokens(token_scale(n));
        named_features(&all, &self.lexicon, profile, &mut |name, spans| sink.named(name, hash_name(name), spans));
        all
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
