#!/usr/bin/env bash
# The engine and the scenario model are crates of their own (crates/engine, crates/scenario):
# the compiler already refuses a web crate they do not depend on. This checks the rest:
# that neither crate's dependency tree contains a web crate, and that the engine does no
# I/O and reads no clock or OS entropy. It fails naming the crate, file or line.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
web='^(yew|web-sys|js-sys|gloo|wasm-bindgen|getrandom)([-a-z]*)? '
for crate in replication-engine replication-scenario; do
	if hits=$(cargo tree --locked --offline -p "$crate" -e normal --prefix none 2>/dev/null | grep -E "$web"); then
		echo "engine boundary violated: $crate depends on a web crate:" >&2
		echo "$hits" | sort -u >&2
		status=1
	fi
done
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
check "I/O, threads or environment in the engine" '\bstd::(fs|net|process|env|thread)\b' crates/engine/src
check "a clock or OS entropy in the engine" '\b(SystemTime|std::time::Instant|getrandom|thread_rng|OsRng|from_entropy)\b' crates/engine/src
# The check proves itself: a planted violation must be caught.
if ! echo 'yew v0.23.0' | grep -qE "$web"; then
	echo "the boundary check no longer detects a planted web dependency" >&2
	status=1
fi
[ "$status" -eq 0 ] && echo "engine boundary: the engine and scenario crates use no web crate, I/O, clock or OS entropy"
exit "$status"
