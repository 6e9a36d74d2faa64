//! Reading records: plain text, lines, JSON Lines and CSV, streamed.
//!
//! A record that cannot be read becomes a [`RecordError`] with its line
//! number, and reading goes on: one broken record never sinks a batch.
//! Input that is not UTF-8 is read as Windows-1252 or decoded lossily (see
//! [`decoded`]), and the record carries a warning.

use crate::profile::Profile;
use std::io::{BufRead, Read};

/// How the input is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum InputFormat {
    /// The whole input is one document.
    #[default]
    Text,
    /// One document per line.
    Lines,
    /// One JSON object per line with `text`, optional `id` and `kind`.
    Jsonl,
    /// CSV with a header row; see `--text-column` and `--id-column`.
    Csv,
}

/// Options of the CSV reader.
#[derive(Debug, Clone, Default)]
pub struct CsvOptions {
    /// Columns joined (in this order) into the text.
    pub text_columns: Vec<String>,
    pub id_column: Option<String>,
    pub kind_column: Option<String>,
    /// The field separator; `None` takes from the header line whichever of
    /// `,` `;` and tab it holds most (`,` on a tie): French spreadsheets
    /// export with `;`.
    pub delimiter: Option<u8>,
}

/// A hint for a header read whole as one column that other separators
/// would cut: `--delimiter` forced the wrong one.
fn separator_hint(header_names: &[String]) -> String {
    match header_names {
        [one] if one.contains(';') => "; the header looks separated by ';': try --delimiter semicolon".into(),
        [one] if one.contains('\t') => "; the header looks separated by tabs: try --delimiter tab".into(),
        [one] if one.contains(',') => "; the header looks separated by ',': try --delimiter comma".into(),
        _ => String::new(),
    }
}

/// The separator a CSV header line uses: the most frequent of `,` `;` and
/// tab outside quotes, `,` when none or on a tie.
fn sniff_delimiter(header: &[u8]) -> u8 {
    let (mut counts, mut quoted) = ([0usize; 3], false);
    for &b in header {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).fold(0, |best, i| if counts[i] > counts[best] { i } else { best });
    [b',', b';', b'\t'][best]
}

/// Where a column's text sits inside a joined CSV record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub start: usize,
    pub end: usize,
}

/// One document read from the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// 1-based line (or CSV record's first line) in the input.
    pub line: usize,
    pub id: String,
    pub text: String,
    pub profile: Option<Profile>,
    pub warnings: Vec<String>,
    /// For CSV records: the columns the text was joined from.
    pub fields: Vec<Field>,
}

/// A record that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct RecordError {
    pub line: usize,
    pub id: Option<String>,
    pub message: String,
}

/// A fatal input problem (nothing can be read).
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{source_name}: {message}")]
    Header { source_name: String, message: String },
    #[error("{source_name}: {error}")]
    Io { source_name: String, error: std::io::Error },
}

pub type RecordResult = Result<Record, RecordError>;

/// Warning of a record that was not valid UTF-8.
pub(crate) const WARN_INVALID_UTF8: &str = "invalid UTF-8 decoded with replacement characters";
/// Warning of a record read as Windows-1252 (see [`decoded`]).
pub(crate) const WARN_WINDOWS_1252: &str =
    "not UTF-8: read as Windows-1252 (Latin-1), the encoding of French spreadsheet exports";
/// Warning of a text document with NUL bytes in its first 8 KiB.
pub(crate) const WARN_NUL: &str = "binary content (NUL bytes) read as text";

/// `bytes` read as Windows-1252 (every byte is a character).
pub(crate) fn windows_1252(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0
}

fn warn_once(warnings: &mut Vec<String>, w: &str) {
    if !warnings.iter().any(|x| x == w) {
        warnings.push(w.into());
    }
}

/// `bytes` as vigie reads every input, with the warning it raised: valid
/// UTF-8 as it is (borrowed, no warning); otherwise the whole as
/// Windows-1252 when only ASCII comes before the first invalid sequence,
/// else UTF-8 with each invalid sequence replaced by U+FFFD. A document
/// streamed window by window ([`crate::stream`]) is decoded the same way.
///
/// Why that rule: a file exported by a French spreadsheet in Windows-1252
/// or Latin-1 fails UTF-8 at its first accented letter; read with
/// replacement characters it lost every accented word ("Kinésiologie",
/// "Décodage biologique", "diabétique"), so practices and urgent cues went
/// unseen. Text with a UTF-8 accented letter before the damage is UTF-8
/// with a few bad bytes, better read that way.
///
/// ```
/// use vigie::input::decoded;
///
/// assert_eq!(decoded("Kinésiologie".as_bytes()).0, "Kinésiologie");
/// assert_eq!(decoded(b"Kin\xe9siologie").0, "Kinésiologie");
/// assert_eq!(decoded("déjà \u{FF}".as_bytes()).0, "déjà \u{FF}");
/// assert_eq!(decoded(b"d\xc3\xa9j\xe0").0, "déj\u{FFFD}");
/// ```
pub fn decoded(bytes: &[u8]) -> (std::borrow::Cow<'_, str>, Option<&'static str>) {
    // Valid input, the common case, is checked by a SIMD validator: the
    // standard library's check was two fifths of the JSONL reader thread's
    // time on accented French.
    match simdutf8::basic::from_utf8(bytes) {
        Ok(s) => (std::borrow::Cow::Borrowed(s), None),
        Err(_) => {
            // The standard library's error says where the valid prefix ends.
            let valid = std::str::from_utf8(bytes).map_or_else(|e| e.valid_up_to(), str::len);
            if bytes[..valid].is_ascii() {
                (windows_1252(bytes), Some(WARN_WINDOWS_1252))
            } else {
                (String::from_utf8_lossy(bytes), Some(WARN_INVALID_UTF8))
            }
        }
    }
}

/// [`decoded`], its warning added to `warnings` unless already there (a
/// CSV record decodes each of its fields).
fn decode_borrowed<'b>(bytes: &'b [u8], warnings: &mut Vec<String>) -> std::borrow::Cow<'b, str> {
    let (text, warning) = decoded(bytes);
    if let Some(w) = warning {
        warn_once(warnings, w);
    }
    text
}

/// Same as [`decode_borrowed`], keeping the buffer of valid input.
fn decode(bytes: Vec<u8>, warnings: &mut Vec<String>) -> String {
    match decode_borrowed(&bytes, warnings) {
        std::borrow::Cow::Owned(lossy) => lossy,
        // SAFETY: a borrowed result means `simdutf8` found `bytes` valid UTF-8.
        std::borrow::Cow::Borrowed(_) => unsafe { String::from_utf8_unchecked(bytes) },
    }
}

fn strip_bom(s: &mut String) {
    if s.starts_with('\u{FEFF}') {
        s.drain(..3);
    }
}

/// Parses one JSON Lines record (the line's bytes, read into a buffer the
/// caller reuses: only the fields kept are copied out of it).
pub fn parse_jsonl(line_no: usize, raw: &[u8]) -> RecordResult {
    let mut warnings = Vec::new();
    let s = decode_borrowed(raw, &mut warnings);
    let s = s.strip_prefix('\u{FEFF}').unwrap_or(&s);
    let err = |id: Option<String>, message: String| RecordError { line: line_no, id, message };
    let body = s.trim_end_matches(['\r', '\n']);
    if !body.trim_start().starts_with('{') {
        // Say what is wrong in words rather than in serde's.
        return Err(match serde_json::from_str::<serde::de::IgnoredAny>(body) {
            Err(e) => err(None, format!("invalid JSON: {e}")),
            Ok(_) => err(None, "expected a JSON object".into()),
        });
    }
    // Only the three fields vigie reads are built; the others (labels, tags…)
    // are skipped without allocating.
    #[derive(serde::Deserialize)]
    struct Line {
        id: Option<serde_json::Value>,
        #[serde(default)]
        text: Present,
        kind: Option<serde_json::Value>,
    }
    /// A field's value when present, even `null` (which `Option` would fold
    /// into "absent"). Read in the same pass as the line, so that the text
    /// is scanned once.
    #[derive(Default)]
    struct Present(Option<serde_json::Value>);
    impl<'de> serde::Deserialize<'de> for Present {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            serde_json::Value::deserialize(d).map(|v| Present(Some(v)))
        }
    }
    let line: Line = serde_json::from_str(body).map_err(|e| err(None, format!("invalid JSON: {e}")))?;
    let id = match &line.id {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        Some(other) => {
            return Err(err(None, format!("field 'id' must be a string or a number, not {}", kind_of(other))))
        }
    };
    let text = match line.text.0 {
        Some(serde_json::Value::String(t)) => t,
        None => return Err(err(id, "missing field 'text'".into())),
        Some(other) => return Err(err(id, format!("field 'text' must be a string, not {}", kind_of(&other)))),
    };
    let profile = match &line.kind {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(k)) => {
            Some(k.parse::<Profile>().map_err(|m| err(id.clone(), format!("field 'kind': {m}")))?)
        }
        Some(other) => return Err(err(id, format!("field 'kind' must be a string, not {}", kind_of(other)))),
    };
    Ok(Record {
        line: line_no,
        id: id.unwrap_or_else(|| format!("line-{line_no}")),
        text,
        profile,
        warnings,
        fields: vec![],
    })
}

/// The record of one line of a [`InputFormat::Lines`] or
/// [`InputFormat::Jsonl`] input, `raw` being the line without its `\n`
/// (a `\r` before it is dropped here): `None` for a blank JSON Lines line,
/// which separates nothing. [`records`] reads lines with it, and so can a
/// caller that splits lines itself (with [`RawLines`]), on other threads.
///
/// # Panics
///
/// When `format` is neither `Lines` nor `Jsonl`.
///
/// # Example
///
/// ```
/// use vigie::input::{line_record, InputFormat};
///
/// let r = line_record(InputFormat::Jsonl, "in.jsonl", 3, br#"{"id": 7, "text": "Reiki"}"#);
/// assert_eq!(r.unwrap().unwrap().id, "7");
/// assert!(line_record(InputFormat::Jsonl, "in.jsonl", 4, b"  ").is_none());
/// let r = line_record(InputFormat::Lines, "in.txt", 5, b"Reiki\r").unwrap().unwrap();
/// assert_eq!((r.id.as_str(), r.text.as_str()), ("in.txt:5", "Reiki"));
/// ```
pub fn line_record(format: InputFormat, name: &str, line_no: usize, raw: &[u8]) -> Option<RecordResult> {
    match format {
        InputFormat::Jsonl => {
            if raw.iter().all(u8::is_ascii_whitespace) {
                return None;
            }
            Some(parse_jsonl(line_no, raw))
        }
        InputFormat::Lines => {
            let mut warnings = Vec::new();
            let mut text = decode_borrowed(raw, &mut warnings).into_owned();
            if line_no == 1 {
                strip_bom(&mut text);
            }
            while text.ends_with(['\n', '\r']) {
                text.pop();
            }
            Some(Ok(Record {
                line: line_no,
                id: format!("{name}:{line_no}"),
                text,
                profile: None,
                warnings,
                fields: vec![],
            }))
        }
        InputFormat::Text | InputFormat::Csv => panic!("line_record reads Lines and Jsonl inputs, not {format:?}"),
    }
}

/// The lines of a byte buffer with their 1-based numbers, each without its
/// `\n`, as [`records`] numbers them: a last line without `\n` counts, an
/// empty buffer has none. [`RawLines::offset`] says how far it has read.
///
/// ```
/// use vigie::input::RawLines;
///
/// let mut lines = RawLines::new(b"a\r\n\nb");
/// assert_eq!(lines.next(), Some((1, &b"a\r"[..])));
/// assert_eq!(lines.offset(), 3);
/// assert_eq!(lines.collect::<Vec<_>>(), [(2, &b""[..]), (3, &b"b"[..])]);
/// ```
#[derive(Debug, Clone)]
pub struct RawLines<'b> {
    bytes: &'b [u8],
    at: usize,
    line_no: usize,
}

impl<'b> RawLines<'b> {
    /// The lines of `bytes`, from its first byte.
    pub fn new(bytes: &'b [u8]) -> RawLines<'b> {
        RawLines { bytes, at: 0, line_no: 0 }
    }

    /// Bytes read so far: every line returned ends before this offset.
    pub fn offset(&self) -> usize {
        self.at
    }
}

impl<'b> Iterator for RawLines<'b> {
    type Item = (usize, &'b [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let rest = &self.bytes[self.at..];
        if rest.is_empty() {
            return None;
        }
        let (line, used) = match memchr::memchr(b'\n', rest) {
            Some(i) => (&rest[..i], i + 1),
            None => (rest, rest.len()),
        };
        self.at += used;
        self.line_no += 1;
        Some((self.line_no, line))
    }
}

fn kind_of(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Streams records from `reader`. `name` labels the input in ids and errors.
pub fn records<'r>(
    mut reader: Box<dyn BufRead + Send + 'r>,
    format: InputFormat,
    csv_opts: &CsvOptions,
    name: &str,
) -> Result<Box<dyn Iterator<Item = RecordResult> + Send + 'r>, InputError> {
    let name = name.to_string();
    match format {
        // A text file larger than a window is better read by
        // `crate::stream`, which gives the same result in bounded memory.
        InputFormat::Text => {
            let mut buf = Vec::new();
            reader.read_to_end(&mut buf).map_err(|error| InputError::Io { source_name: name.clone(), error })?;
            let mut warnings = Vec::new();
            if buf.iter().take(8192).filter(|&&b| b == 0).count() > 0 {
                warnings.push(WARN_NUL.into());
            }
            let mut text = decode(buf, &mut warnings);
            strip_bom(&mut text);
            let rec = Record { line: 1, id: name, text, profile: None, warnings, fields: vec![] };
            Ok(Box::new(std::iter::once(Ok(rec))))
        }
        InputFormat::Lines | InputFormat::Jsonl => {
            let mut line_no = 0usize;
            // One buffer for every line (a fresh one grew by doubling for
            // each line); only what a record keeps is copied out of it.
            let mut line = Vec::new();
            let mut failed = false;
            Ok(Box::new(std::iter::from_fn(move || loop {
                if failed {
                    return None;
                }
                line.clear();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) => return None,
                    Ok(_) => {}
                    Err(e) => {
                        // Where a read failed, nothing after it can be
                        // trusted to be read (and reading a directory
                        // fails again forever): one error record ends it.
                        failed = true;
                        line_no += 1;
                        return Some(Err(RecordError { line: line_no, id: None, message: format!("read error: {e}") }));
                    }
                }
                line_no += 1;
                if line.last() == Some(&b'\n') {
                    line.pop();
                }
                if let Some(r) = line_record(format, &name, line_no, &line) {
                    return Some(r);
                }
            })))
        }
        InputFormat::Csv => csv_records(reader, csv_opts, name),
    }
}

/// What the bytes of one CSV record say that its parsed fields do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RecordShape {
    /// The record's first and last lines, counted on the bytes themselves
    /// (the `csv` crate counts a CRLF file's lines one short: it ends a
    /// record at the `\r`, and its `\n` goes with the next record).
    first_line: usize,
    last_line: usize,
    /// A quoted field over several lines that is not closed where a field
    /// ends (by a quote then a comma or the line's end): the `csv` crate,
    /// being lenient, read on to the next quote or the end of the input, so
    /// the lines after the opening quote, other records among them, went
    /// into this one field.
    swallowed: bool,
    /// Another departure from the quoting rules (a quote inside an unquoted
    /// field, text after a closing quote, a quote left open on the input's
    /// last line) that stays within one line.
    stray_quote: bool,
}

impl RecordShape {
    /// The shape of `raw`, the bytes of one record, read as RFC 4180 reads
    /// them; `lines_before` is the number of line breaks before them.
    fn of(raw: &[u8], lines_before: usize) -> RecordShape {
        // A CRLF file's previous record left its `\n` here.
        let lead = raw.iter().take_while(|&&b| b == b'\r' || b == b'\n').count();
        let first_line = lines_before + 1 + raw[..lead].iter().filter(|&&b| b == b'\n').count();
        let mut body = &raw[lead..];
        for end in [b'\n', b'\r'] {
            if let Some((&last, rest)) = body.split_last() {
                if last == end {
                    body = rest;
                }
            }
        }
        let last_line = first_line + memchr::memchr_iter(b'\n', body).count();
        #[derive(PartialEq)]
        enum At {
            FieldStart,
            Unquoted,
            Quoted,
            QuoteInQuoted,
        }
        let (mut at, mut newline_in_field) = (At::FieldStart, false);
        let (mut swallowed, mut stray_quote) = (false, false);
        let mut malformed = |newline: bool| {
            if newline {
                swallowed = true;
            } else {
                stray_quote = true;
            }
        };
        for &b in body {
            at = match (at, b) {
                (At::FieldStart, b'"') => {
                    newline_in_field = false;
                    At::Quoted
                }
                (At::FieldStart | At::Unquoted, b',') => At::FieldStart,
                (At::Unquoted, b'"') => {
                    malformed(false);
                    At::Unquoted
                }
                (At::FieldStart | At::Unquoted, _) => At::Unquoted,
                (At::Quoted, b'"') => At::QuoteInQuoted,
                (At::Quoted, b) => {
                    newline_in_field |= b == b'\n';
                    At::Quoted
                }
                (At::QuoteInQuoted, b'"') => At::Quoted,
                (At::QuoteInQuoted, b',') => At::FieldStart,
                (At::QuoteInQuoted, b'\r' | b'\n') => At::FieldStart,
                (At::QuoteInQuoted, _) => {
                    malformed(newline_in_field);
                    At::Unquoted
                }
            };
        }
        if at == At::Quoted {
            // The input ended inside a quoted field: it swallowed lines only
            // if a line break came after its opening quote (an earlier,
            // well-closed field over several lines does not count).
            malformed(newline_in_field);
        }
        RecordShape { first_line, last_line, swallowed, stray_quote }
    }
}

/// The bytes a CSV reader has read and not yet given to a record, with the
/// number of line breaks before them: enough to see each record's own bytes
/// (a record and the reader's read-ahead, not the whole input).
#[derive(Default)]
struct RawBytes {
    /// Input offset of `bytes[0]`.
    base: u64,
    bytes: Vec<u8>,
    lines_before: usize,
}

#[derive(Clone, Default)]
struct SharedRaw(std::sync::Arc<std::sync::Mutex<RawBytes>>);

impl SharedRaw {
    /// The shape of the record that ends at input offset `end` (where the
    /// next one starts), forgetting its bytes.
    fn take_until(&self, end: u64) -> RecordShape {
        let mut r = self.0.lock().expect("the byte list is only appended to and drained");
        let n = usize::try_from(end.saturating_sub(r.base)).unwrap_or(usize::MAX).min(r.bytes.len());
        let shape = RecordShape::of(&r.bytes[..n], r.lines_before);
        r.lines_before += memchr::memchr_iter(b'\n', &r.bytes[..n]).count();
        r.bytes.drain(..n);
        r.base += n as u64;
        shape
    }
}

/// A reader that keeps a copy of what it reads until [`SharedRaw`] hands it
/// to a record.
struct RawTap<R> {
    inner: R,
    raw: SharedRaw,
}

impl<R: Read> Read for RawTap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.raw.0.lock().expect("the byte list is only appended to and drained").bytes.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

/// A reader that turns carriage returns into line feeds when `on`: the line
/// breaks of a file that ends its lines with `\r` alone, as the "CSV
/// (Macintosh)" export of spreadsheets still does. Read as they are, the
/// `csv` crate splits such a file into the right records but every line
/// number counted on `\n` said 1, and a line break inside a quoted field
/// stayed a `\r` the analysis does not read as one. (`\r` is never part of
/// a multi-byte UTF-8 sequence, so bytes can be swapped one for one, and
/// offsets stay the file's.)
struct CrAsLf<R> {
    inner: R,
    on: bool,
}

impl<R: Read> Read for CrAsLf<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.on {
            buf[..n].iter_mut().filter(|b| **b == b'\r').for_each(|b| *b = b'\n');
        }
        Ok(n)
    }
}

/// What the input's first buffer says of its layout: whether its lines end
/// with `\r` alone (carriage returns and no line feed), and the separator
/// its header line uses (see [`sniff_delimiter`]). An error here comes back
/// at the first read, which reports it.
fn peek_layout(reader: &mut dyn BufRead) -> (bool, u8) {
    let buf = reader.fill_buf().unwrap_or_default();
    let cr_only = memchr::memchr(b'\n', buf).is_none() && memchr::memchr(b'\r', buf).is_some();
    let header_end = memchr::memchr2(b'\n', b'\r', buf).unwrap_or(buf.len());
    (cr_only, sniff_delimiter(&buf[..header_end]))
}

fn csv_records<'r>(
    mut reader: Box<dyn BufRead + Send + 'r>,
    o: &CsvOptions,
    name: String,
) -> Result<Box<dyn Iterator<Item = RecordResult> + Send + 'r>, InputError> {
    let raw = SharedRaw::default();
    let (on, sniffed) = peek_layout(&mut reader);
    let delimiter = o.delimiter.unwrap_or(sniffed);
    let tap = RawTap { inner: CrAsLf { inner: reader, on }, raw: raw.clone() };
    let mut rdr = csv::ReaderBuilder::new().flexible(true).delimiter(delimiter).from_reader(tap);
    let headers = rdr
        .byte_headers()
        .map_err(|e| InputError::Header {
            source_name: name.clone(),
            message: format!("cannot read the CSV header: {e}"),
        })?
        .clone();
    let header_names: Vec<String> =
        headers.iter().map(|h| String::from_utf8_lossy(h).trim_start_matches('\u{FEFF}').trim().to_string()).collect();
    // A column is found by its exact name, or else by the one name equal to
    // it but for case ("ID", "Titre"): spreadsheets capitalise headers.
    let find = |col: &str| {
        header_names.iter().position(|h| h == col).or_else(|| {
            let mut same = header_names.iter().enumerate().filter(|(_, h)| h.to_lowercase() == col.to_lowercase());
            match (same.next(), same.next()) {
                (Some((i, _)), None) => Some(i),
                _ => None,
            }
        })
    };
    let text_cols = if o.text_columns.is_empty() { vec!["text".to_string()] } else { o.text_columns.clone() };
    let mut text_idx = Vec::new();
    for c in &text_cols {
        match find(c) {
            Some(i) => text_idx.push((c.clone(), i)),
            None => {
                return Err(InputError::Header {
                    source_name: name,
                    message: format!(
                        "no column '{c}' in the CSV header (columns: {}){}",
                        header_names.join(", "),
                        separator_hint(&header_names)
                    ),
                })
            }
        }
    }
    let opt_col = |c: &Option<String>, what: &str| -> Result<Option<usize>, InputError> {
        match c {
            None => Ok(None),
            Some(c) => find(c).map(Some).ok_or_else(|| InputError::Header {
                source_name: name.clone(),
                message: format!("no {what} column '{c}' in the CSV header (columns: {})", header_names.join(", ")),
            }),
        }
    };
    // Like JSON Lines' `id` field, a column named `id` is the record's id
    // unless another is named.
    let id_idx = match &o.id_column {
        Some(_) => opt_col(&o.id_column, "id")?,
        None => find("id"),
    };
    let kind_idx = match &o.kind_column {
        Some(_) => opt_col(&o.kind_column, "kind")?,
        None => find("kind"),
    };
    raw.take_until(rdr.position().byte());
    let mut r = csv::ByteRecord::new();
    let mut n = 0usize;
    Ok(Box::new(std::iter::from_fn(move || {
        let read = rdr.read_byte_record(&mut r);
        if let Ok(false) = read {
            return None;
        }
        n += 1;
        let shape = raw.take_until(rdr.position().byte());
        Some(match read {
            Err(e) => {
                let line = e.position().map_or(n + 1, |p| p.line() as usize);
                Err(RecordError { line, id: None, message: format!("invalid CSV record: {e}") })
            }
            Ok(_) => {
                let RecordShape { first_line: line, last_line: last, swallowed, stray_quote } = shape;
                let mut warnings = Vec::new();
                if stray_quote {
                    warnings.push("stray quote (\") in the CSV record".to_string());
                }
                if r.len() != headers.len() {
                    // Read all the same (`flexible`): a missing column reads
                    // as empty, an extra one is ignored, and the reviewer
                    // is told the row may be shifted.
                    warnings.push(format!("{} fields where the CSV header has {}", r.len(), headers.len()));
                }
                let mut get = |i: usize| r.get(i).map(|b| decode(b.to_vec(), &mut warnings));
                let column_id = id_idx.and_then(&mut get).filter(|s| !s.is_empty());
                if swallowed {
                    return Some(Err(RecordError {
                        line,
                        id: column_id,
                        message: format!(
                            "a quoted field is not closed where it should be: lines {line} to {last} were read as \
                             one record; check the quotes of line {line}"
                        ),
                    }));
                }
                let id = column_id.unwrap_or_else(|| format!("record-{n}"));
                let mut text = String::new();
                let mut fields = Vec::new();
                for (cname, i) in &text_idx {
                    let v = get(*i).unwrap_or_default();
                    if !text.is_empty() {
                        text.push_str("\n\n");
                    }
                    let start = text.len();
                    text.push_str(&v);
                    fields.push(Field { name: cname.clone(), start, end: text.len() });
                }
                let kind = kind_idx.and_then(&mut get).filter(|s| !s.trim().is_empty());
                let profile = match kind.map(|k| k.parse::<Profile>()) {
                    None => Ok(None),
                    Some(Ok(p)) => Ok(Some(p)),
                    Some(Err(m)) => {
                        Err(RecordError { line, id: Some(id.clone()), message: format!("column 'kind': {m}") })
                    }
                };
                profile.map(|profile| Record { line, id, text, profile, warnings, fields })
            }
        })
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_bytes(input: &[u8], f: InputFormat, o: &CsvOptions) -> Vec<RecordResult> {
        let r: Box<dyn BufRead + Send> = Box::new(std::io::Cursor::new(input.to_vec()));
        records(r, f, o, "in").unwrap().collect()
    }

    fn read(input: &str, f: InputFormat, o: &CsvOptions) -> Vec<RecordResult> {
        read_bytes(input.as_bytes(), f, o)
    }

    #[test]
    fn jsonl_bad_lines_become_errors_with_their_line_number() {
        let rs = read(
            "{\"text\":\"a\"}\nnot json\n{\"id\":3}\n{\"text\":5}\n\n{\"text\":\"b\",\"kind\":\"report\"}\n",
            InputFormat::Jsonl,
            &CsvOptions::default(),
        );
        assert_eq!(rs.len(), 5);
        assert!(rs[0].is_ok());
        assert_eq!(rs[1].as_ref().unwrap_err().line, 2);
        assert!(rs[2].as_ref().unwrap_err().message.contains("missing field 'text'"));
        assert!(rs[3].as_ref().unwrap_err().message.contains("must be a string"));
        assert_eq!(rs[4].as_ref().unwrap().profile, Some(Profile::Report));
        assert_eq!(rs[4].as_ref().unwrap().line, 6);
    }

    #[test]
    fn jsonl_null_text_is_a_wrong_type_and_other_fields_are_ignored() {
        let rs = read(
            "{\"text\":null}\n[1,2]\n{\"text\":\"é\\n\",\"label\":{\"x\":[1,null]},\"id\":7}\n",
            InputFormat::Jsonl,
            &CsvOptions::default(),
        );
        assert_eq!(rs[0].as_ref().unwrap_err().message, "field 'text' must be a string, not null");
        assert_eq!(rs[1].as_ref().unwrap_err().message, "expected a JSON object");
        let ok = rs[2].as_ref().unwrap();
        assert_eq!((ok.text.as_str(), ok.id.as_str()), ("é\n", "7"));
    }

    #[test]
    fn jsonl_byte_order_mark_is_ignored() {
        let rs = read("\u{FEFF}{\"text\":\"a\",\"id\":\"x\"}\n", InputFormat::Jsonl, &CsvOptions::default());
        assert_eq!(rs[0].as_ref().unwrap().id, "x");
    }

    #[test]
    fn csv_joins_text_columns_and_keeps_quoted_newlines() {
        let o = CsvOptions {
            text_columns: vec!["titre".into(), "resume".into()],
            id_column: Some("ref".into()),
            kind_column: None,
            delimiter: None,
        };
        let rs = read("ref,titre,resume\nA1,\"Reiki\",\"ligne 1\nligne 2\"\nA2,Autre,x\n", InputFormat::Csv, &o);
        let r = rs[0].as_ref().unwrap();
        assert_eq!(r.id, "A1");
        assert_eq!(r.text, "Reiki\n\nligne 1\nligne 2");
        assert_eq!(r.fields[1], Field { name: "resume".into(), start: 7, end: 22 });
        assert_eq!(rs[1].as_ref().unwrap().line, 4);
    }

    #[test]
    fn csv_unclosed_quote_is_an_error_naming_the_lines_it_swallowed() {
        let rs = read(
            "id,text\nR1,ok\nR2,\"jamais fermé\nR3,pris dedans\nR4,aussi",
            InputFormat::Csv,
            &CsvOptions::default(),
        );
        assert_eq!(rs.len(), 2);
        assert!(rs[0].is_ok());
        let e = rs[1].as_ref().unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("lines 3 to 5"), "{}", e.message);
    }

    #[test]
    fn csv_unclosed_quote_at_the_end_of_a_file_ending_with_a_newline_names_its_last_line() {
        let rs =
            read("id,text\nR1,ok\nR2,\"jamais fermé\nR3,pris\nR4,aussi\n", InputFormat::Csv, &CsvOptions::default());
        assert!(rs[1].as_ref().unwrap_err().message.contains("lines 3 to 5"), "{:?}", rs[1]);
    }

    #[test]
    fn csv_swallow_with_an_even_number_of_quotes_is_still_an_error() {
        let rs = read("id,text\nR1,\"ouvert\nR2,\"x\nR3,y\n", InputFormat::Csv, &CsvOptions::default());
        assert!(rs[0].as_ref().unwrap_err().message.contains("lines 2 to 3"), "{:?}", rs[0]);
        assert_eq!(rs[1].as_ref().unwrap().text, "y");
    }

    #[test]
    fn csv_well_closed_multiline_field_with_a_stray_quote_elsewhere_is_read_with_a_warning() {
        let o = CsvOptions { text_columns: vec!["text".into(), "note".into()], ..CsvOptions::default() };
        let rs = read("id,text,note\nR1,\"deux\nlignes\",pouces 5\" écran\nR2,x,y\n", InputFormat::Csv, &o);
        let r = rs[0].as_ref().unwrap();
        assert_eq!(r.text, "deux\nlignes\n\npouces 5\" écran");
        assert_eq!(r.warnings.len(), 1);
        assert_eq!(rs[1].as_ref().unwrap().line, 4);
    }

    #[test]
    fn csv_line_numbers_count_crlf_line_ends() {
        let o = CsvOptions { id_column: Some("id".into()), ..CsvOptions::default() };
        let rs = read("id,text\r\nR1,a\r\nR2,\"b\r\nc\"\r\nR3,\"ouvert\r\nR4,d\r\n", InputFormat::Csv, &o);
        assert_eq!(rs[0].as_ref().unwrap().line, 2);
        assert_eq!(rs[1].as_ref().unwrap().line, 3);
        let e = rs[2].as_ref().unwrap_err();
        assert_eq!(e.line, 5);
        assert!(e.message.contains("lines 5 to 6"), "{}", e.message);
        assert_eq!(e.id.as_deref(), Some("R3"));
    }

    #[test]
    fn a_read_error_gives_one_error_record_and_ends_the_input() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("is a directory"))
            }
        }
        for f in [InputFormat::Jsonl, InputFormat::Lines] {
            let r: Box<dyn BufRead + Send> = Box::new(std::io::BufReader::new(Failing));
            let rs: Vec<_> = records(r, f, &CsvOptions::default(), "d").unwrap().take(3).collect();
            assert_eq!(rs.len(), 1, "{f:?}");
            assert!(rs[0].as_ref().unwrap_err().message.contains("read error: is a directory"));
        }
    }

    #[test]
    fn csv_ending_lines_with_cr_alone_reads_as_the_same_file_with_line_feeds() {
        let lf = "id,text\nR1,a\nR2,\"b\nc\"\nR3,\"ouvert\nR4,d\n";
        let cr = lf.replace('\n', "\r");
        let o = CsvOptions::default();
        let (from_cr, from_lf) = (read(&cr, InputFormat::Csv, &o), read(lf, InputFormat::Csv, &o));
        assert_eq!(from_cr, from_lf);
        assert_eq!(from_cr[1].as_ref().unwrap().text, "b\nc");
        assert_eq!(from_cr[1].as_ref().unwrap().line, 3);
        assert!(from_cr[2].as_ref().unwrap_err().message.contains("lines 5 to 6"), "{:?}", from_cr[2]);
    }

    #[test]
    fn csv_carriage_return_inside_a_crlf_file_is_left_as_it_is() {
        let rs = read("id,text\r\nR1,\"a\rb\"\r\n", InputFormat::Csv, &CsvOptions::default());
        assert_eq!(rs[0].as_ref().unwrap().text, "a\rb");
    }

    #[test]
    fn csv_row_with_too_few_or_too_many_fields_is_read_with_a_warning() {
        let rs = read("id,text,note\nC1,Reiki\nC2,a,b,c\nC3,ok,ok\n", InputFormat::Csv, &CsvOptions::default());
        let w = |i: usize| rs[i].as_ref().unwrap().warnings.clone();
        assert_eq!(w(0), ["2 fields where the CSV header has 3"]);
        assert_eq!(w(1), ["4 fields where the CSV header has 3"]);
        assert!(w(2).is_empty());
        assert_eq!(rs[0].as_ref().unwrap().text, "Reiki");
    }

    #[test]
    fn csv_separated_by_semicolons_is_read_as_such_without_being_told() {
        let o = CsvOptions { text_columns: vec!["titre".into(), "resume".into()], ..CsvOptions::default() };
        let rs = read("id;titre;resume\nC1;\"Reiki; niveau 1\";Soins, énergie\n", InputFormat::Csv, &o);
        let r = rs[0].as_ref().unwrap();
        assert_eq!((r.id.as_str(), r.text.as_str()), ("C1", "Reiki; niveau 1\n\nSoins, énergie"));
    }

    #[test]
    fn csv_delimiter_given_wins_over_the_header_count() {
        let input = "id,text,x;y;z;w\nC1,a;b,c\n";
        let r: Box<dyn BufRead + Send> = Box::new(std::io::Cursor::new(input.as_bytes().to_vec()));
        assert!(records(r, InputFormat::Csv, &CsvOptions::default(), "in").is_err(), "sniffed ';': no 'text' column");
        let r: Box<dyn BufRead + Send> = Box::new(std::io::Cursor::new(b"id;text\nC1;a\n".to_vec()));
        let forced = CsvOptions { delimiter: Some(b','), ..CsvOptions::default() };
        let e = records(r, InputFormat::Csv, &forced, "in").err().unwrap();
        assert!(e.to_string().ends_with("try --delimiter semicolon"), "{e}");
        let o = CsvOptions { delimiter: Some(b','), ..CsvOptions::default() };
        assert_eq!(read(input, InputFormat::Csv, &o)[0].as_ref().unwrap().text, "a;b");
        assert_eq!(sniff_delimiter(b"a\tb\tc,d"), b'\t');
        assert_eq!(sniff_delimiter(b"\"a;b;c\",d"), b',');
        assert_eq!(sniff_delimiter(b"text"), b',');
    }

    #[test]
    fn csv_column_names_match_whatever_their_case_unless_two_differ_only_by_it() {
        let rs = read("ID,Texte,text\nC1,a,b\n", InputFormat::Csv, &CsvOptions::default());
        assert_eq!(rs[0].as_ref().unwrap().id, "C1");
        assert_eq!(rs[0].as_ref().unwrap().text, "b");
        let o = CsvOptions { text_columns: vec!["titre".into()], ..CsvOptions::default() };
        assert_eq!(read("id,Titre\nC1,Reiki\n", InputFormat::Csv, &o)[0].as_ref().unwrap().text, "Reiki");
        let o = CsvOptions { text_columns: vec!["texte".into()], ..CsvOptions::default() };
        let r: Box<dyn BufRead + Send> = Box::new(std::io::Cursor::new(b"Texte,TEXTE\na,b\n".to_vec()));
        assert!(records(r, InputFormat::Csv, &o, "in").is_err(), "two columns match 'texte' but for case");
    }

    #[test]
    fn csv_column_named_id_gives_the_ids_unless_another_is_named() {
        let input = "ref,id,text\nA1,x1,a\nA2,,b\n";
        let ids = |o: &CsvOptions| -> Vec<String> {
            read(input, InputFormat::Csv, o).into_iter().map(|r| r.unwrap().id).collect()
        };
        assert_eq!(ids(&CsvOptions::default()), ["x1", "record-2"]);
        assert_eq!(ids(&CsvOptions { id_column: Some("ref".into()), ..CsvOptions::default() }), ["A1", "A2"]);
        let no_id = read("text\na\n", InputFormat::Csv, &CsvOptions::default());
        assert_eq!(no_id[0].as_ref().unwrap().id, "record-1");
    }

    #[test]
    fn csv_quote_left_open_on_the_last_line_after_a_multiline_field_is_read_with_a_warning() {
        let o = CsvOptions { text_columns: vec!["text".into(), "note".into()], ..CsvOptions::default() };
        let rs = read("id,text,note\nR1,\"deux\nlignes\",\"ouvert", InputFormat::Csv, &o);
        assert_eq!(rs.len(), 1);
        let r = rs[0].as_ref().unwrap();
        assert_eq!(r.text, "deux\nlignes\n\nouvert");
        assert_eq!(r.warnings.len(), 1);
    }

    #[test]
    fn csv_records_after_an_unclosed_quote_closed_later_are_read() {
        let rs = read("id,text\nR1,\"ouvert\nR2,\"fermé ici\"\nR3,suite\n", InputFormat::Csv, &CsvOptions::default());
        assert!(rs[0].as_ref().unwrap_err().message.contains("lines 2 to 3"));
        assert_eq!(rs[1].as_ref().unwrap().text, "suite");
        assert_eq!(rs[1].as_ref().unwrap().line, 4);
    }

    #[test]
    fn csv_quoted_fields_over_several_lines_with_escaped_quotes_are_not_errors() {
        let rs = read(
            "id,text\nR1,\"un \"\"vrai\"\" cours\nsur deux lignes\"\nR2,x\n",
            InputFormat::Csv,
            &CsvOptions::default(),
        );
        let r = rs[0].as_ref().unwrap();
        assert_eq!(r.text, "un \"vrai\" cours\nsur deux lignes");
        assert!(r.warnings.is_empty());
        assert!(rs[1].is_ok());
    }

    #[test]
    fn csv_stray_quote_inside_one_line_is_read_with_a_warning() {
        let rs = read("id,text\nR1,il a dit \"bonjour\nR2,x\n", InputFormat::Csv, &CsvOptions::default());
        let r = rs[0].as_ref().unwrap();
        assert_eq!(r.text, "il a dit \"bonjour");
        assert_eq!(r.warnings.len(), 1);
        assert!(rs[1].is_ok());
    }

    #[test]
    fn csv_missing_text_column_is_an_error_before_any_record() {
        let r: Box<dyn BufRead + Send> = Box::new(std::io::Cursor::new(b"a,b\n1,2\n".to_vec()));
        let e = records(r, InputFormat::Csv, &CsvOptions::default(), "f.csv").err().unwrap();
        assert!(e.to_string().contains("no column 'text'"), "{e}");
    }

    fn one_line(bytes: &[u8]) -> Record {
        let r: Box<dyn BufRead + Send> = Box::new(std::io::Cursor::new(bytes.to_vec()));
        let mut rs: Vec<_> = records(r, InputFormat::Lines, &CsvOptions::default(), "in").unwrap().collect();
        rs.remove(0).unwrap()
    }

    #[test]
    fn a_line_not_utf8_with_only_ascii_before_its_first_bad_byte_is_read_as_windows_1252() {
        let rec = one_line(b"Kin\xe9siologie et \x9cdeme, \x80 50\n");
        assert_eq!(rec.text, "Kinésiologie et œdeme, € 50");
        assert_eq!(rec.warnings, [WARN_WINDOWS_1252]);
    }

    #[test]
    fn a_line_of_utf8_with_bad_bytes_after_an_accented_letter_keeps_utf8_with_replacement_characters() {
        let rec = one_line("déjà caf".bytes().chain(*b"\xe9 \xff\n").collect::<Vec<u8>>().as_slice());
        assert_eq!(rec.text, "déjà caf\u{FFFD} \u{FFFD}");
        assert_eq!(rec.warnings, [WARN_INVALID_UTF8]);
    }

    #[test]
    fn a_csv_record_warns_once_whatever_the_number_of_fields_not_in_utf8() {
        let o = CsvOptions { text_columns: vec!["titre".into(), "resume".into()], ..CsvOptions::default() };
        let rs = read_bytes(b"id,titre,resume\nC1,R\xe9flexologie,\xe9nergie\n", InputFormat::Csv, &o);
        let r = rs[0].as_ref().unwrap();
        assert_eq!(r.text, "Réflexologie\n\nénergie");
        assert_eq!(r.warnings, [WARN_WINDOWS_1252]);
    }
}
