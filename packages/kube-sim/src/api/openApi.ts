/*
 * `/openapi/v2`: kubectl validates manifests against the OpenAPI schema; an empty protobuf answer
 * tells it there is none to check against (the simulator validates custom resources itself, on
 * write).
 */
import type http from 'node:http';

export const OPENAPI_V2_PATH = '/openapi/v2';

export function sendOpenApiV2(res: http.ServerResponse): void {
  res.writeHead(200, {
    'Content-Type':
      'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
    'Content-Length': 0,
  });
  res.end();
}
