// The app is served by `harde serve` under /app/ (unknown paths there get index.html), so every
// asset URL is built under that base. In development, `npx vite` proxies the API to a local
// `harde serve` on port 8000.
import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

const api = "http://127.0.0.1:8000";

export default defineConfig({
  base: "/app/",
  plugins: [react()],
  build: { outDir: "dist", sourcemap: false, chunkSizeWarningLimit: 1200 },
  server: { proxy: { "/v1": api, "/widget": api, "/start": api, "/sessions": api } },
  test: { environment: "jsdom", globals: true, setupFiles: ["src/test-setup.ts"], css: false },
});
