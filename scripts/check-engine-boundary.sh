#!/usr/bin/env bash
# The engine and the scenario model are pure Rust: no web crates. This fails, naming the
# file and line, if anything under src/engine or src/scenario uses one.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='\b(yew|web_sys|js_sys|gloo|wasm_bindgen)(::|\b)'
if hits=$(grep -rnE "$pattern" src/engine src/scenario --include='*.rs'); then
	echo "engine boundary violated: web crates used in pure code:" >&2
	echo "$hits" >&2
	exit 1
fi
echo "engine boundary: src/engine and src/scenario use no web crates"
