//! The model file: broken files give errors that name the file and the
//! problem, and the shipped model is what `vigie train` makes of data/.

use vigie::corpus::Corpus;
use vigie::model::{Model, ModelError, BUILTIN_MODEL};

fn write_tmp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = tempfile::tempdir().unwrap().keep();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn err_of(bytes: &[u8]) -> (ModelError, String) {
    let p = write_tmp("m.vigie", bytes);
    let e = Model::from_path(&p).unwrap_err();
    let s = e.to_string();
    assert!(s.starts_with(&p.display().to_string()), "error does not name the file: {s}");
    (e, s)
}

#[test]
fn missing_model_file_is_an_io_error_naming_it() {
    let e = Model::from_path("no/such/model.vigie").unwrap_err();
    assert!(matches!(e, ModelError::Io { .. }));
    assert!(e.to_string().starts_with("no/such/model.vigie"));
}

#[test]
fn empty_model_file_is_refused() {
    assert!(matches!(err_of(b"").0, ModelError::Empty { .. }));
}

#[test]
fn truncated_model_file_fails_its_checksum() {
    let (e, s) = err_of(&BUILTIN_MODEL[..BUILTIN_MODEL.len() / 2]);
    assert!(matches!(e, ModelError::Checksum { .. }), "{s}");
    assert!(s.contains("truncated or corrupt"));
}

#[test]
fn one_flipped_byte_fails_the_checksum() {
    let mut b = BUILTIN_MODEL.to_vec();
    let i = b.len() - 100;
    b[i] ^= 0x01;
    assert!(matches!(err_of(&b).0, ModelError::Checksum { .. }));
}

#[test]
fn model_copied_with_crlf_line_ends_says_so() {
    let text = String::from_utf8(BUILTIN_MODEL.to_vec()).unwrap();
    let (e, s) = err_of(text.replace('\n', "\r\n").as_bytes());
    assert!(matches!(e, ModelError::LineEndings { .. }), "{s}");
    assert!(s.contains("CRLF"), "{s}");
}

#[test]
fn corrupt_model_with_crlf_line_ends_is_corrupt_not_a_text_copy() {
    let text = String::from_utf8(BUILTIN_MODEL.to_vec()).unwrap().replace('\n', "\r\n");
    let cut = &text.as_bytes()[..text.len() / 2];
    assert!(matches!(err_of(cut).0, ModelError::Checksum { .. }));
}

#[test]
fn byte_order_mark_before_the_header_is_ignored() {
    let mut b = b"\xEF\xBB\xBF".to_vec();
    b.extend_from_slice(BUILTIN_MODEL);
    let p = write_tmp("bom.vigie", &b);
    assert_eq!(Model::from_path(&p).unwrap().id, Model::builtin().unwrap().id);
}

#[test]
fn other_file_is_not_a_model() {
    assert!(matches!(err_of(b"PK\x03\x04 zip data").0, ModelError::Header { .. }));
    assert!(matches!(err_of(b"{\"format\":\"other\",\"version\":1,\"xxh3\":\"\"}\n{}").0, ModelError::Header { .. }));
}

#[test]
fn future_format_version_is_refused_with_advice() {
    let text = String::from_utf8(BUILTIN_MODEL.to_vec()).unwrap();
    let (head, body) = text.split_once('\n').unwrap();
    let head = head.replace("\"version\":1", "\"version\":99");
    let (e, s) = err_of(format!("{head}\n{body}").as_bytes());
    assert!(matches!(e, ModelError::Version { found: 99, .. }), "{s}");
    assert!(s.contains("retrain"));
}

#[test]
fn hand_edited_body_with_valid_checksum_reports_line_and_column() {
    let body = b"{\n  \"vigie_version\": \"0.1.0\",\n  \"oops\n}";
    let sum = vigie::model::checksum(body);
    let mut file = format!("{{\"format\":\"vigie-model\",\"version\":1,\"xxh3\":\"{sum}\"}}\n").into_bytes();
    file.extend_from_slice(body);
    let (e, s) = err_of(&file);
    // The raw newline inside the string is reported at the start of body
    // line 4; the body starts on line 2 of the file, so that is file line 5.
    assert!(matches!(e, ModelError::Body { line: 5, column: 0, .. }), "{s}");
    assert!(!s.contains(" at line "), "one position, the file's: {s}");
}

/// The shipped model with the first value of `key` in its body set to
/// `value`, under a header whose checksum matches the edited body: a file
/// edited by hand, which the checksum cannot catch.
fn model_with(key: &str, value: &str) -> Vec<u8> {
    let text = String::from_utf8(BUILTIN_MODEL.to_vec()).unwrap();
    let (_, b) = text.split_once('\n').unwrap();
    let at = b.find(&format!("\"{key}\": ")).unwrap() + key.len() + 4;
    let end = at + b[at..].find(',').unwrap();
    let body = format!("{}{value}{}", &b[..at], &b[end..]);
    let sum = vigie::model::checksum(body.as_bytes());
    format!("{{\"format\":\"vigie-model\",\"version\":1,\"xxh3\":\"{sum}\"}}\n{body}").into_bytes()
}

#[test]
fn urgency_threshold_above_one_is_refused() {
    let (e, s) = err_of(&model_with("urgent_at", "7.5"));
    assert!(matches!(e, ModelError::Invalid { .. }), "{s}");
    assert!(s.contains("urgent_at is 7.5"), "{s}");
}

#[test]
fn bias_that_overflows_to_infinity_is_refused() {
    let (e, s) = err_of(&model_with("bias", "1e39"));
    assert!(matches!(e, ModelError::Invalid { .. }), "{s}");
    assert!(s.contains("flag scorer: the bias is inf"), "{s}");
}

#[test]
fn hand_edited_model_within_range_still_loads() {
    assert!(Model::from_path(write_tmp("ok.vigie", &model_with("urgent_at", "0.5"))).is_ok());
}

#[test]
fn shipped_model_loads_and_is_small() {
    let m = Model::builtin().expect("shipped model loads");
    assert!(BUILTIN_MODEL.len() < 10 * 1024 * 1024);
    assert!(!m.flag.is_empty());
}

#[test]
fn shipped_model_is_trained_on_the_current_data() {
    let m = Model::builtin().unwrap();
    let lex = vigie::Lexicon::from_path("data/lexicon.toml").unwrap();
    assert_eq!(
        m.data.lexicon_fingerprint, lex.fingerprint,
        "data/lexicon.toml changed: retrain the model (see README)"
    );
    let corpus = Corpus::load(&["data/corpus".into()]).unwrap();
    assert_eq!(m.data.corpus_fingerprint, corpus.fingerprint, "data/corpus changed: retrain the model (see README)");
}
