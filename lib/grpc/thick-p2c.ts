import { type Clock, type RandomSource, systemClock } from '../common/clock.js';
import { LOAD_TRACKING } from '../config/defaults.js';
import { DEFAULT_P2C_SETTINGS, type P2cSettings, parseP2cConfig, THICK_P2C } from '../config/policy.js';
import { CANCELLED_CODE, DEADLINE_EXCEEDED_CODE } from '../config/status-codes.js';
import { ChannelLatency, LatencyFloor } from '../picking/channel-latency.js';
import { EndpointLoad } from '../picking/load.js';
import { powerOfTwoChoices } from '../picking/p2c.js';
import { fastRandom } from '../picking/random.js';
import type { ChannelControlHelper, Picker, TypedLoadBalancingConfig } from './adapter.js';
import type { CallMeter } from './picked-call.js';
import { ownJson, parsedForGrpcJs, ThickBalancer, ThickPolicyConfig } from './thick-balancer.js';
import { type PickContext, ThickPicker } from './thick-picker.js';

export class ThickP2cConfig extends ThickPolicyConfig<P2cSettings> {
  getLoadBalancerName(): string {
    return THICK_P2C;
  }

  static createFromJson(json: unknown): ThickP2cConfig {
    return new ThickP2cConfig(parsedForGrpcJs(THICK_P2C, json, parseP2cConfig), ownJson(json));
  }
}

/**
 * Power of two choices over the candidates' load (peak-EWMA latency × calls in flight, or calls in
 * flight alone). Loads are looked up once per picker, so a pick is two array reads and two costs.
 */
class ThickP2cPicker extends ThickPicker {
  private readonly meters: readonly LoadMeter[];
  /** Built once per picker: a pick passes these to the pure chooser without allocating. */
  private readonly isUsable = (index: number) => this.usable(index);
  /** Only for peak_ewma: least_request compares calls in flight alone. */
  private readonly floor: LatencyFloor | null;
  private floorMs = 0;
  private readonly costOf = (index: number) => this.meters[index]!.load.cost(this.now, this.floorMs);

  constructor(
    context: PickContext,
    loadOf: (key: string) => EndpointLoad,
    channel: ChannelLatency,
    private readonly random: RandomSource,
    failureCodes: ReadonlySet<number>,
    /** Latency estimates are noisy; calls in flight are exact. */
    private readonly tolerance: number,
    peakEwma: boolean,
  ) {
    super(context);
    this.meters = context.candidates.map((m) => new LoadMeter(loadOf(m.key), failureCodes));
    this.floor = peakEwma
      ? new LatencyFloor(
          this.meters.map((m) => m.load),
          channel,
        )
      : null;
  }

  protected select(): number {
    if (this.floor) this.floorMs = this.floor.at(this.now);
    return powerOfTwoChoices(
      this.context.candidates.length,
      this.random,
      this.isUsable,
      this.costOf,
      this.tolerance,
    );
  }

  /** Counted from the pick (a burst of picks must see each other), measured from pick to end. */
  protected override meter(index: number): CallMeter {
    const meter = this.meters[index]!;
    meter.load.picked(this.now);
    return meter;
  }
}

/** One endpoint's load as the picked calls see it (one per endpoint per picker, none per call). */
class LoadMeter implements CallMeter {
  constructor(
    readonly load: EndpointLoad,
    private readonly failureCodes: ReadonlySet<number>,
  ) {}

  started(now: number, stream: boolean): void {
    this.load.started(now, !stream);
  }

  ended(now: number, latencyMs: number, code: number, stream: boolean): void {
    // A cancelled call says nothing of the endpoint, and a stream's length is not its latency.
    // A local deadline or cancel ends a call without anything read from the server.
    const heard = code !== CANCELLED_CODE && code !== DEADLINE_EXCEEDED_CODE;
    this.load.ended(
      now,
      latencyMs,
      code !== CANCELLED_CODE && !stream,
      this.failureCodes.has(code),
      !stream,
      heard,
    );
  }
}

/** `thick_p2c`: the cheaper of two endpoints drawn at random, per call. */
export class ThickP2c extends ThickBalancer<P2cSettings> {
  protected readonly name = THICK_P2C;
  private readonly loads = new Map<string, EndpointLoad>();
  private readonly channel = new ChannelLatency(this.settings.load);
  private readonly loadOf = (key: string): EndpointLoad => {
    let load = this.loads.get(key);
    if (!load) {
      load = new EndpointLoad(this.settings.load, this.channel, this.clock.now());
      this.loads.set(key, load);
    }
    return load;
  };

  constructor(
    helper: ChannelControlHelper,
    clock: Clock = systemClock,
    private readonly random: RandomSource = fastRandom(),
  ) {
    super(helper, DEFAULT_P2C_SETTINGS, clock);
  }

  protected override isOwnConfig(config: TypedLoadBalancingConfig): config is ThickP2cConfig {
    return config instanceof ThickP2cConfig;
  }

  protected override makePicker(context: PickContext): Picker {
    const { load, health } = this.settings;
    const peakEwma = load.metric === 'peak_ewma';
    const tolerance = peakEwma ? LOAD_TRACKING.costTolerance : 1;
    // Only this picker's candidates move the latency floor (O(n), as building the picker is).
    for (const endpointLoad of this.loads.values()) endpointLoad.candidate = false;
    for (const member of context.candidates) this.loadOf(member.key).candidate = true;
    return new ThickP2cPicker(
      context,
      this.loadOf,
      this.channel,
      this.random,
      health.failureCodes,
      tolerance,
      peakEwma,
    );
  }

  protected override endpointAdded(key: string): void {
    this.loadOf(key);
  }

  /** Kept while the endpoint drains (its calls still end), dropped when it is gone. */
  protected override endpointRetired(key: string): void {
    this.loads.delete(key);
  }

  protected override settingsUpdated(): void {
    this.channel.update(this.settings.load);
    for (const load of this.loads.values()) load.update(this.settings.load);
  }
}
