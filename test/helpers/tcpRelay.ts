/**
 * A TCP relay between a process and a server, which a test can cut and heal: a network partition without
 * root or iptables. While cut, nothing passes in either direction and new connections are accepted but
 * go nowhere (as packets into a dropped link: the client sees silence, not a refusal); bytes already sent
 * wait, and flow again on heal, as TCP retransmission would deliver them.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

interface Link {
  client: Socket;
  upstream?: Socket;
}

export class TcpRelay {
  private server?: Server;
  private readonly links = new Set<Link>();
  private isCut = false;
  port = 0;

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get cut(): boolean {
    return this.isCut;
  }

  async start(): Promise<this> {
    const server = createServer((client) => this.accept(client));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  private accept(client: Socket): void {
    const link: Link = { client };
    this.links.add(link);
    client.pause();
    client.on('error', () => this.drop(link));
    client.on('close', () => this.drop(link));
    if (!this.isCut) this.join(link);
  }

  private join(link: Link): void {
    const upstream = connect(this.targetPort, this.targetHost);
    link.upstream = upstream;
    upstream.on('error', () => this.drop(link));
    upstream.on('close', () => this.drop(link));
    this.flow(link);
  }

  private flow(link: Link): void {
    link.client.pipe(link.upstream!);
    link.upstream!.pipe(link.client);
  }

  private drop(link: Link): void {
    if (!this.links.delete(link)) return;
    link.client.destroy();
    link.upstream?.destroy();
  }

  /** Stops every byte in both directions until {@link heal}. */
  partition(): void {
    if (this.isCut) return;
    this.isCut = true;
    for (const l of this.links) {
      l.client.unpipe();
      l.upstream?.unpipe();
      l.client.pause();
      l.upstream?.pause();
    }
  }

  /** Lets the held bytes and new connections through again. */
  heal(): void {
    if (!this.isCut) return;
    this.isCut = false;
    for (const l of this.links) {
      if (l.upstream) this.flow(l);
      else this.join(l);
    }
  }

  async close(): Promise<void> {
    for (const l of [...this.links]) this.drop(l);
    if (!this.server) return;
    const server = this.server;
    this.server = undefined;
    await new Promise<void>((r) => server.close(() => r()));
  }
}
