import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

// The playground is a static site: relative base so the built files open from any path.
export default defineConfig({
  root: here,
  base: './',
  build: {
    outDir: `${here}dist`,
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 30_000,
    reportCompressedSize: false,
    rolldownOptions: {
      // The playground never renders Vega charts (the report namespace does, in Node), but Vega's
      // modules count as having side effects, so without this every chunk that imports the public
      // API would carry ~700 kB of it. Only third-party code is affected: gradscope's own
      // side-effect imports (ops/methods, autograd/backward) are kept.
      treeshake: {
        moduleSideEffects: (id: string) => !/[\\/]node_modules[\\/](vega|d3-|vega-)/.test(id),
      },
    },
  },
  worker: {
    format: 'es',
    rolldownOptions: {
      treeshake: {
        moduleSideEffects: (id: string) => !/[\\/]node_modules[\\/](vega|d3-|vega-)/.test(id),
      },
    },
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
