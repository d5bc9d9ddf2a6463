// The same data platform as stacks/local: only the stack config differs (strata:target = azure).
export { default, demo } from "../local/program.js";
