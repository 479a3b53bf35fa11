// Validates JSON samples against the Stripe OpenAPI description's own schemas (the spec is
// too large for Prism). Usage:
//   node validate-stripe.mjs <spec.yaml> <schema> <sample.json> [<schema> <sample.json> ...]
// <schema> is a component name ("customer", "event", "error", "deleted_customer", ...) or an
// operation ("GET /v1/customers"), meaning that operation's 200 application/json schema.
// Objects that declare `properties` and no `additionalProperties` are closed, so a field the
// spec does not name is reported too. Exits 1 on any violation, printing every error.
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import YAML from 'yaml';

const [specPath, ...pairs] = process.argv.slice(2);
if (!specPath || pairs.length === 0 || pairs.length % 2 !== 0) {
  console.error('usage: node validate-stripe.mjs <spec.yaml> <schema> <sample.json> [...]');
  process.exit(2);
}

const spec = YAML.parse(readFileSync(specPath, 'utf8'), { maxAliasCount: -1 });

// OpenAPI 3.0 to JSON Schema: `nullable: true` becomes an explicit null alternative (Stripe
// also puts it beside `anyOf` with no `type`). And every object schema that lists its
// properties is closed, so unknown field names fail.
function close(node) {
  if (Array.isArray(node)) { node.forEach(close); return; }
  if (!node || typeof node !== 'object') return;
  for (const value of Object.values(node)) close(value);
  if (node.nullable === true) {
    delete node.nullable;
    if (Array.isArray(node.enum) && !node.enum.includes(null)) node.enum.push(null);
    if (node.type) {
      node.type = [].concat(node.type, 'null');
    } else if (node.anyOf) {
      node.anyOf.push({ type: 'null' });
    } else {
      const copy = { ...node };
      for (const key of Object.keys(node)) delete node[key];
      node.anyOf = [copy, { type: 'null' }];
    }
  }
  if (node.properties && typeof node.properties === 'object' && !('additionalProperties' in node)) {
    node.additionalProperties = false;
  }
}
close(spec.components.schemas);

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
// The whole components section travels along, so `#/components/schemas/...` refs resolve.
ajv.addSchema({ $id: 'stripe', components: spec.components }, 'stripe');

function schemaFor(name) {
  const op = name.match(/^(GET|POST|DELETE) (\/\S+)$/);
  if (!op) return { $ref: `stripe#/components/schemas/${name}` };
  const operation = spec.paths[op[2]]?.[op[1].toLowerCase()];
  const schema = operation?.responses?.['200']?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`no 200 JSON response for ${name}`);
  close(schema);
  // Inline operation schemas refer to components with local refs; re-root them.
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"stripe#/components/'));
}

let failed = 0;
for (let i = 0; i < pairs.length; i += 2) {
  const [name, file] = [pairs[i], pairs[i + 1]];
  const validate = ajv.compile(schemaFor(name));
  const sample = JSON.parse(readFileSync(file, 'utf8'));
  if (validate(sample)) {
    console.log(`ok ${file} (${name})`);
  } else {
    failed += 1;
    console.log(`FAIL ${file} (${name})`);
    for (const e of validate.errors) console.log(`  ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  }
}
process.exit(failed ? 1 : 0);
