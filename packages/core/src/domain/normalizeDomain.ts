import { isReservedType, type UnsignedEnvelope } from '../envelope/Envelope.js';
import { TYPE_PATTERN } from '../envelope/limits.js';
import { isSchemaVersion, schemaVersionOf } from '../envelope/schemaVersion.js';
import { ConcordError } from '../errors/ConcordError.js';
import type { DomainModule, Reducer } from './DomainModule.js';
import type { EventSchema } from './EventSchema.js';
import { upcastEvent } from './upcastEvent.js';

/** Modules already checked and wrapped (so wrapping twice returns the same object). */
const normalized = new WeakSet<DomainModule<never>>();
/** The module author's reducer behind each upcasting reducer. */
const authored = new WeakMap<Reducer<never>, Reducer<never>>();

function invalid(category: string, field: string, message: string): ConcordError {
  return new ConcordError('VALIDATION_FAILED', `domain ${category}: ${field} ${message}`, {
    details: { field, category },
  });
}

function checkSchema(category: string, type: string, schema: EventSchema): void {
  const at = `events.${type}`;
  if (!TYPE_PATTERN.test(type) || isReservedType(type))
    throw invalid(category, at, 'is not a valid, unreserved event type');
  const version = schema.version ?? 1;
  if (!isSchemaVersion(version)) throw invalid(category, `${at}.version`, 'must be an integer ≥ 1');
  const write = schema.writeVersion ?? version;
  if (!isSchemaVersion(write) || write > version)
    throw invalid(category, `${at}.writeVersion`, `must be an integer from 1 to ${version}`);
  for (let v = 1; v < version; v++) {
    if (typeof schema.upcast?.[v] !== 'function')
      throw invalid(category, `${at}.upcast.${v}`, `is missing (version ${v} → ${v + 1})`);
  }
  for (let v = version; v > write; v--) {
    if (typeof schema.downcast?.[v] !== 'function')
      throw invalid(category, `${at}.downcast.${v}`, `is missing (version ${v} → ${v - 1})`);
  }
}

/** `resolverVersion` is a version; each `previousResolvers` key an earlier one. */
function checkResolverVersions<S>(module: DomainModule<S>): void {
  const current = module.resolverVersion ?? 1;
  if (!isSchemaVersion(current))
    throw invalid(module.category, 'resolverVersion', 'must be an integer ≥ 1');
  for (const key of Object.keys(module.previousResolvers ?? {})) {
    const version = Number(key);
    if (!isSchemaVersion(version) || version >= current)
      throw invalid(
        module.category,
        `previousResolvers.${key}`,
        `must be a resolver version below ${current}`,
      );
  }
}

/** The reducer the module's author wrote (the module's own when it was never normalized). */
export function authoredReducer<S>(module: DomainModule<S>): Reducer<S> {
  return (
    (authored.get(module.reducer as Reducer<never>) as Reducer<S> | undefined) ?? module.reducer
  );
}

/**
 * Checks a module's event schemas and returns it with a reducer that upcasts every event to
 * the version the module reads before the author's `evolve` sees it, and refuses (throws
 * INTERNAL, `reason: 'schema-version'`) an event the module cannot interpret — so every fold
 * that uses `module.reducer` (the mirror's, `foldStream`, the reconciler's and the verifier's
 * independent folds, the writer's `prepare` state) reads events the same way. Idempotent: a
 * normalized module comes back as it is; spreading one into a new module is fine.
 *
 * @throws ConcordError VALIDATION_FAILED naming the bad field (`events.<type>.upcast.<v>`…).
 */
export function normalizeDomain<S>(module: DomainModule<S>): DomainModule<S> {
  if (normalized.has(module as DomainModule<never>)) return module;
  for (const [type, schema] of Object.entries(module.events ?? {}))
    checkSchema(module.category, type, schema);
  checkResolverVersions(module);
  const inner = authoredReducer(module);
  const events = module.events;
  const reducer: Reducer<S> = {
    initialState: () => inner.initialState(),
    evolve:
      events === undefined
        ? (state, event) => {
            // No schemas: every type is version 1; anything newer is refused.
            if (schemaVersionOf(event) !== 1) upcastEvent({}, event);
            return inner.evolve(state, event);
          }
        : (state, event: UnsignedEnvelope) => inner.evolve(state, upcastEvent({ events }, event)),
  };
  authored.set(reducer as Reducer<never>, inner as Reducer<never>);
  const result: DomainModule<S> = { ...module, reducer };
  normalized.add(result as DomainModule<never>);
  return result;
}

/**
 * The module with other write versions for some of its types (e.g. the contract step of a
 * rollout, or a deployment pinning "write old" longer). Each must be between 1 and the type's
 * read version, with the downcasters to get there.
 */
export function withWriteVersions<S>(
  module: DomainModule<S>,
  versions: Readonly<Record<string, number>>,
): DomainModule<S> {
  const events: Record<string, EventSchema> = { ...module.events };
  for (const [type, writeVersion] of Object.entries(versions)) {
    const schema = events[type];
    if (!schema) throw invalid(module.category, `events.${type}`, 'is not a type of this module');
    events[type] = { ...schema, writeVersion };
  }
  return normalizeDomain({ ...module, reducer: authoredReducer(module), events });
}
