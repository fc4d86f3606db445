/** A socket that can hold writes back (`net.Socket`, `tls.TLSSocket`). */
interface CorkableStream {
  cork(): void;
  uncork(): void;
}

/**
 * The private parts of an ioredis connection that coalescing reads: its socket (`stream`, replaced
 * on every reconnect) and the queue of commands awaiting a reply (`commandQueue`). Neither is
 * ioredis' public API, so {@link WriteCoalescer.attach} checks they are there first.
 */
interface CoalescedConnection {
  stream?: Partial<CorkableStream>;
  commandQueue?: { readonly length: number };
}

/**
 * Write coalescing for one ioredis connection, called just before each command is written.
 *
 * When nothing is in flight on the connection the command is written at once: an idle server should
 * start at once, and a corked single command only adds work. Otherwise the socket is corked until
 * the end of the tick, so the commands issued in this tick leave in few `writev` calls instead of
 * one syscall each (the socket write is the largest client-side cost of an operation), and it is
 * flushed every `maxCommandsPerWrite` commands, so the server starts on the first ones while the
 * client is still producing the rest instead of both taking turns. Unlike ioredis'
 * auto-pipelining this adds no queue and no timer, and what is written is unchanged: only how many
 * commands share a syscall. (Cluster clients have one socket per node and are left as they are.)
 */
export class WriteCoalescer {
  /** The socket corked for the current tick, if any, and how many commands it holds. */
  private corked: CorkableStream | undefined;
  private corkedCommands = 0;

  private constructor(
    private readonly connection: CoalescedConnection,
    private readonly maxCommandsPerWrite: number,
  ) {}

  /**
   * A coalescer for `connection`, or `undefined` when its ioredis has no reply queue to read (the
   * store then writes every command at once, as ioredis does by itself).
   */
  static attach(connection: object, maxCommandsPerWrite: number): WriteCoalescer | undefined {
    const queue = (connection as CoalescedConnection).commandQueue;
    // The socket only exists once connected (and changes on reconnect): it is checked per write.
    if (typeof queue?.length !== "number") return undefined;
    return new WriteCoalescer(connection as CoalescedConnection, maxCommandsPerWrite);
  }

  /** Call just before a command is written on the connection. */
  beforeWrite(): void {
    const corked = this.corked;
    if (corked) {
      if (++this.corkedCommands >= this.maxCommandsPerWrite) {
        corked.uncork();
        corked.cork();
        this.corkedCommands = 0;
      }
      return;
    }
    const { stream, commandQueue } = this.connection;
    if (!commandQueue || commandQueue.length === 0) return;
    if (typeof stream?.cork !== "function" || typeof stream.uncork !== "function") return;
    const socket = stream as CorkableStream;
    this.corked = socket;
    this.corkedCommands = 1;
    socket.cork();
    process.nextTick(() => {
      this.corked = undefined;
      socket.uncork();
    });
  }
}
