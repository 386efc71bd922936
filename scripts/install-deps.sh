#!/usr/bin/env bash
# Installs the Debian 12 packages haven builds, tests and runs with; only what is missing.
# Usage: scripts/install-deps.sh [build|check|bench]
set -euo pipefail
mode=${1:-build}

pkgs=(meson ninja-build pkg-config gcc clang libclang-rt-14-dev
	libgdal-dev gdal-bin libproj-dev proj-bin libgeos-dev
	libsqlite3-dev sqlite3 libjansson-dev libssl-dev libsodium-dev libmicrohttpd-dev)
# Signs: cairo (PDF) + pango (HarfBuzz) + libqrencode, and the Noto fonts each script is named by
# (fonts-noto-core: Latin, Cyrillic, Arabic Naskh, Nastaliq Urdu, Devanagari; fonts-noto-cjk:
# Noto Serif CJK, which cairo 1.16 subsets without dropping glyphs).
pkgs+=(libcairo2-dev libpango1.0-dev libqrencode-dev fonts-noto-core fonts-noto-cjk)
# Accountability: libcurl (notices by SMTP and webhook), cairo (the packet's summary PDF).
pkgs+=(libcurl4-openssl-dev fonts-dejavu-core)
if [ "$mode" = check ]; then
	pkgs+=(libcmocka-dev python3 curl python3-owslib)
	# tests/e2e/tls.sh makes a self-signed certificate; tests/e2e/nginx.sh runs nginx (as the
	# test user, on loopback) in front of haven. Its package's own service is not needed.
	pkgs+=(openssl nginx-light)
	# The browser test: playwright-core (npm) drives Debian's chromium.
	pkgs+=(chromium)
	# The sign tests read the PDFs back: pdftotext and pdftoppm, and zbarimg for QR codes.
	pkgs+=(poppler-utils zbar-tools)
fi
# The web pages' Leaflet and the browser test's playwright-core come from npm (make runs npm
# ci): Debian's node and npm, unless a node is already installed.
if [ "$mode" = build ] || [ "$mode" = check ]; then
	command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
	command -v npm >/dev/null 2>&1 || pkgs+=(npm)
fi
# bench/lookup.sh compares against PostGIS on a throwaway local cluster; bench/http.sh drives wrk.
if [ "$mode" = bench ]; then
	pkgs+=(postgresql-15 postgresql-15-postgis-3 libpq-dev wrk)
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "installing: ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
