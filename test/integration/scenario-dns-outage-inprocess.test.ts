import { it } from 'node:test';
import { dnsOutageScenario } from '../scenarios/dns-outage.js';

it('in-process DNS server down for 30 s: zero failed calls, one warning, recovery on the first good answer', async () => {
  await dnsOutageScenario('inprocess');
});
