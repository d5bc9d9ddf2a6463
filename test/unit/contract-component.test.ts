// The Contract primitive under mocks: a problem of a contract file is
// reported at preview as Contract "<name>": <file>:<line>:<column> <field>,
// and a depot its Cluster does not serve is refused.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { installMocks } from "../support/mocks.js";

await installMocks({ config: { "strata:dataDir": "/data/dev", "strata:trinoHome": "/opt/trino", "strata:javaHome": "/opt/jdk" } });
const { Cluster, Contract, Depot, strataProgram } = await import("@strata/user-kernel");

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "contract-"));
const file = path.join(dir, "nations.odcs.yaml");
fs.writeFileSync(
  file,
  `apiVersion: v3.1.0
kind: DataContract
id: urn:nations
version: 1.0.0
status: active
schema:
  - name: nation
    physicalName: tiny.nation
    properties:
      - name: nationkey
        quality:
          - metric: rowCount
            mustBe: 25
`,
);

async function preview(declare: () => void): Promise<string> {
  try {
    await strataProgram(() => {
      declare();
      return {};
    })();
    return "";
  } catch (error) {
    return (error as Error).message;
  }
}

describe("Contract (mocks)", () => {
  test("a rule at the wrong level is refused at preview, located in the file", async () => {
    const message = await preview(() => {
      const tpch = new Depot("tpch", { source: { kind: "tpch" } });
      Contract.fromFile("nations", file, { depot: tpch, cluster: new Cluster("analytics", { depots: [tpch] }) });
    });
    expect(message).toBe(
      `Contract "nations": ${file}:12:13 document.schema[0].properties[0].quality[0].metric="rowCount" is a schema-level metric. Fix: move the rule under the schema object`,
    );
  });

  test("a depot the Cluster does not serve is refused", async () => {
    const message = await preview(() => {
      const tpch = new Depot("tpch", { source: { kind: "tpch" } });
      const other = new Depot("scratch", { source: { kind: "memory" } });
      Contract.fromFile("nations", file, { depot: other, cluster: new Cluster("analytics", { depots: [tpch] }) });
    });
    expect(message).toContain(
      'Contract "nations": depot="scratch" is not served by the Cluster. Fix: add it to the Cluster\'s depots (tpch)',
    );
  });
});
