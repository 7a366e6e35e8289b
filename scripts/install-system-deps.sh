#!/usr/bin/env bash
# System packages the WebGPU tests need on Debian (npm run test:gpu): Chromium for the browser
# run (WebGPU on SwiftShader, which ships inside Chromium) and Mesa's Vulkan driver for Deno's
# navigator.gpu. Idempotent: installs only what is missing; apt-get update only if it installs.
set -euo pipefail

wanted=(chromium mesa-vulkan-drivers libvulkan1)
missing=()
for pkg in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system deps present: ${wanted[*]}"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "missing ${missing[*]} and no apt-get here: install them with your package manager" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing: ${missing[*]}"
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
