#!/usr/bin/env bash
# The demo in one command: installs system packages if missing, builds in release mode, sets up a
# fresh demo root (demo/: inbox/, outbox/, pipelines/, state/), puts a generated sample Plytix
# export into its inbox/, runs the pipeline and shows where the output went. Each demo starts
# from scratch, so it can be run again and again; your own root is never touched.
#   ROWS=20000 scripts/demo.sh      # a bigger sample (default 2000 rows)
#   FORMAT=xml scripts/demo.sh      # an XML export instead of CSV
#   DEMO_ROOT=/tmp/pp scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-packages.sh
. scripts/env.sh

echo "==> building (release)"
swift build -c release
BIN="$(swift build -c release --show-bin-path)/plytix-prima"

ROOT="${DEMO_ROOT:-demo}"
rm -rf "$ROOT"
"$BIN" init "$ROOT" >/dev/null
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
sample="$ROOT/inbox/plytix-demo-$stamp.${FORMAT:-csv}"
echo "==> generating a sample Plytix export: $sample (${ROWS:-2000} rows, ~0.5% defective)"
# Generated beside the inbox and moved in whole, as an SFTP upload should arrive.
"$BIN" sample --rows "${ROWS:-2000}" --format "${FORMAT:-csv}" --seed "${SEED:-42}" --out "$ROOT/sample.tmp" \
  --prima-reference "$ROOT/prima.tmp" >/dev/null 2>&1
mv "$ROOT/sample.tmp" "$sample"
echo "==> Prima's own exports (the finance master data): $ROOT/inbox/prima/price-list-sample.csv, vat-codes-sample.csv"
# A price list and VAT codes that fit the sample; a few prices and VAT codes disagree on purpose.
mkdir -p "$ROOT/inbox/prima"
mv "$ROOT/prima.tmp/price-list-sample.csv" "$ROOT/prima.tmp/vat-codes-sample.csv" "$ROOT/inbox/prima/"
rmdir "$ROOT/prima.tmp"

echo "==> running: plytix-prima run --root $ROOT --settle 0"
status=0
"$BIN" run --root "$ROOT" --settle 0 || status=$?

run_dir="$(ls -d "$ROOT"/outbox/plytix-to-prima/*/ 2>/dev/null | sort | tail -n 1)"
if [ -n "$run_dir" ]; then
  echo
  echo "Output: $run_dir"
  ls -l "$run_dir"
  echo
  echo "Prima import files, in manifest order: $(sed -n 's/.*"name" : "\(\(items\|bom\|discontinue\)-[0-9]*\.csv\)".*/\1/p' "$run_dir/manifest.json" | tr '\n' ' ')"
  echo "Rejects for operations/finance (opens in Excel): ${run_dir}rejects.csv"
  if [ -f "${run_dir}finance-review.csv" ]; then
    echo "Price and VAT disagreements with Prima for finance (Prima's values stand): ${run_dir}finance-review.csv ($(($(wc -l < "${run_dir}finance-review.csv") - 1)) line(s)), e.g.:"
    sed -n '2,4p' "${run_dir}finance-review.csv" | sed 's/^/    /'
  fi
  echo "Prima reference intakes (rejects, report): $ROOT/outbox/prima-reference/plytix-to-prima/"
  echo "Input archived in: $ROOT/inbox/archive/    State: $ROOT/state/plytix-prima.sqlite"
  echo "Try: $BIN status --root $ROOT"
fi
exit "$status"
