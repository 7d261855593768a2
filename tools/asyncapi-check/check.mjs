// Parse an AsyncAPI document with the official parser; exit 1 on any error or warning.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Parser, DiagnosticSeverity } from "@asyncapi/parser";

const path = resolve(process.argv[2] ?? "../../generated/asyncapi.yaml");
const parser = new Parser();
const { document, diagnostics } = await parser.parse(readFileSync(path, "utf8"), {
  source: path,
});
const reported = diagnostics.filter(
  (d) => d.severity === DiagnosticSeverity.Error || d.severity === DiagnosticSeverity.Warning,
);
for (const d of diagnostics) {
  const level = ["error", "warning", "information", "hint"][d.severity] ?? d.severity;
  console.log(`${level}: ${d.code}: ${d.message} at ${JSON.stringify(d.path)}`);
}
if (document === undefined || reported.length > 0) {
  console.error(`${path}: ${reported.length} error(s)/warning(s)`);
  process.exit(1);
}
console.log(
  `${path}: valid AsyncAPI ${document.version()}, ${document.allMessages().length} messages, ` +
    `${document.operations().length} operations, no errors or warnings`,
);
