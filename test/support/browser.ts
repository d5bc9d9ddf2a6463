// Debian's Chromium (scripts/setup.sh --tests installs it), driven by
// playwright-core: no browser is downloaded. The flags keep it from reaching
// for Google's services, which this machine's closed network refuses.
// Playwright gives every launch a new, empty profile of its own.
import * as fs from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh --tests`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
