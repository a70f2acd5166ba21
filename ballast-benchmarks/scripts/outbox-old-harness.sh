#!/usr/bin/env bash
# The outbox benchmarks as they were run before issue 18 (the "old harness"), for the before/after table in
# docs/benchmarks.md: append with raw always before Ballast; the relay drained with asynchronous commits after a
# VACUUM ANALYZE the peers did not get, timed to a 20 ms poll; Modulith through FailedEventPublications.resubmit with a
# COUNT(*) between calls; Namastack first-to-last handled record. Same jar and machine as the fair suite.
#
#   ballast-benchmarks/scripts/outbox-old-harness.sh [backlog=20000] [trials=5]   (run it under `serial` on a shared machine)
set -euo pipefail
backlog=${1:-20000}
trials=${2:-5}
java=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
jar=${JAR:-ballast-benchmarks/target/benchmarks.jar}
echo "# old outbox harness, $(date -u +%FT%TZ), cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $($java -version 2>&1 | head -1)"
"$java" -cp "$jar" dev.ballast.bench.outbox.OutboxHarness "$trials" 4 "$backlog" 0 append,drain 2>/dev/null
"$java" -cp "$jar" dev.ballast.bench.outbox.GruelboxDrain "$backlog" 2>/dev/null
"$java" -cp "$jar" dev.ballast.bench.outbox.NamastackDrain "$backlog" 2>/dev/null
"$java" -cp "$jar" dev.ballast.bench.outbox.ModulithDrain "$backlog" 2>/dev/null
