import { it } from 'node:test';
import { isDnsmasqAvailable } from '../../lib/testing/dns/backends.js';
import { dnsOutageScenario } from '../scenarios/dns-outage.js';

it('dnsmasq killed for 30 s: zero failed calls, one warning, recovery on the first good answer', {
  skip: isDnsmasqAvailable() ? false : 'dnsmasq is not installed (apt-get install -y dnsmasq-base)',
}, async () => {
  await dnsOutageScenario('dnsmasq');
});
