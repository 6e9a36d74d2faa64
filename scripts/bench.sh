#!/usr/bin/env bash
# Reproducible speed and scale measurements of the vigie command.
#
#   bash scripts/bench.sh            # full run (10 MB, 100 MB and 1 GB inputs, training)
#   bash scripts/bench.sh --quick    # skips the 1 GB file and training
#
# Options:
#   --quick       skip the 1 GB input and training (peak RSS and the scale
#                 comparison then use the 100 MB file, and say so)
#   --out DIR     scratch directory (default: bench-out, ignored by git);
#                 nothing is written or removed outside it
#   --runs N      runs per throughput figure (median kept; default 3): N
#                 one-thread runs of the 100 MB file alternating with N
#                 two-thread runs, and N runs of the 10 MB file before the
#                 1 GB file and N after it. The 1 GB file runs once.
#   --strict      exit with status 1 when any row FAILs
#
# What it does: builds the release binary (cargo build --release --locked,
# honouring CARGO_TARGET_DIR) and measures a copy of it (DIR/vigie), makes
# JSON Lines inputs of about 10 MB, 100 MB and 1 GB from the corpus
# (data/corpus/*.jsonl, course and report items interleaved, repeated with
# distinct ids; reused while the corpus is unchanged) and one plain-text
# document of about 200 MB (the corpus texts, one after another, repeated),
# then prints a table of
# figures with their targets and PASS/FAIL. The table is also written to
# DIR/results.txt. Throughputs are in MB/s of *text* (the "text" fields,
# UTF-8 bytes, 1 MB = 10^6 bytes), not of JSONL file bytes; rows marked "per
# CPU second" divide by user + sys time instead of wall time, which other
# processes on the machine disturb less. No network access beyond what cargo
# needs to build. Needs python3; uses GNU time (/usr/bin/time) and hyperfine
# when installed.
set -euo pipefail

die() { echo "bench.sh: $*" >&2; exit 1; }

quick=0
strict=0
runs=3
out=bench-out
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1 ;;
    --strict) strict=1 ;;
    --runs) [[ $# -ge 2 ]] || die "--runs needs a number"; runs=$2; shift ;;
    --out) [[ $# -ge 2 ]] || die "--out needs a directory"; out=$2; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
  shift
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer, not '$runs'"

command -v python3 >/dev/null 2>&1 || die "python3 is required (it generates the inputs and does the arithmetic); install it and retry"
command -v cargo >/dev/null 2>&1 || die "cargo is required"

# Run from the repository root whatever the current directory.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -f Cargo.toml && -d data/corpus ]] || die "cannot find the vigie repository root"
grep -q '^name = "vigie"' Cargo.toml || die "$(pwd) is not the vigie repository"
have_time=0
[[ -x /usr/bin/time ]] && /usr/bin/time -f %M true >/dev/null 2>&1 && have_time=1
have_hyperfine=0
command -v hyperfine >/dev/null 2>&1 && have_hyperfine=1

mkdir -p "$out"
load_start=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)

# ---------------------------------------------------------------- build
echo "==> cargo build --release --locked" >&2
cargo build --release --locked >&2
built="${CARGO_TARGET_DIR:-target}/release/vigie"
[[ -x "$built" ]] || die "$built was not built"
# Measure a private copy: a cargo build running meanwhile (another checkout
# sharing target/, an editor) cannot swap the binary in the middle of a run.
bin="$out/vigie"
cp -f "$built" "$bin"
bin_sha=$(sha256sum "$bin" | cut -c1-12)

# ---------------------------------------------------------------- inputs
# make_input SIZE_BYTES FILE [jsonl|text]: writes FILE and FILE.meta
# ("records text_bytes file_bytes corpus_sha256 size") from the corpus, course
# and report items interleaved and repeated: as JSON Lines with distinct ids
# (the default), or as ONE plain-text document of the texts separated by
# blank lines. Reuses both when the corpus and the size are unchanged.
make_input() {
  python3 - "$1" "$2" "${3:-jsonl}" <<'PY'
import glob, hashlib, json, os, sys
target, path, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
files = sorted(glob.glob("data/corpus/*.jsonl"))
if not files:
    sys.exit("bench.sh: no data/corpus/*.jsonl")
h = hashlib.sha256()
for f in files:
    with open(f, "rb") as fh:
        h.update(fh.read())
sha = h.hexdigest()
meta = path + ".meta"
if os.path.exists(path) and os.path.exists(meta):
    with open(meta) as m:
        parts = m.read().split()
    if len(parts) == 5 and parts[3] == sha and parts[4] == str(target) \
            and os.path.getsize(path) == int(parts[2]):
        print(f"reusing {path}", file=sys.stderr)
        sys.exit(0)
courses, reports = [], []
for f in files:
    with open(f, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            o = json.loads(line)
            kind = o.get("kind") or "course"
            (reports if kind == "report" else courses).append((str(o["id"]), kind, o["text"]))
mixed = []
for i in range(max(len(courses), len(reports))):
    mixed += [x for x in (courses[i:i + 1] + reports[i:i + 1])]
tmp = path + ".tmp"
if mode == "text":
    block = "".join(text + "\n\n" for _, _, text in mixed).encode("utf-8")
    size = 0
    with open(tmp, "wb", buffering=1 << 20) as out:
        while size < target:
            out.write(block)
            size += len(block)
    records, text_bytes, file_bytes = 1, size, size
    done = f"one document of {size} bytes"
else:
    # Pre-encode each record after its id; only the id changes between repeats.
    enc = []
    for rid, kind, text in mixed:
        tail = (', "kind": ' + json.dumps(kind) + ', "text": '
                + json.dumps(text, ensure_ascii=False) + "}\n").encode("utf-8")
        enc.append((rid, tail, len(text.encode("utf-8"))))
    records = text_bytes = file_bytes = 0
    rep = 0
    with open(tmp, "wb", buffering=1 << 20) as out:
        while file_bytes < target:
            for rid, tail, tlen in enc:
                head = ('{"id": ' + json.dumps(f"{rid}-r{rep}")).encode("utf-8")
                out.write(head)
                out.write(tail)
                records += 1
                text_bytes += tlen
                file_bytes += len(head) + len(tail)
                if file_bytes >= target:
                    break
            rep += 1
    done = f"{records} records, {text_bytes} text bytes, {file_bytes} file bytes"
os.replace(tmp, path)
with open(meta, "w") as m:
    m.write(f"{records} {text_bytes} {file_bytes} {sha} {target}\n")
print(f"wrote {path}: {done}", file=sys.stderr)
PY
}

f10="$out/corpus-10MB.jsonl"
f100="$out/corpus-100MB.jsonl"
f1g="$out/corpus-1GB.jsonl"
echo "==> making inputs in $out/" >&2
make_input 10000000 "$f10"
make_input 100000000 "$f100"
[[ $quick -eq 1 ]] || make_input 1000000000 "$f1g"
fdoc="$out/corpus-200MB-one-document.txt"
make_input 200000000 "$fdoc" text
text_bytes() { cut -d' ' -f2 "$1.meta"; }
n_records() { cut -d' ' -f1 "$1.meta"; }

# A short document for the cold start.
short="$out/short.txt"
printf '%s\n' "Formation en biokinergie : libérez les enroulements tissulaires de vos patients, niveau 1 du cursus certifiant, ouvert à tous sans prérequis." >"$short"

# ---------------------------------------------------------------- helpers
calc() { python3 -c "import sys; print($1)"; }
now_ns() { date +%s%N; }

# run_ns CMD...: wall time of CMD in ns; its stdout goes to /dev/null and its
# stderr to $out/last-stderr.txt (no progress bar drawn while timing); dies on
# failure, showing that stderr.
run_ns() {
  local t0 t1 st=0
  t0=$(now_ns)
  "$@" >/dev/null 2>"$out/last-stderr.txt" || st=$?
  t1=$(now_ns)
  if [[ $st -ne 0 ]]; then
    cat "$out/last-stderr.txt" >&2
    die "command failed (status $st): $*"
  fi
  echo $((t1 - t0))
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# one_run FILE THREADS LABEL: scores FILE as JSON Lines and prints "NS CPU":
# wall time in ns and CPU time in s (user + sys of all the process's
# threads; "n/a" without GNU time). CPU time is less sensitive to other
# processes competing for the cores.
one_run() {
  local file=$1 threads=$2 label=$3 t c=n/a
  if [[ $have_time -eq 1 ]]; then
    t=$(run_ns /usr/bin/time -f '%U %S' -o "$out/cpu.txt" "$bin" score --input jsonl --threads "$threads" "$file")
    c=$(awk '{print $1 + $2}' "$out/cpu.txt")
  else
    t=$(run_ns "$bin" score --input jsonl --threads "$threads" "$file")
  fi
  echo "    $file, $threads thread(s), $label: $(calc "round($t/1e9, 2)") s wall, $c s CPU" >&2
  echo "$t $c"
}

# tp_wall BYTES NS...: MB/s of BYTES of text in the median of the wall times
# NS (ns). tp_cpu BYTES S...: the same for CPU times in seconds ("n/a" when
# they are).
tp_wall() {
  local tb=$1
  shift
  calc "round($tb / 1e6 / ($(median "$@") / 1e9), 2)"
}
tp_cpu() {
  local tb=$1
  shift
  if [[ " $* " == *" n/a "* ]]; then echo n/a; return; fi
  calc "round($tb / 1e6 / $(median "$@"), 2)"
}

rows=()
fails=0
# row LABEL FIGURE UNIT TARGET_TEXT [PYTHON_CONDITION]: no condition, no verdict.
row() {
  local verdict=""
  if [[ -z "${5:-}" ]]; then
    verdict=""
  elif [[ "$2" == "n/a" ]]; then
    verdict=SKIP
  elif [[ $(calc "$5") == True ]]; then
    verdict=PASS
  else
    verdict=FAIL
    fails=$((fails + 1))
  fi
  rows+=("$(printf '%-46s %12s %-6s %-14s %s' "$1" "$2" "$3" "$4" "$verdict")")
}

# ---------------------------------------------------------------- sanity
echo "==> sanity: output records = input records on $f10" >&2
got=$("$bin" score --input jsonl "$f10" | wc -l)
[[ "$got" -eq "$(n_records "$f10")" ]] || die "$f10: $got output records for $(n_records "$f10") input records"

# ---------------------------------------------------------------- (a) (b)
# One-thread and two-thread runs alternate, and the ratio is the median of
# the pairs' ratios: this machine's speed drifts by a quarter over tens of
# seconds (the same binary took 2.5 to 3.6 s on the 100 MB file within a
# few minutes), and all the runs of one kind before all the runs of the
# other turned that drift into the ratio.
echo "==> (a) one thread and (b) two threads, 100 MB, alternately" >&2
tb100=$(text_bytes "$f100")
w1=() c1=() w2=() c2=() ratios=()
for ((i = 1; i <= runs; i++)); do
  read -r t c <<<"$(one_run "$f100" 1 "pair $i/$runs")"
  read -r u d <<<"$(one_run "$f100" 2 "pair $i/$runs")"
  w1+=("$t") c1+=("$c") w2+=("$u") c2+=("$d") ratios+=("$(calc "$t / $u")")
done
tp1=$(tp_wall "$tb100" "${w1[@]}")
tp1cpu=$(tp_cpu "$tb100" "${c1[@]}")
tp2=$(tp_wall "$tb100" "${w2[@]}")
tp2cpu=$(tp_cpu "$tb100" "${c2[@]}")
ratio=$(calc "round($(median "${ratios[@]}"), 2)")

# ---------------------------------------------------------------- (c)
echo "==> (c) cold start, 20 runs" >&2
if [[ $have_hyperfine -eq 1 ]]; then
  hyperfine --warmup 3 --runs 20 --export-json "$out/cold.json" \
    "$bin score --input text $short" >/dev/null
  cold_ms=$(python3 -c "import json; print(round(json.load(open('$out/cold.json'))['results'][0]['median']*1e3, 1))")
  cold_how="hyperfine, median of 20"
else
  for _ in 1 2 3; do run_ns "$bin" score --input text "$short" >/dev/null; done # warm-up
  ns=()
  for _ in $(seq 20); do ns+=("$(run_ns "$bin" score --input text "$short")"); done
  cold_ms=$(calc "round($(median "${ns[@]}") / 1e6, 1)")
  cold_how="bash loop, median of 20"
fi

# ---------------------------------------------------------------- (d) (e)
if [[ $quick -eq 1 ]]; then big=$f100; big_label="100 MB (--quick)"; else big=$f1g; big_label="1 GB"; fi
echo "==> (d) peak RSS streaming $big_label, default threads" >&2
if [[ $have_time -eq 1 ]]; then
  /usr/bin/time -f '%M %e' -o "$out/time.txt" "$bin" score --input jsonl "$big" \
    >/dev/null 2>"$out/last-stderr.txt" \
    || { cat "$out/last-stderr.txt" >&2; die "vigie score failed on $big"; }
  rss_mb=$(calc "round($(cut -d' ' -f1 "$out/time.txt") * 1024 / 1e6, 1)")
  tpd=$(calc "round($(text_bytes "$big") / 1e6 / $(cut -d' ' -f2 "$out/time.txt"), 2)")
else
  tpd=n/a
  echo "    /usr/bin/time (GNU time) not found: peak RSS skipped" >&2
  rss_mb=n/a
fi

# The 10 MB runs are split around the 1 GB run (as many after it as
# before), so that their median samples the period the long run spans and
# not only the minute before it (see (a) (b) on drift).
echo "==> (e) throughput at 10 MB vs $big_label, one thread" >&2
tb10=$(text_bytes "$f10")
w10=() c10=()
ten_mb_runs() {
  local t c
  for ((i = 1; i <= runs; i++)); do
    read -r t c <<<"$(one_run "$f10" 1 "$1 $i/$runs")"
    w10+=("$t") c10+=("$c")
  done
}
ten_mb_runs "before"
if [[ $quick -eq 1 ]]; then
  tpbig=$tp1 tpbigcpu=$tp1cpu
else
  read -r t c <<<"$(one_run "$f1g" 1 "run 1/1")"
  tb1g=$(text_bytes "$f1g")
  tpbig=$(tp_wall "$tb1g" "$t")
  tpbigcpu=$(tp_cpu "$tb1g" "$c")
fi
ten_mb_runs "after"
tp10=$(tp_wall "$tb10" "${w10[@]}")
tp10cpu=$(tp_cpu "$tb10" "${c10[@]}")
diff_pct=$(calc "round(($tpbig - $tp10) / $tp10 * 100, 1)")

# ---------------------------------------------------------------- (g)
echo "==> (g) peak RSS scoring one 200 MB text document, --input text" >&2
if [[ $have_time -eq 1 ]]; then
  /usr/bin/time -f '%M %e %U %S' -o "$out/time-doc.txt" "$bin" score --input text "$fdoc" \
    >"$out/doc-result.json" 2>"$out/last-stderr.txt" \
    || { cat "$out/last-stderr.txt" >&2; die "vigie score failed on $fdoc"; }
  doc_rss_mb=$(calc "round($(cut -d' ' -f1 "$out/time-doc.txt") * 1024 / 1e6, 1)")
  doc_tp=$(calc "round($(text_bytes "$fdoc") / 1e6 / $(cut -d' ' -f2 "$out/time-doc.txt"), 2)")
  doc_tpcpu=$(awk -v b="$(text_bytes "$fdoc")" '{printf "%.2f", b / 1e6 / ($3 + $4)}' "$out/time-doc.txt")
else
  echo "    /usr/bin/time (GNU time) not found: peak RSS skipped" >&2
  doc_rss_mb=n/a doc_tp=n/a doc_tpcpu=n/a
fi

# ---------------------------------------------------------------- (f)
if [[ $quick -eq 0 ]]; then
  echo "==> (f) training" >&2
  t0=$(now_ns)
  "$bin" train --out "$out/model.vigie" >"$out/train.log" 2>&1 \
    || die "vigie train failed, see $out/train.log"
  t1=$(now_ns)
  train_s=$(calc "round($((t1 - t0)) / 1e9, 1)")
  if cmp -s "$out/model.vigie" models/default.vigie; then same=yes; else same=no; fi
else
  train_s=n/a
fi

# ---------------------------------------------------------------- table
row "(a) score, 1 thread, 100 MB" "$tp1" "MB/s" ">= 50" "$tp1 >= 50"
row "    same, per CPU second (user+sys)" "$tp1cpu" "MB/s" ""
row "(b) score, 2 threads, 100 MB" "$tp2" "MB/s" ""
row "    same, per CPU second (user+sys)" "$tp2cpu" "MB/s" ""
row "    ratio 2 threads / 1 thread" "$ratio" "x" ">= 1.8" "$ratio >= 1.8"
row "(c) cold start, one short text" "$cold_ms" "ms" "<= 30" "$cold_ms <= 30"
row "(d) peak RSS, $big_label, default threads" "$rss_mb" "MB" "<= 100" "$rss_mb <= 100"
row "    score, default threads, $big_label" "$tpd" "MB/s" ""
row "(e) score, 1 thread, 10 MB" "$tp10" "MB/s" ""
slowest10=$(printf '%s\n' "${w10[@]}" | sort -n | tail -1)
fastest10=$(printf '%s\n' "${w10[@]}" | sort -n | head -1)
row "    10 MB runs, slowest / fastest (wall)" "$(tp_wall "$tb10" "$slowest10") / $(tp_wall "$tb10" "$fastest10")" "MB/s" ""
row "    score, 1 thread, $big_label" "$tpbig" "MB/s" ""
row "    per CPU second: 10 MB / $big_label" "$tp10cpu / $tpbigcpu" "MB/s" ""
row "    difference $big_label vs 10 MB" "$diff_pct" "%" "within 10" "abs($diff_pct) <= 10"
row "(g) peak RSS, one 200 MB text document" "$doc_rss_mb" "MB" "<= 100" "$doc_rss_mb <= 100"
row "    score it (one document: one thread)" "$doc_tp" "MB/s" ""
row "    same, per CPU second (user+sys)" "$doc_tpcpu" "MB/s" ""
row "(f) vigie train (5-fold CV + fit)" "$train_s" "s" "<= 60" "$train_s <= 60"

cpu=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)
[[ -n "$cpu" ]] || cpu=$(uname -m)
if [[ "$(git rev-parse --show-toplevel 2>/dev/null)" == "$(pwd -P)" ]]; then
  rev=$(git rev-parse --short HEAD)
  git diff --quiet HEAD -- src models data Cargo.toml Cargo.lock || rev="$rev + uncommitted changes"
else
  rev="not a git checkout"
fi
{
  echo "vigie speed and scale — $(date '+%Y-%m-%d %H:%M:%S %z')"
  echo "machine: $(nproc) CPU(s), $cpu; load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"
  echo "build: $rev; $(rustc -V 2>/dev/null || echo rustc ?); $bin (copy of $built, sha256 $bin_sha)"
  load_end=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
  if [[ $(calc "max($load_start, $load_end) > 0.5 * $(nproc)") == True ]]; then
    echo "WARNING: load average $load_start at start, $load_end at end, on $(nproc) CPU(s): other processes competed for the cores; wall-time figures are pessimistic (see the per-CPU-second rows)"
  fi
  echo "inputs: $f10 ($(n_records "$f10") records, $(text_bytes "$f10") text bytes), $f100 ($(n_records "$f100") records, $(text_bytes "$f100") text bytes), $fdoc (one document, $(text_bytes "$fdoc") bytes)$([[ $quick -eq 1 ]] || echo ", $f1g ($(n_records "$f1g") records, $(text_bytes "$f1g") text bytes)")"
  echo "MB = 10^6 bytes; throughput = text bytes / wall time (median of $runs run(s), one- and two-thread runs alternating; 10 MB: $([[ $quick -eq 1 ]] && echo "$((2 * runs)) run(s)" || echo "$runs run(s) before the 1 GB run and $runs after; 1 GB: 1 run")); ratio (b): median of the pairs' ratios; cold start: $cold_how"
  echo
  printf '%-46s %12s %-6s %-14s %s\n' "measure" "figure" "unit" "target" "verdict"
  printf '%s\n' "${rows[@]}"
  [[ $quick -eq 1 ]] || echo "training: model identical to models/default.vigie: $same (log: $out/train.log)"
  echo
  echo "$fails row(s) failed"
} | tee "$out/results.txt"

if [[ $strict -eq 1 && $fails -gt 0 ]]; then exit 1; fi
exit 0
