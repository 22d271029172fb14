import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLaterAttempt, markTried, type PickInfo, wasTried } from '../../lib/retry/tried.js';

describe('previous-endpoint avoidance bookkeeping', () => {
  it('remembers every endpoint a call was sent to, and only those', () => {
    const info: PickInfo = {};
    assert.equal(isLaterAttempt(info), false);
    markTried(info, '10.0.0.1:80');
    assert.equal(isLaterAttempt(info), true);
    markTried(info, '10.0.0.12:80');
    assert.ok(wasTried(info, '10.0.0.1:80'));
    assert.ok(wasTried(info, '10.0.0.12:80'));
    assert.ok(!wasTried(info, '10.0.0.2:80'));
    assert.ok(!wasTried(info, '10.0.0.1:8'), 'no prefix matches');
    assert.ok(!wasTried(info, '0.0.1:80'), 'no suffix matches');
  });

  it('leaves the other keys of the per-call object alone', () => {
    const info: PickInfo = { other: 'x' };
    markTried(info, 'a');
    assert.equal(info.other, 'x');
  });
});
