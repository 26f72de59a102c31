import {
  ConcordError,
  defineDomain,
  mergePatchDomain,
  type DomainModule,
  type JsonObject,
} from '@concord/core';

/** The event types of a `profile-*` stream. */
export const PROFILE_EVENTS = {
  /** `data` is an RFC 7396 merge patch of the profile (`null` deletes a field). */
  updated: 'ProfileUpdated',
} as const;

export type ProfileState = JsonObject;

const base = mergePatchDomain('profile');

/**
 * A user profile: the state is a JSON document, each `ProfileUpdated` is a merge patch, and
 * concurrent edits resolve per field, last writer (in fold order) wins — policy `lww`.
 */
export const profileDomain: DomainModule<ProfileState> = defineDomain<ProfileState>({
  ...base,
  prepare(_state, command): JsonObject {
    if (command.type !== PROFILE_EVENTS.updated) {
      throw new ConcordError('DOMAIN_REJECTED', `unknown profile event type ${command.type}`, {
        details: { field: 'type' },
      });
    }
    return command.data;
  },
});
