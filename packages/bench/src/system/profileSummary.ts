import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { topCosts, type CpuProfile, type ProfileCost } from './cpuProfile.js';

/**
 * The top self-time costs of each service's `node --cpu-prof` profile in `dir` (files are
 * named `CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`; `servicePids` names the PIDs).
 */
export function summarizeProfiles(
  dir: string,
  servicePids: Readonly<Record<string, number | undefined>>,
  top = 15,
): Record<string, { file: string; costs: ProfileCost[] }> {
  const byPid = new Map(Object.entries(servicePids).map(([name, pid]) => [String(pid), name]));
  const out: Record<string, { file: string; costs: ProfileCost[] }> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const name = byPid.get(file.split('.')[3] ?? '');
    if (!name) continue;
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    out[name] = { file, costs: topCosts(profile, top) };
  }
  return out;
}
