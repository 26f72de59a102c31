import {
  ConcordError,
  encodeForWrite,
  ENVELOPE_LIMITS,
  findNonJson,
  isJsonObject,
  type DomainModule,
  type JsonObject,
} from '@concord/core';
import type { OwnEvent } from '../heads/OwnChainStore.js';
import type { ProjectionSnapshot } from '../heads/ProjectionSnapshots.js';
import type { AppendCommand } from './AppendCommand.js';

/**
 * The data to append (docs/writer.md §2 step 8): the command's, or what the domain's `prepare`
 * makes of it on the projection's state plus this process's own events the projection does
 * not contain yet, so a client sees its own writes (e.g. remove an item it just added to a
 * cart). A `prepare` may refuse with a ConcordError (e.g. 422 `DOMAIN_REJECTED`); anything else
 * it throws or returns that is no JSON object is `INTERNAL`.
 */
export function prepareData(
  domain: DomainModule,
  snapshot: ProjectionSnapshot,
  remaining: readonly OwnEvent[],
  command: AppendCommand,
): JsonObject {
  if (!domain.prepare) return command.data;
  let state =
    snapshot.exists && snapshot.state !== undefined
      ? snapshot.state
      : domain.reducer.initialState();
  for (const entry of remaining) {
    if (entry.envelope) state = domain.reducer.evolve(state, entry.envelope);
  }
  let data: unknown;
  try {
    data = domain.prepare(state, {
      stream: command.stream,
      type: command.type,
      data: command.data,
      idempotencyKey: command.idempotencyKey,
      causedBy: command.causedBy,
    });
  } catch (error) {
    if (error instanceof ConcordError) throw error;
    throw new ConcordError('INTERNAL', `prepare of domain ${domain.category} failed`, {
      cause: error,
    });
  }
  if (!isJsonObject(data) || findNonJson(data, ENVELOPE_LIMITS.maxDepth)) {
    throw new ConcordError(
      'INTERNAL',
      `prepare of domain ${domain.category} returned no valid JSON object`,
    );
  }
  return data;
}

/**
 * The prepared data (in the version the module reads) at the type's write version, and that
 * version: what goes into `data` and `meta.schemaVersion` (docs/schema-evolution.md).
 */
export function encodeData(
  domain: DomainModule,
  type: string,
  data: JsonObject,
): { readonly data: JsonObject; readonly version: number } {
  let encoded: { data: unknown; version: number };
  try {
    encoded = encodeForWrite(domain, type, data);
  } catch (error) {
    if (error instanceof ConcordError) throw error;
    throw new ConcordError('INTERNAL', `a downcaster of domain ${domain.category} failed`, {
      cause: error,
    });
  }
  if (!isJsonObject(encoded.data) || findNonJson(encoded.data, ENVELOPE_LIMITS.maxDepth)) {
    throw new ConcordError(
      'INTERNAL',
      `a downcaster of domain ${domain.category} returned no valid JSON object`,
    );
  }
  return { data: encoded.data, version: encoded.version };
}
