//! Command-line interface.

mod batch;
mod corpus_cmd;
mod explain;
mod jsonl;
mod output;
mod train_cmd;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use vigie::input::InputFormat;
use vigie::Profile;

#[derive(Parser)]
#[command(
    name = "vigie",
    version,
    about = "Flags French texts that involve non-validated health practices, with evidence a reviewer can check"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Score documents: one output record per input record, in input order.
    Score(BatchArgs),
    /// Score a batch and write the review queue: urgent first, then flag,
    /// review, clear, then by score; a summary goes to stderr.
    Triage(TriageArgs),
    /// Explain the decision on one text, for a reviewer.
    Explain(explain::ExplainArgs),
    /// Train a model on a labelled corpus.
    Train(train_cmd::TrainArgs),
    /// Evaluate a model on a labelled corpus.
    Eval(train_cmd::EvalArgs),
    /// Describe and check the labelled corpus.
    Corpus(corpus_cmd::CorpusArgs),
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Jsonl,
    Csv,
}

#[derive(Args, Clone)]
pub struct ModelArgs {
    /// Model file (default: the shipped model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Score at or above which a text is flagged (overrides the profile's).
    #[arg(long)]
    pub flag_at: Option<f32>,
    /// Score at or above which a text goes to review (overrides the profile's).
    #[arg(long)]
    pub review_at: Option<f32>,
    /// TOML file of thresholds per profile: [course] flag_at = …, review_at = ….
    #[arg(long)]
    pub profile_file: Option<PathBuf>,
    /// Decide by the score alone: no review for a text the score clears that
    /// names a practice under public warning with no critical cue.
    #[arg(long)]
    pub no_review_floor: bool,
}

impl BatchArgs {
    /// These arguments with `input` set: `--input` when given, else the
    /// layout the files' extension names when they all name the same one
    /// (a JSON Lines file read as one text document scored its JSON as a
    /// course and hid its reports), else text. Files of different layouts
    /// and no `--input` are an error rather than a guess.
    pub fn resolved(&self) -> anyhow::Result<BatchArgs> {
        let mut a = self.clone();
        a.input = match self.input_arg {
            Some(f) => f,
            None => {
                let by_ext = |p: &std::path::Path| match p.extension().and_then(|e| e.to_str()).map(str::to_lowercase) {
                    Some(e) if e == "jsonl" || e == "ndjson" => InputFormat::Jsonl,
                    Some(e) if e == "csv" || e == "tsv" => InputFormat::Csv,
                    _ => InputFormat::Text,
                };
                let mut kinds: Vec<InputFormat> = self.paths.iter().map(|p| by_ext(p)).collect();
                kinds.dedup();
                match kinds.as_slice() {
                    [] => InputFormat::Text,
                    [one] => *one,
                    _ => anyhow::bail!(
                        "the input files are of different kinds by their extension ({}): say which with --input",
                        self.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
                    ),
                }
            }
        };
        Ok(a)
    }
}

/// A CSV field separator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Delimiter {
    Comma,
    Semicolon,
    Tab,
}

impl Delimiter {
    pub fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
            Delimiter::Tab => b'\t',
        }
    }
}

#[derive(Args, Clone)]
pub struct BatchArgs {
    /// Input files, one document each with --input text; `-` reads stdin.
    #[arg(default_value = "-")]
    pub paths: Vec<PathBuf>,
    /// How the input is laid out (default: from the files' extension,
    /// .jsonl or .ndjson → jsonl, .csv or .tsv → csv, otherwise text).
    #[arg(long = "input", value_enum)]
    pub input_arg: Option<InputFormat>,
    /// The layout read: `--input`, or the one the files' extension names
    /// (set by [`BatchArgs::resolved`]).
    #[arg(skip)]
    pub input: InputFormat,
    /// Output format (default: table on a terminal, jsonl otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Profile for records without a `kind`.
    #[arg(long, default_value = "course")]
    pub profile: Profile,
    /// Force this profile on every record, whatever its `kind`.
    #[arg(long)]
    pub force_profile: bool,
    /// CSV column(s) holding the text; repeat to join several columns.
    #[arg(long = "text-column")]
    pub text_columns: Vec<String>,
    /// CSV column holding the record id (default: a column named `id`, if
    /// any; otherwise ids are `record-N`).
    #[arg(long)]
    pub id_column: Option<String>,
    /// CSV column holding the kind, course or report (default: a column
    /// named `kind`, if any).
    #[arg(long)]
    pub kind_column: Option<String>,
    /// CSV field separator (default: whichever of comma, semicolon and tab
    /// the header line holds most).
    #[arg(long, value_enum)]
    pub delimiter: Option<Delimiter>,
    /// Include the full text of each record in the output.
    #[arg(long)]
    pub include_text: bool,
    /// Worker threads, 1 to 1024 (default: all cores). Each keeps its own
    /// word cache, so more threads than cores only cost memory and time.
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024))]
    pub threads: Option<usize>,
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Args)]
pub struct TriageArgs {
    #[command(flatten)]
    pub batch: BatchArgs,
    /// Keep only these decisions, e.g. `flag,review`.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<vigie::Decision>,
}

pub fn run() -> anyhow::Result<i32> {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap exits with 2 on a usage error, and 2 is vigie's "some
            // records failed, the rest were processed": bad arguments are a
            // fatal error (1), so that scripts can tell the two apart.
            // `--help` and `--version` are not errors and exit with 0.
            e.print()?;
            return Ok(if e.use_stderr() { 1 } else { 0 });
        }
    };
    match cli.command {
        Command::Score(a) => batch::score(&a),
        Command::Triage(a) => batch::triage(&a),
        Command::Explain(a) => explain::run(&a),
        Command::Train(a) => train_cmd::train(&a),
        Command::Eval(a) => train_cmd::eval(&a),
        Command::Corpus(a) => corpus_cmd::run(&a),
    }
}

/// Builds the classifier for a command, applying threshold overrides.
pub fn classifier(m: &ModelArgs, profile_for_overrides: Option<Profile>) -> anyhow::Result<vigie::Classifier> {
    use anyhow::Context;
    let mut b = vigie::ClassifierBuilder::new();
    if let Some(p) = &m.model {
        b = b.model_path(p);
    }
    let mut c = b.review_floor(!m.no_review_floor).build()?;
    if let Some(file) = &m.profile_file {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("{}: cannot read the profile file", file.display()))?;
        let table: std::collections::BTreeMap<Profile, vigie::Bands> =
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {}", file.display(), e.message()))?;
        for (p, bands) in table {
            c.set_bands(p, bands);
        }
    }
    if m.flag_at.is_some() || m.review_at.is_some() {
        let profiles: Vec<Profile> = match profile_for_overrides {
            Some(p) => vec![p],
            None => Profile::ALL.to_vec(),
        };
        for p in profiles {
            let cur = c.bands(p);
            let flag = m.flag_at.unwrap_or(cur.flag_at());
            let review = m.review_at.unwrap_or(cur.review_at().min(flag));
            let bands = vigie::Bands::new(flag, review).map_err(|e| anyhow::anyhow!("--flag-at/--review-at: {e}"))?;
            c.set_bands(p, bands);
        }
    }
    Ok(c)
}
