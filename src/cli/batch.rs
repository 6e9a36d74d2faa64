//! `vigie score` and `vigie triage`: streaming, parallel batch scoring.

use super::output::{localise_spans, writer, ErrRecord, OkRecord, OutRecord, RecordWriter};
use super::{BatchArgs, OutputFormat, TriageArgs};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, IsTerminal, Write};
use vigie::classifier::TopFeatures;
use vigie::input::{line_record, records, CsvOptions, InputFormat, RawLines, Record, RecordResult};
use vigie::{Assessment, Classifier, Decision, Document, Priority};

/// Records scored together; bounds memory while keeping every core busy.
const CHUNK: usize = 512;
/// Records one worker scores in a row and renders into one output value
/// (for JSON Lines, one buffer): fewer allocations, and the writing thread
/// frees one buffer per group instead of one per record.
const GROUP: usize = 32;
/// The sizes of the groups a chunk is cut into, largest first; they add up
/// to [`CHUNK`]. The workers claim a chunk's groups in order, so when one of
/// them finds none left, the others are finishing small ones: with groups
/// of 32 throughout, a worker waited at each chunk's end for half a group
/// on average (6 % of a chunk with two workers).
const GROUP_SIZES: [usize; 28] =
    [32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 16, 16, 16, 16, 8, 8, 8, 8, 4, 4, 4, 4, 4, 4, 4, 4];
const _: () = {
    let (mut i, mut sum) = (0, 0);
    while i < GROUP_SIZES.len() {
        assert!(GROUP_SIZES[i] <= GROUP && (i == 0 || GROUP_SIZES[i] <= GROUP_SIZES[i - 1]));
        sum += GROUP_SIZES[i];
        i += 1;
    }
    assert!(sum == CHUNK);
};

fn default_format(f: Option<OutputFormat>) -> OutputFormat {
    f.unwrap_or(if std::io::stdout().is_terminal() { OutputFormat::Table } else { OutputFormat::Jsonl })
}

struct Counts {
    total: usize,
    failed: Vec<(String, usize)>,
}

fn open(path: &std::path::Path) -> std::io::Result<Box<dyn BufRead + Send>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(BufReader::with_capacity(1 << 16, std::io::stdin())));
    }
    // A directory opens, then fails every read: said once, here.
    if path.is_dir() {
        return Err(std::io::Error::other("it is a directory; name the files in it"));
    }
    Ok(Box::new(BufReader::with_capacity(1 << 16, std::fs::File::open(path)?)))
}

/// `path` mapped into memory, when it is a non-empty regular file of lines
/// or JSON Lines: its lines are then cut by the reading thread and parsed by
/// the scoring threads. Reading it through `read` instead cost the reading
/// thread a kernel copy of every byte and the parsing of every record: a
/// tenth of a core beside a scoring thread (100 MB sample, `perf record`),
/// which a second scoring thread had to share. `None` falls back to
/// reading (stdin, pipes, other formats, a failed mapping).
fn map(a: &BatchArgs, path: &std::path::Path) -> Option<memmap2::Mmap> {
    if !matches!(a.input, InputFormat::Lines | InputFormat::Jsonl) || path.as_os_str() == "-" {
        return None;
    }
    let file = std::fs::File::open(path).ok()?;
    let m = file.metadata().ok()?;
    if !m.is_file() || m.len() == 0 {
        return None;
    }
    // SAFETY: the mapping is only read. A file changed by another process
    // while it is read gives records of the bytes seen, as `read` would;
    // one truncated meanwhile ends the run with SIGBUS, the trade-off
    // ripgrep makes for the same gain.
    let map = unsafe { memmap2::Mmap::map(&file) }.ok()?;
    // Hints only: a refusal changes nothing but read-ahead.
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Sequential);
    Some(map)
}

/// Hands back to the system the pages of `map` below `done` (bytes whose
/// records are written), in steps of 2 MiB (a multiple of every page
/// size), so that a mapped file of any size costs a bounded resident set.
fn release(map: &memmap2::Mmap, released: &mut usize, done: usize) {
    const STEP: usize = 2 << 20;
    let upto = done & !(STEP - 1);
    if upto > *released {
        // SAFETY: a read-only mapping of a file: a page dropped here is read
        // again from the file if touched, and no record still borrows one
        // (every line before `done` is scored and written). Other systems
        // than Unix trim a mapping's pages as they need.
        #[cfg(unix)]
        let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, *released, upto - *released) };
        *released = upto;
    }
}

/// A record as the reading thread hands it to the scoring threads: read
/// already, or a line of a mapped file still to parse.
enum Pending<'m> {
    Read(RecordResult),
    Line { line: usize, raw: &'m [u8] },
}

/// What the reading thread reads from: records, or the lines of a mapping.
enum Reading<'m> {
    Records(Box<dyn Iterator<Item = RecordResult> + Send>),
    Mapped(RawLines<'m>),
}

impl<'m> Reading<'m> {
    /// Bytes of the mapping read so far (0 when reading records).
    fn offset(&self) -> usize {
        match self {
            Reading::Records(_) => 0,
            Reading::Mapped(lines) => lines.offset(),
        }
    }
}

impl<'m> Iterator for Reading<'m> {
    type Item = Pending<'m>;

    fn next(&mut self) -> Option<Pending<'m>> {
        match self {
            Reading::Records(iter) => iter.next().map(Pending::Read),
            Reading::Mapped(lines) => lines.next().map(|(line, raw)| Pending::Line { line, raw }),
        }
    }
}

/// The size of `path` when it is read as one text document better streamed
/// than held in memory: a regular file (not stdin: it is read twice) larger
/// than a window, whose text is not to be echoed.
fn streamable(a: &BatchArgs, c: &Classifier, path: &std::path::Path) -> Option<usize> {
    if a.input != InputFormat::Text || a.include_text || path.as_os_str() == "-" {
        return None;
    }
    let m = std::fs::metadata(path).ok()?;
    let size = usize::try_from(m.len()).ok()?;
    // A file that cannot be opened is reported as for any input.
    (m.is_file() && size > c.pipeline().window() && std::fs::File::open(path).is_ok()).then_some(size)
}

/// Scores one record as `vigie score` reports it: with the profile the
/// record names unless `--profile` is forced, and the warnings its reading
/// raised. `f` gets the result with its top features still in the
/// classifier's workspace (see [`Classifier::assess_then`]); spans are not
/// localised to the record's columns yet.
fn assess_record<R>(
    c: &Classifier,
    a: &BatchArgs,
    rec: &Record,
    f: impl FnOnce(Assessment, &TopFeatures<'_>) -> R,
) -> R {
    let profile = if a.force_profile { a.profile } else { rec.profile.unwrap_or(a.profile) };
    c.assess_then(&Document { id: &rec.id, text: &rec.text, profile }, |mut assessment, top| {
        assessment.warnings.extend(rec.warnings.iter().cloned());
        f(assessment, top)
    })
}

fn process(c: &Classifier, a: &BatchArgs, source: &str, r: RecordResult) -> OutRecord {
    match r {
        Ok(rec) => {
            let assessment = assess_record(c, a, &rec, |mut assessment, top| {
                assessment.top_features = top.to_vec();
                localise_spans(&mut assessment, &rec.fields);
                assessment
            });
            OutRecord::Ok(OkRecord {
                source: source.to_string(),
                line: rec.line,
                assessment,
                text: a.include_text.then_some(rec.text),
            })
        }
        Err(e) => OutRecord::Err(ErrRecord {
            id: e.id.unwrap_or_else(|| format!("{source}:{}", e.line)),
            source: source.to_string(),
            line: e.line,
            error: e.message,
        }),
    }
}

/// How an output format turns records into an output value `A` on the
/// worker threads (for JSON Lines, bytes in a buffer), so that only the
/// writing of finished output stays on the main thread.
trait Render<A>: Sync {
    /// Adds a finished record to `out`.
    fn record(&self, o: OutRecord, out: &mut A);

    /// Scores one input record (or reports its error) and adds it to `out`.
    fn score(&self, c: &Classifier, a: &BatchArgs, source: &str, r: RecordResult, out: &mut A) {
        self.record(process(c, a, source, r), out)
    }
}

/// Output formats written on the main thread: the records themselves.
struct Collect;

impl Render<Vec<OutRecord>> for Collect {
    fn record(&self, o: OutRecord, out: &mut Vec<OutRecord>) {
        out.push(o);
    }
}

/// JSON Lines, serialised on the workers.
struct JsonlLines(super::jsonl::JsonlRenderer);

impl JsonlLines {
    fn reserve(out: &mut Vec<u8>) {
        if out.capacity() == 0 {
            // About 4 KB per record.
            out.reserve(GROUP << 12);
        }
    }
}

impl Render<Vec<u8>> for JsonlLines {
    fn record(&self, o: OutRecord, out: &mut Vec<u8>) {
        Self::reserve(out);
        self.0.render_into(&o, out)
    }

    /// The line `process` then `record` would write, with the top features
    /// serialised straight from the classifier's workspace (building their
    /// strings first was a tenth of the scoring time).
    fn score(&self, c: &Classifier, a: &BatchArgs, source: &str, r: RecordResult, out: &mut Vec<u8>) {
        let rec = match r {
            Ok(rec) => rec,
            Err(_) => return self.record(process(c, a, source, r), out),
        };
        Self::reserve(out);
        assess_record(c, a, &rec, |mut assessment, top| {
            localise_spans(&mut assessment, &rec.fields);
            let scored = super::jsonl::Scored {
                source,
                line: rec.line,
                assessment: &assessment,
                top: Some((top, &rec.fields)),
                text: a.include_text.then_some(rec.text.as_str()),
            };
            self.0.render_scored(&scored, out)
        })
    }
}

/// `f` of every group of a chunk, in the chunk's order, computed by all the
/// pool's threads: each claims the next group not yet taken (so they are
/// scored roughly in order, and the last ones, the smallest, finish
/// together; see [`GROUP_SIZES`]). Called from a pool thread, which takes
/// its share.
fn score_chunk<G: Send, R: Send>(chunk: Vec<G>, f: impl Fn(G) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let groups: Vec<Mutex<Option<G>>> = chunk.into_iter().map(|g| Mutex::new(Some(g))).collect();
    let done: Vec<Mutex<Option<R>>> = groups.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(slot) = groups.get(i) else { break };
        let group = slot.lock().expect("no worker panicked").take().expect("each group is claimed once");
        let r = f(group);
        *done[i].lock().expect("no worker panicked") = Some(r);
    };
    rayon::scope(|s| {
        for _ in 1..rayon::current_num_threads() {
            s.spawn(|_| work());
        }
        work();
    });
    done.into_iter().map(|r| r.into_inner().expect("no worker panicked").expect("every group was scored")).collect()
}

/// Streams every input through the classifier, calling `sink` with output
/// in input order. Three stages overlap: a reader thread parses the next
/// chunk, the pool scores the current one, and this thread writes the
/// previous one.
///
/// `render` scores records into output values `A` on the worker threads;
/// each value holds a group of consecutive records and goes to `sink`
/// whole.
fn run_batch<A: Default + Send>(
    a: &BatchArgs,
    c: &Classifier,
    render: &dyn Render<A>,
    sink: &mut dyn FnMut(A) -> std::io::Result<()>,
) -> anyhow::Result<Counts> {
    let mut counts = Counts { total: 0, failed: Vec::new() };
    let csv_opts = CsvOptions {
        text_columns: a.text_columns.clone(),
        id_column: a.id_column.clone(),
        kind_column: a.kind_column.clone(),
        delimiter: a.delimiter.map(|d| d.byte()),
    };
    let progress = std::io::stderr().is_terminal().then(|| {
        let pb = indicatif::ProgressBar::new_spinner();
        pb.set_style(indicatif::ProgressStyle::with_template("{spinner} {pos} records {msg}").expect("valid template"));
        pb
    });
    let started = std::time::Instant::now();
    let mut bytes = 0usize;
    for path in &a.paths {
        let source = path.display().to_string();
        if let Some(size) = streamable(a, c, path) {
            // One document larger than a window: streamed in bounded memory,
            // with the result reading it whole would give.
            let assessment = vigie::stream::assess_file(c, path, &source, a.profile)
                .map_err(|e| anyhow::anyhow!("{source}: {e}"))?;
            bytes += size;
            counts.total += 1;
            let mut out = A::default();
            render
                .record(OutRecord::Ok(OkRecord { source: source.clone(), line: 1, assessment, text: None }), &mut out);
            sink(out)?;
            continue;
        }
        let mapped = map(a, path);
        let reading = match &mapped {
            Some(m) => Reading::Mapped(RawLines::new(m)),
            None => match open(path) {
                Ok(r) => Reading::Records(records(r, a.input, &csv_opts, &source)?),
                Err(e) => {
                    counts.total += 1;
                    counts.failed.push((source.clone(), 0));
                    let mut out = A::default();
                    render.record(
                        OutRecord::Err(ErrRecord {
                            id: source.clone(),
                            source: source.clone(),
                            line: 0,
                            error: format!("cannot open: {e}"),
                        }),
                        &mut out,
                    );
                    sink(out)?;
                    continue;
                }
            },
        };
        // Chunks arrive cut into groups of consecutive records, with the
        // mapping's offset after them.
        let (tx, rx) = std::sync::mpsc::sync_channel::<(Vec<Vec<Pending>>, usize)>(2);
        std::thread::scope(|s| -> anyhow::Result<()> {
            s.spawn(move || {
                let mut reading = reading;
                loop {
                    let mut chunk = Vec::with_capacity(GROUP_SIZES.len());
                    for size in GROUP_SIZES {
                        let group: Vec<Pending> = reading.by_ref().take(size).collect();
                        if group.is_empty() {
                            break;
                        }
                        chunk.push(group);
                    }
                    if chunk.is_empty() || tx.send((chunk, reading.offset())).is_err() {
                        break;
                    }
                }
            });
            // Scoring runs on its own thread so that this thread writes one
            // chunk's output while the pool scores the next: no core waits
            // for the writing.
            let source = &source;
            /// A rendered group: its record count, the lines of its failed
            /// records, its bytes of text, its output.
            type Rendered<A> = (usize, Vec<usize>, usize, A);
            let (out_tx, out_rx) = std::sync::mpsc::sync_channel::<(usize, Vec<Rendered<A>>)>(2);
            s.spawn(move || {
                // The chunk loop itself runs on one of the pool's threads
                // (`rayon::scope` hands it to the pool), which scores its
                // share of each chunk and goes on to the next one. Driving
                // the pool from a thread outside it woke two threads per
                // chunk: with one scoring thread, the pool's worker stood
                // idle 7 % of the time (100 MB sample, `perf stat
                // --per-thread`) and one thread scored 5 to 7 % slower.
                rayon::scope(|_| {
                    for (chunk, end) in rx {
                        let outs = score_chunk(chunk, |group| {
                            let (mut count, mut failed, mut bytes, mut out) = (0, Vec::new(), 0, A::default());
                            for p in group {
                                let r = match p {
                                    Pending::Read(r) => r,
                                    Pending::Line { line, raw } => match line_record(a.input, source, line, raw) {
                                        Some(r) => r,
                                        None => continue,
                                    },
                                };
                                match &r {
                                    Ok(rec) => bytes += rec.text.len(),
                                    Err(e) => failed.push(e.line),
                                }
                                count += 1;
                                render.score(c, a, source, r, &mut out);
                            }
                            (count, failed, bytes, out)
                        });
                        if out_tx.send((end, outs)).is_err() {
                            break;
                        }
                    }
                });
            });
            let mut released = 0;
            for (end, outs) in out_rx {
                for (count, failed, n, out) in outs {
                    counts.total += count;
                    bytes += n;
                    counts.failed.extend(failed.into_iter().map(|line| (source.clone(), line)));
                    sink(out)?;
                }
                if let Some(m) = &mapped {
                    release(m, &mut released, end);
                }
                if let Some(pb) = &progress {
                    pb.set_position(counts.total as u64);
                    let secs = started.elapsed().as_secs_f64().max(1e-6);
                    // indicatif's own `{per_sec}` prints a raw float
                    // ("1,590.0021/s"): the rates are worded here.
                    pb.set_message(format!(
                        "({:.0} records/s, {:.1} MB/s)",
                        counts.total as f64 / secs,
                        bytes as f64 / secs / 1e6
                    ));
                }
            }
            Ok(())
        })?;
    }
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    Ok(counts)
}

fn report_failures(c: &Counts) -> i32 {
    if c.failed.is_empty() {
        return 0;
    }
    let lines: Vec<String> = c.failed.iter().take(20).map(|(s, l)| format!("{s}:{l}")).collect();
    eprintln!(
        "vigie: {} of {} records failed ({}{}); all others were processed",
        c.failed.len(),
        c.total,
        lines.join(", "),
        if c.failed.len() > 20 { ", …" } else { "" }
    );
    2
}

fn thread_pool(a: &BatchArgs) -> anyhow::Result<()> {
    if let Some(n) = a.threads {
        // Ignore "already initialised": only the first call configures it.
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global();
    }
    Ok(())
}

/// The classifier for a command that exits when its batch is done: leaked
/// rather than dropped, because freeing its tens of thousands of
/// allocations one by one (vocabulary, weights, names) cost about 3 ms of
/// every run, and the process is about to hand its memory back anyway.
fn classifier_for_run(a: &BatchArgs) -> anyhow::Result<&'static Classifier> {
    Ok(Box::leak(Box::new(super::classifier(&a.model, None)?)))
}

pub fn score(a: &BatchArgs) -> anyhow::Result<i32> {
    let a = &a.resolved()?;
    thread_pool(a)?;
    let c = classifier_for_run(a)?;
    let format = default_format(a.format);
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let counts = if format == OutputFormat::Jsonl {
        // Serialise on the workers; this thread only writes bytes.
        let render = JsonlLines(super::jsonl::JsonlRenderer::new(c));
        let counts = run_batch(a, c, &render, &mut |lines: Vec<u8>| stdout.write_all(&lines))?;
        stdout.flush()?;
        counts
    } else {
        let mut w: Box<dyn RecordWriter> = writer(format, Box::new(stdout));
        let counts = run_batch(a, c, &Collect, &mut |rs: Vec<OutRecord>| rs.iter().try_for_each(|r| w.write(r)))?;
        w.finish()?;
        counts
    };
    Ok(report_failures(&counts))
}

fn rank(r: &OutRecord) -> (u8, u8, i64) {
    match r {
        OutRecord::Ok(o) => {
            let a = &o.assessment;
            let urgent = u8::from(a.priority != Some(Priority::Urgent));
            let band = match a.decision {
                Decision::Flag => 0,
                Decision::Review => 1,
                Decision::Clear => 2,
            };
            (urgent, band, -((a.score as f64) * 1e6) as i64)
        }
        OutRecord::Err(_) => (2, 3, 0),
    }
}

pub fn triage(t: &TriageArgs) -> anyhow::Result<i32> {
    let a = &t.batch.resolved()?;
    thread_pool(a)?;
    let c = classifier_for_run(a)?;
    let mut all = Vec::new();
    let counts = run_batch(a, c, &Collect, &mut |rs: Vec<OutRecord>| {
        all.extend(rs);
        Ok(())
    })?;
    // Stable: equal ranks keep input order.
    all.sort_by_key(rank);
    let mut bands: BTreeMap<&str, usize> = BTreeMap::new();
    let mut priorities: BTreeMap<&str, usize> = BTreeMap::new();
    let mut categories: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &all {
        if let OutRecord::Ok(o) = r {
            let x = &o.assessment;
            *bands.entry(x.decision.as_str()).or_default() += 1;
            if let Some(p) = x.priority {
                *priorities.entry(p.as_str()).or_default() += 1;
            }
            // The queue's work: a cleared record that names a practice (a
            // course teaching how to spot drift) is not a case of it.
            if x.decision == Decision::Clear {
                continue;
            }
            let mut cats: Vec<&str> = x.practices.iter().map(|p| p.category.as_str()).collect();
            cats.sort_unstable();
            cats.dedup();
            for cat in cats {
                *categories.entry(cat).or_default() += 1;
            }
        }
    }
    let stdout: Box<dyn Write> = Box::new(std::io::BufWriter::new(std::io::stdout().lock()));
    let mut w = writer(default_format(a.format), stdout);
    for r in &all {
        let keep = match r {
            OutRecord::Ok(o) => t.only.is_empty() || t.only.contains(&o.assessment.decision),
            OutRecord::Err(_) => true,
        };
        if keep {
            w.write(r)?;
        }
    }
    w.finish()?;
    let fmt = |m: &BTreeMap<&str, usize>| m.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ");
    eprintln!("triage: {} records, {} failed", counts.total, counts.failed.len());
    eprintln!("  by decision: {}", fmt(&bands));
    if !priorities.is_empty() {
        eprintln!("  by priority (reports): {}", fmt(&priorities));
    }
    eprintln!(
        "  by practice category (flag and review): {}",
        if categories.is_empty() { "none".into() } else { fmt(&categories) }
    );
    Ok(report_failures(&counts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_results_come_back_in_chunk_order_whatever_thread_scored_them() {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().expect("a pool");
        let chunk: Vec<Vec<u32>> = (0..40).map(|g| (g * 10..g * 10 + g % 7 + 1).collect()).collect();
        let expected: Vec<u32> = chunk.iter().map(|g| g.iter().sum()).collect();
        // Uneven work, so that groups finish out of order.
        let got = pool.install(|| {
            score_chunk(chunk, |g: Vec<u32>| {
                std::thread::sleep(std::time::Duration::from_micros(u64::from(g[0] % 13) * 50));
                g.iter().sum::<u32>()
            })
        });
        assert_eq!(got, expected);
    }

    #[test]
    fn released_pages_stop_at_the_last_whole_step_below_what_is_written_and_read_back_the_same() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("five-mib.jsonl");
        let bytes: Vec<u8> = (0..5usize << 20).map(|i| b'a' + (i % 23) as u8).collect();
        std::fs::write(&path, &bytes).expect("written");
        let file = std::fs::File::open(&path).expect("opened");
        // SAFETY: the test's own file, unchanged while mapped.
        let m = unsafe { memmap2::Mmap::map(&file) }.expect("mapped");
        let mut released = 0;
        release(&m, &mut released, (2 << 20) - 1);
        assert_eq!(released, 0);
        release(&m, &mut released, (3 << 20) + 5);
        assert_eq!(released, 2 << 20);
        release(&m, &mut released, 1 << 20);
        assert_eq!(released, 2 << 20, "never goes back");
        release(&m, &mut released, bytes.len());
        assert_eq!(released, 4 << 20);
        assert!(m[..] == bytes[..], "a dropped page reads back from the file");
    }

    #[test]
    fn every_group_of_a_chunk_is_scored_once_with_one_thread() {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a pool");
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let got = pool.install(|| {
            score_chunk((0..GROUP_SIZES.len()).collect(), |g: usize| {
                calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                g * 2
            })
        });
        assert_eq!(got, (0..GROUP_SIZES.len()).map(|g| g * 2).collect::<Vec<_>>());
        assert_eq!(calls.into_inner(), GROUP_SIZES.len());
    }
}
