//! A document streamed window by window (`vigie::stream`) gets exactly the
//! result of the same document read whole: score, decision, evidence spans
//! and their texts, top features, warnings.

use std::io::{BufRead, Cursor};
use vigie::input::{records, CsvOptions, InputFormat};
use vigie::{Classifier, Document, Profile};

/// The result of reading `bytes` whole as `vigie score --input text` does.
fn whole(c: &Classifier, bytes: &[u8], profile: Profile) -> serde_json::Value {
    let r: Box<dyn BufRead + Send> = Box::new(Cursor::new(bytes.to_vec()));
    let rec = records(r, InputFormat::Text, &CsvOptions::default(), "doc").unwrap().next().unwrap().unwrap();
    let mut a = c.assess(&Document { id: &rec.id, text: &rec.text, profile });
    a.warnings.extend(rec.warnings);
    serde_json::to_value(&a).unwrap()
}

fn streamed(c: &Classifier, bytes: &[u8], profile: Profile) -> serde_json::Value {
    let a = vigie::stream::assess_reader(c, "doc", profile, || Ok(Cursor::new(bytes))).unwrap();
    serde_json::to_value(&a).unwrap()
}

fn corpus_text(max: usize) -> String {
    let mut s = String::new();
    let mut files: Vec<_> = std::fs::read_dir("data/corpus")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    for f in files {
        let data = std::fs::read_to_string(f).unwrap();
        for line in data.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            s.push_str(v["text"].as_str().unwrap());
            s.push_str("\n\n");
            if s.len() > max {
                return s;
            }
        }
    }
    s
}

/// A document with everything that can go wrong at a window edge: a byte
/// order mark, invalid UTF-8 (a lone byte, a character cut short, one at the
/// very end), runs of multi-byte characters without whitespace, a NUL byte,
/// practice terms at every position relative to the edges, more hits of a
/// practice and a cue than results show, and a one-typo match past them.
fn hostile_document() -> Vec<u8> {
    let mut b: Vec<u8> = "\u{FEFF}".into();
    b.extend_from_slice(corpus_text(12_000).as_bytes());
    for i in 0..40 {
        // shifts the term one byte further each time
        b.extend_from_slice(" ".repeat(i % 7).as_bytes());
        b.extend_from_slice("Stage de biokinergie, ouvert à tous sans prérequis. ".as_bytes());
        b.extend_from_slice("é".repeat(i % 5).as_bytes());
        b.extend_from_slice(b"caf\xe9 \xe2\x82 ");
        b.extend_from_slice("😀".repeat(i % 3).as_bytes());
        b.extend_from_slice("kinésiologie\u{00A0}".as_bytes());
    }
    b.extend_from_slice("Une séance de biokinergei ensuite. ".as_bytes());
    b.extend_from_slice("ééééééééééééééééééééééééééééééééééééééééééééééééééé".as_bytes());
    b.push(0);
    b.extend_from_slice(corpus_text(4_000).as_bytes());
    b.extend_from_slice(b"fin \xf0\x9f\x98");
    b
}

#[test]
fn a_streamed_document_gets_the_result_of_the_document_read_whole() {
    let bytes = hostile_document();
    let reference = {
        let c = Classifier::builtin().unwrap();
        whole(&c, &bytes, Profile::Course)
    };
    assert!(reference["practices"].as_array().unwrap().len() >= 2, "{reference}");
    // Invalid UTF-8 is warned about; the NUL byte is past the first 8 KiB.
    assert_eq!(reference["warnings"].as_array().unwrap().len(), 1, "{}", reference["warnings"]);
    for window in [4, 5, 7, 16, 61, 64, 100, 257, 1000, 4096, 1 << 20] {
        for profile in [Profile::Course, Profile::Report] {
            // Fresh classifiers: the word cache a workspace brings from an
            // earlier document decides where it is trimmed.
            let mut c = Classifier::builtin().unwrap();
            c.set_window(window);
            let w = whole(&c, &bytes, profile);
            let mut c = Classifier::builtin().unwrap();
            c.set_window(window);
            let s = streamed(&c, &bytes, profile);
            assert_eq!(s, w, "window {window}, profile {profile:?}");
            let warnings = w["warnings"].as_array().unwrap();
            assert_eq!(warnings.len(), 1, "{warnings:?}");
            if window >= 64 {
                // (smaller windows cut words in two)
                let practices = w["practices"].as_array().unwrap();
                let biok = practices.iter().find(|p| p["name"] == "Biokinergie").unwrap();
                assert_eq!(biok["spans"].as_array().unwrap().len(), vigie::classifier::MAX_SPANS);
                assert_eq!(biok["typo"], true, "the one-typo match comes after the spans shown");
            }
        }
    }
}

#[test]
fn nul_bytes_and_invalid_utf8_at_the_start_warn_as_when_read_whole() {
    let mut bytes = b"\0\xff".to_vec();
    bytes.extend_from_slice(hostile_document().as_slice());
    let mut c = Classifier::builtin().unwrap();
    c.set_window(100);
    let w = whole(&c, &bytes, Profile::Report);
    assert_eq!(w["warnings"].as_array().unwrap().len(), 2);
    let mut c = Classifier::builtin().unwrap();
    c.set_window(100);
    assert_eq!(streamed(&c, &bytes, Profile::Report), w);
}

#[test]
fn a_streamed_document_that_fills_the_word_cache_gets_the_same_result() {
    // More distinct words than the word cache holds (200,000): it is emptied
    // mid-document and word contributions are carried over.
    let mut text = corpus_text(200_000);
    for i in 0..230_000u32 {
        let mut n = i;
        let mut w = String::from("mot");
        while n > 0 {
            w.push((b'a' + (n % 26) as u8) as char);
            n /= 26;
        }
        text.push_str(&w);
        text.push(' ');
        if i % 10_000 == 0 {
            text.push_str(&corpus_text(3_000));
        }
    }
    let bytes = text.into_bytes();
    let mut c = Classifier::builtin().unwrap();
    c.set_window(1 << 16);
    let w = whole(&c, &bytes, Profile::Course);
    let mut c = Classifier::builtin().unwrap();
    c.set_window(1 << 16);
    assert_eq!(streamed(&c, &bytes, Profile::Course), w);
}

#[test]
fn an_input_that_changes_between_the_two_reads_is_an_error() {
    let bytes = hostile_document();
    let c = Classifier::builtin().unwrap();
    let reads = std::cell::Cell::new(0);
    let r = vigie::stream::assess_reader(&c, "doc", Profile::Course, || {
        reads.set(reads.get() + 1);
        let mut b = bytes.clone();
        if reads.get() == 2 {
            b[10] ^= 1;
        }
        Ok(Cursor::new(b))
    });
    assert!(r.unwrap_err().to_string().contains("changed"));
}

/// A reader that gives at most `step` bytes per read, so characters and
/// invalid sequences are cut between reads.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

    /// Windows read from any bytes, in reads of any size, are the windows of
    /// the text decoded whole (as `input::decoded` decodes it, byte-order
    /// mark removed).
    #[test]
    fn text_windows_are_the_windows_of_the_text_decoded_whole(
        bytes in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::prelude::any::<u8>(),
                proptest::sample::select(vec![b' ', b'\n', 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0xEF, 0xBB, 0xBF]),
            ],
            0..400,
        ),
        max in 4usize..40,
        step in 1usize..9,
        bom in proptest::prelude::any::<bool>(),
    ) {
        let mut input = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
        input.extend_from_slice(&bytes);
        let mut text = vigie::input::decoded(&input).0.into_owned();
        if text.starts_with('\u{FEFF}') {
            text.drain(..3);
        }
        let expected: Vec<(usize, String)> =
            vigie::pipeline::windows(&text, max).map(|(b, w)| (b, w.to_string())).collect();
        let mut tw = vigie::stream::TextWindows::new(Trickle { data: &input, step }, max);
        let mut got = Vec::new();
        while let Some((b, w)) = tw.next_window().unwrap() {
            got.push((b, w.to_string()));
        }
        proptest::prop_assert_eq!(got, expected);
        let lossy = String::from_utf8(input.clone()).is_err();
        proptest::prop_assert_eq!(tw.warnings().iter().any(|w| w.contains("UTF-8")), lossy);
    }
}

#[test]
fn a_sentence_pairing_a_practice_with_its_setting_counts_even_after_many_hits() {
    // Thirty sentences naming reiki with no setting, then one where a
    // hospital provides it: a streamed walk keeps only the first hits of
    // each practice, but the sentence features are read before that cap.
    let mut text = String::new();
    for i in 0..30 {
        text.push_str(&format!("Séance {i} de reiki chez un praticien du quartier. "));
    }
    text.push_str("À l'hôpital, l'oncologue a prescrit du reiki en soins de support.");
    let c = Classifier::builtin().unwrap();
    let names = c.with_workspace(|ws| c.pipeline().vector(&text, Profile::Report, ws, true).1);
    assert!(
        names.iter().any(|(_, n)| n == "x:report:practice-with:care"),
        "the late sentence pairs the practice with care"
    );
    for profile in [Profile::Course, Profile::Report] {
        let w = whole(&c, text.as_bytes(), profile);
        let s = streamed(&c, text.as_bytes(), profile);
        assert_eq!(s, w, "profile {profile:?}");
    }
}

/// Windows given out of order would be scored as another text: debug
/// builds stop at the first one that does not start where the last ended.
#[cfg(debug_assertions)]
#[test]
#[should_panic(expected = "no gap or overlap")]
fn windows_with_a_gap_are_refused_in_debug_builds() {
    let c = vigie::Classifier::builtin().unwrap();
    let _ = c.assess_windows::<std::convert::Infallible>(
        "gap",
        vigie::Profile::Course,
        |f| {
            f(0, "Stage de reiki ");
            f(1000, "niveau 1");
            Ok(())
        },
        |_| Ok(Default::default()),
    );
}
