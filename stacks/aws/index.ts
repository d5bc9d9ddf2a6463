// Entry for `pulumi up` with the official CLI.
export { default } from "./program.js";
