//! Properties over arbitrary Unicode text: no panic, spans inside the text
//! on character boundaries and pointing at what matched, scores in [0, 1],
//! analysis idempotent on already-normalised text.

use proptest::prelude::*;
use std::sync::OnceLock;
use vigie::analysis::{analyze, word::WordCache};
use vigie::{Classifier, Profile};

fn classifier() -> &'static Classifier {
    static C: OnceLock<Classifier> = OnceLock::new();
    C.get_or_init(|| Classifier::builtin().unwrap())
}

/// Text mixing French words of the vocabulary, evasion characters and
/// arbitrary Unicode, so that matches actually happen.
fn french_ish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("kinésiologie".to_string()),
        Just("reiki".to_string()),
        Just("l'hypnose".to_string()),
        Just("micro-kiné".to_string()),
        Just("a arrêté sa chimiothérapie".to_string()),
        Just("kinésithérapie".to_string()),
        Just("\u{200B}".to_string()),
        Just("\u{AD}".to_string()),
        Just("і".to_string()),
        Just(" ".to_string()),
        Just("-".to_string()),
        Just("’".to_string()),
        "[a-zA-Zéèàç0-9 .'-]{0,12}",
        any::<String>(),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

fn check_span(text: &str, start: usize, end: usize) -> Result<(), TestCaseError> {
    prop_assert!(start <= end && end <= text.len(), "span {start}..{end} outside text of {}", text.len());
    prop_assert!(text.is_char_boundary(start) && text.is_char_boundary(end), "span {start}..{end} off char boundary");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn classifying_any_text_gives_valid_scores_and_spans(text in french_ish(), report in any::<bool>()) {
        let profile = if report { Profile::Report } else { Profile::Course };
        let a = classifier().classify(&text, profile);
        prop_assert!((0.0..=1.0).contains(&a.score), "score {}", a.score);
        if let Some(u) = a.urgency {
            prop_assert!((0.0..=1.0).contains(&u));
        }
        for p in a.practices.iter().chain(&a.hints) {
            for s in &p.spans {
                check_span(&text, s.start, s.end)?;
            }
        }
        for c in &a.cues {
            for s in &c.spans {
                check_span(&text, s.start, s.end)?;
            }
        }
        for f in a.top_features.iter().chain(&a.urgent_because) {
            for s in &f.spans {
                check_span(&text, s.start, s.end)?;
            }
        }
    }

    #[test]
    fn a_practice_span_read_alone_names_the_same_practice(text in french_ish()) {
        let a = classifier().classify(&text, Profile::Course);
        for p in &a.practices {
            for s in &p.spans {
                let alone = classifier().classify(&text[s.start..s.end], Profile::Course);
                prop_assert!(
                    alone.practices.iter().any(|q| q.id == p.id),
                    "span {:?} of {:?} does not name {} on its own", &text[s.start..s.end], text, p.id
                );
            }
        }
    }

    #[test]
    fn analysis_is_idempotent_on_normalised_text(text in french_ish()) {
        let mut cache = WordCache::default();
        let normal = analyze(&text, &mut cache).normalized();
        let again = analyze(&normal, &mut cache).normalized();
        prop_assert_eq!(again, normal);
    }

    #[test]
    fn lines_cut_from_a_buffer_give_the_records_the_streaming_reader_gives(
        pieces in proptest::collection::vec(prop_oneof![
            Just(b"\n".to_vec()), Just(b"\r\n".to_vec()), Just(b"  ".to_vec()), Just("\u{FEFF}".as_bytes().to_vec()),
            Just(br#"{"id": 1, "text": "reiki"}"#.to_vec()), Just(br#"{"text": 2}"#.to_vec()), Just(b"{".to_vec()),
            Just(vec![0xC3]), any::<String>().prop_map(String::into_bytes),
        ], 0..24),
    ) {
        use vigie::input::{line_record, records, InputFormat, RawLines};
        let bytes: Vec<u8> = pieces.concat();
        for format in [InputFormat::Jsonl, InputFormat::Lines] {
            let r: Box<dyn std::io::BufRead + Send> = Box::new(std::io::Cursor::new(bytes.clone()));
            let streamed: Vec<_> = records(r, format, &Default::default(), "p").unwrap().collect();
            let cut: Vec<_> = RawLines::new(&bytes).filter_map(|(n, raw)| line_record(format, "p", n, raw)).collect();
            prop_assert_eq!(cut, streamed);
        }
    }

    #[test]
    fn jsonl_reader_never_loses_a_line(lines in proptest::collection::vec(any::<String>(), 0..20)) {
        let input: String = lines.iter().map(|l| format!("{}\n", l.replace('\n', " "))).collect();
        // Blank means JSON whitespace only (ASCII); a line of other Unicode
        // spaces is a record, reported as an error rather than dropped.
        let nonblank = input.lines().filter(|l| !l.bytes().all(|b| b.is_ascii_whitespace())).count();
        let r: Box<dyn std::io::BufRead + Send> = Box::new(std::io::Cursor::new(input.into_bytes()));
        let out: Vec<_> = vigie::input::records(r, vigie::input::InputFormat::Jsonl, &Default::default(), "p").unwrap().collect();
        prop_assert_eq!(out.len(), nonblank);
    }
}
