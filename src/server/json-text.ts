/** The content type Fastify gives a reply it serialises itself. */
export const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

/**
 * A reply body a route has already written as JSON text, byte for byte what `JSON.stringify` of
 * its object would give: defineRoute sends it as it is, with Fastify's JSON content type, so
 * Fastify neither looks for a serializer nor calls `JSON.stringify`. For the hottest replies only,
 * each written by a function a property test holds to `JSON.stringify` (test/server/json-text.test.ts).
 */
export class JsonText {
  constructor(readonly text: string) {}
}
