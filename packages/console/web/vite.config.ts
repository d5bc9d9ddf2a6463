// Builds the console's page into the package's dist/web, which its server serves.
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  plugins: [react()],
  build: { outDir: path.join(here, "..", "dist", "web"), emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1500 },
  logLevel: "warn",
});
