import type { StreamId } from '../envelope/Envelope.js';
import type { DomainModule } from './DomainModule.js';
import type { DomainRegistry } from './DomainRegistry.js';
import { authoredReducer } from './normalizeDomain.js';

/**
 * One SQL write of the projection: the table it writes (writes of one table are never combined
 * with a read of it) and its text, which places each parameter with `p` (it returns `$n`).
 */
export interface SqlWrite {
  readonly table: string;
  readonly sql: (p: (value: unknown) => string) => string;
}

/** A read model's content for one stream (`R`: a row, the stream's lines, a document…). */
export interface ReadModelEntry<R = unknown> {
  readonly stream: StreamId;
  readonly row: R;
}

/**
 * The read model a domain module declares (docs/mirror.md, "Read models"): tables of the
 * projection schema derived from the states of the module's streams, which the mirror keeps in
 * the same transaction as the stream rows. Its tables are created by the projection migrations
 * (packages/postgres/src/migrations), so a replay's fresh schema has them and rebuilds their
 * rows by applying every event again; the schema swap renames them with the rest
 * (docs/decisions/0002-projection-schema-swap.md). Both functions are pure.
 */
export interface ReadModel<S = unknown, R = unknown> {
  /** A name, unique among the registered read models (its main table, by convention). */
  readonly name: string;
  /**
   * The module whose streams it reads (`module.category`). Maintained only while the registry
   * serves this module's reducer (the module itself or it with other write versions): a
   * deployment that registers its own module for the category gets no row from this model.
   */
  readonly module: DomainModule<S>;
  /** The tables of the projection schema it owns (it writes no other). */
  readonly tables: readonly string[];
  /** Its content for a stream whose state is now `state`. */
  rowOf(state: S): R;
  /**
   * The writes making the content of each stream of `entries` its `row` (what an earlier row
   * of that stream had and this one has not is gone); `schema` is the quoted schema name. None
   * for no entries.
   */
  writes(schema: string, entries: readonly ReadModelEntry<R>[]): SqlWrite[];
}

/** Declares a read model, inferring `S` and `R` (the model comes back as it is). */
export function defineReadModel<S, R>(model: ReadModel<S, R>): ReadModel<S, R> {
  return model;
}

/** The read models of `models` whose module is the one `registry` serves for its category. */
export function servedReadModels(
  models: readonly ReadModel[],
  registry: DomainRegistry,
): ReadModel[] {
  return models.filter((model) => {
    const category = model.module.category;
    if (!registry.has(category)) return false;
    const registered = registry.forCategory(category);
    return (
      registered === model.module || authoredReducer(registered) === authoredReducer(model.module)
    );
  });
}
