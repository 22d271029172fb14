import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RETRY_BUDGET_DEFAULTS } from '../../lib/config/defaults.js';
import { RetryBudget } from '../../lib/retry/budget.js';
import { FakeClock } from '../helpers/fake-clock.js';

function drain(budget: RetryBudget): number {
  let allowed = 0;
  while (budget.tryWithdraw()) allowed++;
  return allowed;
}

describe('retry budget', () => {
  it('allows 10 retries/s × 10 s with no traffic', () => {
    assert.equal(drain(new RetryBudget(RETRY_BUDGET_DEFAULTS, new FakeClock())), 100);
  });

  it('adds 20 % of the calls in the window', () => {
    const budget = new RetryBudget(RETRY_BUDGET_DEFAULTS, new FakeClock());
    for (let i = 0; i < 1000; i++) budget.deposit();
    assert.equal(drain(budget), 300);
    assert.equal(budget.refused, 1);
  });

  it('slides: old calls and retries leave the window', async () => {
    const clock = new FakeClock();
    const budget = new RetryBudget(RETRY_BUDGET_DEFAULTS, clock);
    for (let i = 0; i < 1000; i++) budget.deposit();
    assert.equal(drain(budget), 300);
    await clock.advance(5_000);
    assert.equal(drain(budget), 0, 'still spent half-way through the window');
    await clock.advance(5_001);
    assert.equal(drain(budget), 100, 'a window later only the minimum is left');
  });

  it('at a steady 100 calls/s keeps retries to 20 % + 10/s', async () => {
    const clock = new FakeClock();
    const budget = new RetryBudget(RETRY_BUDGET_DEFAULTS, clock);
    let allowed = 0;
    for (let second = 0; second < 60; second++) {
      for (let i = 0; i < 100; i++) {
        budget.deposit();
        if (budget.tryWithdraw()) allowed++; // every call fails and wants a retry
      }
      await clock.advance(1000);
    }
    // 60 s: 100 (first window's minimum) + 20 %×6000 + 10/s×50 s beyond the first window ≈ 1800
    assert.ok(allowed <= 60 * (20 + 10) + 100, `${allowed}`);
    assert.ok(allowed >= 60 * (20 + 10) * 0.8, `${allowed}`);
  });
});
