//! Where cold start goes: loading the default model and building the
//! classifier, step by step. Run: `cargo run --release --example coldstart`.
use std::time::Instant;

fn main() {
    let t = Instant::now();
    let data: vigie::model::ModelData = {
        let bytes = vigie::model::BUILTIN_MODEL;
        let nl = bytes.iter().position(|&b| b == b'\n').unwrap();
        serde_json::from_slice(&bytes[nl + 1..]).unwrap()
    };
    println!("model body JSON parse: {:?}", t.elapsed());
    let t = Instant::now();
    let _v: toml::Table = toml::from_str(&data.lexicon_toml).unwrap();
    println!("TOML syntax alone (toml::Table): {:?}", t.elapsed());
    let t = Instant::now();
    let lex = vigie::Lexicon::from_toml_str(&data.lexicon_toml, "embedded").unwrap();
    println!("vocabulary parse + checks: {:?}", t.elapsed());
    let t = Instant::now();
    let _m = vigie::matcher::Matcher::new(&lex);
    println!("matcher build: {:?}", t.elapsed());
    let t = Instant::now();
    let model = vigie::model::Model::builtin().unwrap();
    println!("Model::builtin (all of the above but the matcher, + weights): {:?}", t.elapsed());
    let t = Instant::now();
    let c = vigie::Classifier::from_model(model).unwrap();
    println!("Classifier::from_model: {:?}", t.elapsed());
    let t = Instant::now();
    c.classify("Formation en kinésiologie pour les soignants.", vigie::Profile::Course);
    println!("first classification: {:?}", t.elapsed());
}
