//! Compares the two French Snowball implementations on word families that
//! matter to vigie. Run: `cargo run --release --example stemmers`.
//! A family is "conflated" when every member gets the same stem; the better
//! stemmer conflates more families without merging unrelated ones.
use std::time::Instant;

const FAMILIES: &[&[&str]] = &[
    &["cancer", "cancers", "cancéreux", "cancéreuse"],
    &["kinésiologie", "kinésiologies", "kinésiologue", "kinésiologues"],
    &["naturopathe", "naturopathes", "naturopathie"],
    &["guérir", "guérit", "guéri", "guérie", "guérison", "guérisons"],
    &["traitement", "traitements"],
    &["arrêter", "arrêté", "arrêtée", "arrête", "arrêtent"],
    &["chimiothérapie", "chimiothérapies"],
    &["énergie", "énergies", "énergétique", "énergétiques"],
    &["vibratoire", "vibratoires", "vibration", "vibrations"],
    &["thérapeute", "thérapeutes"],
    &["enfant", "enfants"],
    &["médicament", "médicaments"],
    &["jeûne", "jeûnes", "jeûner"],
    &["magnétiseur", "magnétiseurs", "magnétiseuse"],
    &["formation", "formations"],
    &["patient", "patients", "patiente", "patientes"],
    &["soin", "soins"],
    &["mémoire", "mémoires"],
    &["cellulaire", "cellulaires"],
    &["quantique", "quantiques"],
];

fn fold(s: &str) -> String {
    vigie::analysis::fold::fold_word(s).text
}

fn main() {
    let rs = rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::French);
    let fs = frostem::Stemmer::new(frostem::Algorithm::French);
    for (name, accents) in [("with accents", true), ("accents folded first", false)] {
        let mut conflated = [0usize; 2];
        for fam in FAMILIES {
            let words: Vec<String> = fam.iter().map(|w| if accents { w.to_lowercase() } else { fold(w) }).collect();
            let a: Vec<String> = words.iter().map(|w| rs.stem(w).into_owned()).collect();
            let b: Vec<String> = words.iter().map(|w| fs.stem(w).into_owned()).collect();
            if a.iter().all(|x| x == &a[0]) {
                conflated[0] += 1;
            }
            if b.iter().all(|x| x == &b[0]) {
                conflated[1] += 1;
            }
            if a != b || !accents {
                println!("  {:<40} rust-stemmers {:?} | frostem {:?}", fam.join(","), a, b);
            }
        }
        println!(
            "{name}: families conflated: rust-stemmers {}/{} frostem {}/{}",
            conflated[0],
            FAMILIES.len(),
            conflated[1],
            FAMILIES.len()
        );
    }
    let words: Vec<String> = FAMILIES.iter().flat_map(|f| f.iter().map(|w| fold(w))).collect();
    for (name, f) in [
        ("rust-stemmers", Box::new(|w: &str| rs.stem(w).len()) as Box<dyn Fn(&str) -> usize>),
        ("frostem", Box::new(|w: &str| fs.stem(w).len())),
    ] {
        let t = Instant::now();
        let mut n = 0usize;
        for _ in 0..2000 {
            for w in &words {
                n += f(w);
            }
        }
        let per = t.elapsed().as_nanos() as f64 / (2000.0 * words.len() as f64);
        println!("{name}: {per:.0} ns/word ({n})");
    }
}
