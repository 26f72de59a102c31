/**
 * A schema migration. `control` runs once in schema `concord`; `projection` renders the DDL
 * for a projection schema and runs for the live one (`projection`) and for every schema that
 * `concord replay` builds from scratch.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly control?: string;
  readonly projection?: (schema: string) => string;
}
