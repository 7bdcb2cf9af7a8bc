import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * Cross-origin isolation (COOP + COEP): it gives the page SharedArrayBuffer, which the CPU engine's
 * WebAssembly transport needs to run on several worker threads (without it, one thread, and the cost
 * meter says why). The app loads nothing from other origins, so require-corp blocks nothing. A static
 * host must send the same two headers for threads in production.
 */
const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react()],
  server: { host: '127.0.0.1', port: 5173, headers: CROSS_ORIGIN_ISOLATION },
  preview: { headers: CROSS_ORIGIN_ISOLATION },
  // ES-module workers: the engine worker imports its GPU modules lazily, as separate chunks
  worker: { format: 'es' },
});
