#!/usr/bin/env bash
# The conformance tier (issue 14; docs/conformance.md): the cases of tests/conformance/ on
# real mariadbd processes on 127.0.0.1 and in the simulator, outcomes compared.
#   Installs mariadb-server/mariadb-client from Debian if missing; exits 77 (skipped, never
#   "passed") when they cannot be installed. Every server gets its own data directory under
#   a temporary directory and its own port; the trap stops every server started, by PID,
#   whatever happens. Last line: "N passed, M failed (S s)". Writes docs/conformance.md.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/sbin:/sbin"
tmp=$(mktemp -d)
pids="$tmp/pids"
stop_servers() {
	if [ -f "$pids" ]; then
		while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done <"$pids"
	fi
	rm -rf "$tmp"
}
trap stop_servers EXIT
trap 'exit 130' INT TERM

have_mariadb() {
	for tool in mariadbd mariadb mariadb-install-db mariadb-dump; do
		command -v "$tool" >/dev/null || return 1
	done
}

if ! have_mariadb; then
	echo "conformance: installing mariadb-server and mariadb-client from Debian"
	if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
		echo "conformance: SKIPPED: MariaDB is not installed and this user cannot install it (needs root and apt-get)"
		exit 77
	fi
	if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mariadb-server mariadb-client; } >"$tmp/apt.log" 2>&1; then
		echo "conformance: SKIPPED: apt-get could not install MariaDB:"
		tail -n 5 "$tmp/apt.log"
		exit 77
	fi
	have_mariadb || { echo "conformance: SKIPPED: MariaDB installed but its tools are not on PATH"; exit 77; }
fi
echo "conformance: $(mariadbd --version)"

RPLAY_CONFORMANCE=1 RPLAY_CONFORMANCE_DIR="$tmp/servers" RPLAY_CONFORMANCE_PIDS="$pids" \
	cargo test --locked --test conformance
