// Generates TypeScript types from ../../schemas/: one module per message version, an index per
// service, and generated/examples.ts, which types every example of schemas/asyncapi.yaml with
// its generated type, so that `tsc` proves the types and the examples agree.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "json-schema-to-typescript";
import { parse } from "yaml";

const here = dirname(fileURLToPath(import.meta.url));
export const SCHEMAS = process.env.PRESSROOM_SCHEMAS_DIR || join(here, "..", "..", "schemas");
const OUT = join(here, "generated");
const BANNER = "// Generated from schemas/ by contract/typescript/generate.mjs: do not edit.";

// pydantic titles every field ("Release Id"): json-schema-to-typescript would make each one a
// type alias. Only the models ($defs) and the message keep their names.
function untitledFields(node) {
  if (Array.isArray(node)) return node.map(untitledFields);
  if (node === null || typeof node !== "object") return node;
  const copy = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "properties") {
      copy[key] = Object.fromEntries(
        Object.entries(value).map(([name, field]) => {
          const { title, ...rest } = field;
          return [name, untitledFields(rest)];
        }),
      );
    } else copy[key] = untitledFields(value);
  }
  return copy;
}

// "DraftCreated v1" (the schema's title) -> "DraftCreatedV1".
const typeName = (schema) => schema.title.replace(/ v(\d+)$/, "V$1");

async function generateService(service) {
  const files = readdirSync(join(SCHEMAS, service)).filter((f) => f.endsWith(".json")).sort();
  mkdirSync(join(OUT, service), { recursive: true });
  const exports = [];
  for (const file of files) {
    const schema = JSON.parse(readFileSync(join(SCHEMAS, service, file), "utf8"));
    const name = typeName(schema);
    const source = await compile({ ...untitledFields(schema), title: name }, name, {
      bannerComment: BANNER,
      additionalProperties: false, // an open schema still types the fields it names
      strictIndexSignatures: true,
      maxItems: -1, // minItems/maxItems stay in the schema: no unions of tuples
    });
    const module = file.replace(/\.json$/, "");
    writeFileSync(join(OUT, service, `${module}.ts`), source);
    exports.push(`export type { ${name} } from "./${module}.js";`);
  }
  writeFileSync(join(OUT, service, "index.ts"), [BANNER, ...exports, ""].join("\n"));
}

function generateExamples(services) {
  const document = parse(readFileSync(join(SCHEMAS, "asyncapi.yaml"), "utf8"));
  const lines = [BANNER, ...services.map((s) => `import type * as ${s} from "./${s}/index.js";`)];
  for (const [id, message] of Object.entries(document.components.messages)) {
    const ref = message.payload?.$ref; // "./drafting/DraftCreated.v1.json"
    if (!ref || !message.examples) continue;
    const [service, file] = ref.replace("./", "").split("/");
    const schema = JSON.parse(readFileSync(join(SCHEMAS, service, file), "utf8"));
    const constant = id.replace(/[^A-Za-z0-9]/g, "_");
    const payload = JSON.stringify(message.examples[0].payload, null, 2);
    lines.push(`export const ${constant}: ${service}.${typeName(schema)} = ${payload};`);
  }
  writeFileSync(join(OUT, "examples.ts"), lines.join("\n") + "\n");
}

rmSync(OUT, { recursive: true, force: true });
const services = readdirSync(SCHEMAS, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
for (const service of services) await generateService(service);
generateExamples(services);
writeFileSync(
  join(OUT, "index.ts"),
  [BANNER, ...services.map((s) => `export type * as ${s} from "./${s}/index.js";`), ""].join("\n"),
);
console.log(`Generated the types of ${services.length} services in ${OUT}`);
