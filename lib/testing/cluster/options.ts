// Options of LocalCluster and its operations.
import type { DnsBackendChoice } from '../dns/backends.js';
import type { AddPodOptions } from './pod.js';

export interface LocalClusterOptions {
  readonly service?: string;
  readonly namespace?: string;
  readonly port?: number;
  /** Named Service port: the SRV name is _<portName>._tcp.<fqdn>. */
  readonly portName?: string;
  readonly ttlSeconds?: number;
  /** 'auto': env GRPC_THICK_TESTBED_DNS, else dnsmasq when installed, else in-process. */
  readonly dns?: DnsBackendChoice;
  /**
   * Publish SRV records too. Default: with the in-process server only; with dnsmasq every SRV change
   * restarts it (a short ECONNREFUSED gap), so pass true to opt in.
   */
  readonly srv?: boolean;
  /** Pods started (and ready) before start() resolves. */
  readonly replicas?: number;
  readonly terminationGracePeriodMs?: number;
  readonly readinessPeriodMs?: number;
  readonly readinessTimeoutMs?: number;
  readonly podStartTimeoutMs?: number;
  /** Defaults for every pod this bed starts. */
  readonly podDefaults?: AddPodOptions;
  /** "127.<a>.<b>": the /24 pods get their IPs from; default derived from pid and randomness. */
  readonly podAddressBlock?: string;
  /** Receives event lines, dnsmasq's log and the pods' stdout/stderr. */
  readonly log?: (line: string) => void;
}

export interface DeletePodOptions {
  /** The preStop sleep: SIGTERM comes this long after DNS removal starts. Default 0. */
  readonly preStopMs?: number;
  /** Resolve after the process exited instead of after DNS removal. Default false. */
  readonly wait?: boolean;
}

export interface ScaleOptions extends DeletePodOptions {
  readonly pod?: AddPodOptions;
}

export interface RollingUpdateOptions {
  readonly version: string;
  readonly preStopMs?: number;
  readonly pod?: AddPodOptions;
}
