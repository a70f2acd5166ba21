#!/usr/bin/env bash
# Before/after A/B of the cross-instance stampede (StampedeHarness, 4 child JVMs x 250 requests, 20 measured
# stampedes after 10 warm-up ones) between two builds of benchmarks.jar: per trial both jars, order alternating
# (before-after, after-before, ...), 5 trials; each run measures Ballast and Caffeine alone, their order alternating
# too, so every run gives its own paired p99 ratio. Hold the machine's lock: serial ballast-benchmarks/scripts/stampede-ab.sh
#
#   BEFORE_JAR=/tmp/before.jar AFTER_JAR=/tmp/after.jar stampede-ab.sh [redisPort=6379]
set -u
J=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
port=${1:-6379}
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs, $($J -version 2>&1 | head -1)"
for t in 1 2 3 4 5; do
  if [ $((t % 2)) = 1 ]; then order="before after"; subjects=ballast,caffeine; else order="after before"; subjects=caffeine,ballast; fi
  for side in $order; do
    if [ $side = before ]; then jar=$BEFORE_JAR; else jar=$AFTER_JAR; fi
    out=$($J -cp "$jar" dev.ballast.bench.cache.StampedeHarness jvms 20 4 250 "$port" $subjects 2>/dev/null \
      | grep -E '^\| (ballast|caffeine) ')
    ratio=$(echo "$out" | awk -F'|' '{gsub(/ /,"",$2); p[$2]=$6} END {if (p["caffeine"] > 0) printf "%.2f", p["ballast"] / p["caffeine"]}')
    echo "trial $t $side: $(echo "$out" | awk -F'|' '{printf "%s p50=%s p99=%s max=%s; ", $2, $5, $6, $7}')p99 ballast / caffeine = $ratio (load $(cut -d' ' -f1 /proc/loadavg))"
  done
done
