import { existsSync, readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';

// Dawn (the `webgpu` package) finds no adapter on GPU-less machines unless pointed at SwiftShader's
// Vulkan driver, which Debian's chromium ships. On a machine with a real GPU the file is absent or unused.
// A machine with a GPU device node keeps its hardware drivers (scripts/gpu-check.sh runs the tests there).
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const hasGpuDevice = existsSync('/dev/nvidia0') || (existsSync('/dev/dri') && readdirSync('/dev/dri').some((f) => f.startsWith('renderD')));
if (existsSync(SWIFTSHADER_ICD) && !hasGpuDevice) process.env.VK_ICD_FILENAMES ??= SWIFTSHADER_ICD;

/** Flags for Debian's Chromium on a closed network; --enable-unsafe-webgpu turns WebGPU on. */
export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export default defineConfig({
  test: {
    // The JSON report lets .ci/run print a plain `N passed, N failed` line.
    reporters: ['default', 'json'],
    passWithNoTests: true,
    outputFile: { json: '.vitest-report.json' },
    projects: [
      {
        // Node: the CPU engine, the CLI, WGSL through Dawn (*.gpu.test.ts), the app end to end (*.e2e.test.ts)
        test: {
          name: 'node',
          environment: 'node',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/**/*.browser.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Chromium with SwiftShader WebGPU: the same kernels in a real browser
        test: {
          name: 'browser',
          include: ['tests/**/*.browser.test.ts'],
          testTimeout: 120_000,
          browser: {
            enabled: true,
            headless: true,
            instances: [{ browser: 'chromium' }],
            provider: playwright({ launchOptions: { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS } }),
          },
        },
      },
    ],
  },
});
