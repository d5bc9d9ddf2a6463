// The fixed schema of Trino's TPC-H connector (476), as `information_schema.columns`
// reports it: the same tables and column types in every schema. Policies on a
// TPC-H depot are checked against it at preview, without a server.

/** The schemas the TPC-H connector serves: `tiny`, then scale factors. */
export const TPCH_SCHEMAS = ["tiny", "sf1", "sf100", "sf300", "sf1000", "sf3000", "sf10000", "sf30000", "sf100000"] as const;

/** Table -> column -> Trino type, in column order. */
export const TPCH_COLUMNS: Record<string, Record<string, string>> = {
  customer: {
    custkey: "bigint",
    name: "varchar(25)",
    address: "varchar(40)",
    nationkey: "bigint",
    phone: "varchar(15)",
    acctbal: "double",
    mktsegment: "varchar(10)",
    comment: "varchar(117)",
  },
  lineitem: {
    orderkey: "bigint",
    partkey: "bigint",
    suppkey: "bigint",
    linenumber: "integer",
    quantity: "double",
    extendedprice: "double",
    discount: "double",
    tax: "double",
    returnflag: "varchar(1)",
    linestatus: "varchar(1)",
    shipdate: "date",
    commitdate: "date",
    receiptdate: "date",
    shipinstruct: "varchar(25)",
    shipmode: "varchar(10)",
    comment: "varchar(44)",
  },
  nation: { nationkey: "bigint", name: "varchar(25)", regionkey: "bigint", comment: "varchar(152)" },
  orders: {
    orderkey: "bigint",
    custkey: "bigint",
    orderstatus: "varchar(1)",
    totalprice: "double",
    orderdate: "date",
    orderpriority: "varchar(15)",
    clerk: "varchar(15)",
    shippriority: "integer",
    comment: "varchar(79)",
  },
  part: {
    partkey: "bigint",
    name: "varchar(55)",
    mfgr: "varchar(25)",
    brand: "varchar(10)",
    type: "varchar(25)",
    size: "integer",
    container: "varchar(10)",
    retailprice: "double",
    comment: "varchar(23)",
  },
  partsupp: { partkey: "bigint", suppkey: "bigint", availqty: "integer", supplycost: "double", comment: "varchar(199)" },
  region: { regionkey: "bigint", name: "varchar(25)", comment: "varchar(152)" },
  supplier: {
    suppkey: "bigint",
    name: "varchar(25)",
    address: "varchar(40)",
    nationkey: "bigint",
    phone: "varchar(15)",
    acctbal: "double",
    comment: "varchar(101)",
  },
};

/** Every TPC-H table of a catalog with its column types: `catalog.schema.table` -> column -> type. */
export function tpchColumnTypes(catalog: string): Record<string, Record<string, string>> {
  return Object.fromEntries(
    TPCH_SCHEMAS.flatMap((schema) => Object.entries(TPCH_COLUMNS).map(([table, columns]) => [`${catalog}.${schema}.${table}`, columns])),
  );
}
