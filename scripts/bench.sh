#!/usr/bin/env bash
# Benchmarks the release binary end to end against the tools a user would pick instead, on
# generated Plytix exports, and prints one Markdown table for the README ("Performance").
#
#   scripts/bench.sh              # 1M-row CSV, its gzip copy, 200k-row XML, 100k-row CSV; 3 runs each
#   scripts/bench.sh --quick      # smoke run: 100k-row CSV, 20k-row XML, 10k-row CSV; 1 run each
#   scripts/bench.sh --runs 5     # repetitions per case (the median is reported)
#   BENCH_DIR=/big/disk scripts/bench.sh   # cache and scratch (default /var/tmp/plytix-prima-bench)
#
# The exports are generated once with `plytix-prima sample` and cached in BENCH_DIR (~2.4 GB;
# a run needs ~2 GB more while it writes its output). Every timed run gets a fresh root,
# a synced disk and the input file read once beforehand, for our tool and the reference tools
# alike. Progress goes to standard error, the table to standard output. Exit status: 0 unless
# something failed (a run exited non-zero or produced wrong counts); a reference tool that
# cannot be installed is skipped with a message, and so is the diff case until `run` diffs.
set -euo pipefail
export LC_ALL=C

cd "$(dirname "$0")/.."
REPO=$PWD
BENCH_DIR=${BENCH_DIR:-/var/tmp/plytix-prima-bench}
SEED=42
RUNS=3 QUICK=false

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }
log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

declare -A SKIP=() FAIL=()   # KEY -> why the case was skipped / what went wrong
fail() { FAIL[$1]=$2; printf 'error: %s\n' "$2" >&2; }

parse_args() {
  while (($#)); do
    case $1 in
      --quick) QUICK=true; RUNS=1; shift ;;
      --runs) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage; RUNS=$2; shift 2 ;;
      -h|--help) usage 0 ;;
      *) usage ;;
    esac
  done
  if $QUICK; then ROWS_BIG=100000 ROWS_XML=20000 ROWS_SMALL=10000
  else ROWS_BIG=1000000 ROWS_XML=200000 ROWS_SMALL=100000; fi
}

# --- the binary and the cached exports ---------------------------------------------------

ensure_binary() {
  . scripts/env.sh
  command -v swift >/dev/null || die "no Swift toolchain on PATH (or at /opt/swift/usr/bin)"
  BIN="$(swift build -c release --show-bin-path)/plytix-prima"
  if [[ ! -x $BIN || -n $(find Sources Package.swift -newer "$BIN" -print -quit) ]]; then
    log "building the release binary (swift build -c release)"
    scripts/ensure-system-packages.sh
    swift build -c release >&2
  fi
}

# The cache is keyed by the generator's source, so a changed generator regenerates the files.
prepare_cache() {
  local key
  key=$(cat Sources/PlytixPrima/Sample/*.swift Sources/plytix-prima/SampleCommand.swift | sha256sum | cut -c1-12)
  DATA=$BENCH_DIR/exports-seed$SEED-$key
  ROOTS=$BENCH_DIR/roots
  mkdir -p "$DATA" "$ROOTS"
  for old in "$BENCH_DIR"/exports-*; do
    [[ $old == "$DATA" ]] || { log "removing exports of an older generator: $old"; rm -rf "$old"; }
  done
  WORK=$(mktemp -d "$BENCH_DIR/results.XXXXXX")
  trap 'rm -rf "$WORK" "$ROOTS"/polars-out.csv' EXIT
  local need_gb=6 free_gb
  $QUICK && need_gb=1
  free_gb=$(df -P -BG "$BENCH_DIR" | awk 'NR == 2 { sub("G", "", $4); print $4 }')
  ((free_gb >= need_gb)) || log "warning: only ${free_gb} GB free in $BENCH_DIR; the benchmark may need ~${need_gb} GB more"
}

# ensure_export ROWS csv|xml: prints the cached export's path, generating it the first time.
ensure_export() {
  local rows=$1 format=$2 path=$DATA/plytix-$1.$2
  if [[ ! -s $path ]]; then
    log "generating $path ($rows rows; once, then cached)"
    "$BIN" sample --rows "$rows" --format "$format" --seed "$SEED" --out "$path.tmp" > "$path.json.tmp"
    mv "$path.json.tmp" "$path.json"
    mv "$path.tmp" "$path"
  fi
  echo "$path"
}

ensure_gzip() {
  local path=$1.gz
  if [[ ! -s $path ]]; then
    log "compressing $path (once, then cached)"
    gzip -c "$1" > "$path.tmp"
    mv "$path.tmp" "$path"
  fi
  echo "$path"
}

# ensure_changed CSV: a copy with 1% of the rows changed (every 100th row's weight +10%), for
# the second-run diff case. Every other byte stays as generated (CRLF, minimal quoting).
ensure_changed() {
  local path=${1%.csv}-1pct-changed.csv
  if [[ ! -s $path ]]; then
    log "writing $path (1% of the rows changed; once, then cached)"
    python3 - "$1" "$path.tmp" <<'EOF'
import csv, sys
csv.field_size_limit(1 << 30)
with open(sys.argv[1], newline="", encoding="utf-8") as src, \
     open(sys.argv[2], "w", newline="", encoding="utf-8") as dst:
    rows, out = csv.reader(src), csv.writer(dst, lineterminator="\r\n")
    header = next(rows)
    out.writerow(header)
    weight = header.index("Weight (kg)")
    for n, row in enumerate(rows):
        if n % 100 == 0 and len(row) == len(header):
            try: row[weight] = f"{float(row[weight]) * 1.1:.3f}"
            except ValueError: pass
        out.writerow(row)
EOF
    mv "$path.tmp" "$path"
  fi
  echo "$path"
}

rows_of() { sed -n 's/^ *"rows" : \([0-9]*\).*/\1/p' "$1.json"; }
bytes_of() { stat -c %s "$1"; }

# --- measuring ----------------------------------------------------------------------------

# The same preparation before every timed run, ours or a reference tool's: earlier output
# written back to disk, and the input in the page cache.
settle_and_warm() { sync; cat "$1" > /dev/null; }

# measure KEY OUT CMD...: runs CMD (standard output to OUT) under /usr/bin/time -v and appends
# "<wall seconds> <peak RSS KiB> <CPU seconds, user + system> <system seconds>" to KEY's
# results. Returns CMD's exit status. (System time is shown apart: on a VM it follows how much
# memory the host has taken back, and moves a large run's wall time with it.)
measure() {
  local key=$1 out=$2 start end status=0
  shift 2
  start=$EPOCHREALTIME
  /usr/bin/time -v -o "$WORK/time-v.txt" "$@" > "$out" || status=$?
  end=$EPOCHREALTIME
  if ((status == 0)); then
    printf '%s %s %s %s\n' "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')" \
      "$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$WORK/time-v.txt")" \
      "$(awk -F': ' '/(User|System) time \(seconds\)/ { cpu += $2 } END { print cpu }' "$WORK/time-v.txt")" \
      "$(awk -F': ' '/System time \(seconds\)/ { print $2 }' "$WORK/time-v.txt")" \
      >> "$WORK/$key.times"
  fi
  return "$status"
}

median() { # KEY [COLUMN]: the median of a column of KEY's results (default: wall seconds)
  awk -v c="${2:-1}" '{ print $c }' "$WORK/$1.times" | sort -n |
    awk '{ t[NR] = $1 } END { print (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2 }'
}
median_seconds() { median "$1"; }
peak_kib() { awk '$2 > max { max = $2 } END { print max + 0 }' "$WORK/$1.times"; }
have_times() { [[ -s $WORK/$1.times ]]; }

# Puts FILE into ROOT's inbox as a hard link (the run only renames it into inbox/archive/);
# a copy if the link cannot be made.
link_into_inbox() {
  ln "$1" "$2/inbox/" 2>/dev/null || cp --reflink=auto "$1" "$2/inbox/"
}

# run_ours KEY FILE [BASELINE]: one timed `plytix-prima run` on a fresh root. With BASELINE,
# that file is run first, untimed, so the timed run is a second run against existing state.
run_ours() {
  local key=$1 file=$2 baseline=${3:-} root=$ROOTS/$1 name identity status=0
  name=$(basename "$file")
  identity=$(stat -c '%i %s %Y' "$file")
  rm -rf "$root"
  "$BIN" init "$root" > /dev/null
  if [[ -n $baseline ]]; then
    link_into_inbox "$baseline" "$root"
    "$BIN" run --root "$root" --settle 0 > "$root.baseline.log" || { fail "$key" "the baseline run failed: see $root.baseline.log"; return; }
  fi
  link_into_inbox "$file" "$root"
  settle_and_warm "$file"
  measure "$key" "$root.log" "$BIN" run --root "$root" --settle 0 || status=$?
  if ((status != 0)); then
    fail "$key" "plytix-prima run exited $status on $name: see $root.log and $root/"; return
  fi
  local report nread expected
  report=$(ls -d "$root"/outbox/*/*/report.json 2> /dev/null | sort | tail -n 1) || true
  nread=$(sed -n 's/^ *"read" : \([0-9]*\).*/\1/p' "$report" 2> /dev/null) || true
  expected=$(rows_of "${baseline:-${file%.gz}}")
  if [[ ! -e $root/inbox/archive/$name || $nread != "$expected" ]]; then
    fail "$key" "the run of $name read ${nread:-no} rows (expected $expected) or did not archive it: see $root/"; return
  fi
  [[ $(stat -c '%i %s %Y' "$file") == "$identity" ]] || { rm -f "$file"; fail "$key" "the run changed the cached input $file (removed; it is regenerated next time)"; return; }
  rm -rf "$root" "$root.log" "$root.baseline.log"
}

run_reference() { # KEY FILE CMD...: one timed run of a reference tool
  local key=$1 file=$2 status=0
  shift 2
  settle_and_warm "$file"
  measure "$key" /dev/null "$@" || status=$?
  ((status == 0)) || fail "$key" "$* exited $status"
}

# --- the reference tools ------------------------------------------------------------------

POLARS_FILTER='
import sys, polars as pl
(pl.scan_csv(sys.argv[1], infer_schema_length=0)          # every column as text
   .filter(pl.col("SKU").str.strip_chars().str.len_bytes() > 0,
           pl.col("Weight (kg)").cast(pl.Float64, strict=False).is_not_null(),
           pl.col("Label").str.len_chars() <= 60)
   .sink_csv(sys.argv[2]))
'

ensure_polars() {
  command -v python3 > /dev/null || { SKIP[polars]="skipped: python3 not found"; return; }
  python3 -c 'import polars' 2> /dev/null && return
  log "installing polars (pip install polars)"
  python3 -m pip install --quiet polars >&2 || true
  python3 -c 'import polars' 2> /dev/null || SKIP[polars]="skipped: polars is not installed and 'pip install polars' failed"
}

apt_install() {
  [[ $(id -u) == 0 ]] && command -v apt-get > /dev/null || return 1
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "$1" > /dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$1" > /dev/null; }
}

ensure_xmllint() {
  command -v xmllint > /dev/null && return
  log "installing xmllint (apt-get install libxml2-utils)"
  apt_install libxml2-utils >&2 || true
  command -v xmllint > /dev/null || SKIP[xmllint]="skipped: xmllint is missing and 'apt-get install libxml2-utils' failed"
}

# `plytix-prima status --help` exits 0 even without a status command (the argument parser
# then prints the top-level help), so look for the subcommand's own usage line.
diff_supported() { "$BIN" status --help 2> /dev/null | grep -q '^USAGE: plytix-prima status'; }

# --- the cases ----------------------------------------------------------------------------

run_cases() {
  local csv gz xml small changed i
  csv=$(ensure_export "$ROWS_BIG" csv)
  gz=$(ensure_gzip "$csv")
  xml=$(ensure_export "$ROWS_XML" xml)
  small=$(ensure_export "$ROWS_SMALL" csv)
  if diff_supported; then
    changed=$(ensure_changed "$csv")
  else
    SKIP[diff]="skipped: diff not implemented"
  fi
  ensure_polars
  ensure_xmllint

  for ((i = 1; i <= RUNS; i++)); do
    log "repetition $i of $RUNS"
    log "  $(short "$ROWS_BIG")-row CSV: plytix-prima, polars"
    run_ours csv "$csv"
    [[ -n ${SKIP[polars]:-} ]] || run_reference csv_polars "$csv" python3 -c "$POLARS_FILTER" "$csv" "$ROOTS/polars-out.csv"
    rm -f "$ROOTS/polars-out.csv"
    if [[ -z ${SKIP[diff]:-} ]]; then
      log "  $(short "$ROWS_BIG")-row CSV, second run with 1% changed: plytix-prima"
      run_ours diff "$changed" "$csv"
    fi
    log "  $(short "$ROWS_BIG")-row CSV.gz: plytix-prima, gzip -dc"
    run_ours gz "$gz"
    run_reference gz_gzip "$gz" gzip -dc "$gz"   # measure sends standard output to /dev/null
    log "  $(short "$ROWS_XML")-row XML: plytix-prima, xmllint --stream"
    run_ours xml "$xml"
    [[ -n ${SKIP[xmllint]:-} ]] || run_reference xml_xmllint "$xml" xmllint --stream "$xml"
    log "  $(short "$ROWS_SMALL")-row CSV (growth): plytix-prima"
    run_ours small "$small"
  done
  CSV=$csv GZ=$gz XML=$xml SMALL=$small
}

# --- the table ----------------------------------------------------------------------------

short() { awk -v n="$1" 'BEGIN { if (n % 1000000 == 0) print n / 1000000 "M"; else if (n % 1000 == 0) print n / 1000 "k"; else print n }'; }
group() { sed ':a; s/\B[0-9]\{3\}\>/,&/; ta'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1e6 }' | group; printf ' MB'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# row CASE INPUT TOOL KEY ROWS BYTES [OURS_KEY]: one table row; with OURS_KEY, the last
# column is our median divided by this tool's.
row() {
  local label=$1 input=$2 tool=$3 key=$4 rows=$5 bytes=$6 ours=${7:-} why
  why=${FAIL[$key]:-${SKIP[$key]:-}}
  [[ -z $why && -n $ours ]] && why=${SKIP[${key#*_}]:-}
  if [[ -n $why ]] || ! have_times "$key"; then
    printf '| %s | %s | %s | %s | | | | | |\n' "$label" "$input" "$tool" "${why:-failed}"
    return
  fi
  local t rss versus=
  t=$(median_seconds "$key")
  rss=$(( ($(peak_kib "$key") + 512) / 1024 ))
  if [[ -n $ours ]] && have_times "$ours" && [[ -z ${FAIL[$ours]:-} ]]; then
    versus="$(ratio "$(median_seconds "$ours")" "$t")×"
  fi
  printf '| %s | %s | %s | %.2f s | %.2f s (%.2f s) | %s | %.0f | %s MiB | %s |\n' "$label" "$input" "$tool" "$t" \
    "$(median "$key" 3)" "$(median "$key" 4)" \
    "$(awk -v r="$rows" -v t="$t" 'BEGIN { printf "%.0f", r / t }' | group)" \
    "$(awk -v b="$bytes" -v t="$t" 'BEGIN { print b / 1e6 / t }')" "$(group <<< "$rss")" "$versus"
}

# target LABEL GOAL VALUE: one line of the targets table (VALUE empty when not measured).
target() {
  local verdict="not measured"
  [[ -n $3 ]] && verdict=$(awk -v v="$3" -v g="$2" 'BEGIN { print (v + 0 <= g + 0) ? "met" : "missed" }')
  printf '| %s | ≤ %s | %s | %s |\n' "$1" "$2$4" "${3:+$3$4}" "$verdict"
}

measured_ratio() { # OURS THEIRS: our median ÷ theirs, empty unless both were measured
  have_times "$1" && have_times "$2" && [[ -z ${FAIL[$1]:-}${FAIL[$2]:-} ]] || return 0
  ratio "$(median_seconds "$1")" "$(median_seconds "$2")"
}

# first_match REGEX TEXT: the first parenthesised group of REGEX's first match in TEXT.
# (No `| head` or `sed q`: an early exit would kill the writer with SIGPIPE under pipefail.)
first_match() { [[ $2 =~ $1 ]] && printf '%s' "${BASH_REMATCH[1]}"; return 0; }

print_table() {
  local big=$(short "$ROWS_BIG") xmlrows=$(short "$ROWS_XML") smallrows=$(short "$ROWS_SMALL")
  local csv_bytes gz_bytes xml_bytes small_bytes max_rss=0 k
  csv_bytes=$(bytes_of "$CSV") gz_bytes=$(bytes_of "$GZ") xml_bytes=$(bytes_of "$XML") small_bytes=$(bytes_of "$SMALL")
  local polars_version="" xmllint_version=""
  [[ -n ${SKIP[polars]:-} ]] || polars_version=" $(python3 -c 'import polars; print(polars.__version__)')"
  [[ -n ${SKIP[xmllint]:-} ]] || xmllint_version=" (libxml2 $(first_match 'libxml version ([0-9]+)' "$(xmllint --version 2>&1)"))"

  echo
  printf 'plytix-prima %s, %s; %s × %s, %s GB RAM; %s run(s) per case, medians; load average %s at the start, %s at the end; %s\n' \
    "$(git -C "$REPO" rev-parse --short HEAD)" "$(first_match '(Swift version [0-9.]+)' "$(swift --version 2> /dev/null)")" \
    "$(nproc)" "$(awk -F': ' '/^model name/ && !m { m = $2 } END { print m }' /proc/cpuinfo)" \
    "$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)" "$RUNS" "$LOAD_AT_START" "$(load)" "$(date -u +%Y-%m-%d)"
  echo
  echo '| case | input | tool | median wall | CPU, user+sys (of it sys) | rows/s | MB/s | peak RSS | ours ÷ tool (wall) |'
  echo '|---|---|---|--:|--:|--:|--:|--:|--:|'
  row "$big-row CSV, first run (empty state)" "$(mb "$csv_bytes") CSV" "plytix-prima run" csv "$ROWS_BIG" "$csv_bytes"
  row "" "" "polars$polars_version scan_csv → filter → sink_csv" csv_polars "$ROWS_BIG" "$csv_bytes" csv
  row "$big-row CSV, second run, 1% changed" "$(mb "$csv_bytes") CSV" "plytix-prima run" diff "$ROWS_BIG" "$csv_bytes"
  row "$big-row CSV.gz, first run" "$(mb "$gz_bytes") gzip ($(mb "$csv_bytes") inflated)" "plytix-prima run" gz "$ROWS_BIG" "$csv_bytes"
  row "" "" "gzip -dc > /dev/null" gz_gzip "$ROWS_BIG" "$csv_bytes" gz
  row "$xmlrows-row XML, first run" "$(mb "$xml_bytes") XML" "plytix-prima run" xml "$ROWS_XML" "$xml_bytes"
  row "" "" "xmllint --stream$xmllint_version" xml_xmllint "$ROWS_XML" "$xml_bytes" xml
  row "$smallrows-row CSV, first run (growth)" "$(mb "$small_bytes") CSV" "plytix-prima run" small "$ROWS_SMALL" "$small_bytes"

  for k in csv diff gz xml small; do
    have_times "$k" && (( $(peak_kib "$k") > max_rss )) && max_rss=$(peak_kib "$k")
  done
  echo
  echo '| target | goal | measured | |'
  echo '|---|--:|--:|---|'
  target "$big-row CSV: plytix-prima ÷ polars" 1.0 "$(measured_ratio csv csv_polars)" ×
  target "$big-row CSV, 1% changed: second run ÷ first run" 0.5 "$(measured_ratio diff csv)" ×
  target "$big-row CSV.gz: plytix-prima ÷ gzip -dc" 1.3 "$(measured_ratio gz gz_gzip)" ×
  target "$xmlrows-row XML: plytix-prima ÷ xmllint --stream" 1.3 "$(measured_ratio xml xml_xmllint)" ×
  target "growth: $big-row ÷ $smallrows-row CSV time" "$(awk -v a="$ROWS_BIG" -v b="$ROWS_SMALL" 'BEGIN { print 1.1 * a / b }')" "$(measured_ratio csv small)" ×
  ((max_rss == 0)) || max_rss=$(( (max_rss + 512) / 1024 ))
  target "peak RSS of plytix-prima, any case" 256 "${max_rss#0}" " MiB"
}

load() { cut -d' ' -f1 /proc/loadavg; }

# Other work on the machine slows every tool, and a multi-threaded one most: say so.
check_quiet() {
  LOAD_AT_START=$(load)
  awk -v l="$LOAD_AT_START" 'BEGIN { exit !(l > 0.5) }' &&
    log "warning: the machine is busy (load average $LOAD_AT_START on $(nproc) cores); times will be slower than on a quiet machine"
  return 0
}

main() {
  parse_args "$@"
  ensure_binary
  prepare_cache
  check_quiet
  run_cases
  print_table
  if ((${#FAIL[@]})); then
    printf '\n%s case(s) failed: %s\n' "${#FAIL[@]}" "${!FAIL[*]}" >&2
    exit 1
  fi
}

main "$@"
