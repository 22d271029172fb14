/**
 * Every default of the SDK, in one table. docs/configuration.md reproduces it and a test keeps the two
 * in sync. Each value is chosen on purpose; the reason sits beside it.
 */

/** Channel options read by the `dns-poll` resolver all start with this prefix. */
export const OPTION_PREFIX = 'grpc-thick.';

export const RESOLVER_DEFAULTS = Object.freeze({
  /** CoreDNS serves headless Services with a 5 s TTL: polling faster only loads DNS. */
  pollIntervalMs: 5_000,
  /** ±10 %: spreads the queries of many clients started together (a rollout of the client). */
  pollJitter: 0.1,
  /** Off, as Envoy's `respect_dns_ttl`: the poll interval is the operator's explicit choice of DNS load. */
  respectTtl: false,
  /** Floor between two queries when the policy asks for re-resolution; grpc-js uses 30 s, far too slow for pods. */
  minResolutionIntervalMs: 1_000,
  /** 0 = keep the last good answer for ever while DNS fails, as Envoy and grpc do: a DNS outage must not become a traffic outage. */
  maxStalenessMs: 0,
  /** Ask for A and AAAA: works on IPv4, IPv6 and dual-stack clusters alike. */
  addressFamily: 'any' as AddressFamily,
  /** Per-try DNS timeout; two tries keep a lost UDP packet from failing a poll and stay well under the poll interval. */
  dnsTimeoutMs: 1_000,
  dnsTries: 2,
  /** After a failed query the next one waits the floor, then doubles up to the poll interval (never slower than polling). */
  backoffMultiplier: 2,
  backoffJitter: 0.2,
  /** Where the search list and ndots come from, as for every process in a pod. */
  resolvConfPath: '/etc/resolv.conf',
});

export type AddressFamily = 'any' | 'ipv4' | 'ipv6';

export const ROUND_ROBIN_DEFAULTS = Object.freeze({
  /**
   * A connection attempt still pending after this is abandoned (counted as a connection failure)
   * and a new one started. Envoy's cluster connect_timeout is 5 s; grpc-js has none, and a SYN to
   * a vanished pod IP waits for the kernel's retries (about two minutes).
   */
  connectTimeoutMs: 5_000,
  /**
   * How long a pod that left DNS may keep the calls it already has. 30 s is Kubernetes' default
   * terminationGracePeriodSeconds: the pod cannot outlive it anyway.
   */
  drainTimeoutMs: 30_000,
});

/**
 * thick_p2c: power of two choices (Mitzenmacher; Finagle, Linkerd) over a load estimate. References:
 * Linkerd/tower's PeakEwma, Finagle's PeakEwma balancer.
 */
export const P2C_DEFAULTS = Object.freeze({
  /** Latency × calls in flight (Linkerd's default); `least_request` counts calls in flight only. */
  loadMetric: 'peak_ewma' as LoadMetric,
  /** The latency an endpoint is assumed to have before its first answer (Linkerd's default_rtt). */
  defaultLatencyMs: 30,
  /** Time constant of the latency estimate's decay (Linkerd's decay, 10 s). */
  decayMs: 10_000,
  /**
   * A failed call counts as a sample of at least this many times the endpoint's estimate, so that a
   * pod answering errors fast looks slow instead of fast: each failure doubles its cost.
   */
  failurePenalty: 2,
});

export type LoadMetric = 'peak_ewma' | 'least_request';

/**
 * Internal limits of the load tracking (not settings). A pick counts as a call in flight until the
 * call starts (Envoy counted at start and over-sent to one host in bursts); one that never starts
 * (cancelled while its credentials were being fetched) stops counting after unstartedExpiryMs.
 */
export const LOAD_TRACKING = Object.freeze({
  unstartedExpiryMs: 1_000,
  /** Picks not yet started remembered per endpoint; more are counted as started at once. */
  unstartedCapacity: 256,
  /** An estimate never grows past this (a pod failing for minutes), so it decays back in bounded time. */
  maxLatencyMs: 60_000,
  /**
   * Costs within this ratio count as equal, and the first of the two random choices wins: latency
   * estimates of equal pods differ by noise, and a strict comparison at low concurrency would send
   * most calls to whichever looks a little faster. A pod twice as costly (one more call in flight at
   * equal latency) is always told apart.
   */
  costTolerance: 1.5,
});

/** The SDK's DNS client on the wire (lib/discovery/wire.ts, dns-client.ts); limits, not settings. */
export const DNS_WIRE_DEFAULTS = Object.freeze({
  /**
   * EDNS0 UDP payload size we advertise: DNS flag day 2020's 1232 fits any path's MTU without IP
   * fragmentation. A larger answer comes truncated and is asked again over TCP.
   */
  ednsUdpSize: 1232,
  /** CNAMEs followed from the question name; a longer (or looping) chain ends there. */
  maxCnameChain: 16,
  /** Names whose answers needed TCP remembered per querier (the search-list candidates, twice). */
  maxStickyTcpNames: 64,
  /**
   * How long a TCP connection to a DNS server is kept open after an answer, for the next poll
   * (RFC 7766 §6.2.1 lets clients reuse connections). Longer than the 5 s poll interval, so a
   * 1000-pod answer does not pay a TCP handshake per poll (the largest cost of a poll on loopback);
   * CoreDNS closes idle connections itself after 10 s, which only means a new one.
   */
  tcpIdleMs: 12_000,
  /**
   * Questions one UDP socket asks before a new one (a new source port) takes over. c-ares reuses
   * its UDP sockets without limit by default; a limit keeps the source port moving (with the
   * random id, 32 bits an off-path forger must guess) at a small cost: one new socket per 100 polls.
   */
  udpMaxQueries: 100,
  /**
   * Idle UDP sockets kept per DNS server: a poll asks A and AAAA at once, each on a socket of its
   * own, and with one kept the other was created and closed at every poll.
   */
  udpIdlePerServer: 2,
});

/** resolv.conf defaults (resolver(5)): ndots 1, and the upper bound glibc enforces. */
export const RESOLV_CONF_DEFAULTS = Object.freeze({ ndots: 1, maxNdots: 15 });

/** grpc's default port for the `dns:` scheme, kept for `dns-poll:`. */
export const DEFAULT_TARGET_PORT = 443;
export const DEFAULT_DNS_PORT = 53;

/**
 * Passive ejection (outlier detection). References: Envoy's outlier detection and gRFC A50, Finagle's
 * failure accrual.
 */
export const EJECTION_DEFAULTS = Object.freeze({
  /** Envoy consecutive_5xx and Finagle's failure accrual both use 5 failures in a row. */
  consecutiveFailures: 5,
  /** Evaluation period of the failure-percentage rule, and of the ejection multiplier's decay (A50: 10 s). */
  intervalMs: 10_000,
  /** Failure-percentage rule (A50 failure_percentage_ejection): eject at ≥ 85 % failures ... */
  failurePercentThreshold: 85,
  /** ... over at least 20 calls in the interval (A50 uses 50 at 10 s; 20 still rules out noise at low rates). */
  failurePercentMinimumRequests: 20,
  /** Envoy base_ejection_time 30 s, multiplied by the number of ejections in a row ... */
  baseEjectionMs: 30_000,
  /** ... up to Envoy's max_ejection_time, 300 s. */
  maxEjectionMs: 300_000,
  /** Up to +10 % on each ejection time, so endpoints ejected together do not return together. */
  ejectionJitter: 0.1,
  /**
   * At most 10 % of the endpoints ejected at once (Envoy, A50), but always at least one when there
   * are two or more: A50 checks the cap before each ejection, so one bad pod of three is ejected.
   * A higher cap would let a shared slowdown eject many pods at once and overload the rest.
   */
  maxEjectedPercent: 10,
});

/** Panic mode: below this share of usable endpoints, spread calls over all of them (Envoy: 50 %). */
export const PANIC_DEFAULTS = Object.freeze({ thresholdPercent: 50 });

/** Slow start, when enabled (Envoy slow_start_config defaults: aggression 1, min weight 10 %). */
export const SLOW_START_DEFAULTS = Object.freeze({
  windowMs: 30_000,
  aggression: 1,
  minWeightPercent: 10,
});

/** Stall detection: a pod that stops answering loses new picks long before deadlines expire. */
export const STALL_DEFAULTS = Object.freeze({
  /** Stalled when the oldest outstanding call is this many times older than the usual latency ... */
  latencyMultiplier: 10,
  /** ... and at least this old, so fast services are not judged on microseconds. */
  floorMs: 100,
  /** Outstanding calls needed: one long-lived stream alone never marks a pod stalled. */
  minOutstanding: 2,
  /** Time constant of the latency estimate (EWMA), as Linkerd's peak-EWMA decay. */
  latencyDecayMs: 10_000,
});

/**
 * Codes that count as an endpoint failure: the ones that say something about the server or the
 * path to it. Application outcomes (NOT_FOUND, INVALID_ARGUMENT, ...) do not; CANCELLED never does.
 */
export const FAILURE_CODE_DEFAULTS: readonly string[] = Object.freeze([
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'INTERNAL',
  'UNKNOWN',
  'DATA_LOSS',
]);

/**
 * Keepalive pings the helper turns on. Every gRPC server's default enforcement (grpc-go, C-core,
 * Java: a ping every 5 min at most, none without calls) answers faster pings with a
 * `too_many_pings` GOAWAY, so the default stays at 5 min, only while calls are active. Lower it
 * only against servers configured to permit it (grpc-js servers do not enforce).
 */
export const KEEPALIVE_DEFAULTS = Object.freeze({
  timeMs: 300_000,
  /** gRPC's default wait for the ping's answer. */
  timeoutMs: 20_000,
  permitWithoutCalls: false,
});

/**
 * Retry budget (Finagle's RetryBudget, Linkerd's): retries may add at most 20 % of the calls, plus
 * 10 retries per second so that low-traffic clients can still retry, over a 10 s window.
 */
export const RETRY_BUDGET_DEFAULTS = Object.freeze({
  percent: 20,
  minRetriesPerSecond: 10,
  windowMs: 10_000,
});

/**
 * The grpc-js retryPolicy the helper writes for every method unless told otherwise: UNAVAILABLE
 * only (the code for "not processed, try elsewhere": a pod going away, a refused connection), 3
 * attempts (grpc-js caps at 5), back-off as Envoy's retry defaults (25 ms, at most 250 ms).
 */
export const RETRY_POLICY_DEFAULTS = Object.freeze({
  maxAttempts: 3,
  initialBackoffMs: 25,
  maxBackoffMs: 250,
  backoffMultiplier: 2,
  retryableStatusCodes: Object.freeze(['UNAVAILABLE']) as readonly string[],
});

/**
 * Graceful shutdown of a server in a pod (lib/server). With Kubernetes' default 30 s grace period:
 * keep serving 10 s after SIGTERM (clients poll DNS every 5 s ±10 %, CoreDNS TTL 5 s), then send
 * GOAWAY and give calls in flight 15 s, then force; 25 s in all, under the 30 s SIGKILL.
 */
export const SHUTDOWN_DEFAULTS = Object.freeze({
  drainDelayMs: 10_000,
  gracePeriodMs: 15_000,
  signals: Object.freeze(['SIGTERM', 'SIGINT']) as readonly NodeJS.Signals[],
});

/**
 * Sizing a pod's preStop sleep (docs/kubernetes.md): clients stop sending to a pod only after their
 * next poll has seen it gone, and the DNS answer they get may be as old as its TTL.
 * preStop ≥ poll interval × (1 + jitter) + DNS TTL + margin.
 */
export const PRESTOP_SIZING_DEFAULTS = Object.freeze({
  /** The CoreDNS kubernetes plugin's default TTL (kubeadm, and so kind, configure 30 s: lower it). */
  dnsTtlMs: 5_000,
  /** Covers the endpoints controller and CoreDNS's watch catching up, and a call already on the wire. */
  marginMs: 2_000,
});

/**
 * Server options recommended beside the SDK. max_connection_age makes every client, even one
 * without this SDK, reconnect (and re-resolve) now and then: minutes, not seconds (grpc-node#2625).
 */
export const SERVER_OPTION_DEFAULTS = Object.freeze({
  maxConnectionAgeMs: 300_000,
  maxConnectionAgeGraceMs: 30_000,
  /** The server pings idle clients to find dead connections. */
  keepaliveTimeMs: 300_000,
  keepaliveTimeoutMs: 20_000,
});
