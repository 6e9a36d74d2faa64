//! Training: corpus → features (the one pipeline) → linfa models → a model file.
//!
//! Steps, all deterministic for a given corpus, vocabulary and seed:
//! 1. every item goes through [`Pipeline::vector`], the path scoring uses;
//! 2. grouped, stratified K-fold cross-validation compares logistic
//!    regression, an elastic-net linear model (both linfa) and the mean of
//!    their calibrated log-odds, and keeps the one with the better
//!    out-of-fold F1 at p ≥ 0.5; features are selected on each training fold
//!    only;
//! 3. out-of-fold scores calibrate a Platt sigmoid and choose the thresholds
//!    of each profile: *review* where recall reaches 0.98, *flag* where
//!    precision reaches 0.9 with the most recall but never below review;
//! 4. an urgency model is trained the same way on flagged reports (scored
//!    out of fold on every report); the cross-validation figures judge each
//!    fold with thresholds chosen from the other folds' scores only;
//! 5. the final models are fitted on the whole corpus and exported as sparse
//!    weights by feature name.

use crate::classifier::{apply_review_floor, review_floor};
use crate::corpus::{Corpus, Item};
use crate::eval::{self, Prediction};
use crate::features::{Collector, SparseVec};
use crate::model::{FeatureSettings, LinearData, Model, ModelData, Platt};
use crate::pipeline::{Pipeline, Workspace};
use crate::profile::{Bands, Decision, Priority, Profile};
use linfa::prelude::*;
use linfa_elasticnet::ElasticNet;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// Settings of a training run.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Folds of the cross-validation (at least 2).
    pub folds: usize,
    pub seed: u64,
    /// A feature is kept when at least this many training items have it.
    pub min_df: usize,
    /// At most this many features (the most frequent) go into the dense
    /// matrices linfa needs.
    pub max_features: usize,
    /// L2 penalty of the logistic regression.
    pub alpha: f32,
    /// Target precision of the flag band.
    pub flag_precision: f64,
    /// Target recall of flag + review.
    pub review_recall: f64,
    /// Target recall of urgent among flagged reports.
    pub urgent_recall: f64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            folds: 5,
            seed: 2026,
            min_df: 2,
            max_features: 6_000,
            alpha: 0.1,
            flag_precision: 0.9,
            review_recall: 0.98,
            urgent_recall: 0.92,
        }
    }
}

/// Feature vectors of a corpus, with the names of their features.
pub struct Featurized {
    pub x: Vec<SparseVec>,
    pub names: FxHashMap<u64, String>,
    /// Whether the review floor holds for each item (see
    /// [`crate::classifier::review_floor`]), from the same walk.
    pub review_floor: Vec<bool>,
}

/// Runs every item through the scoring pipeline (in parallel, order kept).
pub fn featurize(pipeline: &Pipeline, items: &[Item], tick: &(dyn Fn() + Sync)) -> Featurized {
    /// An item's vector, its features' names, and whether the review floor holds.
    type Walked = ((SparseVec, Vec<(u64, String)>), bool);
    let out: Vec<Walked> = items
        .par_iter()
        .map_init(Workspace::default, |ws, it| {
            let mut c = Collector::new(it.kind, true);
            let hits = pipeline.walk(&it.text, it.kind, ws, &mut c);
            tick();
            let floor = review_floor(&hits, &pipeline.lexicon, c.content_words());
            (c.finish(), floor)
        })
        .collect();
    let mut names = FxHashMap::default();
    let mut x = Vec::with_capacity(out.len());
    let mut floors = Vec::with_capacity(out.len());
    for ((v, n), floor) in out {
        for (h, name) in n {
            names.entry(h).or_insert(name);
        }
        x.push(v);
        floors.push(floor);
    }
    Featurized { x, names, review_floor: floors }
}

struct Columns {
    hashes: Vec<u64>,
    index: FxHashMap<u64, usize>,
}

/// Keeps the features most associated with the label on the training rows:
/// those present in at least `min_df` rows, ranked by the χ² statistic of
/// presence against the label (ties by hash, so selection is deterministic).
/// The combination features (`x:`, a few dozen) are always kept when
/// frequent enough: they are built to matter in combination with others (a
/// practice named beside a care frame), which their own χ² misjudges.
fn select_columns(
    x: &[SparseVec],
    rows: &[usize],
    y: &[bool],
    min_df: usize,
    max: usize,
    names: Option<&FxHashMap<u64, String>>,
) -> Columns {
    let mut df: FxHashMap<u64, (u32, u32)> = FxHashMap::default();
    for &r in rows {
        for &(h, _) in &x[r] {
            let e = df.entry(h).or_default();
            if y[r] {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
    }
    let n = rows.len() as f64;
    let pos = rows.iter().filter(|&&r| y[r]).count() as f64;
    let neg = n - pos;
    let mut kept: Vec<(u64, f64)> = df
        .into_iter()
        .filter(|&(_, (a, b))| (a + b) as usize >= min_df)
        .map(|(h, (a, b))| {
            // 2×2 table: feature present/absent × flag/clear
            let (a, b) = (a as f64, b as f64);
            let (c, d) = (pos - a, neg - b);
            let den = (a + b) * (c + d) * (a + c) * (b + d);
            let chi2 = if den > 0.0 { n * (a * d - b * c).powi(2) / den } else { 0.0 };
            let combination = names.and_then(|m| m.get(&h)).is_some_and(|n| n.starts_with("x:"));
            (h, if combination { f64::INFINITY } else { chi2 })
        })
        .collect();
    kept.sort_unstable_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal).then(a.0.cmp(&b.0)));
    kept.truncate(max);
    let mut hashes: Vec<u64> = kept.into_iter().map(|k| k.0).collect();
    hashes.sort_unstable();
    let index = hashes.iter().enumerate().map(|(i, &h)| (h, i)).collect();
    Columns { hashes, index }
}

///
/// Column-major: both learners walk the matrix by feature (the logistic
/// gradient is `Xᵀ·r`, the elastic net's coordinate descent visits one
/// column at a time), and without a BLAS ndarray only reads a transposed
/// row-major matrix with strided loops (measured: training took 69 s with
/// row-major matrices, 12 s with column-major ones, on two cores).
fn dense(x: &[SparseVec], rows: &[usize], cols: &Columns) -> Array2<f32> {
    use ndarray::ShapeBuilder;
    let mut m = Array2::<f32>::zeros((rows.len(), cols.hashes.len()).f());
    for (i, &r) in rows.iter().enumerate() {
        for &(h, v) in &x[r] {
            if let Some(&j) = cols.index.get(&h) {
                m[[i, j]] = v;
            }
        }
    }
    m
}

/// A fitted linear scorer over selected columns.
struct LinearFit {
    bias: f32,
    weights: Vec<f32>,
}

impl LinearFit {
    fn score(&self, v: &SparseVec, cols: &Columns) -> f32 {
        self.bias + v.iter().filter_map(|(h, x)| cols.index.get(h).map(|&j| self.weights[j] * x)).sum::<f32>()
    }
}

/// The two linfa learners compared by cross-validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Learner {
    Logistic,
    ElasticNet,
    /// The mean of the two others' calibrated log-odds.
    Mean,
}

impl Learner {
    pub fn name(self) -> &'static str {
        match self {
            Learner::Logistic => "logistic-regression (linfa-logistic, L2)",
            Learner::ElasticNet => "elastic-net least squares (linfa-elasticnet, L1+L2)",
            Learner::Mean => "mean of both calibrated log-odds (logistic + elastic net)",
        }
    }

    fn fit(self, x: Array2<f32>, y: &[bool], alpha: f32) -> Result<LinearFit, String> {
        match self {
            Learner::Logistic => {
                let targets = Array1::from_iter(y.iter().copied());
                let ds = Dataset::new(x, targets);
                let fitted = LogisticRegression::default()
                    .alpha(alpha)
                    .max_iterations(100)
                    .fit(&ds)
                    .map_err(|e| format!("logistic regression: {e}"))?;
                // linfa takes the first label it meets as the positive class.
                let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
                Ok(LinearFit {
                    bias: sign * fitted.intercept(),
                    weights: fitted.params().iter().map(|w| sign * w).collect(),
                })
            }
            Learner::ElasticNet => {
                // Least squares on ±1 targets with an L1+L2 penalty: a sparse
                // linear scorer whose output Platt scaling turns into a
                // probability like the logistic one.
                let targets = Array1::from_iter(y.iter().map(|&b| if b { 1.0f32 } else { -1.0 }));
                let ds = Dataset::new(x, targets);
                let fitted = ElasticNet::params()
                    .penalty(alpha * 1e-3)
                    .l1_ratio(0.2)
                    .max_iterations(60)
                    .tolerance(1e-3)
                    .fit(&ds)
                    .map_err(|e| format!("elastic net: {e}"))?;
                Ok(LinearFit { bias: fitted.intercept(), weights: fitted.hyperplane().to_vec() })
            }
            Learner::Mean => Err("the mean is built from the two fitted learners".into()),
        }
    }
}

/// What a cross-validated model learns: fitted on `rows` (outside the
/// scored row's fold) to predict `y`, scoring `score_rows`; with
/// `keep_combinations`, feature selection keeps every combination feature
/// (the flag model; the urgency model selects by χ² alone).
#[derive(Clone, Copy)]
struct Task<'a> {
    rows: &'a [usize],
    score_rows: &'a [usize],
    y: &'a [bool],
    keep_combinations: bool,
}

/// Out-of-fold raw scores of the task's `score_rows` under each learner,
/// each fitted on its `rows` outside the scored row's fold. All (learner, fold)
/// fits go to the thread pool at once, longest first, so that no core idles
/// while the other finishes a round (five folds on two cores would leave one
/// core alone for the last fold of each learner).
fn out_of_fold_each(
    learners: &[Learner],
    f: &Featurized,
    task: &Task,
    folds: &[usize],
    o: &TrainOptions,
) -> Result<Vec<Vec<f32>>, String> {
    let Task { rows, score_rows, y, keep_combinations } = *task;
    let k = o.folds.max(2);
    let jobs: Vec<(usize, usize)> = (0..learners.len()).flat_map(|l| (0..k).map(move |fold| (l, fold))).collect();
    let per_job: Vec<Result<Vec<(usize, f32)>, String>> = jobs
        .par_iter()
        .with_max_len(1)
        .map(|&(l, fold)| {
            let learner = learners[l];
            let train: Vec<usize> = rows.iter().copied().filter(|&r| folds[r] != fold).collect();
            let test: Vec<usize> = score_rows.iter().copied().filter(|&r| folds[r] == fold).collect();
            if test.is_empty() {
                return Ok(Vec::new());
            }
            let t = std::time::Instant::now();
            let cols = select_columns(&f.x, &train, y, o.min_df, o.max_features, keep_combinations.then_some(&f.names));
            let ty: Vec<bool> = train.iter().map(|&r| y[r]).collect();
            let m = dense(&f.x, &train, &cols);
            let t1 = t.elapsed();
            let fit = learner.fit(m, &ty, o.alpha)?;
            if std::env::var_os("VIGIE_TRACE").is_some() {
                eprintln!("fold {fold} {learner:?}: select+dense {:?}, fit {:?}", t1, t.elapsed() - t1);
            }
            Ok(test.iter().map(|&r| (r, fit.score(&f.x[r], &cols))).collect())
        })
        .collect();
    let mut scores = vec![vec![f32::NAN; y.len()]; learners.len()];
    for (&(l, _), r) in jobs.iter().zip(per_job) {
        for (i, s) in r? {
            scores[l][i] = s;
        }
    }
    Ok(scores.into_iter().map(|sc| score_rows.iter().map(|&r| sc[r]).collect()).collect())
}

/// Fits a Platt sigmoid p = σ(a·s + b) to raw scores (linfa logistic
/// regression on one feature).
pub fn platt(scores: &[f32], y: &[bool]) -> Result<Platt, String> {
    if !y.iter().any(|&b| b) || y.iter().all(|&b| b) {
        return Ok(Platt { a: 1.0, b: 0.0 });
    }
    let x = Array2::from_shape_vec((scores.len(), 1), scores.to_vec()).map_err(|e| e.to_string())?;
    let ds = Dataset::new(x, Array1::from_iter(y.iter().copied()));
    let fitted = LogisticRegression::default()
        .alpha(1e-3)
        .max_iterations(200)
        .fit(&ds)
        .map_err(|e| format!("calibration: {e}"))?;
    let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
    Ok(Platt { a: sign * fitted.params()[0], b: sign * fitted.intercept() })
}

/// Highest-recall threshold whose precision is at least `target`.
pub fn threshold_for_precision(p: &[f32], y: &[bool], target: f64) -> f32 {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[b].partial_cmp(&p[a]).unwrap_or(std::cmp::Ordering::Equal));
    let total_pos = y.iter().filter(|&&b| b).count().max(1);
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut best: Option<(f64, f32)> = None;
    for (i, &idx) in order.iter().enumerate() {
        if y[idx] {
            tp += 1;
        } else {
            fp += 1;
        }
        // only cut between distinct scores
        if i + 1 < order.len() && p[order[i + 1]] == p[idx] {
            continue;
        }
        let precision = tp as f64 / (tp + fp) as f64;
        let recall = tp as f64 / total_pos as f64;
        if precision >= target && best.is_none_or(|b| recall > b.0) {
            best = Some((recall, p[idx]));
        }
    }
    best.map_or(0.99, |b| b.1)
}

/// Highest threshold whose recall is at least `target`.
pub fn threshold_for_recall(p: &[f32], y: &[bool], target: f64) -> f32 {
    let mut pos: Vec<f32> = p.iter().zip(y).filter(|(_, &b)| b).map(|(&s, _)| s).collect();
    if pos.is_empty() {
        return 0.5;
    }
    pos.sort_by(|a, b| b.partial_cmp(a).unwrap_or(std::cmp::Ordering::Equal));
    let need = ((target * pos.len() as f64).ceil() as usize).clamp(1, pos.len());
    pos[need - 1]
}

/// What training measured, stored in the model and printed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TrainReport {
    pub items: usize,
    pub features_seen: usize,
    pub features_used: usize,
    pub folds: usize,
    pub learners: BTreeMap<String, f64>,
    pub chosen: String,
    pub bands: BTreeMap<String, (f32, f32)>,
    pub urgent_at: f32,
    /// Out-of-fold evaluation with the chosen thresholds (same figures as
    /// `vigie eval` computes).
    pub cross_validation: eval::Report,
    pub seconds: f64,
    /// Out-of-fold score of every item (id, score), for error analysis.
    #[serde(skip)]
    pub out_of_fold: Vec<(String, f32)>,
}

/// Trains a model on a corpus with a vocabulary.
pub fn train(
    pipeline: &Pipeline,
    lexicon_toml: &str,
    corpus: &Corpus,
    o: &TrainOptions,
    tick: &(dyn Fn() + Sync),
) -> Result<(ModelData, TrainReport), String> {
    let t0 = std::time::Instant::now();
    let items = &corpus.items;
    if items.len() < 10 {
        return Err(format!("too few items to train on ({})", items.len()));
    }
    let k = o.folds.max(2);
    let trace = |what: &str| {
        if std::env::var_os("VIGIE_TRACE").is_some() {
            eprintln!("{:>7.2} s  {what}", t0.elapsed().as_secs_f64());
        }
    };
    let f = featurize(pipeline, items, tick);
    trace("features");
    let folds = corpus.folds(k, o.seed);
    let y: Vec<bool> = items.iter().map(Item::is_flag).collect();
    let all: Vec<usize> = (0..items.len()).collect();

    // 1. compare learners by out-of-fold F1: each linfa learner, and the mean
    // of their calibrated log-odds (still one linear scorer over the same
    // columns, so it exports like the others).
    let mut learners = BTreeMap::new();
    let mut fitted: Vec<(Learner, Vec<f32>, Platt)> = Vec::new();
    let pair = [Learner::Logistic, Learner::ElasticNet];
    let flag_task = Task { rows: &all, score_rows: &all, y: &y, keep_combinations: true };
    for (learner, raw) in pair.into_iter().zip(out_of_fold_each(&pair, &f, &flag_task, &folds, o)?) {
        let cal = platt(&raw, &y)?;
        fitted.push((learner, raw, cal));
    }
    let (cl, ce) = (fitted[0].2, fitted[1].2);
    let mean: Vec<f32> = fitted[0]
        .1
        .iter()
        .zip(&fitted[1].1)
        .map(|(&sl, &se)| 0.5 * (cl.a * sl + cl.b) + 0.5 * (ce.a * se + ce.b))
        .collect();
    let mut best: Option<(f64, Learner, Vec<f32>)> = None;
    for (learner, raw) in
        [(Learner::Logistic, fitted[0].1.clone()), (Learner::ElasticNet, fitted[1].1.clone()), (Learner::Mean, mean)]
    {
        let cal = platt(&raw, &y)?;
        let p: Vec<f32> = raw.iter().map(|&s| cal.prob(s)).collect();
        let f1 = eval::f1_at(&p, &y, 0.5);
        learners.insert(learner.name().to_string(), f1);
        if best.as_ref().is_none_or(|b| f1 > b.0) {
            best = Some((f1, learner, raw));
        }
    }
    let (_, learner, raw) = best.expect("three learners were tried");
    let calibration = platt(&raw, &y)?;
    let oof: Vec<f32> = raw.iter().map(|&s| calibration.prob(s)).collect();

    trace("cross-validated learners");
    // 2. thresholds per profile.
    let bands = choose_bands(items, &y, &oof, |_| true, o)?;
    trace("thresholds");
    // 3. urgency among flagged reports, trained on flagged reports only but
    // scored out of fold on every report: a clear report sent to review gets
    // an urgency at scoring time too, so the cross-validation sees it.
    let urgent_rows: Vec<usize> =
        (0..items.len()).filter(|&i| items[i].kind == Profile::Report && items[i].is_flag()).collect();
    let yu: Vec<bool> = items.iter().map(Item::is_urgent).collect();
    let (urgent_cal, urgent_at, urgent_oof, urgent_fold_at) =
        if urgent_rows.iter().any(|&r| yu[r]) && urgent_rows.iter().any(|&r| !yu[r]) {
            let reports: Vec<usize> = (0..items.len()).filter(|&i| items[i].kind == Profile::Report).collect();
            let raw_all = {
                let task = Task { rows: &urgent_rows, score_rows: &reports, y: &yu, keep_combinations: false };
                out_of_fold_each(&[Learner::Logistic], &f, &task, &folds, o)?.remove(0)
            };
            let mut raw = vec![f32::NAN; items.len()];
            for (&r, &s) in reports.iter().zip(&raw_all) {
                raw[r] = s;
            }
            let raw_u: Vec<f32> = urgent_rows.iter().map(|&r| raw[r]).collect();
            let yy: Vec<bool> = urgent_rows.iter().map(|&r| yu[r]).collect();
            let cal = platt(&raw_u, &yy)?;
            let pu: Vec<f32> = raw_u.iter().map(|&s| cal.prob(s)).collect();
            let at = threshold_for_recall(&pu, &yy, o.urgent_recall);
            // The threshold each fold is evaluated with comes from the other
            // folds' urgent rows only.
            let fold_at: Vec<f32> = (0..k)
                .map(|fold| {
                    let keep: Vec<usize> = (0..urgent_rows.len()).filter(|&j| folds[urgent_rows[j]] != fold).collect();
                    let p: Vec<f32> = keep.iter().map(|&j| pu[j]).collect();
                    let t: Vec<bool> = keep.iter().map(|&j| yy[j]).collect();
                    threshold_for_recall(&p, &t, o.urgent_recall)
                })
                .collect();
            let full: Vec<f32> = raw.iter().map(|&s| if s.is_nan() { 0.0 } else { cal.prob(s) }).collect();
            (cal, at, full, fold_at)
        } else {
            (Platt { a: 1.0, b: -10.0 }, 1.0, vec![0f32; items.len()], vec![1.0; k])
        };

    trace("urgency model, cross-validated");
    // 4. out-of-fold report. Each fold is judged with thresholds chosen from
    // the other folds' out-of-fold scores only (the shipped thresholds above
    // use all of them): thresholds fitted on the very scores they are
    // evaluated on would flatter the recall and precision reported.
    let fold_bands: Vec<BTreeMap<Profile, Bands>> =
        (0..k).map(|fold| choose_bands(items, &y, &oof, |i| folds[i] != fold, o)).collect::<Result<_, _>>()?;
    let preds: Vec<Prediction> = items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            // As the classifier decides: the review floor lifts a text its
            // score would clear.
            let (decision, _) = apply_review_floor(fold_bands[folds[i]][&it.kind].decide(oof[i]), || f.review_floor[i]);
            let priority = (it.kind == Profile::Report).then(|| {
                if decision != Decision::Clear && urgent_oof[i] >= urgent_fold_at[folds[i]] {
                    Priority::Urgent
                } else {
                    Priority::Normal
                }
            });
            Prediction { score: oof[i], decision, priority }
        })
        .collect();
    let cross_validation = eval::report(items, &preds);

    trace("out-of-fold report");
    // 5. final models on everything.
    let cols = select_columns(&f.x, &all, &y, o.min_df, o.max_features, Some(&f.names));
    let fit = match learner {
        Learner::Mean => {
            let m = dense(&f.x, &all, &cols);
            // Both fits at once, one per core.
            let m2 = m.clone();
            let (fl, fe) =
                rayon::join(|| Learner::Logistic.fit(m2, &y, o.alpha), || Learner::ElasticNet.fit(m, &y, o.alpha));
            let (fl, fe) = (fl?, fe?);
            LinearFit {
                bias: 0.5 * (cl.a * fl.bias + cl.b) + 0.5 * (ce.a * fe.bias + ce.b),
                weights: fl.weights.iter().zip(&fe.weights).map(|(&wl, &we)| 0.5 * (cl.a * wl + ce.a * we)).collect(),
            }
        }
        _ => learner.fit(dense(&f.x, &all, &cols), &y, o.alpha)?,
    };
    let flag = export(learner, &fit, &cols, &f, calibration);
    let urgent = if urgent_at < 1.0 {
        let ucols = select_columns(&f.x, &urgent_rows, &yu, o.min_df, o.max_features, None);
        let uy: Vec<bool> = urgent_rows.iter().map(|&r| yu[r]).collect();
        let ufit = Learner::Logistic.fit(dense(&f.x, &urgent_rows, &ucols), &uy, o.alpha)?;
        export(Learner::Logistic, &ufit, &ucols, &f, urgent_cal)
    } else {
        LinearData { algorithm: "none (no urgent items)".into(), bias: -10.0, calibration: urgent_cal, weights: vec![] }
    };

    trace("final models");
    let report = TrainReport {
        items: items.len(),
        features_seen: f.names.len(),
        features_used: cols.hashes.len(),
        folds: k,
        learners,
        chosen: learner.name().to_string(),
        bands: bands.iter().map(|(p, b)| (p.as_str().to_string(), (b.flag_at(), b.review_at()))).collect(),
        urgent_at,
        cross_validation,
        seconds: t0.elapsed().as_secs_f64(),
        out_of_fold: items.iter().zip(&oof).map(|(i, &p)| (i.id.clone(), p)).collect(),
    };
    let mut metrics = serde_json::to_value(&report).map_err(|e| e.to_string())?;
    // Time varies between runs; the model file must not.
    if let Some(m) = metrics.as_object_mut() {
        m.remove("seconds");
    }
    let lexicon = &pipeline.lexicon;
    let data = ModelData {
        vigie_version: env!("CARGO_PKG_VERSION").to_string(),
        lexicon_version: lexicon.version.clone(),
        lexicon_fingerprint: lexicon.fingerprint.clone(),
        corpus_fingerprint: corpus.fingerprint.clone(),
        settings: FeatureSettings::current(),
        bands,
        urgent_at,
        flag,
        urgent,
        metrics,
        lexicon_toml: lexicon_toml.to_string(),
    };
    // The model must load: check it now rather than ship a broken file.
    Model::from_bytes(&Model::to_bytes(&data), "trained model").map_err(|e| e.to_string())?;
    Ok((data, report))
}

/// Thresholds of each profile from the calibrated out-of-fold scores of the
/// items `keep` accepts.
fn choose_bands(
    items: &[Item],
    y: &[bool],
    oof: &[f32],
    keep: impl Fn(usize) -> bool,
    o: &TrainOptions,
) -> Result<BTreeMap<Profile, Bands>, String> {
    let mut bands = BTreeMap::new();
    for prof in Profile::ALL {
        let idx: Vec<usize> = (0..items.len()).filter(|&i| items[i].kind == prof && keep(i)).collect();
        let p: Vec<f32> = idx.iter().map(|&i| oof[i]).collect();
        let yy: Vec<bool> = idx.iter().map(|&i| y[i]).collect();
        // The review band reaches the recall target; the flag band is the
        // part of it where precision reaches its target. When that precision
        // holds even below the review threshold, flagging further down would
        // only add false alarms past a recall already reached: the flag band
        // stops at the review threshold.
        let review_at = threshold_for_recall(&p, &yy, o.review_recall);
        let flag_at = threshold_for_precision(&p, &yy, o.flag_precision).max(review_at);
        let review_at = review_at.min(flag_at);
        bands.insert(prof, Bands::new(flag_at, review_at).map_err(|e| e.to_string())?);
    }
    Ok(bands)
}

fn export(learner: Learner, fit: &LinearFit, cols: &Columns, f: &Featurized, calibration: Platt) -> LinearData {
    let mut weights: Vec<(String, f32)> = cols
        .hashes
        .iter()
        .zip(&fit.weights)
        .filter(|(_, w)| w.abs() > 1e-6)
        .map(|(h, &w)| (f.names.get(h).cloned().unwrap_or_else(|| format!("?{h:016x}")), w))
        .collect();
    weights.sort_by(|a, b| a.0.cmp(&b.0));
    LinearData { algorithm: learner.name().to_string(), bias: fit.bias, calibration, weights }
}
