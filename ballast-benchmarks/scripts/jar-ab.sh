#!/usr/bin/env bash
# Before/after A/B of one JMH benchmark between two builds of benchmarks.jar (e.g. main and a branch): one fresh fork
# per jar per trial, order alternating (before-after, after-before, ...), 5 trials, the score of each printed per trial.
# Run it holding the machine's lock on a shared machine: serial ballast-benchmarks/scripts/jar-ab.sh ...
#
#   BEFORE_JAR=/tmp/before.jar AFTER_JAR=/tmp/after.jar jar-ab.sh <benchmark regex> <subject> [extra JMH args]
set -u
J=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
bench=$1; subject=$2; shift 2
for t in 1 2 3 4 5; do
  if [ $((t % 2)) = 1 ]; then order="before after"; else order="after before"; fi
  line="trial $t:"
  for side in $order; do
    if [ $side = before ]; then jar=$BEFORE_JAR; else jar=$AFTER_JAR; fi
    s=$($J -jar "$jar" "$bench" -p subject="$subject" -f 1 -wi 2 -w 1 -i 3 -r 1 "$@" 2>/dev/null \
      | awk '/^Benchmark/{h=1;next} h&&NF>4{print $(NF-3); exit}')
    line="$line $side=$s"
  done
  echo "$line (load $(cut -d' ' -f1 /proc/loadavg))"
done
