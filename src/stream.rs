//! One long text document, read and classified window by window.
//!
//! [`Classifier::assess`] needs the whole text in memory; a 200 MB document
//! would cost 200 MB. [`assess_reader`] instead decodes the input as it
//! reads it and hands the analysis one window at a time, cut exactly where
//! [`crate::pipeline::windows`] would cut the whole text, so the result —
//! score, decision, evidence spans and their texts, top features — is the
//! one [`Classifier::assess`] gives on the whole text. Memory stays bounded
//! by the window, the word cache and the evidence kept (see
//! [`crate::pipeline::Walk::bounded`]).
//!
//! Evidence texts are fetched at the end: the result shows a bounded number
//! of spans, so the input is read a second time, up to the last window
//! holding one of them, and each window read again must hash as it did the
//! first time (or the input changed meanwhile: an error). The input must
//! therefore be readable twice (a file; not a pipe).
//!
//! **Offsets.** As for a document held in memory, span offsets are byte
//! offsets into the *decoded* text: the input with a leading byte-order mark
//! removed and, when it is not valid UTF-8, decoded as
//! [`crate::input::decoded`] decodes it (Windows-1252 when only ASCII comes
//! before the first invalid sequence, else each invalid sequence replaced by
//! U+FFFD, 3 bytes, as [`String::from_utf8_lossy`] does; the result then
//! carries a warning). For valid UTF-8 without a byte-order mark they are
//! byte offsets into the file.

use crate::classifier::{Assessment, Classifier};
use crate::input::{windows_1252, WARN_INVALID_UTF8, WARN_NUL, WARN_WINDOWS_1252};
use crate::pipeline::window_end;
use crate::profile::Profile;
use rustc_hash::FxHashMap;
use std::io::{self, Read};
use xxhash_rust::xxh3::xxh3_64;

/// Bytes read from the input at a time.
const READ: usize = 1 << 16;
/// Bytes at the start of the input checked for NUL bytes (as for a text
/// read whole).
const NUL_CHECK: usize = 8192;

/// Decodes a text from a reader and cuts it into windows as
/// [`crate::pipeline::windows`] cuts it, holding about one window at a time.
pub struct TextWindows<R> {
    reader: R,
    max: usize,
    /// Bytes read but not decoded yet: the start of a character cut by a read.
    raw: Vec<u8>,
    /// Decoded text from offset `base`; `pos` bytes of it already handed out.
    buf: String,
    base: usize,
    pos: usize,
    eof: bool,
    bom_checked: bool,
    raw_read: usize,
    nul: bool,
    lossy: bool,
    /// Some character beyond ASCII was decoded as UTF-8.
    beyond_ascii: bool,
    /// The input is read as Windows-1252 from its first invalid sequence
    /// on (before it, it was ASCII: the same text either way).
    single_byte: bool,
}

impl<R: Read> TextWindows<R> {
    /// Windows of at most `max` bytes (at least 4) of the text `reader` gives.
    pub fn new(reader: R, max: usize) -> Self {
        assert!(max >= 4, "a window must hold at least one UTF-8 character (4 bytes)");
        TextWindows {
            reader,
            max,
            raw: Vec::with_capacity(READ + 4),
            buf: String::with_capacity(max + READ + 4),
            base: 0,
            pos: 0,
            eof: false,
            bom_checked: false,
            raw_read: 0,
            nul: false,
            lossy: false,
            beyond_ascii: false,
            single_byte: false,
        }
    }

    /// The next window and its byte offset in the decoded text, or `None` at
    /// the end.
    pub fn next_window(&mut self) -> io::Result<Option<(usize, &str)>> {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.base += self.pos;
            self.pos = 0;
        }
        // window_end needs more than a window of text, or all that is left.
        while !self.eof && (self.buf.len() <= self.max || !self.bom_checked) {
            self.fill()?;
        }
        if self.buf.is_empty() {
            return Ok(None);
        }
        self.pos = window_end(&self.buf, self.max);
        Ok(Some((self.base, &self.buf[..self.pos])))
    }

    /// What a document read whole would be warned about, so far.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.nul {
            w.push(WARN_NUL.to_string());
        }
        if self.lossy {
            w.push(WARN_INVALID_UTF8.to_string());
        }
        if self.single_byte {
            w.push(WARN_WINDOWS_1252.to_string());
        }
        w
    }

    /// Reads and decodes one more piece of the input.
    fn fill(&mut self) -> io::Result<()> {
        let old = self.raw.len();
        self.raw.resize(old + READ, 0);
        let n = loop {
            match self.reader.read(&mut self.raw[old..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.raw.truncate(old);
                    return Err(e);
                }
            }
        };
        self.raw.truncate(old + n);
        if self.raw_read < NUL_CHECK {
            let take = (NUL_CHECK - self.raw_read).min(n);
            self.nul |= self.raw[old..old + take].contains(&0);
        }
        self.raw_read += n;
        self.eof = n == 0;
        // Decode as `input` decodes a whole document: UTF-8, or from the
        // first invalid sequence on Windows-1252 when only ASCII came before
        // it, or else each invalid sequence as one U+FFFD, as
        // String::from_utf8_lossy does. An invalid sequence that ends the
        // bytes read may be a character the read cut: it waits for more.
        let mut used = 0;
        if !self.single_byte {
            for chunk in self.raw.utf8_chunks() {
                self.buf.push_str(chunk.valid());
                used += chunk.valid().len();
                self.beyond_ascii |= !chunk.valid().is_ascii();
                let bad = chunk.invalid();
                if !bad.is_empty() {
                    if !self.eof && used + bad.len() == self.raw.len() {
                        break;
                    }
                    // `input::decoded`'s rule: Windows-1252 when the
                    // valid text before the first invalid sequence is ASCII.
                    if !self.beyond_ascii {
                        self.single_byte = true;
                        break;
                    }
                    self.buf.push(char::REPLACEMENT_CHARACTER);
                    self.lossy = true;
                    used += bad.len();
                }
            }
        }
        if self.single_byte {
            self.buf.push_str(&windows_1252(&self.raw[used..]));
            used = self.raw.len();
        }
        self.raw.drain(..used);
        if !self.bom_checked && (self.buf.len() >= 3 || self.eof) {
            if self.buf.starts_with('\u{FEFF}') {
                self.buf.drain(..3);
            }
            self.bom_checked = true;
        }
        Ok(())
    }
}

/// Classifies the text `open()` reads as one document, window by window in
/// bounded memory, with the result [`Classifier::assess`] gives on the whole
/// decoded text (warnings included). `open` is called twice: once to analyse
/// the text, once to fetch the texts of the spans the result shows (see the
/// module documentation); both must read the same bytes.
pub fn assess_reader<R: Read>(
    c: &Classifier,
    id: &str,
    profile: Profile,
    open: impl Fn() -> io::Result<R>,
) -> io::Result<Assessment> {
    let max = c.pipeline().window();
    let hashes = std::cell::RefCell::new(Vec::new());
    let mut warnings = Vec::new();
    let mut a = c.assess_windows(
        id,
        profile,
        |walk| {
            let mut tw = TextWindows::new(open()?, max);
            let mut hashes = hashes.borrow_mut();
            while let Some((base, w)) = tw.next_window()? {
                hashes.push(xxh3_64(w.as_bytes()));
                walk(base, w);
            }
            warnings = tw.warnings();
            Ok(())
        },
        |spans| span_texts(open()?, max, &hashes.borrow(), spans),
    )?;
    a.warnings.extend(warnings);
    Ok(a)
}

/// Classifies the text file at `path` as [`assess_reader`] does.
pub fn assess_file(c: &Classifier, path: &std::path::Path, id: &str, profile: Profile) -> io::Result<Assessment> {
    assess_reader(c, id, profile, || std::fs::File::open(path))
}

fn changed() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "the input changed while it was read")
}

/// Reads the texts of `spans` (sorted) in a second pass over the windows,
/// checking each window against its hash from the first pass.
fn span_texts(
    reader: impl Read,
    max: usize,
    hashes: &[u64],
    spans: &[(usize, usize)],
) -> io::Result<FxHashMap<(usize, usize), String>> {
    let mut map = FxHashMap::default();
    let mut tw = TextWindows::new(reader, max);
    let mut i = 0;
    let mut k = 0;
    while i < spans.len() {
        let Some((base, w)) = tw.next_window()? else {
            break;
        };
        if hashes.get(k) != Some(&xxh3_64(w.as_bytes())) {
            return Err(changed());
        }
        k += 1;
        let end = base + w.len();
        while i < spans.len() && (spans[i].0 < end || spans[i].0 == spans[i].1) {
            let (s, e) = spans[i];
            // Spans never cross windows: each window is analysed alone.
            let t = w.get(s.wrapping_sub(base)..e.wrapping_sub(base)).unwrap_or_default();
            map.insert((s, e), t.to_string());
            i += 1;
        }
    }
    if i < spans.len() {
        return Err(changed());
    }
    Ok(map)
}
