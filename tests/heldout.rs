//! The held-out texts: readable, labelled with vocabulary names, and kept
//! apart from the training corpus (a near copy of a training text would
//! measure fit, not generalisation).

use std::collections::BTreeSet;
use vigie::corpus::{near_duplicates, Corpus};

fn heldout() -> Corpus {
    Corpus::load(&["data/heldout".into()]).unwrap_or_else(|e| panic!("{e:?}"))
}

#[test]
fn heldout_files_load_with_canonical_practice_names() {
    let h = heldout();
    assert!(h.items.len() >= 300, "{} held-out items", h.items.len());
    let lex = vigie::Lexicon::from_path("data/lexicon.toml").unwrap();
    let names: BTreeSet<&str> = lex.practices.iter().map(|p| p.name.as_str()).collect();
    for it in &h.items {
        for p in &it.practices {
            assert!(names.contains(p.as_str()), "{}: unknown practice '{p}'", it.id);
        }
    }
}

#[test]
fn no_heldout_text_is_a_near_copy_of_a_training_text() {
    let train = Corpus::load(&["data/corpus".into()]).unwrap_or_else(|e| panic!("{e:?}"));
    let n = train.items.len();
    let mut all = train.items;
    all.extend(heldout().items);
    let leaks: Vec<String> = near_duplicates(&all, 0.8)
        .into_iter()
        .filter(|&(a, b, _)| (a < n) != (b < n))
        .map(|(a, b, j)| format!("{} ~ {} ({j:.2})", all[a].id, all[b].id))
        .collect();
    assert!(leaks.is_empty(), "{leaks:?}");
}
