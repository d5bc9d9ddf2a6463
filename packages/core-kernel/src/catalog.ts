// The Catalog primitive's data: every primitive registers its entry through
// the component base; programs read them back here to export lineage.
export { type CatalogEntry, catalogEntries, primitiveAddress, resetCatalog, resetProgramState } from "@strata/cloud-kernel";
