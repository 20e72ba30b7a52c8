/*
 * The router's endpoint map, in the shape Backstage's validated OpenAPI router types its handlers
 * by (`#method|path` → path, query, body and response types), made from the OpenAPI document's
 * types (common's src/schema/openapi.generated.ts) instead of by openapi-generator.
 */
import type { paths } from '@crossplane-temporal/plugin-crossplane-temporal-common';

type Method = 'get' | 'post';

/** The JSON of the first 2xx answer an operation documents. */
type SuccessBody<Op> = Op extends { responses: infer R }
  ? {
      [S in keyof R]: S extends 200 | 201 | 202
        ? R[S] extends { content: { 'application/json': infer B } }
          ? B
          : never
        : never;
    }[keyof R]
  : never;

type RequestBody<Op> = Op extends {
  requestBody: { content: { 'application/json': infer B } };
}
  ? B
  : undefined;

type Endpoint<Op> = {
  path: Op extends { parameters: { path: infer P } } ? P : never;
  query: Op extends { parameters: { query?: infer Q } }
    ? NonNullable<Q>
    : never;
  body: RequestBody<Op>;
  response: SuccessBody<Op>;
};

type Keys = {
  [P in keyof paths & string]: {
    [M in Method]: paths[P][M] extends undefined ? never : `#${M}|${P}`;
  }[Method];
}[keyof paths & string];

export type EndpointMap = {
  [K in Keys]: K extends `#${infer M}|${infer P}`
    ? P extends keyof paths
      ? M extends keyof paths[P]
        ? Endpoint<paths[P][M]>
        : never
      : never
    : never;
};
