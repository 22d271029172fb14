// Requests from the bench to the scale client (a fresh Node process per measurement, so its memory
// is the client's alone and its CPU excludes the DNS server and the bench), and the answers.

export type ScaleRequest =
  /** Memory after GC now. */
  | { readonly type: 'memory'; readonly id: number }
  /** Starts a CPU measurement window. */
  | { readonly type: 'cpu-mark'; readonly id: number }
  /** CPU since the last mark. */
  | { readonly type: 'cpu-read'; readonly id: number }
  /** Creates the channel, connects it, answers once `expected` subchannels are READY. */
  /**
   * The machine's floor for a poll: `count` polls `intervalMs` apart, each only the two exchanges
   * a poll makes (A over a kept TCP connection, AAAA over a kept UDP socket, at once), answers read
   * whole and not parsed; CPU over them, as cpu-read measures it.
   */
  | {
      readonly type: 'bare-polls';
      readonly id: number;
      readonly host: string;
      readonly port: number;
      readonly name: string;
      readonly intervalMs: number;
      readonly count: number;
    }
  | {
      readonly type: 'connect';
      readonly id: number;
      readonly target: string;
      readonly options: Record<string, string | number>;
      readonly expected: number;
      readonly timeoutMs: number;
    };

export type ScaleReply =
  | { readonly type: 'started' }
  | { readonly type: 'fatal'; readonly message: string }
  | {
      readonly type: 'memory';
      readonly id: number;
      readonly rssBytes: number;
      readonly heapUsedBytes: number;
    }
  | { readonly type: 'cpu-mark'; readonly id: number }
  | { readonly type: 'cpu-read'; readonly id: number; readonly cpuUs: number; readonly elapsedMs: number }
  | { readonly type: 'bare-polls'; readonly id: number; readonly cpuUs: number; readonly elapsedMs: number }
  | {
      readonly type: 'connect';
      readonly id: number;
      readonly readyMs: number;
      readonly ready: number;
      readonly subchannels: number;
      readonly error?: string;
    };
