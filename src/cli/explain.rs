//! `vigie explain`: one text, the decision and everything behind it.

use clap::Args;
use serde::Serialize;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use vigie::classifier::{Assessment, Span};
use vigie::features::hash_name;
use vigie::input::{records, CsvOptions, InputFormat};
use vigie::lexicon::{CueKind, Status};
use vigie::Profile;

#[derive(Args)]
pub struct ExplainArgs {
    /// File holding the text (`-` for stdin); or use --text.
    #[arg(default_value = "-")]
    pub path: PathBuf,
    /// The text itself (instead of a file).
    #[arg(long, conflicts_with = "path")]
    pub text: Option<String>,
    #[arg(long, default_value = "course")]
    pub profile: Profile,
    /// text for reviewers, json for tools.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ExplainFormat,
    /// Colour the evidence (default: when stdout is a terminal).
    #[arg(long)]
    pub color: Option<bool>,
    #[command(flatten)]
    pub model: super::ModelArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainFormat {
    Text,
    Json,
}

#[derive(Serialize)]
struct CueEffect {
    id: String,
    kind: CueKind,
    label: String,
    weight: f32,
    spans: Vec<Span>,
}

#[derive(Serialize)]
struct Explanation<'a> {
    #[serde(flatten)]
    assessment: &'a Assessment,
    flag_at: f32,
    review_at: f32,
    raised_by: Vec<CueEffect>,
    lowered_by: Vec<CueEffect>,
}

fn status_words(s: Status) -> &'static str {
    match s {
        Status::Warned => "mise en garde publique explicite",
        Status::Borderline => "pratique à la frontière : le contexte décide",
        Status::Unvalidated => "pratique non validée",
    }
}

pub fn run(a: &ExplainArgs) -> anyhow::Result<i32> {
    let c = super::classifier(&a.model, Some(a.profile))?;
    // A file is read as `vigie score --input text` reads it, with the same
    // warnings (invalid UTF-8, binary content) and byte-order mark handling.
    let (text, warnings) = match &a.text {
        Some(t) => (t.clone(), Vec::new()),
        None => {
            let name = a.path.display().to_string();
            let reader: Box<dyn BufRead + Send> = if a.path.as_os_str() == "-" {
                Box::new(std::io::BufReader::new(std::io::stdin()))
            } else {
                Box::new(std::io::BufReader::new(
                    std::fs::File::open(&a.path).map_err(|e| anyhow::anyhow!("{name}: {e}"))?,
                ))
            };
            let mut recs = records(reader, InputFormat::Text, &CsvOptions::default(), &name)?;
            match recs.next() {
                Some(Ok(rec)) => (rec.text, rec.warnings),
                Some(Err(e)) => anyhow::bail!("{name}: {e}"),
                None => (String::new(), Vec::new()),
            }
        }
    };
    let mut assessment = c.classify(&text, a.profile);
    assessment.warnings.extend(warnings);
    let bands = c.bands(a.profile);
    let mut raised_by = Vec::new();
    let mut lowered_by = Vec::new();
    for cue in &assessment.cues {
        let w = c.model().flag.weight(hash_name(&format!("q:{}", cue.id)));
        let e = CueEffect {
            id: cue.id.clone(),
            kind: cue.kind,
            label: cue.label.clone(),
            weight: w,
            spans: cue.spans.clone(),
        };
        if w >= 0.0 {
            raised_by.push(e);
        } else {
            lowered_by.push(e);
        }
    }
    let ex = Explanation {
        assessment: &assessment,
        flag_at: bands.flag_at(),
        review_at: bands.review_at(),
        raised_by,
        lowered_by,
    };
    if a.format == ExplainFormat::Json {
        println!("{}", serde_json::to_string_pretty(&ex)?);
        return Ok(0);
    }
    let color = a.color.unwrap_or_else(|| std::io::stdout().is_terminal());
    print!("{}", render(&text, &ex, color));
    Ok(0)
}

fn render(text: &str, ex: &Explanation, color: bool) -> String {
    use std::fmt::Write;
    let a = ex.assessment;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Décision : {} — score {:.3} (profil {} ; flag ≥ {:.3}, review ≥ {:.3})",
        a.decision.as_str().to_uppercase(),
        a.score,
        a.profile,
        ex.flag_at,
        ex.review_at
    );
    if a.review_floor {
        let _ = writeln!(
            o,
            "Relecture demandée par la règle : une pratique sous mise en garde publique est nommée sans \
             cadrage critique (le score seul classerait ce texte clear)"
        );
    }
    if let (Some(p), Some(u)) = (a.priority, a.urgency) {
        let _ = writeln!(o, "Priorité : {} (urgence estimée {:.3})", p.as_str(), u);
    }
    let _ = writeln!(o, "Modèle {} · vocabulaire {}", a.model, a.lexicon);
    for w in &a.warnings {
        let _ = writeln!(o, "Avertissement : {w}");
    }
    let _ = writeln!(o);
    // Evidence in the text.
    let mut marks: Vec<(usize, usize, &str)> = Vec::new();
    for p in &a.practices {
        marks.extend(p.spans.iter().map(|s| (s.start, s.end, "practice")));
    }
    for p in &a.hints {
        marks.extend(p.spans.iter().map(|s| (s.start, s.end, "hint")));
    }
    for cue in &a.cues {
        let k = match cue.kind {
            CueKind::Warning => "warning",
            CueKind::Urgent => "urgent",
            CueKind::Critical => "critical",
        };
        marks.extend(cue.spans.iter().map(|s| (s.start, s.end, k)));
    }
    marks.sort();
    let mut merged: Vec<(usize, usize, &str)> = Vec::new();
    for m in marks {
        match merged.last_mut() {
            Some(l) if m.0 < l.1 => l.1 = l.1.max(m.1),
            _ => merged.push(m),
        }
    }
    let _ = writeln!(o, "Texte (preuves {}):", if color { "en couleur" } else { "entre ⟦ ⟧, avec leur type" });
    let mut body = String::new();
    let mut pos = 0;
    for (s, e, k) in &merged {
        if *s < pos || *e > text.len() {
            continue;
        }
        body.push_str(&text[pos..*s]);
        if color {
            let code = match *k {
                "practice" => "1;31",
                "hint" => "31",
                "warning" => "33",
                "urgent" => "1;35",
                _ => "32",
            };
            let _ = write!(body, "\x1b[{code}m{}\x1b[0m", &text[*s..*e]);
        } else {
            let _ = write!(body, "⟦{}⟧{{{k}}}", &text[*s..*e]);
        }
        pos = *e;
    }
    body.push_str(&text[pos..]);
    for line in body.lines() {
        let _ = writeln!(o, "  {line}");
    }
    let _ = writeln!(o);
    if a.practices.is_empty() && a.hints.is_empty() {
        let _ = writeln!(o, "Pratiques : aucune nommée.");
    }
    for p in a.practices.iter().chain(a.hints.iter()) {
        let hint = if a.hints.iter().any(|h| h.id == p.id) { " (terme évocateur seulement)" } else { "" };
        let _ =
            writeln!(o, "Pratique : {}{} — {} ; famille {}", p.name, hint, status_words(p.status), p.category.as_str());
        let _ = writeln!(o, "  Pourquoi : {}", p.note);
        let _ = writeln!(o, "  Source publique : {}", p.source);
        for s in p.sources.iter().skip(1) {
            let _ = writeln!(o, "                    {s}");
        }
        let spans: Vec<String> = p.spans.iter().map(|s| format!("« {} » [{}..{}]", s.text, s.start, s.end)).collect();
        let _ = writeln!(o, "  Trouvé : {}{}", spans.join(", "), if p.typo { " (à une faute près)" } else { "" });
    }
    let cue_line = |o: &mut String, title: &str, list: &[CueEffect]| {
        if list.is_empty() {
            return;
        }
        let _ = writeln!(o, "{title}");
        for c in list {
            let spans: Vec<String> = c.spans.iter().take(3).map(|s| format!("« {} »", s.text)).collect();
            let _ = writeln!(o, "  {:+.2}  {} ({}) : {}", c.weight, c.label, c.kind.as_str(), spans.join(", "));
        }
    };
    cue_line(&mut o, "Indices qui font monter le score :", &ex.raised_by);
    cue_line(&mut o, "Indices qui font baisser le score :", &ex.lowered_by);
    if !a.top_features.is_empty() {
        let _ = writeln!(o, "Traits appris les plus lourds (poids × valeur) :");
        for f in &a.top_features {
            let _ = writeln!(o, "  {:+.2}  {}", f.contribution, f.label);
        }
    }
    if !a.urgent_because.is_empty() {
        let _ = writeln!(o, "Ce qui rend le signalement urgent :");
        for f in &a.urgent_because {
            let spans: Vec<String> = f.spans.iter().take(2).map(|s| format!("« {} »", s.text)).collect();
            let _ = writeln!(o, "  {:+.2}  {} {}", f.contribution, f.label, spans.join(", "));
        }
    }
    o
}
