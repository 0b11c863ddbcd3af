// Builds the dashboard: `npm run build` (= `vite build web`) writes web/dist, which the server
// serves at `/`. Asset URLs are absolute so client routes (/host/…) load them too.
import { defineConfig, type Plugin } from 'vite';

/**
 * main.ts sends its first queries, then imports page.ts. The page's chunk is named in the HTML
 * too, so it downloads beside the entry: asked for only at the import, it would wait behind
 * those queries at the server.
 */
function preloadPage(): Plugin {
  return {
    name: 'berth-preload-page',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        // The chunk holding page.ts (the views split off import from it, so it may have no facade).
        const page = Object.values(ctx.bundle ?? {}).find(
          (c) => c.type === 'chunk' && c.isDynamicEntry && c.moduleIds.some((id) => id.endsWith('/web/page.ts')),
        );
        if (!page) throw new Error('berth-preload-page: no chunk for page.ts');
        return [
          {
            tag: 'link',
            attrs: { rel: 'modulepreload', crossorigin: true, href: `/${page.fileName}` },
            injectTo: 'head',
          },
        ];
      },
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [preloadPage()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Two small chunks on a host view's first load (the entry, then uPlot plus the page and the
    // host view), well under the 120 kB gzip budget; the other views are chunks of their own.
    reportCompressedSize: true,
    chunkSizeWarningLimit: 200,
  },
  server: {
    // `npx vite web` for development, against a server started on 8788.
    proxy: { '/api': 'http://127.0.0.1:8788' },
  },
});
