import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { PROVIDER_PACKAGE, PROVIDER_VERSION } from "./version.js";

/** The compiled entry point of the `strata` provider plugin. */
export function providerPluginMain(): string {
  return fileURLToPath(new URL("./main.js", import.meta.url));
}

/**
 * Installs the `strata` provider plugin into a Pulumi home, where the engine
 * finds it without a download and without a warning:
 * `<pulumiHome>/plugins/resource-strata-v<version>/pulumi-resource-strata`, a
 * script running this package's provider with the given Node.js (a real
 * folder, not a link, which the engine would skip), plus the empty `.lock`
 * file the engine expects beside it. Idempotent; returns the plugin folder.
 */
export function installProviderPlugin(pulumiHome: string, node: string = process.execPath): string {
  const folder = path.join(pulumiHome, "plugins", `resource-${PROVIDER_PACKAGE}-v${PROVIDER_VERSION}`);
  const binary = path.join(folder, `pulumi-resource-${PROVIDER_PACKAGE}`);
  const script = `#!/bin/sh\n# Installed by Strata: the ${PROVIDER_PACKAGE} resource provider ${PROVIDER_VERSION}.\nexec "${node}" "${providerPluginMain()}" "$@"\n`;
  fs.mkdirSync(folder, { recursive: true, mode: 0o755 });
  if (!fs.existsSync(binary) || fs.readFileSync(binary, "utf8") !== script) {
    const temporary = `${binary}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, script, { mode: 0o755 });
    fs.renameSync(temporary, binary);
  }
  fs.closeSync(fs.openSync(`${folder}.lock`, "a"));
  return folder;
}
