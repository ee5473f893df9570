#!/usr/bin/env bash
# The size gate: gzip -9 size of the initial download (wasm + JS + HTML + CSS) in dist/,
# against the budget in scripts/bundle-budget-kb (the one place it is kept).
set -euo pipefail
cd "$(dirname "$0")/.."
budget_kb=$(cat scripts/bundle-budget-kb)
total=0
for f in dist/*.wasm dist/*.js dist/*.html dist/*.css; do
	[ -e "$f" ] || continue
	size=$(gzip -9c "$f" | wc -c)
	printf '  %8d B  %s\n' "$size" "$f"
	total=$((total + size))
done
kb=$(((total + 1023) / 1024))
line="bundle: ${kb} KB gzip (budget ${budget_kb} KB)"
echo "$line"
if [ -n "${RPLAY_TEST_LOG:-}" ]; then echo "$line" >"$RPLAY_TEST_LOG/bundle.txt"; fi
if [ "$total" -eq 0 ]; then
	echo "no bundle in dist/: run trunk build first" >&2
	exit 1
fi
if [ "$kb" -gt "$budget_kb" ]; then
	echo "the initial download is over budget" >&2
	exit 1
fi
