// Messages between the bench and a backend host process: one grpc-js server answering Echo on
// many loopback addresses, counting the TCP connections each address accepts and loses.

export interface HostConfig {
  readonly name: string;
  readonly ips: readonly string[];
  readonly port: number;
}

export const HOST_CONFIG_ENV = 'GRPC_THICK_BENCH_HOST';

/** Per address ("ip"): connections accepted and connections closed since the host started. */
export interface ConnectionCounts {
  readonly connects: Readonly<Record<string, number>>;
  readonly closes: Readonly<Record<string, number>>;
}

export type HostRequest = { readonly type: 'stats'; readonly id: number };

export type HostMessage =
  | { readonly type: 'listening' }
  | { readonly type: 'fatal'; readonly message: string; readonly addressInUse: boolean }
  | { readonly type: 'stats'; readonly id: number; readonly counts: ConnectionCounts };
