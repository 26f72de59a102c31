import { describe, expect, it } from 'vitest';
import { ConcordClient } from './ConcordClient.js';

const regions = { us: 'http://us', eu: 'http://eu', ap: 'http://ap' };

/** A fetch that answers every events page with the region asked, except regions in `down`. */
function pagesFetch(asked: string[], down: ReadonlySet<string>): typeof fetch {
  return ((url: string) => {
    const region = new URL(url).hostname;
    asked.push(region);
    if (down.has(region)) return Promise.reject(new TypeError('fetch failed'));
    const body = JSON.stringify({ stream: 's', version: 3, from: 2, events: [], next: null });
    return Promise.resolve(new Response(body, { status: 200 }));
  }) as typeof fetch;
}

const client = (asked: string[], down: ReadonlySet<string>, deadlineMs = 10_000) =>
  new ConcordClient({
    regions,
    home: 'us',
    deadlineMs,
    retryBaseMs: 5,
    retryMaxMs: 20,
    probeIntervalMs: 60_000,
    fetch: pagesFetch(asked, down),
  });

describe('ConcordClient.events paging', () => {
  it('asks the region a cursor belongs to, not the home region', async () => {
    const asked: string[] = [];
    const c = client(asked, new Set());
    try {
      const page = await c.events('s', { from: 2, region: 'eu' });
      expect(page.region).toBe('eu');
      expect(asked).toEqual(['eu']);
    } finally {
      c.close();
    }
  });

  it('a pinned page never fails over: it fails when its region cannot answer in time', async () => {
    const asked: string[] = [];
    const c = client(asked, new Set(['eu']), 300);
    try {
      await expect(c.events('s', { from: 2, region: 'eu' })).rejects.toMatchObject({
        code: 'DEADLINE_EXCEEDED',
      });
      expect(new Set(asked)).toEqual(new Set(['eu']));
    } finally {
      c.close();
    }
  });

  it('an unpinned page fails over as any read does', async () => {
    const asked: string[] = [];
    const c = client(asked, new Set(['us']));
    try {
      expect((await c.events('s')).region).toBe('eu');
    } finally {
      c.close();
    }
  });

  it('refuses a region the client has no URL for', async () => {
    const c = client([], new Set());
    try {
      await expect(c.events('s', { region: 'sa' })).rejects.toMatchObject({
        code: 'CLIENT_INVALID',
      });
    } finally {
      c.close();
    }
  });
});
