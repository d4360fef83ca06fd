#!/usr/bin/env bash
# Writes a generated Plytix export with the release CLI and prints its summary JSON.
# usage: scripts/generate-export.sh [--rows N] [--format csv|xml] [--seed S] [--defect-rate R] [--gzip] OUT_FILE
set -euo pipefail

usage() { echo "usage: $0 [--rows N] [--format csv|xml] [--seed S] [--defect-rate R] [--gzip] OUT_FILE" >&2; exit 2; }
rows=1000 format=csv seed=42 defect_rate=0.005 gzip=false out=
while (($#)); do
  case $1 in
    --rows) rows=${2:?--rows needs a value}; shift 2 ;;
    --format) format=${2:?--format needs a value}; shift 2 ;;
    --seed) seed=${2:?--seed needs a value}; shift 2 ;;
    --defect-rate) defect_rate=${2:?--defect-rate needs a value}; shift 2 ;;
    --gzip) gzip=true; shift ;;
    -*) usage ;;
    *) [[ -z $out ]] || usage; out=$1; shift ;;
  esac
done
[[ -n $out ]] || usage

bin="$(cd "$(dirname "$0")/.." && pwd)/.build/release/plytix-prima"
[[ -x $bin ]] || { echo "$bin not found: run 'swift build -c release' first" >&2; exit 1; }
sample() { "$bin" sample --rows "$rows" --format "$format" --seed "$seed" --defect-rate "$defect_rate" --out "$1"; }

if $gzip; then
  # The generator needs a real file; keep it next to OUT_FILE so a large export does not fill /tmp.
  plain=$(mktemp "$out.XXXXXX.tmp")
  trap 'rm -f "$plain"' EXIT
  sample "$plain"
  gzip -c "$plain" > "$out"
else
  sample "$out"
fi
