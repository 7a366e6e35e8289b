#!/usr/bin/env bash
# `npm test`: build the kernels, typecheck, run the unit suite. Ends with one plain summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build:wasm
npx tsc -p tsconfig.json --noEmit
rm -f build/vitest.json
status=0
npx vitest run --reporter=default --reporter=json --outputFile=build/vitest.json || status=$?
node scripts/test-summary.mjs build/vitest.json || status=1
exit "$status"
