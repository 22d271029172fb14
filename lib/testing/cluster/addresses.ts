// Pod IPs: each bed takes its own 127.<a>.<b>.0/24 block (a, b from pid and randomness, so two
// beds running at once do not collide) and never hands out an IP twice, like fresh pod IPs.

export const POD_ADDRESS_DEFAULTS = Object.freeze({
  firstHost: 2,
  lastHost: 254,
  /** 127.0.x.x holds 127.0.0.1 and the DNS address 127.0.53.x: blocks start at 127.1. */
  minSecondOctet: 1,
  maxSecondOctet: 254,
});

const BLOCK = /^127\.(\d{1,3})\.(\d{1,3})$/;

export class PodAddressAllocator {
  private second: number;
  private third: number;
  private host: number = POD_ADDRESS_DEFAULTS.firstHost;

  /** `block` is "127.<a>.<b>" (a ≥ 1); by default one is derived from the pid and randomness. */
  constructor(block?: string) {
    if (block !== undefined) {
      const match = BLOCK.exec(block);
      const a = Number(match?.[1]);
      const b = Number(match?.[2]);
      if (
        !match ||
        a < POD_ADDRESS_DEFAULTS.minSecondOctet ||
        a > POD_ADDRESS_DEFAULTS.maxSecondOctet ||
        b > 255
      ) {
        throw new Error(`pod address block must look like "127.<1-254>.<0-255>", not "${block}"`);
      }
      this.second = a;
      this.third = b;
    } else {
      const span = POD_ADDRESS_DEFAULTS.maxSecondOctet - POD_ADDRESS_DEFAULTS.minSecondOctet + 1;
      const seed = process.pid * 257 + Math.floor(Math.random() * 65536);
      this.second = POD_ADDRESS_DEFAULTS.minSecondOctet + (seed % span);
      this.third = Math.floor(Math.random() * 256);
    }
  }

  get block(): string {
    return `127.${this.second}.${this.third}`;
  }

  next(): string {
    if (this.host > POD_ADDRESS_DEFAULTS.lastHost) {
      // More than 253 pods in one bed: move on to the next /24 rather than reuse an IP.
      this.host = POD_ADDRESS_DEFAULTS.firstHost;
      this.third = (this.third + 1) % 256;
    }
    return `${this.block}.${this.host++}`;
  }
}
