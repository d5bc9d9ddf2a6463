// Where a field of a parsed YAML document is written, for errors that point
// at the line a person has to change (ODCS contracts, YAML manifests).
import { type Document, type LineCounter, isMap, isScalar, isSeq, type Node as YamlNode } from "yaml";

/** A field's path in a document: keys and list indexes. */
export type YamlPath = readonly (string | number)[];

/**
 * `file:line:column` of the field at a path of `document` (its key), or of
 * its nearest written parent when the field is missing. Pure.
 */
export function yamlLocator(file: string, document: Document.Parsed, lines: LineCounter): (path: YamlPath) => string {
  return (at) => {
    let node: unknown = document.contents;
    let offset = (document.contents as YamlNode | null)?.range?.[0] ?? document.range[0];
    for (const segment of at) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        offset = (pair.key as YamlNode).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === "number" && node.items[segment]) {
        node = node.items[segment];
        offset = (node as YamlNode).range?.[0] ?? offset;
      } else break;
    }
    return yamlPosition(file, lines, offset);
  };
}

/** `file:line:column` of a character offset. */
export function yamlPosition(file: string, lines: LineCounter, offset: number): string {
  const { line, col } = lines.linePos(offset);
  return `${file}:${line}:${col}`;
}
