//! The labelled corpus: size, balance, variety, and no templated writing.

use std::collections::BTreeSet;
use vigie::corpus::{near_duplicates, templated, Corpus, Stats};
use vigie::Profile;

fn corpus() -> Corpus {
    Corpus::load(&["data/corpus".into()]).unwrap_or_else(|e| panic!("{e:?}"))
}

#[test]
fn at_least_1000_items_of_each_kind() {
    let s = Stats::of(&corpus().items);
    for k in Profile::ALL {
        let n = s.by_kind_label.iter().filter(|(key, _)| key.starts_with(k.as_str())).map(|(_, n)| n).sum::<usize>();
        assert!(n >= 1000, "{n} {k} items");
    }
}

#[test]
fn flag_share_is_between_35_and_55_percent_in_each_kind() {
    let s = Stats::of(&corpus().items);
    for (k, share) in &s.flag_share {
        assert!((0.35..=0.55).contains(share), "{k}: {share}");
    }
}

#[test]
fn at_least_80_distinct_practices_appear() {
    assert!(Stats::of(&corpus().items).distinct_practices >= 80);
}

#[test]
fn every_practice_name_is_a_canonical_vocabulary_name() {
    let lex = vigie::Lexicon::from_path("data/lexicon.toml").unwrap();
    let names: BTreeSet<&str> = lex.practices.iter().map(|p| p.name.as_str()).collect();
    for it in &corpus().items {
        for p in &it.practices {
            assert!(names.contains(p.as_str()), "{}: unknown practice '{p}'", it.id);
        }
    }
}

#[test]
fn no_two_items_share_more_than_80_percent_of_their_word_trigrams() {
    let c = corpus();
    let d = near_duplicates(&c.items, 0.8);
    let shown: Vec<String> =
        d.iter().take(10).map(|(a, b, j)| format!("{} ~ {} ({j:.2})", c.items[*a].id, c.items[*b].id)).collect();
    assert!(d.is_empty(), "{shown:?}");
}

#[test]
fn fewer_than_5_percent_of_items_share_a_7_word_run_with_10_others() {
    let c = corpus();
    let (flagged, top) = templated(&c.items, 10);
    let share = flagged.len() as f64 / c.items.len() as f64;
    assert!(share < 0.05, "{:.1} % templated; most common runs: {top:?}", 100.0 * share);
}

#[test]
fn duplicate_check_catches_a_near_copy() {
    let mut c = corpus();
    let mut copy = c.items[0].clone();
    copy.id = "copy".into();
    copy.text.push_str(" Merci.");
    c.items.push(copy);
    assert!(!near_duplicates(&c.items, 0.8).is_empty());
}

#[test]
fn corpus_readme_states_the_current_counts() {
    let readme = std::fs::read_to_string("data/corpus/README.md").unwrap();
    let n = corpus().items.len();
    assert!(
        readme.contains(&format!("{n} items")),
        "data/corpus/README.md does not state the current count ({n} items)"
    );
}

#[test]
fn folds_keep_balance_and_are_deterministic() {
    let c = corpus();
    let f1 = c.folds(5, 7);
    assert_eq!(f1, c.folds(5, 7));
    for k in 0..5 {
        let n = f1.iter().filter(|&&f| f == k).count();
        assert!((n as f64 - c.items.len() as f64 / 5.0).abs() < 10.0, "fold {k}: {n}");
    }
}
