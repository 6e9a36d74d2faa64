//! Per-stage throughput of the scoring path, in bytes of text per second.
//!
//! ```sh
//! cargo bench --bench stages                 # all stages (a few minutes on 2 cores)
//! cargo bench --bench stages -- matching     # one stage
//! ```
//!
//! Input: a fixed, deterministic sample of about 1 MB of text taken from the
//! project's corpus (`data/corpus/*.jsonl`, field `text`): the files are read
//! in name order, course and report items are interleaved (course, report,
//! course, …) and items are taken until their texts reach 1,000,000 bytes.
//! Every benchmark reports `Throughput::Bytes` of that *text* (for JSONL
//! reading: of the JSONL buffer, which is what the reader consumes).
//!
//! Stages:
//! - `analysis/per_text`: `analysis::analyze` on each text with a warm
//!   `WordCache` (every word of the sample already interned, as in a long
//!   stream); `analysis/one_window` analyses the whole sample joined as one
//!   ~1 MB text (one pipeline window).
//! - `matching`: `Matcher::find` on the pre-analysed texts (matcher built
//!   from `Lexicon::builtin()`; the per-word typo memo in the caches is warm);
//!   `matching/crowded_window` on one ~1 MB window that repeats practice
//!   names, a look-alike and long words (a cost that must stay linear).
//! - `features`: `token_features` + `named_features` into a summing sink,
//!   on the pre-analysed texts and their pre-computed hits.
//! - `scoring`: `Classifier::builtin()` then `classify` on each text, with the
//!   profile from the item's kind (end to end in the library, evidence built).
//! - `jsonl`: `input::records` over an in-memory JSON Lines buffer of the
//!   sample (id, kind, text), every record parsed.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use std::path::PathBuf;
use std::time::Duration;
use vigie::analysis::{analyze, word::WordCache, Analysis};
use vigie::features::{named_features, token_features, FeatureSink};
use vigie::input::{records, CsvOptions, InputFormat};
use vigie::matcher::{Hits, Matcher};
use vigie::{Classifier, Lexicon, Profile};

/// Text bytes in the sample.
const SAMPLE_BYTES: usize = 1_000_000;

struct Item {
    id: String,
    kind: Profile,
    text: String,
}

/// The deterministic ~1 MB sample of corpus texts.
fn sample() -> Vec<Item> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let (mut courses, mut reports) = (Vec::new(), Vec::new());
    for f in &files {
        let src = std::fs::read_to_string(f).unwrap();
        for line in src.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            let kind: Profile = v["kind"].as_str().unwrap_or("course").parse().unwrap();
            let item = Item {
                id: v["id"].as_str().unwrap_or("").to_string(),
                kind,
                text: v["text"].as_str().expect("text").to_string(),
            };
            match kind {
                Profile::Course => courses.push(item),
                Profile::Report => reports.push(item),
            }
        }
    }
    let mut out = Vec::new();
    let mut total = 0usize;
    let (mut c, mut r) = (courses.into_iter(), reports.into_iter());
    loop {
        let mut took = false;
        for it in [c.next(), r.next()].into_iter().flatten() {
            total += it.text.len();
            out.push(it);
            took = true;
            if total >= SAMPLE_BYTES {
                return out;
            }
        }
        assert!(took, "corpus holds less than {SAMPLE_BYTES} bytes of text");
    }
}

fn text_bytes(items: &[Item]) -> u64 {
    items.iter().map(|i| i.text.len() as u64).sum()
}

/// Sums what it is given so that nothing can be optimised away.
#[derive(Default)]
struct SumSink {
    acc: u64,
    scale: f32,
}

impl FeatureSink for SumSink {
    fn word(&mut self, span: (usize, usize), cache: &WordCache, word_id: u32) {
        self.acc = self.acc.wrapping_add(span.0 as u64 ^ word_id as u64).wrapping_add(cache.canon(word_id) as u64);
    }
    fn bigram(&mut self, hash: u64, span: (usize, usize), stems: &str, _words: (u32, u32)) {
        self.acc = self.acc.wrapping_add(hash ^ span.1 as u64).wrapping_add(stems.len() as u64);
    }
    fn scale_tokens(&mut self, scale: f32) {
        self.scale = scale;
    }
    fn named(&mut self, name: &str, hash: u64, spans: &[(usize, usize)]) {
        self.acc = self.acc.wrapping_add(hash ^ name.len() as u64).wrapping_add(spans.len() as u64);
    }
}

fn quick<'a>(c: &'a mut Criterion, name: &str) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    g
}

fn stages(c: &mut Criterion) {
    let items = sample();
    let bytes = text_bytes(&items);
    eprintln!(
        "sample: {} texts ({} courses, {} reports), {} bytes of text",
        items.len(),
        items.iter().filter(|i| i.kind == Profile::Course).count(),
        items.iter().filter(|i| i.kind == Profile::Report).count(),
        bytes
    );

    // --- analysis ---------------------------------------------------------
    {
        let mut cache = WordCache::default();
        for it in &items {
            analyze(&it.text, &mut cache);
        }
        let joined: String = items.iter().map(|i| i.text.as_str()).collect::<Vec<_>>().join("\n\n");
        let mut g = quick(c, "analysis");
        g.throughput(Throughput::Bytes(bytes));
        g.bench_function("per_text", |b| {
            b.iter(|| {
                let mut n = 0usize;
                for it in &items {
                    n += analyze(black_box(&it.text), &mut cache).tokens.len();
                }
                n
            })
        });
        g.throughput(Throughput::Bytes(joined.len() as u64));
        g.bench_function("one_window", |b| b.iter(|| analyze(black_box(&joined), &mut cache).tokens.len()));
        g.finish();
    }

    // --- matching and features on pre-analysed texts ------------------------
    {
        let lexicon = Lexicon::builtin();
        let matcher = Matcher::new(&lexicon);
        // `analyze` borrows its cache for the life of the analysis: one cache
        // per text keeps every analysis alive at once.
        let mut caches: Vec<WordCache> = items.iter().map(|_| WordCache::default()).collect();
        let analyses: Vec<Analysis> = caches.iter_mut().zip(&items).map(|(c, it)| analyze(&it.text, c)).collect();
        let hits: Vec<Hits> = analyses.iter().map(|a| matcher.find(a)).collect();
        eprintln!(
            "hits in sample: {} practice, {} cue, {} look-alike",
            hits.iter().map(|h| h.practices.len()).sum::<usize>(),
            hits.iter().map(|h| h.cues.len()).sum::<usize>(),
            hits.iter().map(|h| h.lookalikes.len()).sum::<usize>()
        );

        let mut g = quick(c, "matching");
        g.throughput(Throughput::Bytes(bytes));
        g.bench_function("find", |b| {
            b.iter(|| {
                let mut n = 0usize;
                for a in &analyses {
                    let h = matcher.find(black_box(a));
                    n += h.practices.len() + h.cues.len() + h.lookalikes.len();
                }
                n
            })
        });
        // One window crowded with matches: practice names, a look-alike and
        // long words that go to the one-typo lookup, over and over (a page
        // that repeats a practice's name, or a text written to slow the
        // matcher). Its cost must grow with the text, not with the square of
        // the number of matches.
        let phrase = "reiki kinésiologie magnétiseur jeûne préopératoire réflexologues arrêter la chimiothérapie ";
        let crowded = phrase.repeat(SAMPLE_BYTES / phrase.len() + 1);
        let mut crowded_cache = WordCache::default();
        let crowded_analysis = analyze(&crowded, &mut crowded_cache);
        g.throughput(Throughput::Bytes(crowded.len() as u64));
        g.bench_function("crowded_window", |b| {
            b.iter(|| {
                let h = matcher.find(black_box(&crowded_analysis));
                h.practices.len() + h.cues.len() + h.lookalikes.len()
            })
        });
        g.finish();

        let mut g = quick(c, "features");
        g.throughput(Throughput::Bytes(bytes));
        g.bench_function("token_and_named", |b| {
            b.iter(|| {
                let mut sink = SumSink::default();
                for ((a, h), it) in analyses.iter().zip(&hits).zip(&items) {
                    token_features(black_box(a), 0, &mut sink);
                    sink.scale_tokens(vigie::features::token_scale(a.content.len()));
                    named_features(h, &lexicon, it.kind, &mut |name, spans| {
                        sink.named(name, vigie::features::hash_name(name), spans)
                    });
                }
                sink.acc
            })
        });
        g.finish();
    }

    // --- scoring end to end in the library ----------------------------------
    {
        let classifier = Classifier::builtin().expect("builtin model");
        let mut g = quick(c, "scoring");
        g.throughput(Throughput::Bytes(bytes));
        g.bench_function("classify", |b| {
            b.iter(|| {
                let mut s = 0f32;
                for it in &items {
                    s += classifier.classify(black_box(&it.text), it.kind).score;
                }
                s
            })
        });
        g.finish();
    }

    // --- JSONL reading ------------------------------------------------------
    {
        let mut buf = Vec::new();
        for it in &items {
            serde_json::to_writer(
                &mut buf,
                &serde_json::json!({"id": it.id, "kind": it.kind.as_str(), "text": it.text}),
            )
            .unwrap();
            buf.push(b'\n');
        }
        let opts = CsvOptions::default();
        let mut g = quick(c, "jsonl");
        g.throughput(Throughput::Bytes(buf.len() as u64));
        g.bench_function("records", |b| {
            b.iter(|| {
                let it = records(Box::new(black_box(buf.as_slice())), InputFormat::Jsonl, &opts, "bench").unwrap();
                it.map(|r| r.unwrap().text.len()).sum::<usize>()
            })
        });
        g.finish();
    }
}

criterion_group!(benches, stages);
criterion_main!(benches);
