// Mock options for programs deployed on the cloud targets under mocks: the
// invokes every cloud kernel makes (answered as in the shared cloud suite)
// and the address each cloud's managed PostgreSQL server reports.
import type { CloudExpectations } from "./expectations.js";

type Answers = Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>;

/** Every cloud's expectations, loaded as the shared suite loads them (before the mocks are installed). */
export async function allClouds(): Promise<CloudExpectations[]> {
  return [(await import("./aws.js")).default, (await import("./gcp.js")).default, (await import("./azure.js")).default];
}

/**
 * `calls` and `outputs` for `installMocks`: managed servers answer at `host`;
 * with `cloudOutputs`, resources also get what each cloud computes (ARNs,
 * emails, client ids) as in the shared cloud suite.
 */
export async function cloudMockOptions(
  host: string,
  options: { cloudOutputs?: boolean } = {},
): Promise<{ calls: Answers; outputs: Answers }> {
  const clouds = await allClouds();
  return {
    calls: Object.assign({}, ...clouds.map((c) => c.calls ?? {})),
    outputs: {
      ...(options.cloudOutputs ? Object.assign({}, ...clouds.map((c) => c.outputs ?? {})) : {}),
      "aws:rds/instance:Instance": () => ({ address: host, port: 5432 }),
      "gcp:sql/databaseInstance:DatabaseInstance": () => ({ privateIpAddress: host }),
      "azure-native:dbforpostgresql:Server": () => ({ fullyQualifiedDomainName: host }),
    },
  };
}
