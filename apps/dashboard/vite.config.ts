import { defineConfig } from 'vite';

// The dashboard is served by the cloud at `/` (apps/cloud/src/http/dashboard-files.ts): relative asset URLs, one
// JS and one CSS file under assets/, no source maps (nothing is fetched from a CDN at run time).
export default defineConfig({
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false, reportCompressedSize: false },
});
