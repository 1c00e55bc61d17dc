// Builds the web console into dist/console, which the gateway serves at / and
// /console (src/http/console-route.ts). Everything it needs is bundled: the
// gateway's machines may have no internet, and its CSP allows only 'self'.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  // Absolute, so the page's assets resolve the same from / and from /console.
  base: "/console/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/console", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // A CSP of 'self' forbids data: URLs for scripts; the few small assets stay files.
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
  server: {
    // `npx vite --config console/vite.config.ts` beside a running gateway: the page calls it as it would in production.
    proxy: { "/v1": "http://127.0.0.1:3000", "/admin": "http://127.0.0.1:3000" },
  },
});
