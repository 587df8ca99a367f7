// Quoting of SQL identifiers (role and table names) for statements gaterun builds itself.

/** Quotes an identifier for SQL (role and table names). */
export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** Quotes `schema.table` (or `table`) part by part. */
export function quoteQualified(name: string): string {
  return name.split('.').map(quoteIdent).join('.');
}
