import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * Cross-origin isolation (COOP + COEP): it gives the page SharedArrayBuffer, which the CPU engine's
 * WebAssembly transport needs to run on several worker threads (without it, one thread, and the cost
 * meter says why). The app loads nothing from other origins, so require-corp blocks nothing. A static
 * host should send the same two headers (public/_headers does on Netlify and Cloudflare Pages); where it
 * cannot, the build's service worker (public/sw.js) adds them and the page reloads once into isolation.
 */
const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** Built files the service worker does not precache: itself, host configuration, source maps. */
const NOT_PRECACHED = [/^sw\.js$/, /^_headers$/, /^_redirects$/, /\.map$/];

function filesUnder(dir: string, root = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, root) : [relative(root, path).split(sep).join('/')];
  });
}

/**
 * Writes the built file list, its total size and a content hash (the version) into the service worker
 * (dist/sw.js), so that any change to the build changes sw.js and the browser installs the new version.
 */
function precacheServiceWorker(): Plugin {
  let outDir = '';
  let publicDir = '';
  let log: (msg: string) => void = () => {};
  return {
    name: 'lab-precache',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
      publicDir = config.publicDir;
      log = (msg) => config.logger.info(msg);
    },
    writeBundle: {
      order: 'post',
      sequential: true,
      handler(_options, bundle) {
        const built = [...Object.keys(bundle), ...(publicDir ? filesUnder(publicDir) : [])];
        const files = [...new Set(built)].filter((f) => !NOT_PRECACHED.some((re) => re.test(f))).sort();
        const hash = createHash('sha256');
        let bytes = 0;
        for (const f of files) {
          const content = readFileSync(join(outDir, f));
          bytes += content.length;
          hash.update(f).update('\0').update(content);
        }
        // the shell is cached under the scope's URL ('./'), which static hosts serve as index.html
        const list = files.map((f) => (f === 'index.html' ? './' : f));
        const swPath = join(outDir, 'sw.js');
        const sw = readFileSync(swPath, 'utf8');
        const marker = /\/\* precache \*\/[^]*?\/\* end precache \*\//;
        if (!marker.test(sw)) throw new Error(`${swPath}: no /* precache */ … /* end precache */ marker`);
        const build = { version: hash.digest('hex').slice(0, 16), bytes, files: list };
        writeFileSync(swPath, sw.replace(marker, `${JSON.stringify(build)};`));
        log(`service worker precache: ${files.length} files, ${(bytes / 1024).toFixed(0)} kB, version ${build.version}`);
      },
    },
  };
}

export default defineConfig({
  // './' runs from any host and subpath (https://USER.github.io/REPO/, a folder on a school server);
  // LAB_BASE=/REPO/ fixes an absolute one (the GitHub Pages workflow). The dev server always serves at /.
  base: process.env.LAB_BASE || './',
  plugins: [react(), precacheServiceWorker()],
  server: { host: '127.0.0.1', port: 5173, headers: CROSS_ORIGIN_ISOLATION },
  preview: { headers: CROSS_ORIGIN_ISOLATION },
  // ES-module workers: the engine worker imports its GPU modules lazily, as separate chunks
  worker: { format: 'es' },
});
