#!/usr/bin/env bash
# The engine and the scenario model are pure Rust: no web crates, and the engine does no
# I/O and reads no clock or OS entropy. This fails, naming the file and line, if they do.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
check() { # description, pattern, paths...
	local what=$1 pattern=$2
	shift 2
	local hits
	if hits=$(grep -rnE "$pattern" "$@" --include='*.rs'); then
		echo "engine boundary violated: $what:" >&2
		echo "$hits" >&2
		status=1
	fi
}
check "web crates in pure code" '\b(yew|web_sys|js_sys|gloo|wasm_bindgen)(::|\b)' src/engine src/scenario
check "I/O, threads or environment in the engine" '\bstd::(fs|net|process|env|thread)\b' src/engine
check "a clock or OS entropy in the engine" '\b(SystemTime|Instant|getrandom|thread_rng|OsRng|from_entropy)\b' src/engine
check "the UI from pure code" '\bcrate::ui\b' src/engine src/scenario
# The check proves itself: a planted violation must be caught.
planted=$(mktemp -d)
mkdir -p "$planted/src/engine"
echo 'use web_sys::Window;' >"$planted/src/engine/planted.rs"
if ! grep -rqE '\b(yew|web_sys|js_sys|gloo|wasm_bindgen)(::|\b)' "$planted/src/engine"; then
	echo "the boundary check no longer detects a planted violation" >&2
	status=1
fi
rm -rf "$planted"
[ "$status" -eq 0 ] && echo "engine boundary: pure code uses no web crates, I/O, clock or OS entropy"
exit "$status"
