#!/usr/bin/env bash
# `npm test`: installs the system packages the browser/GPU suites need (idempotent), builds, then
# runs every suite: type check, unit tests (vitest), WebGPU (Deno + Chromium), the packed tarball
# in five runtimes, and the browser playground. Ends with one plain line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
report=()

# stage NAME COMMAND...: runs it, counts the last "N passed, N failed" line it prints (or 1 pass /
# 1 failure by exit code when it prints none), and a non-zero exit always counts as a failure.
stage() {
  local name=$1
  shift
  echo
  echo "================ $name"
  local log
  log=$(mktemp)
  "$@" 2>&1 | tee "$log"
  local code=${PIPESTATUS[0]}
  local p=0 f=0
  local line
  line=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    p=${BASH_REMATCH[1]}
    f=${BASH_REMATCH[2]}
  elif [ "$code" -eq 0 ]; then
    p=1
  fi
  if [ "$code" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p))
  failed=$((failed + f))
  report+=("$name: $p passed, $f failed (exit $code)")
  rm -f "$log"
}

stage "system packages" bash scripts/install-system-deps.sh
stage "build" npm run build
stage "typecheck" npx tsc -p tsconfig.json --noEmit
rm -f build/vitest.json
stage "unit (vitest)" bash -c 'npx vitest run --reporter=default --reporter=json --outputFile=build/vitest.json; node scripts/test-summary.mjs build/vitest.json'
stage "webgpu (deno, chromium)" npm run test:gpu
stage "runtimes (node, deno, bun, page, worker)" npm run test:runtimes
stage "playground (chromium)" npm run test:playground

echo
echo "================ summary"
printf '%s\n' "${report[@]}"
echo "all suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
