#!/usr/bin/env python3
"""Quick self-check for corpus writers: schema, near-duplicates, shared 7-word runs.

Usage: python3 scripts/corpus_check.py data/corpus/*.jsonl
The authoritative checks are the Rust tests (tests/corpus.rs); this mirrors them
so that writers get feedback without building the crate.
"""
import collections, json, re, sys

WORD = re.compile(r"\w+", re.UNICODE)
KINDS = {"course", "report"}
LABELS = {"flag", "clear"}

def words(t):
    return [w.lower() for w in WORD.findall(t)]

def main(paths):
    items, errors = [], 0
    ids = set()
    for p in paths:
        for n, line in enumerate(open(p, encoding="utf-8"), 1):
            if not line.strip():
                continue
            try:
                o = json.loads(line)
            except Exception as e:
                print(f"{p}:{n}: bad JSON: {e}"); errors += 1; continue
            where = f"{p}:{n}"
            for k in ("id", "kind", "text", "label", "priority", "practices", "tags"):
                if k not in o:
                    print(f"{where}: missing field {k}"); errors += 1
            if o.get("id") in ids:
                print(f"{where}: duplicate id {o.get('id')}"); errors += 1
            ids.add(o.get("id"))
            if o.get("kind") not in KINDS or o.get("label") not in LABELS:
                print(f"{where}: bad kind/label"); errors += 1
            pr = o.get("priority")
            if o.get("kind") == "report" and o.get("label") == "flag":
                if pr not in ("urgent", "normal"):
                    print(f"{where}: flagged report needs priority urgent|normal"); errors += 1
            elif pr is not None:
                print(f"{where}: priority must be null here"); errors += 1
            items.append((where, o))
    n = len(items)
    print(f"{n} items, {errors} schema errors")
    # near-duplicates: Jaccard of word 3-grams > 0.8
    sh = []
    for _, o in items:
        w = words(o["text"])
        sh.append(set(zip(w, w[1:], w[2:])))
    inv = collections.defaultdict(list)
    for i, s in enumerate(sh):
        for g in s:
            inv[g].append(i)
    pair = collections.Counter()
    for g, lst in inv.items():
        if len(lst) > 300:
            continue
        for a in range(len(lst)):
            for b in range(a + 1, len(lst)):
                pair[(lst[a], lst[b])] += 1
    dups = 0
    for (a, b), c in pair.items():
        j = c / (len(sh[a]) + len(sh[b]) - c)
        if j > 0.8:
            dups += 1
            print(f"NEAR-DUPLICATE ({j:.2f}): {items[a][0]} ~ {items[b][0]}")
    # templating: share a 7-word run with >= 10 other items
    inv7 = collections.defaultdict(set)
    runs = []
    for i, (_, o) in enumerate(items):
        w = words(o["text"])
        r = set(tuple(w[k:k + 7]) for k in range(len(w) - 6))
        runs.append(r)
        for g in r:
            inv7[g].add(i)
    common = {g for g, s in inv7.items() if len(s) >= 11}
    templated = [i for i, r in enumerate(runs) if r & common]
    pct = 100.0 * len(templated) / max(n, 1)
    print(f"near-duplicate pairs: {dups}; items sharing a 7-word run with >=10 others: {len(templated)} ({pct:.1f} %, must stay < 5 %)")
    for g in sorted(common, key=lambda g: -len(inv7[g]))[:15]:
        print(f"  common run ({len(inv7[g])} items): {' '.join(g)}")
    kinds = collections.Counter((o["kind"], o["label"]) for _, o in items)
    print("by kind/label:", dict(kinds))
    return 1 if errors or dups or pct >= 5 else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
