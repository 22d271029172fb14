import type { Clock } from '../common/clock.js';
import {
  DEFAULT_ROUND_ROBIN_SETTINGS,
  parseRoundRobinConfig,
  type RoundRobinSettings,
  THICK_ROUND_ROBIN,
} from '../config/policy.js';
import { RoundRobinCursor } from '../picking/round-robin.js';
import type { ChannelControlHelper, Picker, TypedLoadBalancingConfig } from './adapter.js';
import { ownJson, parsedForGrpcJs, ThickBalancer, ThickPolicyConfig } from './thick-balancer.js';
import { type PickContext, ThickPicker } from './thick-picker.js';

export class ThickRoundRobinConfig extends ThickPolicyConfig<RoundRobinSettings> {
  getLoadBalancerName(): string {
    return THICK_ROUND_ROBIN;
  }

  static createFromJson(json: unknown): ThickRoundRobinConfig {
    return new ThickRoundRobinConfig(
      parsedForGrpcJs(THICK_ROUND_ROBIN, json, parseRoundRobinConfig),
      ownJson(json),
    );
  }
}

/**
 * Round robin per call over the candidates, passing over one that is held back (stalled, warming,
 * on probation with its trial out) or that this call already tried.
 */
class ThickRoundRobinPicker extends ThickPicker {
  constructor(
    context: PickContext,
    private readonly cursor: RoundRobinCursor,
  ) {
    super(context);
  }

  protected select(): number {
    const n = this.context.candidates.length;
    for (let step = 0; step < n; step++) {
      const index = this.cursor.next(n);
      if (this.usable(index)) return index;
    }
    return -1;
  }
}

/** `thick_round_robin`: every call to the next usable endpoint in turn. */
export class ThickRoundRobin extends ThickBalancer<RoundRobinSettings> {
  protected readonly name = THICK_ROUND_ROBIN;
  /** On the policy, not the picker, so the rotation goes on across picker swaps. */
  private readonly cursor = new RoundRobinCursor(Math.random);

  constructor(helper: ChannelControlHelper, clock?: Clock) {
    super(helper, DEFAULT_ROUND_ROBIN_SETTINGS, clock);
  }

  protected override isOwnConfig(config: TypedLoadBalancingConfig): config is ThickRoundRobinConfig {
    return config instanceof ThickRoundRobinConfig;
  }

  protected override makePicker(context: PickContext): Picker {
    return new ThickRoundRobinPicker(context, this.cursor);
  }
}
