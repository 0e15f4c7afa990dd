#!/usr/bin/env bash
# `make demo`: generate the small scenario, load every agency's files through the public commands
# (as the agencies' own users), show what the picture looks like to different viewers, give each
# demo user a password made for this demo, and serve the web application (SERVE=0: don't).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
NEXUS="${BIN:-.venv/bin}/nexus"
export NEXUS_HOME="${NEXUS_HOME:-demo-data/home}"
SCENARIO="${SCENARIO:-demo-data/scenario}"
SEED="${SEED:-42}"
SERVE="${SERVE:-1}"
PORT="${PORT:-8000}"
USERS="admin fia_analyst fia_victims_officer anf_officer fmu_analyst unodc_liaison"

rm -rf "$NEXUS_HOME"
"$NEXUS" scenario generate --seed "$SEED" --scale small "$SCENARIO"
"$NEXUS" init
"$NEXUS" user add fia_analyst --agency FIA --clearance CONFIDENTIAL
"$NEXUS" user add fia_victims_officer --agency FIA --clearance SECRET --compartment VICTIMS
"$NEXUS" user add anf_officer --agency ANF --clearance SECRET
"$NEXUS" user add fmu_analyst --agency FMU --clearance SECRET
"$NEXUS" user add unodc_liaison --agency UNODC --clearance CONFIDENTIAL --partner UNODC
while IFS= read -r mapping; do
    echo "== $mapping"
    "$NEXUS" ingest "$mapping"
done < <(find "$SCENARIO/data" -name '*.yml' | sort)
# Analyses that exist so far: resolution, as each kind of viewer (each sees its own clusters).
for viewer in admin fia_analyst anf_officer unodc_liaison; do
    "$NEXUS" resolve --as "$viewer"
done
# People of one community with the same name: merged when nothing sets them apart, else queued.
"$NEXUS" network namesakes --as admin --settle --limit 5
"$NEXUS" network communities --as anf_officer --limit 8  # those crime touches most first
"$NEXUS" screen --as fmu_analyst --limit 10  # sanctions and watch lists: hits go to FMU's alert queue
"$NEXUS" scan-transactions "$SCENARIO/exports/transactions.csv" -o "$NEXUS_HOME/typology-alerts.csv"  # a bank's extract
"$NEXUS" finance scan --as fmu_analyst --limit 5  # stored payments: typology alerts to FMU's queue
"$NEXUS" alerts entities --as fmu_analyst --limit 10
"$NEXUS" status
# A password per demo user, made now and kept only as an argon2 hash in the store; the list is
# written to the home folder (0600) so that it can be read again.
PASSWORDS="$NEXUS_HOME/demo-passwords.txt"
: > "$PASSWORDS"
chmod 600 "$PASSWORDS"
for user in $USERS; do
    password="$("${BIN:-.venv/bin}/python" -c 'import secrets; print(secrets.token_urlsafe(12))')"
    printf '%s\n' "$password" | "$NEXUS" user passwd "$user" > /dev/null
    printf '  %-22s %s\n' "$user" "$password" >> "$PASSWORDS"
done
cat <<TXT

Demo ready: scenario in $SCENARIO (ground truth in $SCENARIO/truth), store in $NEXUS_HOME.
Sign in at http://127.0.0.1:$PORT as any of these users (passwords made for this demo, also in
$PASSWORDS):
$(cat "$PASSWORDS")
The same users at the command line (with --as USER). Try:
  NEXUS_HOME=$NEXUS_HOME $NEXUS entity list --schema Seizure --limit 10
  NEXUS_HOME=$NEXUS_HOME $NEXUS status --as unodc_liaison
  NEXUS_HOME=$NEXUS_HOME $NEXUS review --as fia_analyst        # uncertain pairs to decide
  NEXUS_HOME=$NEXUS_HOME $NEXUS alerts list --as fmu_analyst   # sanctions and typology alerts
TXT
if [ "$SERVE" != "0" ]; then
    exec "$NEXUS" serve --host 127.0.0.1 --port "$PORT"
fi
