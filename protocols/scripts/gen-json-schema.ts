// Writes protocols/json-schema/*.schema.json from the zod schemas: `npm run gen:json-schema -w @hazwatch/protocols`.
// protocols/test/json-schema.test.ts fails when the committed files differ from what this writes.
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { jsonSchemaDocuments, jsonSchemaText } from '../src/json-schema.ts';

const dir = fileURLToPath(new URL('../json-schema/', import.meta.url));
await mkdir(dir, { recursive: true });
for (const [file, doc] of Object.entries(jsonSchemaDocuments())) {
  await writeFile(`${dir}${file}`, jsonSchemaText(doc));
  console.log(`wrote protocols/json-schema/${file}`);
}
