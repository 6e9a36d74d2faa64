//! The vocabulary file: what it must hold, and how mistakes in it are reported.

use vigie::lexicon::{CueKind, Lexicon, LexiconError};

const MINI: &str = include_str!("fixtures/lexicon-mini.toml");

#[test]
fn shipped_vocabulary_has_at_least_120_sourced_practices() {
    let lex = Lexicon::from_path("data/lexicon.toml").expect("shipped vocabulary loads");
    assert!(lex.practices.len() >= 120, "{} practices", lex.practices.len());
    for p in &lex.practices {
        assert!(!p.sources.is_empty(), "{} has no source", p.id);
        assert!(!p.note.is_empty(), "{} has no note", p.id);
    }
}

#[test]
fn shipped_vocabulary_has_every_kind_of_cue_and_lookalikes() {
    let lex = Lexicon::from_path("data/lexicon.toml").unwrap();
    for k in CueKind::ALL {
        assert!(lex.cues.iter().any(|c| c.kind == k), "no {k:?} cue");
    }
    let terms: Vec<&str> = lex.lookalikes.iter().map(|l| l.term.as_str()).collect();
    for t in
        ["kinésithérapie", "ergothérapie", "thérapie cellulaire", "drainage lymphatique manuel", "jeûne préopératoire"]
    {
        assert!(terms.contains(&t), "look-alike {t} missing");
    }
}

#[test]
fn builtin_vocabulary_is_the_data_file() {
    let file = Lexicon::from_path("data/lexicon.toml").unwrap();
    assert_eq!(Lexicon::builtin().fingerprint, file.fingerprint);
}

fn error_of(src: &str) -> String {
    Lexicon::from_toml_str(src, "test.toml").unwrap_err().to_string()
}

#[test]
fn duplicated_alias_is_refused_naming_both_entries_and_the_line() {
    let src = MINI.replace("practitioners = [\"reikiste\"]", "practitioners = [\"reikiste\", \"Biokinergiste\"]");
    let err = error_of(&src);
    let line = src.lines().position(|l| l.contains("\"Biokinergiste\"")).unwrap() + 1;
    assert!(err.starts_with(&format!("test.toml:{line}:")), "{err}");
    assert!(err.contains("'reiki'") && err.contains("'biokinergie'"), "{err}");
    assert!(err.contains("duplicate alias"), "{err}");
}

#[test]
fn alias_equal_to_a_lookalike_is_refused() {
    let src = MINI.replace("aliases = [\"microkiné\"]", "aliases = [\"microkiné\", \"kinésithérapeutes\"]");
    let err = error_of(&src);
    assert!(err.contains("look-alike"), "{err}");
}

#[test]
fn unknown_category_is_refused_with_its_line() {
    let src = MINI.replace("category = \"diet\"", "category = \"dietary\"");
    let line = src.lines().position(|l| l.contains("\"dietary\"")).unwrap() + 1;
    let err = error_of(&src);
    assert!(err.starts_with(&format!("test.toml:{line}:")), "{err}");
    assert!(err.contains("unknown variant"), "{err}");
}

#[test]
fn unknown_status_is_refused() {
    let err = error_of(&MINI.replacen("status = \"warned\"", "status = \"dangerous\"", 1));
    assert!(err.contains("dangerous"), "{err}");
}

#[test]
fn empty_name_is_refused() {
    let err = error_of(&MINI.replace("name = \"Reiki\"", "name = \"  \""));
    assert!(err.contains("entry 'reiki'") && err.contains("empty name"), "{err}");
}

#[test]
fn unknown_source_key_is_refused() {
    let err = error_of(&MINI.replace("sources = [\"CNOMK-BIO14\"]", "sources = [\"NOPE\"]"));
    assert!(err.contains("unknown source 'NOPE'"), "{err}");
}

/// The line, counted from 1, of the first line of `src` containing `needle`.
fn line_of(src: &str, needle: &str) -> usize {
    src.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn source_key_defined_twice_is_refused_naming_both_tables() {
    let src = MINI.replacen("key = \"CNOMK-KIN13\"", "key = \"GK\"", 1);
    // Each `key = "GK"` line follows its table's `[[source]]` header.
    let keys: Vec<usize> = src.lines().enumerate().filter(|(_, l)| *l == "key = \"GK\"").map(|(i, _)| i).collect();
    let (first, second) = (keys[0], keys[1]);
    let err = error_of(&src);
    assert!(err.starts_with(&format!("test.toml:{second}: entry 'GK'")), "{err}");
    assert!(err.ends_with(&format!("already defined at line {first}")), "{err}");
}

#[test]
fn source_without_a_title_is_refused_with_its_line() {
    let src = MINI.replace("title = \"littérature générale\"", "title = \" \"");
    let err = error_of(&src);
    // The line of the table's `[[source]]` header, just before `key = "GK"`.
    let header = line_of(&src, "key = \"GK\"") - 1;
    assert!(err.starts_with(&format!("test.toml:{header}: entry 'GK'")), "{err}");
    assert!(err.contains("needs a key, an issuer and a title"), "{err}");
}

#[test]
fn term_made_of_digits_alone_is_refused() {
    let src = MINI.replace("aliases = [\"microkiné\"]", "aliases = [\"microkiné\", \"2024\"]");
    let err = error_of(&src);
    assert!(err.starts_with(&format!("test.toml:{}:", line_of(&src, "\"2024\""))), "{err}");
    assert!(err.contains("'2024' has no letters"), "{err}");
}

#[test]
fn term_of_digits_and_a_letter_is_accepted() {
    let src = MINI.replace("aliases = [\"microkiné\"]", "aliases = [\"microkiné\", \"714-X\"]");
    assert!(Lexicon::from_toml_str(&src, "test.toml").is_ok());
}

#[test]
fn cue_id_that_is_not_a_slug_is_refused() {
    let err = error_of(&MINI.replace("id = \"cure-promise\"", "id = \"Mon Indice !\""));
    assert!(err.contains("slug"), "{err}");
}

#[test]
fn cue_with_an_empty_label_is_refused() {
    let err = error_of(&MINI.replace("label = \"promesse de guérison\"", "label = \"\""));
    assert!(err.contains("entry 'cure-promise'") && err.contains("empty label"), "{err}");
}

#[test]
fn lookalike_confused_with_an_unknown_practice_is_refused() {
    let src = MINI.replace("confused_with = [\"jeune-therapeutique\"]", "confused_with = [\"n-existe-pas\"]");
    let err = error_of(&src);
    let header = line_of(&src, "term = \"jeûne préopératoire\"") - 1;
    assert!(err.starts_with(&format!("test.toml:{header}: entry 'jeûne préopératoire'")), "{err}");
    assert!(err.contains("unknown practice 'n-existe-pas' in confused_with"), "{err}");
}

#[test]
fn confused_with_ids_are_read_trimmed() {
    let src = MINI.replace("confused_with = [\"jeune-therapeutique\"]", "confused_with = [\" jeune-therapeutique \"]");
    let lex = Lexicon::from_toml_str(&src, "test.toml").unwrap();
    let l = lex.lookalikes.iter().find(|l| l.term == "jeûne préopératoire").unwrap();
    assert_eq!(l.confused_with, ["jeune-therapeutique"]);
}

#[test]
fn empty_version_is_refused() {
    let src = MINI.replace("version = \"test\"", "version = \" \"");
    let err = error_of(&src);
    assert!(err.starts_with(&format!("test.toml:{}:", line_of(&src, "[lexicon]"))), "{err}");
    assert!(err.contains("empty version"), "{err}");
}

#[test]
fn unknown_key_is_a_syntax_error_with_a_line() {
    let src = MINI.replace("note = \"Jeûne présenté comme soin.\"", "note = \"x\"\ncolour = \"red\"");
    let line = src.lines().position(|l| l.starts_with("colour")).unwrap() + 1;
    let e = Lexicon::from_toml_str(&src, "test.toml").unwrap_err();
    assert!(matches!(e, LexiconError::Syntax { .. }), "{e}");
    assert!(e.to_string().starts_with(&format!("test.toml:{line}")) || e.to_string().contains("colour"), "{e}");
}

#[test]
fn missing_file_error_names_the_file() {
    let e = Lexicon::from_path("no/such/lexicon.toml").unwrap_err().to_string();
    assert!(e.starts_with("no/such/lexicon.toml:"), "{e}");
}
