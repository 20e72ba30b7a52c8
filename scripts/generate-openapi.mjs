#!/usr/bin/env node
/*
 * Produces what the code needs from the backend plugin's OpenAPI document
 * (plugins/crossplane-temporal-backend/src/schema/openapi.yaml), at install time (the root
 * `postinstall`) and before type checking in `npm test`, so that nothing generated is committed:
 *
 *   - plugins/crossplane-temporal-backend/src/schema/openapi.generated.ts: the document as a
 *     constant, which the router hands to Backstage's validated OpenAPI router (as
 *     `backstage-repo-tools package schema openapi generate --server` writes it);
 *   - plugins/crossplane-temporal-common/src/schema/openapi.generated.ts: the TypeScript types of
 *     every path, operation and schema, from which the router's endpoint map and the typed client
 *     are made. Backstage's own client and endpoint-map generators run openapi-generator, a Java
 *     program its CLI downloads from Maven Central at first use, which machines without that
 *     access cannot run; openapi-typescript (JavaScript, installed from the npm registry) makes
 *     the types instead.
 *
 * Each output names the SHA-256 of the document it was made from; the plugin's tests fail when
 * it is out of date. `--check` exits with 1 (and writes nothing) when an output is missing or stale.
 *
 * usage: node scripts/generate-openapi.mjs [--check]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const documentPath = path.join(
  root,
  'plugins/crossplane-temporal-backend/src/schema/openapi.yaml',
);
const specOutput = path.join(
  root,
  'plugins/crossplane-temporal-backend/src/schema/openapi.generated.ts',
);
const typesOutput = path.join(
  root,
  'plugins/crossplane-temporal-common/src/schema/openapi.generated.ts',
);

const header =
  hash => `// Generated from plugins/crossplane-temporal-backend/src/schema/openapi.yaml
// (sha256 ${hash}) by scripts/generate-openapi.mjs at install time. Do not edit; not committed.
/* eslint-disable */
`;

function hashOf(text) {
  return crypto.createHash('sha256').update(text).digest('hex');
}

function isCurrent(file, hash) {
  try {
    return fs.readFileSync(file, 'utf8').includes(`(sha256 ${hash})`);
  } catch {
    return false;
  }
}

async function main() {
  const check = process.argv.includes('--check');
  const text = fs.readFileSync(documentPath, 'utf8');
  // The generator is part of what the output comes from: a change to it makes the files again.
  const hash = hashOf(
    text + fs.readFileSync(fileURLToPath(import.meta.url), 'utf8'),
  );
  const stale = [specOutput, typesOutput].filter(f => !isCurrent(f, hash));
  if (check) {
    for (const file of stale)
      process.stderr.write(
        `${path.relative(
          root,
          file,
        )} is missing or out of date; run \`node scripts/generate-openapi.mjs\`\n`,
      );
    process.exitCode = stale.length ? 1 : 0;
    return;
  }
  if (stale.length === 0) return;

  const { default: yaml } = await import('js-yaml');
  const document = yaml.load(text);

  fs.writeFileSync(
    specOutput,
    `${header(hash)}
/** The plugin's OpenAPI document, as served at \`/api/crossplane-temporal/openapi.json\`. */
export const spec = ${JSON.stringify(document, null, 2)} as const;
`,
  );

  const { default: openapiTS, astToString } = await import(
    'openapi-typescript'
  );
  const types = astToString(
    await openapiTS(document, { alphabetize: false }),
  )
    // openapi-typescript's JSDoc (@description, @enum {string}, ...) is not TSDoc, which the API
    // reports require; the document itself is where the descriptions are read.
    .replace(/^[ \t]*\/\*\*[\s\S]*?\*\/\n/gm, '')
    // Release tags for the API reports: the types are part of -common's public API.
    .replace(/^export (interface|type) /gm, '/** @public */\nexport $1 ');
  fs.mkdirSync(path.dirname(typesOutput), { recursive: true });
  fs.writeFileSync(typesOutput, `${header(hash)}\n${types}`);
  process.stdout.write(
    `[openapi] generated ${[specOutput, typesOutput]
      .map(f => path.relative(root, f))
      .join(' and ')}\n`,
  );
}

main().catch(error => {
  process.stderr.write(
    `[openapi] could not generate from ${path.relative(root, documentPath)}: ${
      error.stack ?? error
    }\n`,
  );
  process.exitCode = 1;
});
