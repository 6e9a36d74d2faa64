//! Output records and writers (table, json, jsonl, csv).

use super::OutputFormat;
use serde::Serialize;
use std::io::Write;
use vigie::classifier::Span;
use vigie::input::Field;
use vigie::Assessment;

/// One output record: an assessment or a record that failed.
#[derive(Serialize)]
#[serde(untagged)]
#[allow(clippy::large_enum_variant)] // one record at a time; boxing buys nothing
pub enum OutRecord {
    Ok(OkRecord),
    Err(ErrRecord),
}

#[derive(Serialize)]
pub struct OkRecord {
    pub source: String,
    pub line: usize,
    #[serde(flatten)]
    pub assessment: Assessment,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Serialize)]
pub struct ErrRecord {
    pub id: String,
    pub source: String,
    pub line: usize,
    pub error: String,
}

/// For records joined from several CSV columns: spans are given relative to
/// their column, which they name.
pub fn localise_spans(a: &mut Assessment, fields: &[Field]) {
    if fields.is_empty() {
        return;
    }
    let fix = |s: &mut Span| {
        if let Some((start, end, f)) = localise(s.start, s.end, fields) {
            s.field = Some(f.name.clone());
            s.start = start;
            s.end = end;
        }
    };
    for p in a.practices.iter_mut().chain(a.hints.iter_mut()) {
        p.spans.iter_mut().for_each(fix);
    }
    for c in &mut a.cues {
        c.spans.iter_mut().for_each(fix);
    }
    for c in a.top_features.iter_mut().chain(a.urgent_because.iter_mut()) {
        c.spans.iter_mut().for_each(fix);
    }
}

/// The span `start..end` of a record joined from `fields`, relative to the
/// field it starts in, with that field (`None` when it starts in none).
pub fn localise(start: usize, end: usize, fields: &[Field]) -> Option<(usize, usize, &Field)> {
    let f = fields.iter().find(|f| start >= f.start && start <= f.end)?;
    Some((start - f.start, end.saturating_sub(f.start).min(f.end - f.start), f))
}

pub trait RecordWriter {
    fn write(&mut self, r: &OutRecord) -> std::io::Result<()>;
    fn finish(&mut self) -> std::io::Result<()>;
}

pub fn writer(format: OutputFormat, out: Box<dyn Write>) -> Box<dyn RecordWriter> {
    match format {
        OutputFormat::Jsonl => Box::new(Jsonl(out)),
        OutputFormat::Json => Box::new(Json { out, first: true }),
        OutputFormat::Csv => Box::new(Csv { w: csv::Writer::from_writer(out), header: false }),
        OutputFormat::Table => Box::new(Table { out, header: false }),
    }
}

struct Jsonl(Box<dyn Write>);

impl RecordWriter for Jsonl {
    fn write(&mut self, r: &OutRecord) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.0, r)?;
        self.0.write_all(b"\n")
    }
    fn finish(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

struct Json {
    out: Box<dyn Write>,
    first: bool,
}

impl RecordWriter for Json {
    fn write(&mut self, r: &OutRecord) -> std::io::Result<()> {
        self.out.write_all(if self.first { b"[\n" } else { b",\n" })?;
        self.first = false;
        serde_json::to_writer_pretty(&mut self.out, r)?;
        Ok(())
    }
    fn finish(&mut self) -> std::io::Result<()> {
        self.out.write_all(if self.first { b"[]\n" } else { b"\n]\n" })?;
        self.out.flush()
    }
}

struct Csv {
    w: csv::Writer<Box<dyn Write>>,
    header: bool,
}

fn practices_list(a: &Assessment) -> String {
    a.practices.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join("; ")
}

fn cues_list(a: &Assessment) -> String {
    a.cues.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join("; ")
}

impl RecordWriter for Csv {
    fn write(&mut self, r: &OutRecord) -> std::io::Result<()> {
        if !self.header {
            self.w.write_record([
                "id",
                "source",
                "line",
                "profile",
                "score",
                "decision",
                "priority",
                "practices",
                "cues",
                "error",
            ])?;
            self.header = true;
        }
        match r {
            OutRecord::Ok(o) => {
                let a = &o.assessment;
                self.w.write_record([
                    a.id.as_str(),
                    o.source.as_str(),
                    &o.line.to_string(),
                    a.profile.as_str(),
                    &format!("{:.4}", a.score),
                    a.decision.as_str(),
                    a.priority.map_or("", |p| p.as_str()),
                    &practices_list(a),
                    &cues_list(a),
                    "",
                ])?;
            }
            OutRecord::Err(e) => {
                self.w.write_record([
                    e.id.as_str(),
                    e.source.as_str(),
                    &e.line.to_string(),
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    e.error.as_str(),
                ])?;
            }
        }
        Ok(())
    }
    fn finish(&mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}

struct Table {
    out: Box<dyn Write>,
    header: bool,
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

impl RecordWriter for Table {
    fn write(&mut self, r: &OutRecord) -> std::io::Result<()> {
        if !self.header {
            writeln!(
                self.out,
                "{:<18} {:<7} {:<8} {:<8} {:>6}  PRACTICES / CUES",
                "ID", "PROFILE", "DECISION", "PRIORITY", "SCORE"
            )?;
            self.header = true;
        }
        match r {
            OutRecord::Ok(o) => {
                let a = &o.assessment;
                let mut what = practices_list(a);
                if what.is_empty() {
                    what = a.hints.iter().map(|p| format!("({})", p.name)).collect::<Vec<_>>().join("; ");
                }
                let cues = a.cues.iter().map(|c| c.label.as_str()).collect::<Vec<_>>().join("; ");
                if !cues.is_empty() {
                    what = if what.is_empty() { cues } else { format!("{what} | {cues}") };
                }
                writeln!(
                    self.out,
                    "{:<18} {:<7} {:<8} {:<8} {:>6.3}  {}",
                    cut(&a.id, 18),
                    a.profile.as_str(),
                    a.decision.as_str(),
                    a.priority.map_or("-", |p| p.as_str()),
                    a.score,
                    cut(&what, 90)
                )
            }
            OutRecord::Err(e) => writeln!(self.out, "{:<18} ERROR    line {}: {}", cut(&e.id, 18), e.line, e.error),
        }
    }
    fn finish(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}
