// Builds the dashboard: `npm run build` (= `vite build web`) writes web/dist, which the server
// serves at `/`. Asset URLs are absolute so client routes (/host/…) load them too.
import { defineConfig, type Plugin } from 'vite';

/**
 * main.ts sends its first queries, then imports page.ts. The page's chunk and the chunks it
 * imports (uPlot and the host view among them) are named in the HTML too, so they download
 * beside the entry: asked for only at the import, they would wait behind those queries at the
 * server.
 */
function preloadPage(): Plugin {
  return {
    name: 'berth-preload-page',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const chunks = Object.values(ctx.bundle ?? {}).filter((c) => c.type === 'chunk');
        // The chunk holding page.ts (the views split off import from it, so it may have no facade).
        const page = chunks.find((c) => c.isDynamicEntry && c.moduleIds.some((id) => id.endsWith('/web/page.ts')));
        if (!page) throw new Error('berth-preload-page: no chunk for page.ts');
        const files = new Set<string>();
        const add = (file: string) => {
          const chunk = chunks.find((c) => c.fileName === file);
          if (!chunk || files.has(file) || chunk.isEntry) return;
          files.add(file);
          chunk.imports.forEach(add);
        };
        add(page.fileName);
        return [...files].map((file) => ({
          tag: 'link',
          attrs: { rel: 'modulepreload', crossorigin: true, href: `/${file}` },
          injectTo: 'head' as const,
        }));
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
    // A host view's first load takes three chunks (the entry; the page's controller; uPlot and
    // the host view), well under the 120 kB gzip budget; the other views are chunks of their own.
    reportCompressedSize: true,
    chunkSizeWarningLimit: 200,
    // A few shared lines (dom.ts) would otherwise be a request of their own.
    rollupOptions: { output: { experimentalMinChunkSize: 1024 } },
  },
  server: {
    // `npx vite web` for development, against a server started on 8788.
    proxy: { '/api': 'http://127.0.0.1:8788' },
  },
});
