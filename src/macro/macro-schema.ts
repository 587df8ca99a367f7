// The macro schema as load time uses it: without the per-kind if/then that editors use (schemas/macro.schema.json).

type Items = { allOf?: unknown; properties: { kind: { enum?: unknown } } };

/** Drops the per-kind `with:` schemas and the kind enum: `plan` checks both itself, after target references are resolved and with did-you-mean. */
export function macroSchemaWithoutKinds(full: Record<string, unknown>): Record<string, unknown> {
  const schema = structuredClone(full) as { properties: { gates: { items: Items } } };
  const items = schema.properties.gates.items;
  delete items.allOf;
  delete items.properties.kind.enum;
  return schema;
}
