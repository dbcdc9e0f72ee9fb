#!/usr/bin/env bash
# scripts/uploadbench/run.sh: a tus upload through the server into MinIO against the SDK's
# upload manager writing the same bytes to the same MinIO, side by side in one run, rounds
# alternating (ROUNDS, 3; UPLOAD_BENCH_BYTES, 1 GiB): BenchmarkUploadThroughServer (the whole
# file in one PATCH, 100 MiB and 5 MiB chunks) and BenchmarkUploadManager (5 parts at once, its
# default, and 1) of adapters/httpserver. Prints each round, then the medians and ratios. Needs MinIO (installed
# and started as ./scripts/test does).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3}
export UPLOAD_BENCH_BYTES=${UPLOAD_BENCH_BYTES:-1073741824}
eval "$(scripts/minio start)"
trap 'scripts/minio stop "$MINIO_PID" "$MINIO_DATA" >/dev/null 2>&1 || true' EXIT
go test -c -o "$MINIO_DATA/bench.test" ./adapters/httpserver
declare -A runs
names=("UploadThroughServer/chunk=all" "UploadThroughServer/chunk=100MiB" "UploadThroughServer/chunk=5MiB" "UploadManager/concurrency=5" "UploadManager/concurrency=1")
for r in $(seq 1 "$ROUNDS"); do
	for name in "${names[@]}"; do
		mbs=$("$MINIO_DATA/bench.test" -test.run '^$' -test.bench "^Benchmark${name%%/*}\$/^${name#*/}\$" -test.benchtime 1x | awk '/MB\/s/ {print $(NF-1)}')
		echo "round $r $name $mbs MB/s"
		runs[$name]+="$mbs "
	done
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "date $(date -u +%F) rounds $ROUNDS bytes $UPLOAD_BENCH_BYTES"
m5=$(median "${runs[UploadManager/concurrency=5]}")
m1=$(median "${runs[UploadManager/concurrency=1]}")
for name in "${names[@]}"; do
	m=$(median "${runs[$name]}")
	echo "$name median $m MB/s: $(awk -v a="$m" -v b="$m5" 'BEGIN {printf "%.2f", a/b}')x the manager at 5, $(awk -v a="$m" -v b="$m1" 'BEGIN {printf "%.2f", a/b}')x at 1"
done
