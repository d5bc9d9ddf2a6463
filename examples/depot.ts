// Depots: TPC-H reference data and an in-memory scratch catalog, mounted on
// a Cluster. Datasets are addressed strata://<catalog>/<schema>/<table>.
import { Cluster, Depot } from "@strata/core-kernel";

export function depotExample() {
  const tpch = new Depot("tpch", { source: { kind: "tpch" }, description: "TPC-H reference data" });
  const scratch = new Depot("scratch", { source: { kind: "memory" }, owner: "analytics-eng" });
  const cluster = new Cluster("adhoc", { depots: [tpch, scratch] });
  return { addresses: [tpch.address, scratch.address], endpoint: cluster.endpoint };
}
