#!/usr/bin/env bash
# Issue 15 item 11: lock throughput with 8 vs 400 waiters on one key over 2 instances, an old and a new build in the
# same run. Each trial runs both builds (alternating which goes first) and, within a build, both waiter counts
# (alternating which goes first), on every backend. Prints the raw RESULT lines and the paired ratios.
#
#   scripts/lock-contention.sh <before.jar> <after.jar> [trials] [backends] [warmupSeconds] [measureSeconds] [workMillis]
#
# Run it under `serial` on a shared machine; it needs PostgreSQL on 127.0.0.1:5432 (db test) and Redis on 6379.
set -euo pipefail
before=$1
after=$2
trials=${3:-5}
backends=${4:-jdbc,advisory,redis}
warmup=${5:-2}
measure=${6:-5}
work=${7:-4}
java=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
out=$(mktemp)
main=dev.ballast.bench.lock.LockContentionHarness
echo "# work ${work} ms per deposit, warm-up ${warmup} s, window ${measure} s, backends ${backends}"
echo "# $(date -u +%FT%TZ) cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $($java -version 2>&1 | head -1)"
for trial in $(seq 1 "$trials"); do
  if (( trial % 2 )); then order="before after"; sizes="8,400"; else order="after before"; sizes="400,8"; fi
  for label in $order; do
    jar=$before; [ "$label" = after ] && jar=$after
    "$java" -Xmx1g -cp "$jar" "$main" "$label" "$backends" "$sizes" "$warmup" "$measure" "$work" 2>/dev/null \
      | grep --line-buffered '^RESULT' | sed -u "s/^RESULT /RESULT trial=$trial /" | tee -a "$out"
  done
done
python3 "$(dirname "$0")/lock-contention-table.py" "$out"
