//! Build time and search speed of the vocabulary automata by kind.
//! Run: `cargo run --release --example ac_kinds`.
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::time::Instant;
use vigie::analysis::{analyze, word::WordCache};

fn main() {
    let lex = vigie::Lexicon::builtin();
    let m = vigie::matcher::Matcher::new(&lex);
    println!("{}", m.describe());
    let mut cache = WordCache::default();
    let mut pats = Vec::new();
    for c in &lex.cues {
        for t in &c.terms {
            pats.push(analyze(t, &mut cache).stems.clone());
        }
    }
    let text: String = std::fs::read_to_string("data/corpus/courses-ca.jsonl").unwrap();
    let stems = analyze(&text, &mut cache).stems.clone();
    for kind in [AhoCorasickKind::DFA, AhoCorasickKind::ContiguousNFA, AhoCorasickKind::NoncontiguousNFA] {
        let t = Instant::now();
        let ac = AhoCorasick::builder().match_kind(MatchKind::Standard).kind(Some(kind)).build(&pats).unwrap();
        let build = t.elapsed();
        let t = Instant::now();
        let mut n = 0;
        for _ in 0..20 {
            n += ac.find_overlapping_iter(stems.as_str()).count();
        }
        let secs = t.elapsed().as_secs_f64();
        println!("{kind:?}: build {build:?}, search {:.0} MB/s ({n} matches)", 20.0 * stems.len() as f64 / secs / 1e6);
    }
}
