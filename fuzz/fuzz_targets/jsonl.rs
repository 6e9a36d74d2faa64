//! Fuzz target: the record readers on arbitrary bytes.
//!
//! The same bytes are read as JSON Lines, as lines, as one text and as CSV
//! (default options, then options naming every header column). Nothing may
//! panic, and:
//! - JSON Lines: exactly one record (Ok or Err) per line that is not all ASCII
//!   whitespace, carrying that line's 1-based number; reading through a tiny
//!   `BufReader` gives the same records;
//! - lines: exactly one record per line, numbered 1, 2, …, with no trailing
//!   `\r`/`\n` in the text;
//! - text: exactly one record;
//! - CSV: record line numbers never go backwards; each field range of an Ok
//!   record lies inside its text on char boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::{BufRead, BufReader, Cursor};
use vigie::input::{records, CsvOptions, InputFormat, RecordResult};

fn read(
    reader: Box<dyn BufRead + Send + '_>,
    format: InputFormat,
    opts: &CsvOptions,
) -> Option<Vec<RecordResult>> {
    match records(reader, format, opts, "fuzz") {
        Ok(it) => Some(it.collect()),
        Err(e) => {
            // Only CSV may fail before the first record (header problems).
            assert_eq!(format, InputFormat::Csv, "{format:?} failed: {e}");
            None
        }
    }
}

fn line_of(r: &RecordResult) -> usize {
    match r {
        Ok(r) => r.line,
        Err(e) => e.line,
    }
}

/// Lines as `read_until(b'\n')` cuts them (the last may lack its `\n`).
fn split_lines(data: &[u8]) -> Vec<&[u8]> {
    let mut out: Vec<&[u8]> = data.split_inclusive(|&b| b == b'\n').collect();
    if data.is_empty() {
        out.clear();
    }
    out
}

fn check_csv(data: &[u8], opts: &CsvOptions) {
    let Some(rs) = read(Box::new(Cursor::new(data)), InputFormat::Csv, opts) else {
        return;
    };
    let mut last = 0usize;
    for r in &rs {
        let line = line_of(r);
        assert!(line >= 1 && line >= last, "CSV line numbers go backwards");
        last = line;
        if let Ok(rec) = r {
            assert_eq!(rec.fields.len(), opts.text_columns.len().max(1));
            for f in &rec.fields {
                assert!(
                    f.start <= f.end
                        && f.end <= rec.text.len()
                        && rec.text.is_char_boundary(f.start)
                        && rec.text.is_char_boundary(f.end),
                    "field {} at {}..{} outside text of {} bytes",
                    f.name,
                    f.start,
                    f.end,
                    rec.text.len()
                );
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let none = CsvOptions::default();
    let lines = split_lines(data);

    // JSON Lines.
    let expected: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace))
        .map(|(i, _)| i + 1)
        .collect();
    let rs = read(Box::new(Cursor::new(data)), InputFormat::Jsonl, &none).unwrap();
    let got: Vec<usize> = rs.iter().map(line_of).collect();
    assert_eq!(got, expected, "JSONL: one record per non-blank line");
    let small = read(
        Box::new(BufReader::with_capacity(7, Cursor::new(data))),
        InputFormat::Jsonl,
        &none,
    )
    .unwrap();
    assert_eq!(rs, small, "JSONL: result depends on the read buffer size");

    // Lines.
    let rs = read(Box::new(Cursor::new(data)), InputFormat::Lines, &none).unwrap();
    assert_eq!(rs.len(), lines.len(), "Lines: one record per line");
    for (i, r) in rs.iter().enumerate() {
        let rec = r.as_ref().expect("Lines records never fail on in-memory input");
        assert_eq!(rec.line, i + 1);
        assert!(!rec.text.ends_with(['\n', '\r']));
    }

    // Text.
    let rs = read(Box::new(Cursor::new(data)), InputFormat::Text, &none).unwrap();
    assert_eq!(rs.len(), 1);
    assert!(rs[0].is_ok());

    // CSV with the default options (needs a `text` column).
    check_csv(data, &none);
    // CSV naming every header column (as far as a plain split tells them)
    // as text, the first as id and the last as kind.
    let header = String::from_utf8_lossy(lines.first().copied().unwrap_or(b""));
    let cols: Vec<String> = header
        .trim_end_matches(['\r', '\n'])
        .split(',')
        .map(|c| c.trim_start_matches('\u{FEFF}').trim().to_string())
        .filter(|c| !c.is_empty() && !c.contains('"'))
        .take(4)
        .collect();
    if !cols.is_empty() {
        let opts = CsvOptions {
            text_columns: cols.clone(),
            id_column: cols.first().cloned(),
            kind_column: cols.last().cloned(),
            delimiter: Some(b','),
        };
        check_csv(data, &opts);
    }
});
