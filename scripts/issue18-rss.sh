#!/bin/sh
# Issue 18: peak RSS and wall time of `send --dry-run --json` on 1,000,000 rows of one number,
# median of 3 runs (GNU time). Run from anywhere inside the repository:
#
#	scripts/issue18-rss.sh            # builds ./cmd/smscast into a temporary directory
#	BIN=/path/to/smscast scripts/issue18-rss.sh   # measures that binary instead
#	LIST=/tmp/one-1m.csv scripts/issue18-rss.sh   # reuses (or writes there) the list
#	ROWS=200000 RUNS=5 scripts/issue18-rss.sh
#
# The target is under 200 MB. Needs /usr/bin/time (GNU) for "Maximum resident set size".
set -eu
cd "$(git rev-parse --show-toplevel)"
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
LIST=${LIST:-$work/one-$ROWS.csv}
if [ ! -s "$LIST" ]; then
	go run ./pkg/roster/internal/cmd/genlist -rows "$ROWS" -one 090-1234-5601 -o "$LIST"
fi
if [ -z "${BIN:-}" ]; then
	BIN=$work/smscast
	go build -o "$BIN" ./cmd/smscast
fi
mkdir -p "$work/run"
i=0
while [ "$i" -lt "$RUNS" ]; do
	rm -f "$work/run/j.db"*
	(cd "$work/run" && /usr/bin/time -f '%M %e' -o "$work/time.$i" \
		"$BIN" --journal "$work/run/j.db" send outage --to "$LIST" --dry-run --json >"$work/dry.json" 2>/dev/null)
	read -r kb s <"$work/time.$i"
	echo "run $((i + 1)): peak RSS $((kb / 1024)) MB, wall $s s"
	echo "$kb $s" >>"$work/all"
	i=$((i + 1))
done
mid=$(((RUNS + 1) / 2))
rss=$(cut -d' ' -f1 "$work/all" | sort -n | sed -n "${mid}p")
wall=$(cut -d' ' -f2 "$work/all" | sort -n | sed -n "${mid}p")
echo "median of $RUNS: peak RSS $((rss / 1024)) MB, wall $wall s ($ROWS rows of one number, $(nproc) cores)"
