// Headless Debian Chromium through playwright-core (never a downloaded browser). Playwright gives
// each launch a fresh temporary profile; the flags keep Chromium off the (closed) network.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const BASE_FLAGS = [
  '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];
/** WebGPU on SwiftShader (a software adapter); without these, requestAdapter() returns null. */
export const WEBGPU_FLAGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];

export function chromiumAvailable() {
  return existsSync(CHROMIUM);
}

/** `webgpu: false` adds --disable-gpu (no GPU process work at all). */
export function launchChromium({ webgpu = false } = {}) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...BASE_FLAGS, ...(webgpu ? WEBGPU_FLAGS : ['--disable-gpu'])],
  });
}
