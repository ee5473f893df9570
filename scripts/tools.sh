#!/usr/bin/env bash
# Installs, idempotently, every tool the playground needs, from package registries only.
#
#   scripts/tools.sh serve   wasm target, Trunk, wasm-bindgen CLI, wasm-opt
#   scripts/tools.sh test    the above plus Chromium, chromedriver and playwright-core
#
# Every step first checks whether the tool is already there at the right version, so a
# second run takes about a second. Nothing is downloaded from outside crates.io, npm and
# Debian: Trunk is told (Trunk.toml) to use the wasm-opt found on PATH, never its own.
#
# Tools that are not cargo-installed live in one cache folder outside the clone, so a
# fresh clone reuses them: $RPLAY_TOOLS (default ~/.cache/replication-playground).
# Source this file (`. scripts/tools.sh`) to get PATH set up without installing anything.

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132
PLAYWRIGHT_VERSION=1.64.1
AXE_VERSION=4.14.1
RPLAY_TOOLS=${RPLAY_TOOLS:-$HOME/.cache/replication-playground}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

export PATH="$HOME/.cargo/bin:$RPLAY_TOOLS/node/node_modules/.bin:$PATH"
export NODE_PATH="$RPLAY_TOOLS/node/node_modules"

say() { printf '[tools] %s\n' "$*" >&2; }

wasm_bindgen_version() {
	# The CLI must match the library exactly; Cargo.lock is the one place that says which.
	awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_wasm_target() {
	if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
		say "adding the wasm32-unknown-unknown target"
		rustup target add wasm32-unknown-unknown
	fi
}

ensure_trunk() {
	if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
		say "installing Trunk $TRUNK_VERSION (about 6 minutes on 2 cores, once)"
		cargo install --locked "trunk@$TRUNK_VERSION"
	fi
}

ensure_wasm_bindgen() {
	local want
	want=$(wasm_bindgen_version)
	if ! wasm-bindgen --version 2>/dev/null | grep -q " $want\$" ||
		! command -v wasm-bindgen-test-runner >/dev/null; then
		say "installing wasm-bindgen-cli $want (about 3 minutes, once)"
		# No --locked: its lock file names a crate version the registry does not serve.
		cargo install --force "wasm-bindgen-cli@$want"
	fi
}

npm_tool() { # package version: installs into the shared node folder unless already there
	local pkg=$1 version=$2
	local have
	have=$(node -p "require('$RPLAY_TOOLS/node/node_modules/$pkg/package.json').version" 2>/dev/null || true)
	if [ "$have" != "$version" ] && [ "${have%%.*}" != "$version" ]; then
		say "installing $pkg@$version from npm"
		mkdir -p "$RPLAY_TOOLS/node"
		[ -f "$RPLAY_TOOLS/node/package.json" ] || echo '{"private":true}' >"$RPLAY_TOOLS/node/package.json"
		npm install --prefix "$RPLAY_TOOLS/node" --no-audit --no-fund --loglevel=error "$pkg@$version"
	fi
}

ensure_wasm_opt() {
	# Debian's binaryen (108) cannot parse what rustc 1.95 emits; npm's binaryen can.
	npm_tool binaryen "$BINARYEN_VERSION"
	wasm-opt --version >/dev/null
}

ensure_browser() {
	if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
		say "installing Chromium and chromedriver from Debian"
		local sudo=""
		[ "$(id -u)" -eq 0 ] || sudo=sudo
		$sudo apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
	fi
}

ensure_playwright() {
	# playwright-core never downloads a browser; tests point it at /usr/bin/chromium.
	npm_tool playwright-core "$PLAYWRIGHT_VERSION"
	# The accessibility audit (tests/e2e/a11y.test.mjs) injects axe-core's one script.
	npm_tool axe-core "$AXE_VERSION"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	# Strict mode only when run, never in the shell that sources this file.
	set -euo pipefail
	case "${1:-serve}" in
	serve)
		ensure_wasm_target
		ensure_wasm_bindgen
		ensure_wasm_opt
		ensure_trunk
		# Trunk runs cargo offline: every crate must already be downloaded.
		cargo fetch --locked --manifest-path "$ROOT/Cargo.toml"
		;;
	test)
		ensure_wasm_target
		ensure_wasm_bindgen
		ensure_wasm_opt
		ensure_trunk
		ensure_browser
		ensure_playwright
		cargo fetch --locked --manifest-path "$ROOT/Cargo.toml"
		;;
	*)
		echo "usage: $0 serve|test" >&2
		exit 2
		;;
	esac
fi
