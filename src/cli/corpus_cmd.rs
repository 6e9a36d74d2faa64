//! `vigie corpus stats` and `vigie corpus check`.

use clap::{Args, Subcommand};
use std::path::PathBuf;
use vigie::corpus::{near_duplicates, templated, Corpus, Stats};

#[derive(Args)]
pub struct CorpusArgs {
    #[command(subcommand)]
    pub command: CorpusCommand,
}

#[derive(Subcommand)]
pub enum CorpusCommand {
    /// Counts by kind, label, priority, tag and practice.
    Stats {
        #[arg(long = "data", default_value = "data/corpus", num_args = 1..)]
        data: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Near-duplicate and template checks (exit 2 when one fails).
    Check {
        #[arg(long = "data", default_value = "data/corpus", num_args = 1..)]
        data: Vec<PathBuf>,
    },
}

/// Loads a corpus, reporting up to 20 bad lines (shared by train and eval).
pub fn load(data: &[PathBuf]) -> anyhow::Result<Corpus> {
    Corpus::load(data).map_err(|errs| {
        let shown: Vec<String> = errs.iter().take(20).map(|e| e.to_string()).collect();
        anyhow::anyhow!("{} bad corpus line(s):\n  {}", errs.len(), shown.join("\n  "))
    })
}

pub fn run(a: &CorpusArgs) -> anyhow::Result<i32> {
    match &a.command {
        CorpusCommand::Stats { data, json } => {
            let c = load(data)?;
            let s = Stats::of(&c.items);
            if *json {
                println!("{}", serde_json::to_string_pretty(&s)?);
                return Ok(0);
            }
            println!("{} items (fingerprint {})", s.items, &c.fingerprint[..12]);
            for (k, n) in &s.by_kind_label {
                println!("  {k:<16} {n}");
            }
            for (k, f) in &s.flag_share {
                println!("  flag share {k:<7} {:.1} %", 100.0 * f);
            }
            for (k, n) in &s.by_priority {
                println!("  priority {k:<8} {n}");
            }
            println!("  words per item: min {} · median {} · max {}", s.words_min, s.words_median, s.words_max);
            println!("  distinct practices: {}", s.distinct_practices);
            println!("by tag:");
            for (k, n) in &s.by_tag {
                println!("  {k:<20} {n}");
            }
            Ok(0)
        }
        CorpusCommand::Check { data } => {
            let c = load(data)?;
            let dups = near_duplicates(&c.items, 0.8);
            let (tpl, top) = templated(&c.items, 10);
            let share = tpl.len() as f64 / c.items.len().max(1) as f64;
            println!("{} items; near-duplicate pairs (3-gram Jaccard > 0.8): {}", c.items.len(), dups.len());
            for (a, b, j) in dups.iter().take(20) {
                println!("  {} ~ {} ({j:.2})", c.items[*a].id, c.items[*b].id);
            }
            println!("items sharing a 7-word run with ≥ 10 others: {} ({:.1} %, limit 5 %)", tpl.len(), 100.0 * share);
            for (run, n) in top {
                println!("  {n:>4} × {run}");
            }
            Ok(if dups.is_empty() && share < 0.05 { 0 } else { 2 })
        }
    }
}
