// The configurations compared side by side, one row each. A row says how its channel is built for
// a scenario, or why it cannot run here. thick_p2c is already a row: it runs as soon as the helper
// accepts the policy (it is registered), and is skipped with that reason until then.
import type * as grpc from '@grpc/grpc-js';
import {
  type DnsPollOptions,
  THICK_ROUND_ROBIN,
  type ThickChannelOptionsInit,
  thickChannelOptions,
} from '../lib/index.js';

export type ConfigId = 'pick_first' | 'round_robin' | 'thick_round_robin' | 'thick_p2c' | 'proxy';
export type FigureId = 'closedLoop' | 'openLoop' | 'scale' | 'churn' | 'slowPod';

/** What a scenario offers the configurations: its backends and how to reach them. */
export interface Scenario {
  /** "ip:port" of every backend, in DNS order. */
  readonly backends: readonly string[];
  /** The dns-poll target naming the backends in the scenario's DNS. */
  readonly dnsPollTarget: string;
  /** Resolver settings of the scenario (fast polls for the scale and churn figures). */
  readonly dns?: DnsPollOptions;
  /** "127.0.0.1:port" of the HTTP/2 proxy in front of the backends, when one runs. */
  readonly proxy?: string;
  /** Why there is no proxy (haproxy not on PATH, ...). */
  readonly proxySkipReason?: string;
}

export interface Channel {
  readonly target: string;
  readonly options: grpc.ChannelOptions;
}

export type ChannelOrSkip = Channel | { readonly skip: string };

export interface ConfigSpec {
  readonly id: ConfigId;
  readonly description: string;
  readonly figures: readonly FigureId[];
  channel(scenario: Scenario): ChannelOrSkip;
}

/**
 * Every channel owns its connections: grpc-js otherwise shares subchannels between channels with
 * equal options, and one configuration would ride on another's connections.
 */
const COMMON_OPTIONS: grpc.ChannelOptions = Object.freeze({ 'grpc.use_local_subchannel_pool': 1 });

const ALL_LOAD_FIGURES: readonly FigureId[] = ['closedLoop', 'openLoop'];

function ipv4List(backends: readonly string[]): string {
  return `ipv4:///${backends.join(',')}`;
}

/** The SDK as users get it from the helper (its retry policy and keepalive included). */
function thick(policy: string, scenario: Scenario): ChannelOrSkip {
  try {
    // The helper's type names the policies it knows; a newer one is tried and skipped if refused.
    const init: ThickChannelOptionsInit = { policy: policy as typeof THICK_ROUND_ROBIN };
    if (scenario.dns) init.dns = scenario.dns;
    return { target: scenario.dnsPollTarget, options: { ...COMMON_OPTIONS, ...thickChannelOptions(init) } };
  } catch (error) {
    return { skip: `not available in this build (${(error as Error).message})` };
  }
}

export const CONFIGS: readonly ConfigSpec[] = Object.freeze([
  {
    id: 'pick_first',
    description: 'stock grpc-js pick_first to one backend',
    figures: ALL_LOAD_FIGURES,
    channel: (s) => ({ target: ipv4List(s.backends.slice(0, 1)), options: { ...COMMON_OPTIONS } }),
  },
  {
    id: 'round_robin',
    description: 'stock grpc-js round_robin over a fixed ipv4: list',
    figures: [...ALL_LOAD_FIGURES, 'scale', 'slowPod'],
    channel: (s) => ({
      target: ipv4List(s.backends),
      options: {
        ...COMMON_OPTIONS,
        'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
      },
    }),
  },
  {
    id: 'thick_round_robin',
    description: 'grpc-thick-client thick_round_robin via dns-poll (helper defaults)',
    figures: [...ALL_LOAD_FIGURES, 'scale', 'churn', 'slowPod'],
    channel: (s) => thick(THICK_ROUND_ROBIN, s),
  },
  {
    id: 'thick_p2c',
    description: 'grpc-thick-client thick_p2c via dns-poll (helper defaults)',
    figures: [...ALL_LOAD_FIGURES, 'scale', 'churn', 'slowPod'],
    channel: (s) => thick('thick_p2c', s),
  },
  {
    id: 'proxy',
    description: 'stock pick_first to HAProxy (h2, per-request round robin over the same backends)',
    figures: [...ALL_LOAD_FIGURES, 'slowPod'],
    channel: (s) =>
      s.proxy
        ? { target: ipv4List([s.proxy]), options: { ...COMMON_OPTIONS } }
        : { skip: s.proxySkipReason ?? 'no proxy in this scenario' },
  },
]);

export function configsFor(figure: FigureId): readonly ConfigSpec[] {
  return CONFIGS.filter((c) => c.figures.includes(figure));
}
