// Validates every example of ../../schemas/asyncapi.yaml (the headers and value exactly as the
// codec writes them) against the JSON Schema its message names, with Ajv (JSON Schema 2020-12).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { parse } from "yaml";

const SCHEMAS =
  process.env.PRESSROOM_SCHEMAS_DIR || join(dirname(fileURLToPath(import.meta.url)), "..", "..", "schemas");
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);

const document = parse(readFileSync(join(SCHEMAS, "asyncapi.yaml"), "utf8"));
let checked = 0;
const failures = [];
for (const [id, message] of Object.entries(document.components.messages)) {
  const ref = message.payload?.$ref;
  if (!ref) continue; // the dead letter: opaque bytes
  if (!message.examples?.length) failures.push(`${id}: no example`);
  const schema = JSON.parse(readFileSync(join(SCHEMAS, ref), "utf8"));
  const validate = ajv.getSchema(schema.$id) ?? ajv.compile(schema);
  for (const example of message.examples ?? []) {
    checked += 1;
    if (example.headers.ce_type !== id) failures.push(`${id}: example has ce_type ${example.headers.ce_type}`);
    if (!validate(example.payload)) failures.push(`${id}: ${ajv.errorsText(validate.errors)}`);
  }
}
if (failures.length) {
  console.error(failures.join("\n"));
  process.exit(1);
}
console.log(`${checked} examples in schemas/asyncapi.yaml validate against their JSON Schemas.`);
