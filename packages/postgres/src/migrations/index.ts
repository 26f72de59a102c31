import type { Migration } from './Migration.js';
import { initial } from './001_initial.js';
import { mirror } from './002_mirror.js';
import { logBinding } from './003_log_binding.js';
import { changeSeq } from './004_change_seq.js';

export type { Migration } from './Migration.js';

/** All migrations in order. Append only; never edit a released one. */
export const MIGRATIONS: readonly Migration[] = [initial, mirror, logBinding, changeSeq];
