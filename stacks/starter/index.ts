// Entry for `pulumi up` with the official CLI; strata runs program.js inline.
export { default } from "./program.js";
