//! Build time, memory and walk speed of the vocabulary automata by kind, for
//! the anchored walks the matcher does from each word start.
//! Run: `cargo run --release --example ac_kinds`.
use aho_corasick::automaton::Automaton;
use aho_corasick::{dfa, nfa::contiguous, nfa::noncontiguous, Anchored, MatchKind, StartKind};
use std::time::Instant;
use vigie::analysis::{analyze, word::WordCache};

/// Walks `auto` from every word start of `stream` until it dies; returns the
/// number of steps.
fn walk_all(auto: &impl Automaton, stream: &str, starts: &[usize]) -> usize {
    let start = auto.start_state(Anchored::Yes).unwrap();
    let mut steps = 0;
    for &s in starts {
        let mut sid = start;
        for &b in &stream.as_bytes()[s..] {
            steps += 1;
            sid = auto.next_state(Anchored::Yes, sid, b);
            if auto.is_dead(sid) {
                break;
            }
        }
    }
    steps
}

fn main() {
    let lex = vigie::Lexicon::builtin();
    let m = vigie::matcher::Matcher::new(&lex);
    println!("in use: {}", m.describe());
    let mut cache = WordCache::default();
    let mut pats = Vec::new();
    for c in &lex.cues {
        for t in &c.terms {
            pats.push(analyze(t, &mut cache).stems.clone());
        }
    }
    let text: String = std::fs::read_to_string("data/corpus/courses-ca.jsonl").unwrap();
    let a = analyze(&text, &mut cache);
    let stems = a.stems.clone();
    let starts: Vec<usize> = a.content_tokens().map(|t| t.stem_start as usize).collect();
    let report = |name: &str, build: std::time::Duration, mem: usize, auto: &dyn Fn() -> usize| {
        let t = Instant::now();
        let mut steps = 0;
        for _ in 0..20 {
            steps += auto();
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "cue phrases, {name}: build {build:?}, {} KiB, {:.1} ns/step, {:.0} MB/s of stems",
            mem / 1024,
            secs * 1e9 / steps as f64,
            20.0 * stems.len() as f64 / secs / 1e6
        );
    };
    let t = Instant::now();
    let d = dfa::DFA::builder().match_kind(MatchKind::Standard).start_kind(StartKind::Anchored).build(&pats).unwrap();
    report("DFA", t.elapsed(), d.memory_usage(), &|| walk_all(&d, &stems, &starts));
    let t = Instant::now();
    let c = contiguous::NFA::builder().match_kind(MatchKind::Standard).build(&pats).unwrap();
    report("contiguous NFA", t.elapsed(), c.memory_usage(), &|| walk_all(&c, &stems, &starts));
    let t = Instant::now();
    let n = noncontiguous::NFA::builder().match_kind(MatchKind::Standard).build(&pats).unwrap();
    report("noncontiguous NFA", t.elapsed(), n.memory_usage(), &|| walk_all(&n, &stems, &starts));
}
