#!/usr/bin/env python3
"""Paired ratios from lock-contention.sh's RESULT lines: per backend and build, throughput with 400 waiters over
throughput with 8 in the same trial; and per backend and waiter count, the new build over the old in the same trial.
Median and range (min-max) over the trials."""
import re
import statistics
import sys
from collections import defaultdict

rows = []
for line in open(sys.argv[1]):
    fields = dict(re.findall(r"(\w+)=(\S+)", line))
    if fields:
        rows.append(fields)
tput = {}
timeouts = {}
exact = defaultdict(list)
for r in rows:
    k = (r["label"], r["backend"], int(r["waiters"]), int(r["trial"]))
    tput[k] = float(r["perSecond"])
    timeouts[k] = int(r["timeouts"])
    exact[(r["label"], r["backend"])].append(r["exact"])
labels = sorted({k[0] for k in tput})
backends = sorted({k[1] for k in tput})
trials = sorted({k[3] for k in tput})


def summary(values):
    return "%.2f (%.2f-%.2f)" % (statistics.median(values), min(values), max(values)) if values else "n/a"


print("\n| backend | build | per second, 8 waiters: median (range) | 400 waiters | timeouts 8 / 400 (sum) |"
      " 400/8 paired ratio: median (range) | counter exact |")
print("|---|---|---|---|---|---|---|")
for b in backends:
    for l in labels:
        t8 = [tput[(l, b, 8, t)] for t in trials if (l, b, 8, t) in tput]
        t400 = [tput[(l, b, 400, t)] for t in trials if (l, b, 400, t) in tput]
        ratios = [tput[(l, b, 400, t)] / tput[(l, b, 8, t)] for t in trials
                  if (l, b, 400, t) in tput and tput.get((l, b, 8, t), 0) > 0]
        to8 = sum(timeouts.get((l, b, 8, t), 0) for t in trials)
        to400 = sum(timeouts.get((l, b, 400, t), 0) for t in trials)
        ok = "yes" if all(e == "true" for e in exact[(l, b)]) else "NO"
        print("| %s | %s | %s | %s | %d / %d | %s | %s |" % (b, l, summary(t8), summary(t400), to8, to400,
                                                           summary(ratios), ok))
if "before" in labels and "after" in labels:
    print("\n| backend | waiters | after/before paired ratio: median (range) |")
    print("|---|---|---|")
    for b in backends:
        for w in (8, 400):
            ratios = [tput[("after", b, w, t)] / tput[("before", b, w, t)] for t in trials
                      if ("after", b, w, t) in tput and tput.get(("before", b, w, t), 0) > 0]
            print("| %s | %d | %s |" % (b, w, summary(ratios)))
