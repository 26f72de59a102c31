import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import type { LinkConfig } from '@concord/config';
import { isConcordError, toConcordError } from '@concord/core';
import { LinkProxy } from './LinkProxy.js';
import {
  HEALTHY_LINK,
  linkKey,
  validateLinkPatch,
  type LinkId,
  type LinkSettings,
} from './linkSettings.js';

/** What the daemon serves: written by `stack up` to `<state>/links/links.json`. */
export interface LinkDaemonSpec {
  readonly controlPort: number;
  readonly links: readonly LinkConfig[];
  /** Where link settings persist, so a restarted daemon restores cuts and delays. */
  readonly stateFile: string;
}

interface PersistedState {
  readonly version: 1;
  readonly links: Record<string, LinkSettings>;
}

export type DaemonLog = (
  level: 'info' | 'warn' | 'error',
  msg: string,
  fields?: Record<string, unknown>,
) => void;

/**
 * Hosts every link proxy of the stack plus the control API (127.0.0.1 only):
 *
 * - `GET /health` → `{ ok: true, pid }`
 * - `GET /links` → `{ links: LinkStatus[] }`
 * - `POST /links` with `{ links: [{from, to}], patch: Partial<LinkSettings> }` → the updated
 *   links; every change is persisted before the answer.
 */
export class LinkDaemon {
  private readonly proxies = new Map<string, LinkProxy>();
  private control: Server | undefined;

  constructor(
    private readonly spec: LinkDaemonSpec,
    private readonly log: DaemonLog = () => undefined,
  ) {}

  async start(): Promise<void> {
    const saved = this.load();
    for (const link of this.spec.links) {
      const proxy = new LinkProxy(link, saved[linkKey(link)] ?? HEALTHY_LINK);
      await proxy.listen();
      this.proxies.set(linkKey(link), proxy);
    }
    this.control = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) =>
        this.reply(res, 500, toConcordError(error).toJSON()),
      );
    });
    await new Promise<void>((resolve, reject) => {
      this.control!.once('error', reject);
      this.control!.listen(
        { port: this.spec.controlPort, host: '127.0.0.1', exclusive: true },
        () => resolve(),
      );
    });
    this.log('info', 'link daemon ready', {
      controlPort: this.spec.controlPort,
      links: [...this.proxies.values()].map((p) => p.status()),
    });
  }

  async stop(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((p) => p.close()));
    this.control?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.control ? this.control.close(() => resolve()) : resolve(),
    );
  }

  /** Applies `patch` to `links` (all of them must exist) and persists the result. */
  update(links: readonly LinkId[], patch: Partial<LinkSettings>): void {
    const targets = links.map((l) => {
      const proxy = this.proxies.get(linkKey(l));
      if (!proxy) throw toConcordError(new Error(`no link ${linkKey(l)}`), 'NOT_FOUND');
      return proxy;
    });
    for (const proxy of targets) {
      proxy.update(patch);
      this.log('info', 'link changed', { link: linkKey(proxy.link), ...proxy.settings });
    }
    this.persist();
  }

  private load(): Record<string, LinkSettings> {
    try {
      const state = JSON.parse(readFileSync(this.spec.stateFile, 'utf8')) as PersistedState;
      return state.links ?? {};
    } catch {
      return {};
    }
  }

  private persist(): void {
    const state: PersistedState = { version: 1, links: {} };
    for (const [key, proxy] of this.proxies) state.links[key] = proxy.settings;
    mkdirSync(dirname(this.spec.stateFile), { recursive: true });
    const tmp = `${this.spec.stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n');
    renameSync(tmp, this.spec.stateFile);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/health')
      return this.reply(res, 200, { ok: true, pid: process.pid });
    if (req.method === 'GET' && path === '/links') {
      return this.reply(res, 200, { links: [...this.proxies.values()].map((p) => p.status()) });
    }
    if (req.method === 'POST' && path === '/links') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          links?: unknown;
          patch?: unknown;
        };
        if (!Array.isArray(body.links))
          throw toConcordError(new Error('links must be an array'), 'VALIDATION_FAILED');
        const ids = body.links.map((l: { from?: unknown; to?: unknown }) => ({
          from: String(l.from),
          to: String(l.to),
        }));
        this.update(ids, validateLinkPatch(body.patch));
        const keys = new Set(ids.map(linkKey));
        const changed = [...this.proxies.entries()]
          .filter(([k]) => keys.has(k))
          .map(([, p]) => p.status());
        return this.reply(res, 200, { links: changed });
      } catch (error) {
        const e = toConcordError(error, 'BAD_REQUEST');
        return this.reply(res, isConcordError(e, 'NOT_FOUND') ? 404 : 400, { error: e.toJSON() });
      }
    }
    this.reply(res, 404, { error: { code: 'NOT_FOUND', message: `${req.method} ${path}` } });
  }

  private reply(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
