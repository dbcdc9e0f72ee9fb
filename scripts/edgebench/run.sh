#!/usr/bin/env bash
# scripts/edgebench/run.sh [BEFORE_TREE]: the HTTP server against its floors with wrk (64
# keep-alive connections, 1 KiB drops, 2 threads), side by side in one run, rounds alternating
# (ROUNDS, 3; DURATION, 5s each): into MinIO against a bare net/http + PutObject server, into a
# folder against a naive durable write (see main.go); with BEFORE_TREE (a worktree of an
# earlier commit), that commit's server too. Prints each round, then the medians and ratios.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -n "${MINIO_PID:-}" ] && scripts/minio stop "$MINIO_PID" "$MINIO_DATA" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/after" ./cmd/s3-dropbox
go build -o "$work/floor" ./scripts/edgebench
kinds=(after)
if [ -n "${1:-}" ]; then
	(cd "$1" && go build -o "$work/before" ./cmd/s3-dropbox)
	kinds+=(before)
fi
read -r EDGEBENCH_TOKEN auth < <("$work/floor" -tokens)
read -r EDGEBENCH_CDN_TOKEN cdn < <("$work/floor" -tokens)
export EDGEBENCH_TOKEN EDGEBENCH_CDN_TOKEN
eval "$(scripts/minio start)"
eval "$(scripts/minio s3-env drops)"
common=(AUTH_TOKEN="$auth" CDN_TOKEN="$cdn" CDN_TOKEN_HTTP_HEADER_NAME=x-cdn-token DRAIN=0s)
port=18600
declare -A url
serve() { # name storage cmd...
	local name=$1; shift
	port=$((port + 1))
	env "${common[@]}" ADDR=127.0.0.1:$port "$@" >/dev/null 2>"$work/$name.err" &
	pids+=($!)
	url[$name]=http://127.0.0.1:$port/v1/drop
}
for k in "${kinds[@]}"; do
	serve "$k-s3" "$work/$k"
	mkdir -p "$work/$k-fs"
	serve "$k-fs" STORAGE=filesystem STORAGE_DIR="$work/$k-fs" "$work/$k"
done
port=$((port + 1)); "$work/floor" -addr 127.0.0.1:$port -s3 "$BUCKET" 2>"$work/floor-s3.err" & pids+=($!); url[floor-s3]=http://127.0.0.1:$port/v1/drop
mkdir -p "$work/floor-fs"
port=$((port + 1)); "$work/floor" -addr 127.0.0.1:$port -dir "$work/floor-fs" 2>"$work/floor-fs.err" & pids+=($!); url[floor-fs]=http://127.0.0.1:$port/v1/drop
sleep 2 # the servers listen; wrk retries nothing
declare -A runs
for r in $(seq 1 "$ROUNDS"); do
	for name in floor-s3 "${kinds[@]/%/-s3}" floor-fs "${kinds[@]/%/-fs}"; do
		out=$(wrk -t2 -c64 -d"$DURATION" -s scripts/edgebench/post.lua "${url[$name]}")
		rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
		bad=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
		echo "round $r $name ${rps} req/s ${bad:+($bad non-2xx)}"
		runs[$name]+="$rps "
	done
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "date $(date -u +%F) rounds $ROUNDS duration $DURATION"
for s in s3 fs; do
	f=$(median "${runs[floor-$s]}")
	for k in "${kinds[@]}"; do
		m=$(median "${runs[$k-$s]}")
		echo "$k-$s median $m req/s, floor $f: $(awk -v a="$m" -v b="$f" 'BEGIN {printf "%.2f", a/b}')x"
	done
done
