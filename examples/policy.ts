// Policies: readers of a depot, a masked column and a row filter. The
// Cluster compiles them into Trino's access rules; anything not allowed is denied.
import { Cluster, Depot, Policy } from "@strata/core-kernel";

export function policyExample() {
  const tpch = new Depot("tpch", { source: { kind: "tpch" } });
  const readers = new Policy("readers", {
    access: [{ groups: ["analysts"], depot: "tpch", access: "read" }],
    masks: [{ groups: ["analysts"], depot: "tpch", schema: "tiny", table: "customer", column: "phone", mask: "redact" }],
    filters: [{ groups: ["analysts"], depot: "tpch", schema: "tiny", table: "customer", where: "mktsegment = 'BUILDING'" }],
  });
  const cluster = new Cluster("governed", { depots: [tpch], policies: [readers], groups: { analysts: ["ann", "raj"] } });
  return { endpoint: cluster.endpoint };
}
