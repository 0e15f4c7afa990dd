#!/usr/bin/env bash
# `make demo`: a fresh store, the demo agencies' files loaded through the public commands, a tour.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
NEXUS="${BIN:-.venv/bin}/nexus"
export NEXUS_HOME="${NEXUS_HOME:-demo-data/home}"

rm -rf "$NEXUS_HOME"
"$NEXUS" init
"$NEXUS" user add fia_analyst --agency FIA --clearance CONFIDENTIAL
"$NEXUS" user add anf_officer --agency ANF --clearance SECRET
"$NEXUS" user add unodc_liaison --agency UNODC --clearance CONFIDENTIAL --partner UNODC
for mapping in examples/demo/*.yml; do
    "$NEXUS" ingest "$mapping" --allow-rejects
done
"$NEXUS" status
echo
echo "Demo store: $NEXUS_HOME (SQLite). Try, as different viewers:"
echo "  NEXUS_HOME=$NEXUS_HOME $NEXUS entity list --schema Person"
echo "  NEXUS_HOME=$NEXUS_HOME $NEXUS entity list --as unodc_liaison"
echo "  NEXUS_HOME=$NEXUS_HOME $NEXUS quarantine list --as anf_officer"
echo "  NEXUS_HOME=$NEXUS_HOME $NEXUS export --as fia_analyst | head"
