//! `vigie train` and `vigie eval`.

use anyhow::Context;
use clap::Args;
use std::io::IsTerminal;
use std::path::PathBuf;
use vigie::eval::{self, Prediction};
use vigie::model::Model;
use vigie::pipeline::Pipeline;
use vigie::train::{train as fit, TrainOptions};
use vigie::{Document, Lexicon};

#[derive(Args)]
pub struct TrainArgs {
    /// Corpus files or directories of *.jsonl.
    #[arg(long = "data", default_value = "data/corpus", num_args = 1..)]
    pub data: Vec<PathBuf>,
    /// Vocabulary file.
    #[arg(long, default_value = "data/lexicon.toml")]
    pub lexicon: PathBuf,
    /// Where to write the model.
    #[arg(long)]
    pub out: PathBuf,
    /// Folds of the cross-validation.
    #[arg(long, default_value_t = 5)]
    pub cv: usize,
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// L2 penalty of the logistic regression.
    #[arg(long)]
    pub alpha: Option<f32>,
    /// Most features kept for training.
    #[arg(long)]
    pub max_features: Option<usize>,
    /// Recall that flag + review must reach on the training scores (chooses
    /// the review threshold of each kind of text).
    #[arg(long, value_parser = fraction)]
    pub review_recall: Option<f64>,
    /// Write the out-of-fold score of every item (JSON Lines) to this file.
    #[arg(long)]
    pub oof: Option<PathBuf>,
}

/// A number strictly between 0 and 1.
fn fraction(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|e| format!("not a number: {e}"))?;
    if v > 0.0 && v < 1.0 {
        Ok(v)
    } else {
        Err(format!("{v} is not strictly between 0 and 1"))
    }
}

pub fn train(a: &TrainArgs) -> anyhow::Result<i32> {
    let t0 = std::time::Instant::now();
    let lexicon_toml =
        std::fs::read_to_string(&a.lexicon).with_context(|| format!("{}: cannot read", a.lexicon.display()))?;
    let lexicon = Lexicon::from_toml_str(&lexicon_toml, &a.lexicon.display().to_string())?;
    let corpus = super::corpus_cmd::load(&a.data)?;
    let pipeline = Pipeline::new(lexicon);
    let pb = if std::io::stderr().is_terminal() {
        let pb = indicatif::ProgressBar::new(corpus.items.len() as u64);
        pb.set_style(
            indicatif::ProgressStyle::with_template("featurizing {bar:40} {pos}/{len} ({per_sec})").expect("template"),
        );
        pb
    } else {
        indicatif::ProgressBar::hidden()
    };
    let d = TrainOptions::default();
    let opts = TrainOptions {
        folds: a.cv,
        seed: a.seed,
        alpha: a.alpha.unwrap_or(d.alpha),
        max_features: a.max_features.unwrap_or(d.max_features),
        review_recall: a.review_recall.unwrap_or(d.review_recall),
        ..d
    };
    let (data, report) =
        fit(&pipeline, &lexicon_toml, &corpus, &opts, &|| pb.inc(1)).map_err(|e| anyhow::anyhow!(e))?;
    pb.finish_and_clear();
    let bytes = Model::to_bytes(&data);
    std::fs::write(&a.out, &bytes).with_context(|| format!("{}: cannot write the model", a.out.display()))?;
    if let Some(path) = &a.oof {
        let mut out = String::new();
        for (id, p) in &report.out_of_fold {
            out.push_str(&serde_json::json!({"id": id, "score": p}).to_string());
            out.push('\n');
        }
        std::fs::write(path, out).with_context(|| format!("{}: cannot write", path.display()))?;
    }
    let cv = &report.cross_validation;
    eprintln!(
        "trained on {} items in {:.1} s → {} ({} KB)",
        report.items,
        t0.elapsed().as_secs_f64(),
        a.out.display(),
        bytes.len() / 1024
    );
    eprintln!("features: {} seen, {} used; learner: {}", report.features_seen, report.features_used, report.chosen);
    for (name, f1) in &report.learners {
        eprintln!("  {}-fold out-of-fold F1 at p ≥ 0.5: {:.3}  {}", report.folds, f1, name);
    }
    for (p, (f, r)) in &report.bands {
        eprintln!("  thresholds {p}: flag ≥ {f:.3}, review ≥ {r:.3}");
    }
    eprintln!("grouped {}-fold cross-validation (flag + review = sent to review):", report.folds);
    for (k, m) in &cv.by_kind {
        eprintln!(
            "  {k:<7} precision {:.3} recall {:.3} F1 {:.3} | flag band alone: precision {:.3} recall {:.3} | recall@p90 {:.3}",
            m.precision, m.recall, m.f1, m.flag_only.precision, m.flag_only.recall, m.recall_at_p90
        );
    }
    eprintln!(
        "  urgent  precision {:.3} recall {:.3} (support {})",
        cv.urgent.precision, cv.urgent.recall, cv.urgent.support
    );
    Ok(0)
}

#[derive(Args)]
pub struct EvalArgs {
    /// Corpus files (or directories) in the corpus format.
    #[arg(long = "data", required = true, num_args = 1..)]
    pub data: Vec<PathBuf>,
    #[arg(long)]
    pub model: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: EvalFormat,
    /// List misclassified items with their scores.
    #[arg(long)]
    pub errors: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EvalFormat {
    Table,
    Json,
}

pub fn eval(a: &EvalArgs) -> anyhow::Result<i32> {
    let c = super::classifier(
        &super::ModelArgs {
            model: a.model.clone(),
            flag_at: None,
            review_at: None,
            profile_file: None,
            no_review_floor: false,
        },
        None,
    )?;
    let corpus = super::corpus_cmd::load(&a.data)?;
    let docs: Vec<Document> =
        corpus.items.iter().map(|i| Document { id: &i.id, text: &i.text, profile: i.kind }).collect();
    let res = c.classify_batch(&docs);
    let preds: Vec<Prediction> =
        res.iter().map(|r| Prediction { score: r.score, decision: r.decision, priority: r.priority }).collect();
    let rep = eval::report(&corpus.items, &preds);
    let errors: Vec<serde_json::Value> = corpus
        .items
        .iter()
        .zip(&res)
        .filter(|(i, r)| {
            i.is_flag() != r.decision.sent_to_review()
                || (i.kind == vigie::Profile::Report
                    && i.is_flag()
                    && i.is_urgent() != (r.priority == Some(vigie::Priority::Urgent)))
        })
        .map(|(i, r)| {
            serde_json::json!({
                "id": i.id, "kind": i.kind, "gold": if i.is_flag() {"flag"} else {"clear"},
                "gold_priority": i.priority, "decision": r.decision, "priority": r.priority, "score": r.score,
                "practices": r.practices.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    if a.format == EvalFormat::Json {
        let mut v = serde_json::to_value(&rep)?;
        if a.errors {
            v["errors"] = serde_json::Value::Array(errors);
        }
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(0);
    }
    println!("{} items · model {}", rep.overall.items, c.model().id);
    println!("{}", rep.note);
    println!(
        "{:<24} {:>9} {:>7} {:>7} {:>9} {:>11} {:>11}",
        "", "precision", "recall", "F1", "accuracy", "recall@p90", "items"
    );
    let row = |name: &str, m: &eval::Metrics| {
        println!(
            "{:<24} {:>9.3} {:>7.3} {:>7.3} {:>9.3} {:>11.3} {:>11}",
            name, m.precision, m.recall, m.f1, m.accuracy, m.recall_at_p90, m.items
        );
    };
    println!(
        "{:<24} {:>9.3} {:>7.3} {:>7.3} {:>9.3} {:>11.3} {:>11}",
        "all",
        rep.overall.precision,
        rep.overall.recall,
        rep.overall.f1,
        rep.overall.accuracy,
        rep.overall.recall_at_p90,
        rep.overall.items
    );
    for (k, m) in &rep.by_kind {
        row(&format!("kind {k}"), m);
    }
    println!(
        "flag band alone: precision {:.3} recall {:.3} F1 {:.3}",
        rep.overall.flag_only.precision, rep.overall.flag_only.recall, rep.overall.flag_only.f1
    );
    println!(
        "urgent (reports): precision {:.3} recall {:.3} F1 {:.3} (support {}, predicted {})",
        rep.urgent.precision, rep.urgent.recall, rep.urgent.f1, rep.urgent.support, rep.urgent.predicted
    );
    println!("confusion (gold → decision):");
    for (g, m) in &rep.confusion {
        let cells: Vec<String> = m.iter().map(|(d, n)| format!("{d} {n}")).collect();
        println!("  {g:<6} {}", cells.join(", "));
    }
    if !rep.by_tag.is_empty() {
        println!("by tag:");
    }
    for (t, m) in &rep.by_tag {
        row(&format!("  {t}"), m);
    }
    if a.errors {
        println!("misclassified ({}):", errors.len());
        for e in &errors {
            println!("  {}", e);
        }
    }
    Ok(0)
}
