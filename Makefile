# The two commands of the README: `make serve` and `make test`. Each installs what it needs.
SHELL := /bin/bash
.PHONY: serve test dist bench conformance

# The optimized build (release profile, wasm-opt): what a teacher runs first is the fast one.
serve:
	bash scripts/tools.sh serve
	. scripts/tools.sh && trunk serve --release --offline --address 127.0.0.1 --port 8080

test:
	bash scripts/test.sh

dist:
	bash scripts/tools.sh serve
	. scripts/tools.sh && trunk build --release --offline && bash scripts/bundle-size.sh

bench:
	cargo bench --bench engine
	bash scripts/tools.sh test
	. scripts/tools.sh && trunk build --release --offline && node benches/frame-time.mjs && node benches/reshard.mjs

# Real mariadbd beside the simulator (docs/conformance.md): installs MariaDB from Debian if
# missing, skips (exit 77) where it cannot.
conformance:
	bash scripts/conformance.sh
