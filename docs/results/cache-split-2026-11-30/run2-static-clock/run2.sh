#!/usr/bin/env bash
# Before (main 1e07b28) / after2 (split + static coarse clock read on the hit path), alternating, same session.
set -u
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
O=/tmp/cache-bench/out2
cd /tmp/cache-bench
echo "start $(date -u +%FT%TZ) $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo)" | tee $O/meta.txt
for r in 1 2 3; do
  if [ $((r % 2)) -eq 1 ]; then order="before after2"; else order="after2 before"; fi
  for v in $order; do
    jar=$(ls $v*.jar | head -1)
    [ $v = before ] && jar=before-1e07b28.jar
    echo "== L1 round $r $v ($jar) $(date -u +%T)" | tee -a $O/meta.txt
    timeout 600 $J -jar $jar L1HitBenchmark -rf json -rff $O/l1-$v-r$r.json > $O/l1-$v-r$r.txt 2>&1
    echo "== L2 round $r $v ($jar) $(date -u +%T)" | tee -a $O/meta.txt
    timeout 600 $J -jar $jar L2HitBenchmark -rf json -rff $O/l2-$v-r$r.json > $O/l2-$v-r$r.txt 2>&1
  done
done
echo "end $(date -u +%FT%TZ)" | tee -a $O/meta.txt
