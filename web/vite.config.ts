// Builds the dashboard: `npm run build` (= `vite build web`) writes web/dist, which the server
// serves at `/`. Asset URLs are absolute so client routes (/host/…) load them too.
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // One small bundle: uPlot plus the page, well under the 120 kB gzip budget.
    reportCompressedSize: true,
    chunkSizeWarningLimit: 200,
  },
  server: {
    // `npx vite web` for development, against a server started on 8788.
    proxy: { '/api': 'http://127.0.0.1:8788' },
  },
});
