import { defineReadModel } from '@concord/core';
import { profileDomain, type ProfileState } from './profileDomain.js';

/**
 * `profiles(stream, doc)`: one row per `profile-*` stream, the merged profile document
 * (docs/mirror.md, "Read models").
 */
export const profileReadModel = defineReadModel<ProfileState, ProfileState>({
  name: 'profiles',
  module: profileDomain,
  tables: ['profiles'],
  rowOf: (state) => state,
  writes(s, entries) {
    if (entries.length === 0) return [];
    return [
      {
        table: 'profiles',
        sql: (p) => `insert into ${s}.profiles (stream, doc, updated_at)
         select u.stream, u.doc, now()
           from unnest(${p(entries.map((e) => e.stream))}::text[],
                       ${p(entries.map((e) => JSON.stringify(e.row)))}::jsonb[]) u(stream, doc)
         on conflict (stream) do update set doc = excluded.doc, updated_at = now()`,
      },
    ];
  },
});
