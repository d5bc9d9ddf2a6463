// The same data platform as stacks/local: only the stack config differs (strata:target = aws).
export { default, demo } from "../local/program.js";
