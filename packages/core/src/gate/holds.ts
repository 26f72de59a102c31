import type { EventId } from '../envelope/Envelope.js';
import { deterministicId } from '../envelope/ids.js';

/**
 * The pseudo-dependency of an event this region's code cannot interpret yet (a schema version
 * or an event type newer than its domain modules): the upgrade of the code. A fixed UUIDv5 that
 * no event has, so it is never applied — the gate keeps such an event parked (stored with this
 * id in `missing`, which also tells it apart from events waiting for real dependencies) and
 * only `restore` under code that reads the event releases it. Its dependants wait for it like
 * for any missing parent, so the applied set stays causally closed.
 */
export const SCHEMA_UPGRADE_DEPENDENCY: EventId = deterministicId('concord.hold', 'schema-version');
