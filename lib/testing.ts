// grpc-thick-client/testing: the local cluster bed, a Kubernetes namespace with one headless
// Service on one Linux machine, for integration tests, demos and users' own tests.
//
//   const cluster = await LocalCluster.start({ replicas: 3 });   // dnsmasq if installed
//   after(() => cluster.stop());
//   const echo = makeEchoClient(cluster.target(), channelOptions);  // dns-poll://127.0.53.1:2xxxx/...
//   await cluster.scale(5); await cluster.rollingUpdate({ version: 'v2', preStopMs: 1500 });
//   cluster.hang(cluster.readyPods[0]); await cluster.dnsFault('down');

export type { ClusterEvent, ClusterEventKind } from './testing/cluster/events.js';
export { formatEvents } from './testing/cluster/events.js';
export type {
  DeletePodOptions,
  LocalClusterOptions,
  RollingUpdateOptions,
  ScaleOptions,
} from './testing/cluster/options.js';
export type { AddPodOptions, LocalPod, PodState } from './testing/cluster/pod.js';
export type { ServiceNames } from './testing/cluster/records.js';
export { dashedTarget, serviceRecords, srvWeight } from './testing/cluster/records.js';
export type { PodRef } from './testing/cluster.js';
export { LOCAL_CLUSTER_DEFAULTS, LocalCluster } from './testing/cluster.js';
export type { ClusterDnsOptions, DnsBackendChoice } from './testing/dns/backends.js';
export { isDnsmasqAvailable, resolveDnsBackend, startClusterDns } from './testing/dns/backends.js';
export type { DnsmasqOptions } from './testing/dns/dnsmasq-server.js';
export { DnsmasqServer, findDnsmasq } from './testing/dns/dnsmasq-server.js';
export type { InProcessDnsOptions } from './testing/dns/inprocess-server.js';
export { InProcessDnsServer } from './testing/dns/inprocess-server.js';
export type { ProbeResult } from './testing/dns/net.js';
export { probeDns } from './testing/dns/net.js';
export type {
  AaaaRecord,
  ARecord,
  ClusterDns,
  DnsBackendKind,
  DnsFault,
  DnsQueryLogEntry,
  DnsRcodeName,
  DnsRecord,
  SrvRecord,
} from './testing/dns/types.js';
export type { EchoCallError, EchoCallOptions, EchoClient, EchoReply } from './testing/echo-client.js';
export { makeEchoClient } from './testing/echo-client.js';
export type {
  LoadCall,
  LoadCallContext,
  LoadCallRecord,
  LoadResults,
  LoadStartOptions,
  PodLoadStats,
} from './testing/load.js';
export { failureCode, LoadGenerator } from './testing/load.js';
export type { PodExit } from './testing/pod/pod-process.js';
export type { PodMode, PodStats, SigtermBehaviour } from './testing/pod/protocol.js';
export { findProtosDir } from './testing/protos.js';
export type { BedDriverOptions } from './testing/scenarios/bed-driver.js';
export { BedDriver } from './testing/scenarios/bed-driver.js';
export type {
  LoadOnlyOptions,
  RollingUpdateOptions as RollingUpdateScenarioOptions,
  ScaleDownOptions,
  ScaleUpOptions,
  SteadyStateOptions,
} from './testing/scenarios/definitions.js';
/** The cluster scenarios (steps and assertions), to run on any ScenarioDriver. */
export * as scenarios from './testing/scenarios/definitions.js';
export type {
  LoadSummary,
  PodEvent,
  PreStopSizing,
  ScenarioDriver,
  ScenarioLoad,
  ScenarioLoadOptions,
  ScenarioTiming,
} from './testing/scenarios/driver.js';
export { DEFAULT_CLIENT_TIMING, dnsChangeBoundMs, minimumPreStopMs } from './testing/scenarios/driver.js';
export type { LoadResultLine } from './testing/scenarios/result-line.js';
export { formatLoadResult, LOAD_RESULT_PREFIX, parseLoadResult } from './testing/scenarios/result-line.js';
