import { connect, createServer, type Server, type Socket } from 'node:net';
import type { LinkConfig } from '@concord/config';
import { HEALTHY_LINK, type LinkSettings, type LinkStatus } from './linkSettings.js';
import { ShapedPipe } from './ShapedPipe.js';

interface Connection {
  readonly client: Socket;
  readonly upstream: Socket;
  readonly toBroker: ShapedPipe;
  readonly toClient: ShapedPipe;
}

export interface LinkProxyOptions {
  readonly host?: string;
  readonly upstreamHost?: string;
  readonly random?: () => number;
}

/**
 * The WAN link for one ordered region pair: a TCP proxy from `proxyPort` to the broker's
 * per-reader listener on `upstreamPort`, with cut, latency and bandwidth applied to every
 * stream it carries.
 *
 * A cut destroys the streams in flight (clients see the connection drop, as when a WAN path
 * fails) and blackholes new ones: accepted, read and discarded, never answered — a client waits
 * for its request timeout like it would behind a dead route. Heal closes the blackholed
 * streams at once, so clients reconnect immediately instead of waiting out that timeout.
 */
export class LinkProxy {
  private current: LinkSettings;
  private readonly live = new Set<Connection>();
  private readonly blackholed = new Set<Socket>();
  private readonly server: Server;
  private closedBytesToBroker = 0;
  private closedBytesToClient = 0;

  constructor(
    readonly link: LinkConfig,
    settings: LinkSettings = HEALTHY_LINK,
    private readonly options: LinkProxyOptions = {},
  ) {
    this.current = { ...settings };
    this.server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
  }

  get settings(): LinkSettings {
    return this.current;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(
        { port: this.link.proxyPort, host: this.options.host ?? '127.0.0.1', exclusive: true },
        () => {
          this.server.off('error', reject);
          resolve();
        },
      );
    });
  }

  /** Stops listening and drops every stream. */
  close(): Promise<void> {
    for (const c of [...this.live]) this.drop(c);
    for (const s of this.blackholed) s.destroy();
    this.blackholed.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Applies a settings patch; cutting and healing act on existing streams too. */
  update(patch: Partial<LinkSettings>): LinkSettings {
    const before = this.current;
    this.current = { ...before, ...patch };
    if (this.current.cut && !before.cut) {
      for (const c of [...this.live]) this.drop(c);
    }
    if (!this.current.cut && before.cut) {
      for (const s of this.blackholed) s.destroy();
      this.blackholed.clear();
    }
    for (const c of this.live) {
      c.toBroker.kick();
      c.toClient.kick();
    }
    return this.current;
  }

  status(): LinkStatus {
    let toBroker = this.closedBytesToBroker;
    let toClient = this.closedBytesToClient;
    for (const c of this.live) {
      toBroker += c.toBroker.bytes;
      toClient += c.toClient.bytes;
    }
    return {
      from: this.link.from,
      to: this.link.to,
      proxyPort: this.link.proxyPort,
      upstreamPort: this.link.upstreamPort,
      ...this.current,
      connections: this.live.size,
      blackholed: this.blackholed.size,
      bytesToBroker: toBroker,
      bytesToClient: toClient,
    };
  }

  private accept(client: Socket): void {
    client.setNoDelay(true);
    if (this.current.cut) {
      this.blackholed.add(client);
      client.on('data', () => undefined);
      client.on('error', () => undefined);
      client.on('close', () => this.blackholed.delete(client));
      return;
    }
    const upstream = connect({
      port: this.link.upstreamPort,
      host: this.options.upstreamHost ?? '127.0.0.1',
      allowHalfOpen: true,
    });
    upstream.setNoDelay(true);
    const shaping = () => this.current;
    const conn: Connection = {
      client,
      upstream,
      toBroker: new ShapedPipe(client, upstream, shaping, this.options.random),
      toClient: new ShapedPipe(upstream, client, shaping, this.options.random),
    };
    this.live.add(conn);
    const drop = () => this.drop(conn);
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  }

  private drop(c: Connection): void {
    if (!this.live.delete(c)) return;
    c.toBroker.close();
    c.toClient.close();
    c.client.destroy();
    c.upstream.destroy();
    this.closedBytesToBroker += c.toBroker.bytes;
    this.closedBytesToClient += c.toClient.bytes;
  }
}
