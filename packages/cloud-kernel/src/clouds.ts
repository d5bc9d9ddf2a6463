import { awsCapabilities } from "./aws/index.js";
import { azureCapabilities } from "./azure/index.js";
import type { CloudTargetName } from "./base/index.js";
import type { CloudCapabilities } from "./capabilities.js";
import { gcpCapabilities } from "./gcp/index.js";

const CLOUDS: Record<CloudTargetName, CloudCapabilities> = { aws: awsCapabilities, gcp: gcpCapabilities, azure: azureCapabilities };

/** The implementations of every cloud capability for one cloud target. */
export function cloudCapabilities(target: CloudTargetName): CloudCapabilities {
  return CLOUDS[target];
}
