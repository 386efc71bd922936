#!/usr/bin/env bash
# make demo: a fictional city ("Port Haven") written by haven's own generator, imported with the
# same importer as real data, a scope defined, and what the store holds printed.
# It creates an admin user with a random password (printed once) and ends by serving the demo city
# on 127.0.0.1:8080 until Ctrl-C (HAVEN_DEMO_LISTEN: another address; HAVEN_DEMO_SERVE=0: it stops
# after the import instead).
# Usage: scripts/demo.sh path/to/haven DEMO_DIR
set -euo pipefail
HAVEN=$1
DIR=$2
rm -rf "$DIR"
mkdir -p "$DIR"
export HAVEN_DB=$DIR/haven.db

step() { printf '\n== %s\n' "$*"; }

step "writing the demo city's property files"
"$HAVEN" demo-city --out "$DIR/city"
ls -l "$DIR/city"

step "importing the parcels (an EPSG:3435 Shapefile) and the facilities list (a CSV with lat/lon)"
"$HAVEN" init
"$HAVEN" import "$DIR/city/parcels.shp" --source parcels --id-field parcel_id --kind-field kind
"$HAVEN" import "$DIR/city/points.csv" --source facilities --id-field facility_id --kind-field kind

step "defining the order's scope"
"$HAVEN" scope add order \
	--where "status = 'Owned by City' and kind in ('lot', 'garage', 'vacant lot', 'school lot', 'building')"
"$HAVEN" scope show order

step "what the store holds"
"$HAVEN" status

step "sample lookups: the first zone, by its point and by its address (spelled out)"
id=$("$HAVEN" property list --scope order --limit 1 2>/dev/null | awk '{print $1; exit}')
"$HAVEN" property show "$id"
read -r lon lat addr <<<"$("$HAVEN" property show "$id" --json | python3 -c '
import json, sys
p = json.load(sys.stdin)
print(p["lon"], p["lat"], p["address"])')"
"$HAVEN" lookup "$lon" "$lat"
spelled=$(printf '%s' "$addr" | sed -e 's/ W / West /; s/ E / East /; s/ N / North /; s/ S / South /' \
	-e 's/ Ave$/ Avenue/; s/ St$/ Street/')
"$HAVEN" lookup --address "$spelled"

printf '\nThe demo store is %s; try: HAVEN_DB=%s %s property list --scope order\n' \
	"$HAVEN_DB" "$HAVEN_DB" "$HAVEN"

step "an admin account for the demo"
# A random password, printed once here and kept nowhere in the clear (the store has its argon2id
# hash); a rerun of the demo makes a fresh store and a new password.
admin_pw=$("$HAVEN" user add admin --role admin 2>/dev/null)
printf '\n    +------------------------------------------------------------+\n'
printf '    |  admin user:      admin                                    |\n'
printf '    |  admin password:  %-40s |\n' "$admin_pw"
printf '    |  (shown once; log in with POST /api/v1/login)              |\n'
printf '    +------------------------------------------------------------+\n'

if [ "${HAVEN_DEMO_SERVE:-1}" != 0 ]; then
	listen=${HAVEN_DEMO_LISTEN:-127.0.0.1:8080}
	step "serving the demo city on $listen (Ctrl-C stops)"
	printf 'http://%s/ogc  /api/v1/lookup?address=...  /api/v1/properties  /api/v1/scopes\n' "$listen"
	exec "$HAVEN" serve --listen "$listen"
fi
