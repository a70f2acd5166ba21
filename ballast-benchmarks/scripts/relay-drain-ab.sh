#!/usr/bin/env bash
# The relay drain of two commits, paired: RelayDrainOnce.java (the headline drain's Ballast subject, compiled against
# each commit's benchmarks jar) for commit A and commit B, one fresh JVM per run, order alternating per trial (A B,
# B A, A B, ...: ABBA), after one discarded warm-up pair. Each run takes the machine lock (`serial`) on its own. Prints the machine, every run, and per
# thread count the medians and the median paired ratio B/A with min-max.
#
#   ballast-benchmarks/scripts/relay-drain-ab.sh <jarA> <labelA> <jarB> <labelB> [trials=6] [backlog=20000] [threads="1 4"]
set -euo pipefail
jar_a=$1 label_a=$2 jar_b=$3 label_b=$4
trials=${5:-6} backlog=${6:-20000} thread_counts=${7:-1 4}
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
here=$(cd "$(dirname "$0")" && pwd)
lock=(); [ -z "${AB_NO_LOCK:-}" ] && command -v serial >/dev/null 2>&1 && lock=(serial)
echo "# relay drain, $label_a (A) vs $label_b (B), backlog $backlog, trials $trials, $(date -u +%FT%TZ)"
echo "# cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $("$JAVA" -version 2>&1 | head -1)"
echo "# postgres: $(psql -h 127.0.0.1 -U postgres -d test -Atc 'show server_version' 2>/dev/null || echo '?')"
javac=$(dirname "$JAVA")/javac
classes=$(mktemp -d)
trap 'rm -rf "$classes"' EXIT
for side in A B; do
  jar=$jar_a; [ $side = B ] && jar=$jar_b
  mkdir -p "$classes/$side" && cp "$jar" "$classes/$side/benchmarks.jar" # a copy: a rebuild meanwhile changes nothing
  "$javac" -nowarn -cp "$classes/$side/benchmarks.jar" -d "$classes/$side" "$here/RelayDrainOnce.java"
done
run() {
  "${lock[@]}" "$JAVA" -Xmx1g -cp "$classes/$1/benchmarks.jar:$classes/$1" dev.ballast.bench.outbox.RelayDrainOnce \
    "$backlog" "$2" 2>/dev/null | tail -1
}
for threads in $thread_counts; do
  echo "## $threads relay thread(s)"
  for trial in $(seq 0 "$trials"); do
    if [ $((trial % 2)) -eq 0 ]; then order="A B"; else order="B A"; fi
    for side in $order; do
      value=$(run "$side" "$threads")
      echo "threads=$threads trial=$trial side=$side events_per_s=$value$([ "$trial" -eq 0 ] && echo ' (warm-up, discarded)')"
    done
  done
done | tee "$classes/runs.txt"
python3 - "$classes/runs.txt" "$label_a" "$label_b" <<'PY'
import re, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    m = re.match(r"threads=(\d+) trial=(\d+) side=(\w) events_per_s=([\d.]+)", line)
    if m and m.group(2) != "0":
        runs.setdefault(int(m.group(1)), {}).setdefault(int(m.group(2)), {})[m.group(3)] = float(m.group(4))
print()
print("| relay threads | %s events/s median (min-max) | %s events/s median (min-max) | B/A median paired ratio | min-max | trials |"
      % (sys.argv[2], sys.argv[3]))
print("|---:|---:|---:|---:|---:|---:|")
for threads, trials in sorted(runs.items()):
    a = [t["A"] for t in trials.values()]
    b = [t["B"] for t in trials.values()]
    ratios = [t["B"] / t["A"] for t in trials.values()]
    print("| %d | %.0f (%.0f-%.0f) | %.0f (%.0f-%.0f) | %.3f | %.3f-%.3f | %d |" % (
        threads, statistics.median(a), min(a), max(a), statistics.median(b), min(b), max(b),
        statistics.median(ratios), min(ratios), max(ratios), len(ratios)))
PY
