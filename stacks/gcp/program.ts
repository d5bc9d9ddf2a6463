// The same data platform as stacks/local: only the stack config differs (strata:target = gcp).
export { default, demo } from "../local/program.js";
