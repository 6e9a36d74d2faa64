//! Fuzz target: the analysis path and the classifier on arbitrary bytes.
//!
//! The bytes are decoded lossily (as the readers do) and go through
//! `vigie::analysis::analyze`, `vigie::pipeline::windows` and
//! `Classifier::classify` under both profiles. Invariants checked:
//! - every token, key span and stem span of the analysis, and every span of
//!   the assessment (practices, hints, cues, top features, urgent_because) has
//!   `start <= end <= text.len()`, both on char boundaries;
//! - `score` and `urgency` are in [0, 1] and not NaN; contributions are finite;
//! - windows cover the text exactly, in order, each at most `max` bytes.
//!
//! An input starting with `\0WIN` is written twice, the second copy starting
//! half its length before the classifier's window boundary
//! (`vigie::pipeline::WINDOW`), spaces in between: this exercises the offset
//! shift of later windows. The classifier's word cache holds only
//! `CACHE_WORDS` words, so that it is emptied between windows and between
//! inputs (`WordCache::trim`, `FeatureSink::words_forgotten`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use vigie::analysis::{analyze, word::WordCache};
use vigie::classifier::Span;
use vigie::pipeline::{windows, WINDOW};
use vigie::{Assessment, Classifier, Profile};

const WINDOW_MAGIC: &[u8] = b"\0WIN";
const CACHE_WORDS: usize = 64;

fn classifier() -> &'static Classifier {
    static C: OnceLock<Classifier> = OnceLock::new();
    C.get_or_init(|| {
        let c = Classifier::builtin().expect("builtin model loads");
        c.with_workspace(|ws| ws.cache = WordCache::with_capacity(CACHE_WORDS));
        c
    })
}

fn check_range(text: &str, what: &str, start: usize, end: usize) {
    assert!(
        start <= end && end <= text.len(),
        "{what}: bad range {start}..{end} (text is {} bytes)",
        text.len()
    );
    assert!(
        text.is_char_boundary(start) && text.is_char_boundary(end),
        "{what}: range {start}..{end} not on char boundaries"
    );
}

fn check_spans(text: &str, what: &str, spans: &[Span]) {
    for s in spans {
        check_range(text, what, s.start, s.end);
        let slice = &text[s.start..s.end];
        let shown = s.text.strip_suffix('…').unwrap_or(&s.text);
        assert!(
            slice.starts_with(shown),
            "{what}: span text {:?} is not the text at {}..{}",
            s.text,
            s.start,
            s.end
        );
    }
}

fn check_assessment(text: &str, a: &Assessment) {
    assert!(
        (0.0..=1.0).contains(&a.score),
        "score {} out of [0, 1] ({:?})",
        a.score,
        a.profile
    );
    if let Some(u) = a.urgency {
        assert!((0.0..=1.0).contains(&u), "urgency {u} out of [0, 1]");
    }
    if a.profile == Profile::Course {
        assert!(a.urgency.is_none() && a.priority.is_none());
    }
    for p in &a.practices {
        check_spans(text, "practice", &p.spans);
    }
    for p in &a.hints {
        check_spans(text, "hint", &p.spans);
    }
    for c in &a.cues {
        check_spans(text, "cue", &c.spans);
    }
    for c in a.top_features.iter().chain(&a.urgent_because) {
        assert!(
            c.contribution.is_finite(),
            "contribution of {} is {}",
            c.feature,
            c.contribution
        );
        check_spans(text, "top feature", &c.spans);
    }
}

fn check_analysis(text: &str) {
    let mut cache = WordCache::default();
    let a = analyze(text, &mut cache);
    let n = a.tokens.len();
    let key_end = |i: usize| {
        a.tokens
            .get(i + 1)
            .map_or(a.keys.len() as u32, |t| t.key_start)
    };
    let mut prev_end = 0u32;
    for (i, t) in a.tokens.iter().enumerate() {
        check_range(text, "token", t.start as usize, t.end as usize);
        assert!(t.start >= prev_end, "tokens overlap or go backwards");
        prev_end = t.end;
        let (ks, ke) = (t.key_start, key_end(i));
        assert!(ks <= ke && ke as usize <= a.keys.len());
        assert!(a.keys.is_char_boundary(ks as usize) && a.keys.is_char_boundary(ke as usize));
        if ks == ke {
            continue;
        }
        // The whole key, every prefix of it (matches that stop before a
        // plural ending), and the key joined with the next word's.
        let (s, e) = a.key_span(ks, ke);
        check_range(text, "key span", s, e);
        for (off, _) in a.keys[ks as usize..ke as usize].char_indices().skip(1) {
            let (s, e) = a.key_span(ks, ks + off as u32);
            check_range(text, "key span (prefix)", s, e);
        }
        if i + 1 < n {
            let (s, e) = a.key_span(ks, key_end(i + 1));
            check_range(text, "key span (two words)", s, e);
        }
    }
    // Stem spans of each content word and of each pair.
    let starts: Vec<u32> = a.content_tokens().map(|t| t.stem_start).collect();
    for (j, &s) in starts.iter().enumerate() {
        let end_of = |k: usize| {
            starts
                .get(k + 1)
                .map_or(a.stems.len() as u32, |&n| n - 1)
        };
        let (x, y) = a.stem_span(s, end_of(j));
        check_range(text, "stem span", x, y);
        if j + 1 < starts.len() {
            let (x, y) = a.stem_span(s, end_of(j + 1));
            check_range(text, "stem span (two words)", x, y);
        }
    }
}

fn check_windows(text: &str, max: usize) {
    let mut next = 0usize;
    for (base, w) in windows(text, max) {
        assert_eq!(base, next, "windows leave a gap or overlap");
        assert!(!w.is_empty() && w.len() <= max, "window of {} bytes (max {max})", w.len());
        assert_eq!(&text[base..base + w.len()], w);
        next = base + w.len();
    }
    assert_eq!(next, text.len(), "windows do not cover the text");
}

fuzz_target!(|data: &[u8]| {
    let owned;
    let text: &str = if let Some(rest) = data.strip_prefix(WINDOW_MAGIC) {
        let tail = String::from_utf8_lossy(rest);
        let mut t = tail.to_string();
        t.push_str(&" ".repeat(WINDOW.saturating_sub(tail.len() + tail.len() / 2).max(1)));
        t.push_str(&tail);
        owned = t;
        &owned
    } else {
        owned = String::from_utf8_lossy(data).into_owned();
        &owned
    };
    if text.len() < WINDOW {
        check_analysis(text);
        // Windows of at least 4 bytes (one UTF-8 character fits).
        check_windows(text, 4 + data.len() % 61);
    }
    let c = classifier();
    for profile in [Profile::Course, Profile::Report] {
        let a = c.classify(text, profile);
        assert_eq!(a.profile, profile);
        check_assessment(text, &a);
    }
});
