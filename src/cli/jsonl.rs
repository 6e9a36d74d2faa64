//! The JSON Lines writer of `vigie score`: the bytes `serde_json::to_vec`
//! gives for an [`OutRecord`], written faster.
//!
//! Why not serde alone: a record repeats, for every practice and cue it
//! names, the same vocabulary text (names, public sources, notes, labels),
//! and escaping those strings again for every record was a fifth of the
//! whole scoring time. Here the JSON of each practice and cue is rendered
//! once per classifier (by serde, so it cannot drift from the derived
//! format) and copied; only what changes per record goes through
//! `serde_json`'s string escaping. A test checks the output byte for byte
//! against serde's on varied records.

use super::output::{localise, OkRecord, OutRecord};
use rustc_hash::FxHashMap;
use serde::Serialize;
use vigie::classifier::{
    Contribution, ContributionParts, ContributionWriter, CueEvidence, PracticeEvidence, Span, SpanParts, TopFeatures,
};
use vigie::input::Field;
use vigie::{Assessment, Classifier};

/// Renders output records as JSON Lines; shareable between threads.
pub struct JsonlRenderer {
    /// The JSON of a practice's or cue's shared description (by the address
    /// of its `Arc`), without the closing brace, so that the per-text fields
    /// follow.
    heads: FxHashMap<usize, Box<[u8]>>,
    /// The JSON of a named feature's name and label, by hash (see
    /// [`ContributionParts::named`]): `{"feature":…,"label":…`, rendered
    /// once as [`JsonContributions`] renders them.
    named: FxHashMap<u64, Box<[u8]>>,
}

/// A scored record to render: an [`OkRecord`]'s values, borrowed, with the
/// top features either in the assessment (`top: None`) or still in the
/// classifier's workspace, with the fields their spans are localised to.
pub struct Scored<'a> {
    pub source: &'a str,
    pub line: usize,
    pub assessment: &'a Assessment,
    pub top: Option<(&'a TopFeatures<'a>, &'a [Field])>,
    pub text: Option<&'a str>,
}

fn head<T: Serialize>(info: &T) -> Box<[u8]> {
    let mut v = serde_json::to_vec(info).expect("vocabulary entries serialise");
    debug_assert_eq!(v.last(), Some(&b'}'));
    v.pop();
    v.into_boxed_slice()
}

impl JsonlRenderer {
    pub fn new(c: &Classifier) -> JsonlRenderer {
        let mut heads = FxHashMap::default();
        for p in c.practice_infos() {
            heads.insert(std::sync::Arc::as_ptr(p) as usize, head(&**p));
        }
        for q in c.cue_infos() {
            heads.insert(std::sync::Arc::as_ptr(q) as usize, head(&**q));
        }
        let named = c
            .named_features()
            .map(|(hash, name, label)| {
                let mut v = Vec::new();
                name_and_label(&mut v, &[name], &[label]);
                (hash, v.into_boxed_slice())
            })
            .collect();
        JsonlRenderer { heads, named }
    }

    /// One record as a line of JSON, newline included.
    #[cfg(test)]
    pub fn render(&self, r: &OutRecord) -> Vec<u8> {
        let mut out = Vec::with_capacity(4096);
        self.render_into(r, &mut out);
        out
    }

    /// Appends one record as a line of JSON, newline included, to `out`
    /// (the lines of several records share one buffer: no allocation per
    /// record, and one `free` per group on the writing thread).
    pub fn render_into(&self, r: &OutRecord, out: &mut Vec<u8>) {
        match r {
            OutRecord::Ok(o) => self.ok(out, o),
            // Rare: serde does it.
            OutRecord::Err(_) => serde_json::to_writer(&mut *out, r).expect("records serialise"),
        }
        out.push(b'\n');
    }

    fn ok(&self, out: &mut Vec<u8>, o: &OkRecord) {
        let r =
            Scored { source: &o.source, line: o.line, assessment: &o.assessment, top: None, text: o.text.as_deref() };
        self.scored(out, &r);
    }

    /// Appends one scored record as a line of JSON, newline included: the
    /// line [`JsonlRenderer::render_into`] writes for the [`OkRecord`] that
    /// holds the same values, with top features collected and spans
    /// localised to `fields`. Its top features are written straight from
    /// the classifier's workspace, without building their strings first.
    pub fn render_scored(&self, r: &Scored, out: &mut Vec<u8>) {
        self.scored(out, r);
        out.push(b'\n');
    }

    fn scored(&self, out: &mut Vec<u8>, r: &Scored) {
        let a = r.assessment;
        out.extend_from_slice(b"{\"source\":");
        string(out, r.source);
        out.extend_from_slice(b",\"line\":");
        uint(out, r.line as u64);
        out.extend_from_slice(b",\"id\":");
        string(out, &a.id);
        out.extend_from_slice(b",\"profile\":");
        json(out, &a.profile);
        out.extend_from_slice(b",\"score\":");
        float(out, a.score);
        out.extend_from_slice(b",\"decision\":");
        json(out, &a.decision);
        if a.review_floor {
            out.extend_from_slice(b",\"review_floor\":true");
        }
        out.extend_from_slice(b",\"priority\":");
        json(out, &a.priority);
        if let Some(u) = &a.urgency {
            out.extend_from_slice(b",\"urgency\":");
            float(out, *u);
        }
        out.extend_from_slice(b",\"practices\":");
        list(out, &a.practices, |out, p| self.practice(out, p));
        out.extend_from_slice(b",\"hints\":");
        list(out, &a.hints, |out, p| self.practice(out, p));
        out.extend_from_slice(b",\"cues\":");
        list(out, &a.cues, |out, c| self.cue(out, c));
        out.extend_from_slice(b",\"top_features\":");
        match &r.top {
            Some((top, fields)) => {
                out.push(b'[');
                top.write(&mut JsonContributions { out: &mut *out, fields, named: &self.named, first: true });
                out.push(b']');
            }
            None => list(out, &a.top_features, contribution),
        }
        if !a.urgent_because.is_empty() {
            out.extend_from_slice(b",\"urgent_because\":");
            list(out, &a.urgent_because, contribution);
        }
        out.extend_from_slice(b",\"model\":");
        string(out, &a.model);
        out.extend_from_slice(b",\"lexicon\":");
        string(out, &a.lexicon);
        if !a.warnings.is_empty() {
            out.extend_from_slice(b",\"warnings\":");
            json(out, &a.warnings);
        }
        if let Some(t) = r.text {
            out.extend_from_slice(b",\"text\":");
            string(out, t);
        }
        out.push(b'}');
    }

    /// The shared head of an entry, or serde's rendering of it when the
    /// entry does not come from this classifier.
    fn head<T: Serialize>(&self, out: &mut Vec<u8>, info: &std::sync::Arc<T>) {
        match self.heads.get(&(std::sync::Arc::as_ptr(info) as usize)) {
            Some(h) => out.extend_from_slice(h),
            None => out.extend_from_slice(&head(&**info)),
        }
    }

    fn practice(&self, out: &mut Vec<u8>, p: &PracticeEvidence) {
        self.head(out, &p.info);
        out.extend_from_slice(if p.typo { b",\"typo\":true" } else { b",\"typo\":false" });
        out.extend_from_slice(b",\"spans\":");
        spans(out, &p.spans);
        out.push(b'}');
    }

    fn cue(&self, out: &mut Vec<u8>, c: &CueEvidence) {
        self.head(out, &c.info);
        out.extend_from_slice(b",\"spans\":");
        spans(out, &c.spans);
        out.push(b'}');
    }
}

#[inline]
fn json<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    serde_json::to_writer(&mut *out, v).expect("plain values serialise");
}

/// A JSON integer, written as serde_json writes it (with the same `itoa`)
/// but without its generic writer path, which cost a `memcpy` call per number.
#[inline]
fn uint(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// A JSON number for an `f32`, as serde_json writes it: the shortest
/// round-trip form (the same `zmij`), `null` when not finite.
#[inline]
fn float(out: &mut Vec<u8>, v: f32) {
    if v.is_finite() {
        out.extend_from_slice(zmij::Buffer::new().format_finite(v).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

/// A JSON string. Most strings need no escape: they are copied whole after
/// a scan that the compiler vectorises; the others go through serde_json.
#[inline]
fn string(out: &mut Vec<u8>, s: &str) {
    if needs_escape(s.as_bytes()) {
        json(out, s);
    } else {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
}

/// True when `b` holds a byte JSON escapes: `"`, `\\` or a control character.
/// Eight bytes at a time (the last eight overlap the ones before when the
/// length is not a multiple of eight): most strings written are short
/// (stems, labels, span texts), and a byte loop over them cost a tenth of
/// the rendering.
#[inline]
fn needs_escape(b: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // High bit set in some byte of the result iff some byte of `x` is below
    // 0x20, `"` or `\\` (the borrow trick is exact for "any such byte").
    let special = |x: u64| {
        let below_space = x.wrapping_sub(0x20 * ONES) & !x;
        let eq = |c: u8| {
            let z = x ^ (c as u64 * ONES);
            z.wrapping_sub(ONES) & !z
        };
        (below_space | eq(b'"') | eq(b'\\')) & HIGH != 0
    };
    let word = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
    let n = b.len();
    if n < 8 {
        return b.iter().any(|&x| x < 0x20 || x == b'"' || x == b'\\');
    }
    let mut i = 0;
    while i + 8 <= n {
        if special(word(i)) {
            return true;
        }
        i += 8;
    }
    i < n && special(word(n - 8))
}

/// A JSON array of `items`, each written by `each`.
fn list<T>(out: &mut Vec<u8>, items: &[T], mut each: impl FnMut(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        each(out, x);
    }
    out.push(b']');
}

fn spans(out: &mut Vec<u8>, spans: &[Span]) {
    list(out, spans, span);
}

fn span(out: &mut Vec<u8>, s: &Span) {
    span_json(out, s.start, s.end, &s.text, false, s.field.as_deref());
}

/// The JSON of a [`Span`] whose text is `text`, followed by "…" when `cut`.
fn span_json(out: &mut Vec<u8>, start: usize, end: usize, text: &str, cut: bool, field: Option<&str>) {
    out.extend_from_slice(b"{\"start\":");
    uint(out, start as u64);
    out.extend_from_slice(b",\"end\":");
    uint(out, end as u64);
    out.extend_from_slice(b",\"text\":");
    if cut {
        string_parts(out, &[text, "…"]);
    } else {
        string(out, text);
    }
    if let Some(f) = field {
        out.extend_from_slice(b",\"field\":");
        string(out, f);
    }
    out.push(b'}');
}

/// Writes top features as the JSON array's items, as [`contribution`] writes
/// the [`Contribution`] each one makes (spans localised to `fields` as
/// `localise_spans` does).
struct JsonContributions<'o> {
    out: &'o mut Vec<u8>,
    fields: &'o [Field],
    /// [`JsonlRenderer::named`].
    named: &'o FxHashMap<u64, Box<[u8]>>,
    first: bool,
}

impl ContributionWriter for JsonContributions<'_> {
    fn write(&mut self, c: &ContributionParts<'_>) {
        let out = &mut *self.out;
        if !std::mem::take(&mut self.first) {
            out.push(b',');
        }
        match c.named.and_then(|h| self.named.get(&h)) {
            Some(head) => out.extend_from_slice(head),
            None => name_and_label(out, c.feature, c.label),
        }
        contribution_rest(out, c.contribution, |out| list(out, c.spans, |out, s| span_parts(out, s, self.fields)));
    }
}

/// `{"feature":…,"label":…` of a top feature.
fn name_and_label(out: &mut Vec<u8>, feature: &[&str], label: &[&str]) {
    out.extend_from_slice(b"{\"feature\":");
    string_parts(out, feature);
    out.extend_from_slice(b",\"label\":");
    string_parts(out, label);
}

/// `,"contribution":…,"spans":…}`: the rest of a top feature after
/// [`name_and_label`], its spans written by `spans`.
fn contribution_rest(out: &mut Vec<u8>, contribution: f32, spans: impl FnOnce(&mut Vec<u8>)) {
    out.extend_from_slice(b",\"contribution\":");
    float(out, contribution);
    out.extend_from_slice(b",\"spans\":");
    spans(out);
    out.push(b'}');
}

/// [`span`] of the [`Span`] these parts make, localised to `fields`.
fn span_parts(out: &mut Vec<u8>, s: &SpanParts, fields: &[Field]) {
    let (start, end, field) = match localise(s.start, s.end, fields) {
        Some((start, end, f)) => (start, end, Some(f.name.as_str())),
        None => (s.start, s.end, None),
    };
    span_json(out, start, end, s.text, s.cut, field);
}

/// A JSON string of the concatenation of `parts`, as [`string`] writes it.
fn string_parts(out: &mut Vec<u8>, parts: &[&str]) {
    if parts.iter().any(|p| needs_escape(p.as_bytes())) {
        json(out, &parts.concat());
    } else {
        out.push(b'"');
        parts.iter().for_each(|p| out.extend_from_slice(p.as_bytes()));
        out.push(b'"');
    }
}

fn contribution(out: &mut Vec<u8>, c: &Contribution) {
    name_and_label(out, &[&c.feature], &[&c.label]);
    contribution_rest(out, c.contribution, |out| spans(out, &c.spans));
}

#[cfg(test)]
mod tests {
    use super::super::output::{localise_spans, ErrRecord};
    use super::*;
    use vigie::input::Field;
    use vigie::{Document, Profile};

    const TEXTS: &[(&str, Profile)] = &[
        ("Formation en biokinergie : libérez les enroulements tissulaires, niveau 1 du cursus.", Profile::Course),
        ("Ma mère a arrêté sa chimiothérapie sur les conseils d'une naturopathe « énergéticienne ».", Profile::Report),
        (
            "Repérer les dérives thérapeutiques : fasciathérapie, kinésiologie, reiki.\tUn \"atelier\" critique.",
            Profile::Course,
        ),
        ("Bonjour, je voudrais un rendez-vous pour ma carte grise.", Profile::Report),
        ("Un stage de pulsologie pour les kinés.", Profile::Course),
        ("Des séances de fasciatérapie pour mon fils.", Profile::Report),
        // Cleared by its score, sent to review by the review floor.
        ("Ma fille suit un reiki.", Profile::Report),
        ("", Profile::Course),
        ("Mon fils de 4 ans est suivi en k i n é s i o l o g i e et ne voit plus son père\u{0}.", Profile::Report),
    ];

    fn records(c: &Classifier) -> Vec<OutRecord> {
        let mut v: Vec<OutRecord> = TEXTS
            .iter()
            .enumerate()
            .map(|(i, (text, profile))| {
                let id = format!("r\"{i}\\é");
                let assessment = c.assess(&Document { id: &id, text, profile: *profile });
                OutRecord::Ok(OkRecord {
                    source: "in/put \"x\".jsonl".into(),
                    line: i + 1,
                    assessment,
                    text: (i % 2 == 0).then(|| text.to_string()),
                })
            })
            .collect();
        // Spans localised to CSV columns, and a warning.
        if let OutRecord::Ok(o) = &mut v[2] {
            let fields = [
                Field { name: "titre".into(), start: 0, end: 30 },
                Field { name: "résumé".into(), start: 31, end: 200 },
            ];
            localise_spans(&mut o.assessment, &fields);
            o.assessment.warnings.push("texte \"tronqué\"".into());
        }
        v.push(OutRecord::Err(ErrRecord {
            id: "x".into(),
            source: "s".into(),
            line: 9,
            error: "invalid JSON at column 3".into(),
        }));
        v
    }

    #[test]
    fn lines_are_byte_for_byte_what_serde_writes() {
        let c = Classifier::builtin().unwrap();
        let r = JsonlRenderer::new(&c);
        let recs = records(&c);
        // The sample must exercise every optional part.
        let oks: Vec<&OkRecord> =
            recs.iter().filter_map(|r| if let OutRecord::Ok(o) = r { Some(o) } else { None }).collect();
        assert!(oks.iter().any(|o| !o.assessment.practices.is_empty()));
        assert!(oks.iter().any(|o| !o.assessment.hints.is_empty()));
        assert!(oks.iter().any(|o| o.assessment.practices.iter().any(|p| p.typo)));
        assert!(oks.iter().any(|o| !o.assessment.cues.is_empty()));
        assert!(oks.iter().any(|o| !o.assessment.urgent_because.is_empty()));
        assert!(oks.iter().any(|o| o.assessment.urgency.is_none()));
        for rec in &recs {
            let mut want = serde_json::to_vec(rec).unwrap();
            want.push(b'\n');
            assert_eq!(String::from_utf8(r.render(rec)).unwrap(), String::from_utf8(want).unwrap());
        }
    }

    #[test]
    fn lines_written_from_the_workspace_are_byte_for_byte_what_serde_writes() {
        let c = Classifier::builtin().unwrap();
        let r = JsonlRenderer::new(&c);
        let fields =
            [Field { name: "titre".into(), start: 0, end: 30 }, Field { name: "résumé".into(), start: 31, end: 200 }];
        let mut named_seen = false;
        for (i, (text, profile)) in TEXTS.iter().enumerate() {
            let id = format!("r\"{i}\\é");
            let doc = Document { id: &id, text, profile: *profile };
            let fields: &[Field] = if i % 3 == 2 { &fields } else { &[] };
            let include = (i % 2 == 0).then_some(*text);
            let got = c.assess_then(&doc, |mut a, top| {
                a.warnings.push("texte \"tronqué\"".into());
                localise_spans(&mut a, fields);
                let mut out = Vec::new();
                let scored = Scored {
                    source: "in/put.jsonl",
                    line: i + 1,
                    assessment: &a,
                    top: Some((top, fields)),
                    text: include,
                };
                r.render_scored(&scored, &mut out);
                out
            });
            let mut assessment = c.assess(&doc);
            named_seen |= assessment.top_features.iter().any(|f| !f.feature.starts_with(['u', 'b']));
            assessment.warnings.push("texte \"tronqué\"".into());
            localise_spans(&mut assessment, fields);
            let rec = OutRecord::Ok(OkRecord {
                source: "in/put.jsonl".into(),
                line: i + 1,
                assessment,
                text: include.map(str::to_string),
            });
            let mut want = serde_json::to_vec(&rec).unwrap();
            want.push(b'\n');
            assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(want).unwrap());
        }
        assert!(named_seen, "the sample must show named features among the top ones");
    }

    #[test]
    fn span_parts_are_written_as_serde_writes_the_span_they_make() {
        let long = "é\"".repeat(50);
        let fields = [Field { name: "résumé".into(), start: 3, end: 500 }];
        for text in ["court", long.as_str()] {
            for fields in [&[][..], &fields[..]] {
                let parts = SpanParts::new(5, 5 + text.len(), text);
                let mut got = Vec::new();
                span_parts(&mut got, &parts, fields);
                let mut span = parts.to_span();
                if let Some((start, end, f)) = localise(span.start, span.end, fields) {
                    (span.start, span.end, span.field) = (start, end, Some(f.name.clone()));
                }
                assert_eq!(String::from_utf8(got).unwrap(), serde_json::to_string(&span).unwrap());
            }
        }
    }

    #[test]
    fn numbers_are_written_exactly_as_serde_writes_them() {
        for v in [0.0f32, -0.0, 1.0, 0.1, 2.6483278, 1e-7, 3.4e38, f32::MIN_POSITIVE, f32::NAN, f32::INFINITY, -1.5] {
            let mut out = Vec::new();
            float(&mut out, v);
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&v).unwrap(), "{v}");
        }
        for v in [0u64, 7, 10, 123_456_789, u64::MAX] {
            let mut out = Vec::new();
            uint(&mut out, v);
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&v).unwrap());
        }
    }

    proptest::proptest! {
        #[test]
        fn needs_escape_answers_as_a_byte_by_byte_test(
            // Mostly printable ASCII, so that strings with nothing to escape
            // are drawn too.
            b in proptest::collection::vec(
                proptest::prop_oneof![20 => 0x20u8..0x7f, 1 => proptest::num::u8::ANY],
                0..40,
            )
        ) {
            let want = b.iter().any(|&x| x < 0x20 || x == b'"' || x == b'\\');
            proptest::prop_assert_eq!(needs_escape(&b), want);
        }
    }

    #[test]
    fn strings_are_escaped_exactly_as_serde_escapes_them() {
        let long = "x".repeat(40);
        for s in ["", "plain", "é « guillemets »", "a\"b", "back\\slash", "tab\there", "\u{1}", "\u{7f}", &long] {
            for pad in ["", "0123456789abcdef", "0123456789abcde"] {
                let t = format!("{pad}{s}{pad}");
                let mut fast = Vec::new();
                string(&mut fast, &t);
                assert_eq!(fast, serde_json::to_vec(&t).unwrap(), "{t:?}");
            }
        }
    }

    #[test]
    fn entries_from_another_classifier_are_rendered_by_serde() {
        let c = Classifier::builtin().unwrap();
        let other = Classifier::builtin().unwrap();
        let r = JsonlRenderer::new(&other);
        for rec in &records(&c) {
            let mut want = serde_json::to_vec(rec).unwrap();
            want.push(b'\n');
            assert_eq!(r.render(rec), want);
        }
    }
}
