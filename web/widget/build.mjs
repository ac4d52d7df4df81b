// Bundle the widget into one self-contained file: dist/hard-e-widget.js (served by `harde serve`).
// Everything it needs is inside it, so nothing is fetched from another host at run time.
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";

const outfile = "dist/hard-e-widget.js";
await build({
  entryPoints: ["src/main.ts"],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  outfile,
  legalComments: "none",
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
});
const size = readFileSync(outfile);
console.log(`${outfile}: ${(size.length / 1024).toFixed(0)} KB, ${(gzipSync(size).length / 1024).toFixed(0)} KB gzipped`);
