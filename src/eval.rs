//! Evaluation metrics, shared by `vigie eval` and cross-validation.
//!
//! A text counts as *sent to review* when its decision is flag or review: that
//! is what reaches a human, so precision and recall are computed on it. The
//! flag band alone is reported too.

use crate::corpus::Item;
use crate::profile::{Decision, Priority, Profile};
use serde::Serialize;
use std::collections::BTreeMap;

/// What the classifier said about one item.
#[derive(Debug, Clone, Copy)]
pub struct Prediction {
    pub score: f32,
    pub decision: Decision,
    pub priority: Option<Priority>,
}

/// Precision, recall and F1 of one binary question.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

impl Prf {
    pub fn from_counts(tp: usize, fp: usize, fn_: usize) -> Prf {
        let precision = if tp + fp == 0 { 1.0 } else { tp as f64 / (tp + fp) as f64 };
        let recall = if tp + fn_ == 0 { 1.0 } else { tp as f64 / (tp + fn_) as f64 };
        let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
        Prf { precision, recall, f1, support: tp + fn_ }
    }
}

/// Metrics of a set of items.
#[derive(Debug, Clone, Serialize)]
pub struct Metrics {
    pub items: usize,
    /// Flag + review counted as sent to review.
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub accuracy: f64,
    /// The flag band alone.
    pub flag_only: Prf,
    /// Best recall of the score at a precision of at least 0.9.
    pub recall_at_p90: f64,
}

/// Precision and recall of the urgent priority on reports.
#[derive(Debug, Clone, Serialize)]
pub struct Urgent {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
    pub predicted: usize,
}

/// A full evaluation. Its JSON form has the overall metrics at top level.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub note: String,
    #[serde(flatten)]
    pub overall: Metrics,
    /// gold label → decision → count
    pub confusion: BTreeMap<String, BTreeMap<String, usize>>,
    pub by_kind: BTreeMap<String, Metrics>,
    pub by_tag: BTreeMap<String, Metrics>,
    pub urgent: Urgent,
}

/// F1 of `p ≥ threshold` against `y`.
pub fn f1_at(p: &[f32], y: &[bool], threshold: f32) -> f64 {
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    for (&s, &t) in p.iter().zip(y) {
        match (s >= threshold, t) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fn_ += 1,
            _ => {}
        }
    }
    Prf::from_counts(tp, fp, fn_).f1
}

/// Best recall with precision ≥ `target`, over all thresholds of `p`.
pub fn recall_at_precision(p: &[f32], y: &[bool], target: f64) -> f64 {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[b].partial_cmp(&p[a]).unwrap_or(std::cmp::Ordering::Equal));
    let pos = y.iter().filter(|&&b| b).count();
    if pos == 0 {
        return 1.0;
    }
    let (mut tp, mut fp, mut best) = (0usize, 0usize, 0f64);
    for (i, &idx) in order.iter().enumerate() {
        if y[idx] {
            tp += 1
        } else {
            fp += 1
        }
        if i + 1 < order.len() && p[order[i + 1]] == p[idx] {
            continue;
        }
        if tp as f64 / (tp + fp) as f64 >= target {
            best = best.max(tp as f64 / pos as f64);
        }
    }
    best
}

fn metrics(items: &[&Item], preds: &[&Prediction]) -> Metrics {
    let (mut tp, mut fp, mut fn_, mut tn) = (0, 0, 0, 0);
    let (mut ftp, mut ffp, mut ffn) = (0, 0, 0);
    for (it, p) in items.iter().zip(preds) {
        let gold = it.is_flag();
        match (p.decision.sent_to_review(), gold) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fn_ += 1,
            (false, false) => tn += 1,
        }
        match (p.decision == Decision::Flag, gold) {
            (true, true) => ftp += 1,
            (true, false) => ffp += 1,
            (false, true) => ffn += 1,
            _ => {}
        }
    }
    let prf = Prf::from_counts(tp, fp, fn_);
    let scores: Vec<f32> = preds.iter().map(|p| p.score).collect();
    let gold: Vec<bool> = items.iter().map(|i| i.is_flag()).collect();
    Metrics {
        items: items.len(),
        precision: prf.precision,
        recall: prf.recall,
        f1: prf.f1,
        accuracy: if items.is_empty() { 1.0 } else { (tp + tn) as f64 / items.len() as f64 },
        flag_only: Prf::from_counts(ftp, ffp, ffn),
        recall_at_p90: recall_at_precision(&scores, &gold, 0.9),
    }
}

/// Evaluates predictions against gold items (same order).
pub fn report(items: &[Item], preds: &[Prediction]) -> Report {
    assert_eq!(items.len(), preds.len(), "one prediction per item");
    let all_i: Vec<&Item> = items.iter().collect();
    let all_p: Vec<&Prediction> = preds.iter().collect();
    let overall = metrics(&all_i, &all_p);
    let mut confusion: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for (it, p) in items.iter().zip(preds) {
        let gold = if it.is_flag() { "flag" } else { "clear" };
        *confusion.entry(gold.into()).or_default().entry(p.decision.as_str().into()).or_default() += 1;
    }
    let mut by_kind = BTreeMap::new();
    for k in Profile::ALL {
        let (i, p): (Vec<&Item>, Vec<&Prediction>) = items.iter().zip(preds).filter(|(it, _)| it.kind == k).unzip();
        if !i.is_empty() {
            by_kind.insert(k.as_str().to_string(), metrics(&i, &p));
        }
    }
    let mut tags: Vec<&String> = items.iter().flat_map(|i| &i.tags).collect();
    tags.sort();
    tags.dedup();
    let mut by_tag = BTreeMap::new();
    for t in tags {
        let (i, p): (Vec<&Item>, Vec<&Prediction>) =
            items.iter().zip(preds).filter(|(it, _)| it.tags.contains(t)).unzip();
        by_tag.insert(t.clone(), metrics(&i, &p));
    }
    let (mut utp, mut ufp, mut ufn) = (0, 0, 0);
    for (it, p) in items.iter().zip(preds) {
        if it.kind != Profile::Report {
            continue;
        }
        match (p.priority == Some(Priority::Urgent), it.is_urgent()) {
            (true, true) => utp += 1,
            (true, false) => ufp += 1,
            (false, true) => ufn += 1,
            _ => {}
        }
    }
    let u = Prf::from_counts(utp, ufp, ufn);
    Report {
        note: "precision, recall and f1 count flag and review decisions as sent to review; flag_only counts the flag band alone".into(),
        overall,
        confusion,
        by_kind,
        by_tag,
        urgent: Urgent { precision: u.precision, recall: u.recall, f1: u.f1, support: u.support, predicted: utp + ufp },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prf_of_perfect_counts_is_one() {
        let p = Prf::from_counts(5, 0, 0);
        assert_eq!((p.precision, p.recall, p.f1), (1.0, 1.0, 1.0));
    }

    #[test]
    fn recall_at_precision_finds_the_best_cut() {
        let p = [0.9, 0.8, 0.7, 0.6];
        let y = [true, true, false, true];
        assert!((recall_at_precision(&p, &y, 0.9) - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(recall_at_precision(&p, &y, 0.7), 1.0);
    }
}
