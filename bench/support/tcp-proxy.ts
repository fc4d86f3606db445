/**
 * A TCP forwarder on a local port, standing for what sits between clients and servers: a load
 * balancer in front of several `holdfast serve` instances, or a virtual IP in front of Redis that
 * moves to a promoted replica. New connections go to the current target (first of the list that
 * accepts); {@link TcpProxy.cut} drops every open connection, as a failing instance or a network
 * blip does.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private accepting = true;
  /** The port the last connection was forwarded to. */
  lastTarget: number | undefined;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private targets: number[],
  ) {}

  /** Listens on a free port (or `port`) and forwards to the first of `targets` that accepts. */
  static async start(targets: number[], port = 0): Promise<TcpProxy> {
    const server = createServer();
    const proxy = await new Promise<TcpProxy>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        const address = server.address();
        resolve(new TcpProxy(server, typeof address === "object" && address ? address.port : port, targets));
      });
    });
    server.on("connection", (client) => proxy.accept(client));
    return proxy;
  }

  /** Where new connections go from now on (open ones stay where they are until cut). */
  retarget(targets: number[]): void {
    this.targets = targets;
  }

  /** Refuse (close at once) new connections while false, e.g. while "the network" is down. */
  setAccepting(accepting: boolean): void {
    this.accepting = accepting;
  }

  /** Closes every open connection, both ways. */
  cut(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  get connections(): number {
    return this.sockets.size / 2;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private accept(client: Socket): void {
    if (!this.accepting) {
      client.destroy();
      return;
    }
    client.pause();
    this.sockets.add(client);
    const tryTarget = (i: number) => {
      if (i >= this.targets.length) {
        client.destroy();
        this.sockets.delete(client);
        return;
      }
      const upstream = createConnection({ host: "127.0.0.1", port: this.targets[i] });
      const refused = () => tryTarget(i + 1);
      upstream.once("error", refused);
      upstream.once("connect", () => {
        upstream.off("error", refused);
        this.lastTarget = this.targets[i];
        this.sockets.add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          this.sockets.delete(client);
          this.sockets.delete(upstream);
        };
        for (const s of [client, upstream]) {
          s.on("error", drop);
          s.on("close", drop);
        }
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    tryTarget(0);
  }
}
