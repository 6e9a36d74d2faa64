//! The `vigie` command, as users run it.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn vigie() -> Command {
    Command::cargo_bin("vigie").unwrap()
}

/// Runs a command that must succeed and returns its standard output.
trait OkStdout {
    fn ok_stdout(&mut self) -> Vec<u8>;
}

impl OkStdout for Command {
    fn ok_stdout(&mut self) -> Vec<u8> {
        self.assert().success().get_output().stdout.clone()
    }
}

fn jsonl(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn score_writes_one_record_per_input_record_in_order() {
    let out = vigie().args(["score", "--input", "jsonl", "data/samples/courses.jsonl"]).ok_stdout();
    let recs = jsonl(&out);
    let ids: Vec<&str> = recs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ODPC-2291-01", "ODPC-2291-02", "ODPC-3104-07", "ODPC-3311-02", "ODPC-4020-11", "ODPC-4020-12"]);
    for r in &recs {
        for key in ["profile", "score", "decision", "priority", "practices", "cues", "model", "lexicon"] {
            assert!(r.get(key).is_some(), "missing {key} in {r}");
        }
    }
    assert_eq!(recs[0]["decision"], "flag");
    assert_eq!(recs[0]["practices"][0]["name"], "Biokinergie");
    assert!(recs[1]["practices"].as_array().unwrap().is_empty());
}

#[test]
fn broken_jsonl_lines_become_error_records_and_exit_2() {
    let input = "{\"id\":\"a\",\"text\":\"Stage de reiki\"}\nnot json\n{\"id\":\"c\"}\n{\"id\":\"d\",\"text\":\"Cours de pharmacologie\",\"kind\":\"course\"}\n";
    let assert = vigie().args(["score", "--input", "jsonl", "-"]).write_stdin(input).assert().code(2);
    let out = assert.get_output();
    let recs = jsonl(&out.stdout);
    assert_eq!(recs.len(), 4, "output records = input records");
    assert_eq!(recs[1]["line"], 2);
    assert!(recs[1]["error"].as_str().unwrap().contains("invalid JSON"));
    assert_eq!(recs[2]["id"], "c");
    assert!(recs[2]["error"].as_str().unwrap().contains("missing field 'text'"));
    assert_eq!(recs[3]["id"], "d");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2 of 4 records failed"), "{err}");
}

#[test]
fn text_input_scores_each_file_as_one_document() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cours.txt");
    std::fs::write(&p, "Initiation à la biokinergie, niveau 1.\nDeuxième ligne.").unwrap();
    let out = vigie().args(["score", "--format", "jsonl"]).arg(&p).ok_stdout();
    let recs = jsonl(&out);
    assert_eq!(recs.len(), 1);
    let span = &recs[0]["practices"][0]["spans"][0];
    assert_eq!(span["start"], 17);
    assert_eq!(span["text"], "biokinergie");
}

#[test]
fn unreadable_path_is_an_error_record_and_the_others_are_processed() {
    let out = vigie()
        .args(["score", "--input", "jsonl", "no/such/file.jsonl", "data/samples/reports.jsonl"])
        .assert()
        .code(2)
        .get_output()
        .stdout
        .clone();
    let recs = jsonl(&out);
    assert_eq!(recs.len(), 7);
    assert!(recs[0]["error"].as_str().unwrap().contains("cannot open"));
}

#[test]
fn csv_columns_are_joined_and_spans_name_their_column() {
    let out = vigie()
        .args(["score", "--input", "csv", "--id-column", "reference", "--format", "jsonl"])
        .args([
            "--text-column",
            "titre",
            "--text-column",
            "resume",
            "--text-column",
            "objectifs",
            "--text-column",
            "methodes",
        ])
        .arg("data/samples/courses.csv")
        .ok_stdout();
    let recs = jsonl(&out);
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[0]["id"], "DPC-801");
    let span = &recs[0]["practices"][0]["spans"][0];
    assert_eq!(span["field"], "titre");
    assert_eq!(span["start"], 0);
    assert_eq!(span["text"], "Fasciathérapie");
    assert_eq!(recs[2]["practices"][0]["name"], "Reiki");
}

#[test]
fn missing_csv_text_column_is_a_clear_fatal_error() {
    vigie()
        .args(["score", "--input", "csv", "--text-column", "summary", "data/samples/courses.csv"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no column 'summary'"))
        .stdout(predicate::str::is_empty());
}

/// `vigie score OPTION FILE` on the samples, where FILE (named `name`) holds
/// `contents`: a fatal error (exit 1) whose message names the file and says
/// `what`.
fn fatal_with_file(option: &str, name: &str, contents: &str, what: &str) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, contents).unwrap();
    vigie()
        .args(["score", option])
        .arg(&p)
        .arg("data/samples/courses.jsonl")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(name).and(predicate::str::contains(what)));
}

#[test]
fn corrupt_model_is_a_fatal_error_naming_the_file() {
    let corrupt = "{\"format\":\"vigie-model\",\"version\":1,\"xxh3\":\"00\"}\n{}";
    fatal_with_file("--model", "bad.vigie", corrupt, "truncated or corrupt");
}

#[test]
fn zero_or_thousands_of_threads_are_refused_before_any_work() {
    for n in ["0", "2000"] {
        vigie()
            .args(["score", "--threads", n, "data/samples/courses.jsonl"])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("1..=1024"))
            .stdout(predicate::str::is_empty());
    }
}

#[test]
fn unknown_option_is_a_fatal_error_not_a_failed_record() {
    vigie()
        .args(["score", "--bogus", "data/samples/courses.jsonl"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--bogus"))
        .stdout(predicate::str::is_empty());
}

#[test]
fn help_is_not_an_error() {
    vigie().args(["score", "--help"]).assert().code(0).stdout(predicate::str::contains("--input"));
}

#[test]
fn missing_model_file_says_why_once() {
    let out = vigie()
        .args(["score", "--model", "no-such-model.vigie", "data/samples/courses.jsonl"])
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert!(err.contains("no-such-model.vigie: cannot read the model file"), "{err}");
    assert_eq!(err.matches("os error").count(), 1, "{err}");
}

#[test]
fn review_threshold_above_flag_threshold_is_refused() {
    vigie()
        .args(["score", "--flag-at", "0.2", "--review-at", "0.5", "data/samples/courses.jsonl"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("review_at"));
}

#[test]
fn flag_threshold_override_changes_decisions() {
    let out = vigie()
        .args(["score", "--input", "jsonl", "--flag-at", "1.0", "--review-at", "1.0", "--no-review-floor"])
        .arg("data/samples/courses.jsonl")
        .ok_stdout();
    assert!(jsonl(&out).iter().all(|r| r["decision"] == "clear"));
}

#[test]
fn review_floor_sends_a_short_cleared_text_naming_a_warned_practice_to_review_and_says_so() {
    // Every score is below these thresholds: only the floor can send a
    // text to review. The first text is short and names reiki (warned);
    // the second names it inside a prevention message (a critical cue); the
    // third names nothing.
    let input = "{\"id\":\"a\",\"kind\":\"report\",\"text\":\"Ma fille suit un reiki.\"}\n\
                 {\"id\":\"b\",\"kind\":\"report\",\"text\":\"Prévention des dérives : le reiki, signaler à la Miviludes.\"}\n\
                 {\"id\":\"c\",\"kind\":\"report\",\"text\":\"J'ai perdu mon passeport.\"}\n";
    let run = |extra: &[&str]| {
        let out = vigie()
            .args(["score", "--input", "jsonl", "--flag-at", "1.0", "--review-at", "1.0"])
            .args(extra)
            .arg("-")
            .write_stdin(input)
            .ok_stdout();
        jsonl(&out).iter().map(|r| (r["decision"].clone(), r.get("review_floor").cloned())).collect::<Vec<_>>()
    };
    let floor = run(&[]);
    assert_eq!(floor[0], ("review".into(), Some(true.into())));
    assert_eq!(floor[1], ("clear".into(), None));
    assert_eq!(floor[2], ("clear".into(), None));
    assert!(run(&["--no-review-floor"]).iter().all(|d| *d == ("clear".into(), None)));
}

#[test]
fn output_does_not_echo_the_text_unless_asked() {
    let text = "Mon frère a tout quitté pour suivre un magnétiseur qui lui promet une guérison totale de son diabète.";
    let input = format!("{{\"id\":\"x\",\"kind\":\"report\",\"text\":{}}}\n", serde_json::to_string(text).unwrap());
    let out = vigie().args(["score", "--input", "jsonl", "-"]).write_stdin(input.clone()).ok_stdout();
    assert!(!String::from_utf8_lossy(&out).contains(text));
    let out = vigie().args(["score", "--input", "jsonl", "--include-text", "-"]).write_stdin(input).ok_stdout();
    assert_eq!(jsonl(&out)[0]["text"], text);
}

#[test]
fn triage_puts_urgent_first_then_flag_review_clear_and_summarises() {
    let a = vigie()
        .args(["triage", "--input", "jsonl", "--format", "jsonl", "data/samples/reports.jsonl"])
        .assert()
        .success();
    let out = a.get_output();
    let recs = jsonl(&out.stdout);
    assert_eq!(recs.len(), 6);
    let key = |r: &Value| {
        let urgent = r["priority"] == "urgent";
        let band = match r["decision"].as_str().unwrap() {
            "flag" => 0,
            "review" => 1,
            _ => 2,
        };
        (!urgent, band, -(r["score"].as_f64().unwrap() * 1e6) as i64)
    };
    let keys: Vec<_> = recs.iter().map(key).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(recs[0]["priority"], "urgent");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("by decision:")
            && err.contains("by priority (reports):")
            && err.contains("by practice category (flag and review):"),
        "{err}"
    );
}

#[test]
fn triage_only_keeps_the_requested_bands() {
    let out = vigie()
        .args([
            "triage",
            "--input",
            "jsonl",
            "--format",
            "jsonl",
            "--only",
            "flag,review",
            "data/samples/reports.jsonl",
        ])
        .ok_stdout();
    let recs = jsonl(&out);
    assert!(!recs.is_empty());
    assert!(recs.iter().all(|r| r["decision"] != "clear"));
}

#[test]
fn explain_shows_practice_status_source_and_marked_evidence() {
    vigie()
        .args([
            "explain",
            "--profile",
            "course",
            "--text",
            "Initiation à la biokinergie pour kinésithérapeutes, niveau 1.",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Biokinergie")
                .and(predicate::str::contains("Source publique"))
                .and(predicate::str::contains("⟦biokinergie⟧{practice}"))
                .and(predicate::str::contains("Décision")),
        );
}

#[test]
fn explain_json_has_the_bands_and_cue_effects() {
    let out = vigie()
        .args([
            "explain",
            "--format",
            "json",
            "--profile",
            "report",
            "--text",
            "Ma mère a arrêté sa chimiothérapie pour suivre un décodeur biologique.",
        ])
        .ok_stdout();
    let v: Value = serde_json::from_slice(&out).unwrap();
    for key in ["score", "decision", "flag_at", "review_at", "raised_by", "lowered_by", "top_features", "practices"] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
}

#[test]
fn eval_json_has_the_documented_top_level_keys() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("gold.jsonl");
    std::fs::write(
        &p,
        "{\"id\":\"1\",\"kind\":\"course\",\"text\":\"Stage de reiki niveau 1\",\"label\":\"flag\",\"priority\":null,\"practices\":[\"Reiki\"],\"tags\":[\"named\"]}\n\
         {\"id\":\"2\",\"kind\":\"report\",\"text\":\"J'ai perdu mon passeport\",\"label\":\"clear\",\"priority\":null,\"practices\":[],\"tags\":[\"misdirected\"]}\n",
    )
    .unwrap();
    let out = vigie().args(["eval", "--format", "json", "--errors", "--data"]).arg(&p).ok_stdout();
    let v: Value = serde_json::from_slice(&out).unwrap();
    for key in
        ["precision", "recall", "f1", "accuracy", "recall_at_p90", "confusion", "by_kind", "by_tag", "urgent", "errors"]
    {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert!(v["note"].as_str().unwrap().contains("sent to review"));
}

#[test]
fn corpus_stats_prints_counts() {
    vigie()
        .args(["corpus", "stats"])
        .assert()
        .success()
        .stdout(predicate::str::contains("course/flag").and(predicate::str::contains("distinct practices")));
}

#[test]
fn shipped_model_reproduces_byte_for_byte_from_vigie_train() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model.vigie");
    vigie().args(["train", "--out"]).arg(&out).assert().success();
    let fresh = std::fs::read(&out).unwrap();
    let shipped = std::fs::read("models/default.vigie").unwrap();
    assert!(
        fresh == shipped,
        "models/default.vigie differs from what `vigie train` produces now: retrain it (see README)"
    );
}

#[test]
fn empty_and_whitespace_documents_are_scored_clear() {
    let out = vigie()
        .args(["score", "--input", "jsonl", "-"])
        .write_stdin("{\"id\":\"e\",\"text\":\"\"}\n{\"id\":\"w\",\"text\":\"   \\n\\t \"}\n")
        .ok_stdout();
    let recs = jsonl(&out);
    assert_eq!(recs.len(), 2);
    assert!(recs.iter().all(|r| r["decision"] == "clear" && r["practices"].as_array().unwrap().is_empty()));
}

#[test]
fn a_text_file_larger_than_a_window_is_streamed_with_the_result_of_reading_it_whole() {
    // About 1.5 MiB of corpus text: more than one 1 MiB window. A practice
    // term sits across the first window's 1 MiB mark, and invalid UTF-8
    // ends the file.
    let mut text = String::new();
    for line in std::fs::read_to_string("data/corpus/reports-ra.jsonl").unwrap().lines().cycle() {
        if text.len() > (1 << 20) - 2000 && !text.contains("Séance de biokinergie") {
            let at = (1 << 20) - 5; // "biokinergie" crosses the 1 MiB mark
            text.push_str(&" ".repeat(at - text.len() - "Séance de ".len()));
            text.push_str("Séance de biokinergie, puis ");
        }
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).unwrap();
        text.push_str(v["text"].as_str().unwrap());
        text.push_str("\n\n");
        if text.len() > 1_500_000 {
            break;
        }
    }
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(b"fin \xff\xfe");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("long.txt");
    std::fs::write(&p, &bytes).unwrap();
    let args = ["--input", "text", "--format", "jsonl", "--profile", "report"];
    let streamed = jsonl(&vigie().arg("score").args(args).arg(&p).ok_stdout());
    // stdin is read whole
    let whole = jsonl(&vigie().arg("score").args(args).arg("-").write_stdin(bytes.clone()).ok_stdout());
    assert_eq!(streamed.len(), 1);
    let (mut s, mut w) = (streamed[0].clone(), whole[0].clone());
    assert_eq!(s["id"], p.display().to_string());
    for k in ["id", "source"] {
        s.as_object_mut().unwrap().remove(k);
        w.as_object_mut().unwrap().remove(k);
    }
    assert_eq!(s, w);
    assert!(s["warnings"][0].as_str().unwrap().contains("UTF-8"), "{}", s["warnings"]);
    // Before the first invalid byte, offsets are byte offsets into the file.
    let spans = s["practices"].as_array().unwrap().iter().flat_map(|p| p["spans"].as_array().unwrap().clone());
    let mut across = false;
    for sp in spans {
        let (a, b) = (sp["start"].as_u64().unwrap() as usize, sp["end"].as_u64().unwrap() as usize);
        assert_eq!(std::str::from_utf8(&bytes[a..b]).unwrap(), sp["text"].as_str().unwrap());
        across |= a == (1 << 20) - 5;
    }
    assert!(across, "the practice term across the window mark is found");
    // triage streams it too
    let t = jsonl(&vigie().arg("triage").args(args).arg(&p).ok_stdout());
    assert_eq!(t[0]["score"], s["score"]);
    assert_eq!(t[0]["practices"], s["practices"]);
}

#[test]
fn a_file_of_lines_gives_the_records_stdin_gives_over_several_chunks() {
    // A named file is mapped and its lines parsed on the scoring threads;
    // stdin is read line by line: both must give the same records, errors
    // and line numbers. 1,300 lines span several chunks of 512.
    let texts = ["Reiki pour tous, maître en trois jours", "Prévenir les chutes du sujet âgé", "kinésiologie"];
    let mut bytes = "\u{FEFF}".as_bytes().to_vec();
    for i in 0..1300 {
        match i % 13 {
            3 => bytes.extend_from_slice(b"\n"),
            5 => bytes.extend_from_slice(b"{\"text\": 5}\r\n"),
            7 => bytes.extend_from_slice(b"{\"id\": \"u\", \"text\": \"caf\xe9 quantique\"}\n"),
            _ => bytes.extend_from_slice(format!("{{\"id\": {i}, \"text\": \"{}\"}}\r\n", texts[i % 3]).as_bytes()),
        }
    }
    bytes.extend_from_slice(b"{\"text\": \"last line, no newline\"}");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("in.jsonl");
    std::fs::write(&p, &bytes).unwrap();
    let name = p.display().to_string();
    for input in ["jsonl", "lines"] {
        let args = ["score", "--input", input, "--format", "jsonl", "--threads", "2"];
        let run = |cmd: &mut Command| {
            let out = cmd.assert().get_output().clone();
            (out.status.code(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
        };
        let file = run(vigie().args(args).arg(&p));
        let stdin = run(vigie().args(args).arg("-").write_stdin(bytes.clone()));
        assert_eq!(file.0, stdin.0, "{input}");
        assert_eq!(file.1.lines().count(), if input == "jsonl" { 1201 } else { 1301 });
        assert_eq!(file.1.replace(&name, "-"), stdin.1, "{input}");
        assert_eq!(file.2.replace(&name, "-"), stdin.2, "{input}");
    }
}

#[test]
fn input_layout_defaults_to_the_one_the_extension_names() {
    let as_named = jsonl(&vigie().args(["score", "--format", "jsonl", "data/samples/reports.jsonl"]).ok_stdout());
    let told = jsonl(
        &vigie().args(["score", "--format", "jsonl", "--input", "jsonl", "data/samples/reports.jsonl"]).ok_stdout(),
    );
    assert!(as_named.len() > 1);
    assert_eq!(as_named, told);
    let csv = jsonl(
        &vigie()
            .args(["score", "--format", "jsonl", "--text-column", "titre", "--text-column", "resume"])
            .arg("data/samples/courses.csv")
            .ok_stdout(),
    );
    assert!(csv.len() > 1 && csv.iter().all(|r| r.get("error").is_none()), "{csv:?}");
}

#[test]
fn files_of_different_layouts_without_input_are_refused_before_any_output() {
    vigie()
        .args(["score", "data/samples/reports.jsonl", "data/samples/courses.csv"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("say which with --input"));
}

#[test]
fn a_directory_named_as_input_is_one_error_record_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    for input in ["jsonl", "lines", "csv", "text"] {
        let out = vigie().args(["score", "--input", input, "--format", "jsonl"]).arg(dir.path()).assert().code(2);
        let recs = jsonl(&out.get_output().stdout);
        assert_eq!(recs.len(), 1, "{input}");
        assert!(recs[0]["error"].as_str().unwrap().contains("directory"), "{input}: {}", recs[0]);
    }
}

#[test]
fn binary_file_is_read_with_a_warning_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("blob.bin");
    let bytes: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect();
    std::fs::write(&p, bytes).unwrap();
    let out = vigie().args(["score", "--format", "jsonl"]).arg(&p).ok_stdout();
    let recs = jsonl(&out);
    assert_eq!(recs.len(), 1);
    let warnings = recs[0]["warnings"].as_array().unwrap();
    assert!(!warnings.is_empty(), "{}", recs[0]);
}

#[test]
fn invalid_utf8_line_is_decoded_with_a_warning() {
    let mut input = b"{\"id\":\"x\",\"text\":\"caf".to_vec();
    input.push(0xE9);
    input.extend_from_slice(b" et reiki\"}\n");
    let out = vigie().args(["score", "--input", "jsonl", "-"]).write_stdin(input).ok_stdout();
    let recs = jsonl(&out);
    assert!(recs[0]["warnings"][0].as_str().unwrap().contains("UTF-8"));
    assert_eq!(recs[0]["practices"][0]["name"], "Reiki");
}

#[test]
fn profile_file_sets_thresholds_per_profile() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bands.toml");
    std::fs::write(&p, "[course]\nflag_at = 1.0\nreview_at = 1.0\n[report]\nflag_at = 0.0\nreview_at = 0.0\n").unwrap();
    let input = "{\"id\":\"c\",\"kind\":\"course\",\"text\":\"Stage de reiki, premier degré\"}\n{\"id\":\"r\",\"kind\":\"report\",\"text\":\"J'ai perdu mon passeport\"}\n";
    let out = vigie()
        .args(["score", "--input", "jsonl", "--no-review-floor", "--profile-file"])
        .arg(&p)
        .arg("-")
        .write_stdin(input)
        .ok_stdout();
    let recs = jsonl(&out);
    assert_eq!(recs[0]["decision"], "clear");
    assert_eq!(recs[1]["decision"], "flag");
}

#[test]
fn invalid_profile_file_is_a_fatal_error_naming_it() {
    fatal_with_file("--profile-file", "bands.toml", "[course]\nflag_at = 0.2\nreview_at = 0.9\n", "review_at");
}

#[test]
fn misspelt_threshold_key_in_a_profile_file_is_refused() {
    fatal_with_file("--profile-file", "bands.toml", "[course]\nflag_at = 0.8\nreveiw_at = 0.3\n", "reveiw_at");
}

#[test]
fn explain_of_a_file_that_is_not_utf8_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("latin1.txt");
    std::fs::write(&p, b"Stage de kin\xe9siologie").unwrap();
    vigie()
        .arg("explain")
        .arg(&p)
        .assert()
        .success()
        .stdout(predicate::str::contains("Avertissement : not UTF-8: read as Windows-1252"))
        .stdout(predicate::str::contains("Kinésiologie"));
}

#[test]
fn explain_refuses_a_file_and_a_text_together() {
    vigie()
        .args(["explain", "data/samples/courses.jsonl", "--text", "Stage de reiki"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--text"));
}

#[test]
fn results_do_not_depend_on_the_number_of_threads() {
    let run = |threads: &str| {
        vigie()
            .args([
                "score",
                "--input",
                "jsonl",
                "--threads",
                threads,
                "--format",
                "jsonl",
                "data/corpus/courses-ca.jsonl",
            ])
            .ok_stdout()
    };
    assert!(run("1") == run("2"), "output differs between 1 and 2 threads");
}

#[test]
fn a_one_megabyte_word_is_scored_without_quadratic_work() {
    // Found by fuzzing: the one-typo lookup used to cost the square of a
    // word's length. A megabyte-long word would not finish.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("word.txt");
    let word: String =
        (0..1_000_000u32).map(|i| (b'a' + (i.wrapping_mul(2654435761) >> 27) as u8 % 26) as char).collect();
    std::fs::write(&p, word).unwrap();
    let recs = jsonl(
        &vigie().args(["score", "--format", "jsonl"]).arg(&p).timeout(std::time::Duration::from_secs(60)).ok_stdout(),
    );
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0]["decision"], "clear");
}

#[test]
fn fuzzing_regressions_score_cleanly() {
    let mut n = 0;
    for entry in std::fs::read_dir("fuzz/regressions/analysis").unwrap() {
        let f = entry.unwrap().path();
        let recs = jsonl(&vigie().args(["score", "--format", "jsonl"]).arg(&f).ok_stdout());
        assert_eq!(recs.len(), 1, "{}", f.display());
        assert!(recs[0].get("error").is_none(), "{}", f.display());
        n += 1;
    }
    assert!(n >= 2, "regression inputs missing");
}
