#!/usr/bin/env bash
# The demo in one command: installs system packages if missing, builds in release mode, puts a
# generated sample Plytix export into inbox/, runs the pipeline and shows where the output went.
#   ROWS=20000 scripts/demo.sh      # a bigger sample (default 2000 rows)
#   FORMAT=xml scripts/demo.sh      # an XML export instead of CSV
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-packages.sh
. scripts/env.sh

echo "==> building (release)"
swift build -c release
BIN="$(swift build -c release --show-bin-path)/plytix-prima"

"$BIN" init . >/dev/null
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
sample="inbox/plytix-demo-$stamp.${FORMAT:-csv}"
echo "==> generating a sample Plytix export: $sample (${ROWS:-2000} rows, ~0.5% defective)"
"$BIN" sample --rows "${ROWS:-2000}" --format "${FORMAT:-csv}" --seed "${SEED:-42}" --out "$sample" >/dev/null

echo "==> running: plytix-prima run --root . --settle 0"
status=0
"$BIN" run --root . --settle 0 || status=$?

run_dir="$(ls -d outbox/plytix-to-prima/*/ 2>/dev/null | sort | tail -n 1)"
if [ -n "$run_dir" ]; then
  echo
  echo "Output: $run_dir"
  ls -l "$run_dir"
  echo
  echo "Prima import files, in manifest order: $(sed -n 's/.*"name" : "\(items-[0-9]*\.csv\)".*/\1/p' "$run_dir/manifest.json" | tr '\n' ' ')"
  echo "Rejects for operations/finance (opens in Excel): $run_dir""rejects.csv"
  echo "Input archived in: inbox/archive/"
fi
exit "$status"
