// The engine's messages name `pulumi` commands (`pulumi stack rm dev`,
// `pulumi cancel`), which a Strata user may not have: each such line is
// followed by the `strata` command doing the same.

/** The `strata` equivalent of the `pulumi` command a line names, if there is one. Pure. */
export function strataHint(line: string, stack: string): string | undefined {
  const remove = /pulumi stack rm(?: --force)?(?: ([A-Za-z0-9_./-]+))?/.exec(line);
  if (remove)
    return `npm run strata -- remove --stack ${remove[1]?.replace(/\.$/, "").split("/").at(-1) ?? stack}${/--force/.test(remove[0]) ? " --force" : ""}`;
  if (/pulumi cancel\b/.test(line)) return `npm run strata -- cancel --stack ${stack}`;
  if (/pulumi refresh\b/.test(line)) return `npm run strata -- refresh --stack ${stack}`;
  if (/pulumi state unprotect\b/.test(line)) return `npm run strata -- unprotect --stack ${stack}`;
  return undefined;
}

/** Adds the hint line after each line naming a `pulumi` command. Pure. */
export function withStrataHints(text: string, stack: string): string {
  return text
    .split("\n")
    .flatMap((line) => {
      const hint = strataHint(line, stack);
      return hint === undefined ? [line] : [line, `${line.match(/^\s*/)![0]}With strata: ${hint}`];
    })
    .join("\n");
}

/** A writer of the engine's streamed output that adds the hints, a whole line at a time. */
export function hintedWriter(stack: string, write: (text: string) => void): { write: (text: string) => void; flush: () => void } {
  let pending = "";
  return {
    write(text: string) {
      pending += text;
      const end = pending.lastIndexOf("\n");
      if (end < 0) return;
      write(withStrataHints(pending.slice(0, end + 1), stack));
      pending = pending.slice(end + 1);
    },
    flush() {
      if (pending !== "") write(withStrataHints(pending, stack));
      pending = "";
    },
  };
}
