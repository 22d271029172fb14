import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as dnsPacket from 'dns-packet';
import { DNS_WIRE_DEFAULTS } from '../../lib/config/defaults.js';
import { type AddressAnswer, formatIPv6 } from '../../lib/discovery/address-set.js';
import type { Family } from '../../lib/discovery/answer.js';
import {
  type DnsQuestion,
  encodeQuery,
  type ParsedResponse,
  parseResponse,
  RCODE,
  withId,
} from '../../lib/discovery/wire.js';
import {
  addressBytes,
  compressedResponse,
  ipv4Range,
  plainResponse,
  type ResponseSpec,
  shuffled,
  type WireRecord,
} from '../helpers/dns-wire.js';
import { seededRandom } from '../helpers/random.js';

const NAME = 'echo.default.svc.cluster.local';
const ID = 0x4a1f;
const TC = 0x0200;
const ENCODERS = { plain: plainResponse, compressed: compressedResponse } as const;

function question(family: Family = 4, name = NAME, id = ID): DnsQuestion {
  const encoded = encodeQuery(name, family, id);
  assert.ok(encoded.ok);
  return encoded.question;
}

const a = (address: string, name = NAME, ttl = 5): WireRecord => ({ name, type: 'A', data: address, ttl });

function spec(answers: readonly WireRecord[], extra: Partial<ResponseSpec> = {}): ResponseSpec {
  return { id: ID, question: { name: NAME, type: 'A' }, answers, ...extra };
}

function answerOf(parsed: ParsedResponse): AddressAnswer {
  assert.equal(parsed.kind, 'answer', JSON.stringify(parsed));
  return (parsed as Extract<ParsedResponse, { kind: 'answer' }>).answer;
}

function addresses(answer: AddressAnswer): string[] {
  return answer.records.map((r) => r.address);
}

describe('wire: encodeQuery', () => {
  it('asks one A question, recursion desired, with an EDNS0 OPT of the default UDP size', () => {
    const q = question(4, NAME, 0xbeef);
    const decoded = dnsPacket.decode(q.packet);
    assert.equal(decoded.id, 0xbeef);
    assert.equal(decoded.type, 'query');
    assert.equal(decoded.flag_rd, true);
    assert.deepEqual(decoded.questions, [{ name: NAME, type: 'A', class: 'IN' }]);
    assert.equal(decoded.answers?.length, 0);
    const opt = decoded.additionals?.[0] as dnsPacket.OptAnswer;
    assert.equal(opt.type, 'OPT');
    assert.equal(opt.udpPayloadSize, DNS_WIRE_DEFAULTS.ednsUdpSize);
    assert.equal(DNS_WIRE_DEFAULTS.ednsUdpSize, 1232);
  });

  it('the same question under another id: a copy, the template untouched', () => {
    const template = question(4, NAME, 0);
    const q = withId(template, 0xbeef);
    assert.equal(dnsPacket.decode(q.packet).id, 0xbeef);
    assert.equal(q.id, 0xbeef);
    assert.equal(template.packet.readUInt16BE(0), 0, 'the template keeps its id');
    assert.deepEqual(q.packet.subarray(2), template.packet.subarray(2), 'the rest is the same question');
    assert.equal(q.key, template.key);
  });

  it('asks AAAA for family 6, drops one trailing dot, and leaves EDNS out for size 0', () => {
    const encoded = encodeQuery(`${NAME}.`, 6, 7, 0);
    assert.ok(encoded.ok);
    const decoded = dnsPacket.decode(encoded.question.packet);
    assert.deepEqual(decoded.questions, [{ name: NAME, type: 'AAAA', class: 'IN' }]);
    assert.equal(decoded.additionals?.length, 0);
  });

  it('refuses names that cannot be written on the wire', () => {
    for (const bad of [
      'a..b',
      '.a',
      `${'x'.repeat(64)}.local`,
      `${'abcdefg.'.repeat(32)}local`,
      'ünï.local',
    ]) {
      assert.equal(encodeQuery(bad, 4, 1).ok, false, bad);
    }
    assert.equal(encodeQuery(`${'x'.repeat(63)}.local`, 4, 1).ok, true);
  });
});

describe('wire: parseResponse', () => {
  for (const [encoding, encode] of Object.entries(ENCODERS)) {
    it(`reads A records and the smallest TTL (${encoding} names)`, () => {
      const answer = answerOf(
        parseResponse(encode(spec([a('10.0.0.2', NAME, 30), a('10.0.0.1', NAME, 7)])), question()),
      );
      assert.deepEqual(answer.records, [
        { address: '10.0.0.2', ttl: 30 },
        { address: '10.0.0.1', ttl: 7 },
      ]);
      assert.equal(answer.ttlSeconds, 7);
      assert.equal(answer.size, 2);
    });

    it(`follows a CNAME chain from the question name, in any record order (${encoding})`, () => {
      const answers: WireRecord[] = [
        a('10.0.0.9', 'b.cluster.local'),
        { name: 'a.cluster.local', type: 'CNAME', data: 'b.cluster.local', ttl: 1 },
        a('10.0.0.7', 'unrelated.cluster.local', 2),
        { name: NAME, type: 'CNAME', data: 'a.cluster.local', ttl: 1 },
        a('10.0.0.8', 'a.cluster.local', 4),
      ];
      const answer = answerOf(parseResponse(encode(spec(answers)), question()));
      assert.deepEqual(addresses(answer), ['10.0.0.9', '10.0.0.8']);
      assert.equal(answer.ttlSeconds, 4, 'CNAME and ignored records do not count for the TTL');
    });

    it(`ignores other types and classes in the answer (${encoding})`, () => {
      const answers: WireRecord[] = [
        { name: NAME, type: 'TXT', data: 'hello', ttl: 1 },
        { name: NAME, type: 'AAAA', data: 'fd00::1', ttl: 1 },
        { name: NAME, type: 'A', data: '10.9.9.9', ttl: 1, klass: 3 },
        a('10.0.0.1'),
      ];
      assert.deepEqual(addresses(answerOf(parseResponse(encode(spec(answers)), question()))), ['10.0.0.1']);
    });

    it(`matches the echoed question name and owners whatever their case (${encoding})`, () => {
      const upper = NAME.toUpperCase();
      const packet = encode({
        ...spec([a('10.0.0.1', 'Echo.Default.SVC.cluster.local')]),
        question: { name: upper, type: 'A' },
      });
      assert.deepEqual(addresses(answerOf(parseResponse(packet, question()))), ['10.0.0.1']);
    });
  }

  it('reads AAAA records as Node prints IPv6 addresses', () => {
    const packet = compressedResponse({
      id: ID,
      question: { name: NAME, type: 'AAAA' },
      answers: [
        { name: NAME, type: 'AAAA', data: 'fd00:0:0:0:0:0:0:1', ttl: 9 },
        { name: NAME, type: 'AAAA', data: '2001:db8:0:1:1:1:1:1', ttl: 9 },
      ],
    });
    assert.deepEqual(addresses(answerOf(parseResponse(packet, question(6)))), [
      'fd00::1',
      '2001:db8:0:1:1:1:1:1',
    ]);
  });

  for (const family of [4, 6] as const) {
    it(`collapses duplicates in the identity, keeps them in the records (IPv${family})`, () => {
      const type = family === 4 ? 'A' : 'AAAA';
      const ips = family === 4 ? ['10.0.0.1', '10.0.0.2', '10.0.0.3'] : ['fd00::1', 'fd00::2', 'fd00::3'];
      const identity = (list: readonly string[]) =>
        answerOf(
          parseResponse(
            plainResponse({
              id: ID,
              question: { name: NAME, type },
              answers: list.map((data) => ({ name: NAME, type, data })),
            }),
            question(family),
          ),
        );
      const once = identity(ips);
      const repeated = identity([ips[2]!, ips[0]!, ips[1]!, ips[0]!, ips[0]!, ips[2]!]);
      assert.equal(repeated.identity, once.identity);
      assert.equal(repeated.records.length, 6);
      assert.notEqual(identity([ips[0]!, ips[0]!, ips[1]!]).identity, once.identity);
    });
  }

  for (const family of [4, 6] as const) {
    it(`gives one identity for any order of the same set, another for a changed set (IPv${family})`, () => {
      const random = seededRandom(family);
      const type = family === 4 ? 'A' : 'AAAA';
      const toAddress = (v4: string) => (family === 4 ? v4 : `fd00::${v4.split('.').join(':')}`);
      const set = ipv4Range(1000).map(toAddress);
      const build = (list: readonly string[], encode = compressedResponse) =>
        answerOf(
          parseResponse(
            encode({
              id: ID,
              question: { name: NAME, type },
              answers: list.map((data) => ({ name: NAME, type, data })),
            }),
            question(family),
          ),
        ).identity;
      const base = build(set);
      for (let i = 0; i < 5; i++) assert.equal(build(shuffled(set, random)), base);
      assert.equal(build(shuffled(set, random), plainResponse), base, 'compression does not matter');
      const changed = [...set];
      changed[500] = toAddress('10.2.0.1');
      assert.notEqual(build(changed), base, 'one address replaced');
      assert.notEqual(build(set.slice(1)), base, 'one address removed');
      assert.notEqual(build([...set, toAddress('10.2.0.1')]), base, 'one address added');
    });
  }

  it('ignores packets that do not answer our question', () => {
    const q = question();
    const cases: Record<string, Buffer> = {
      'another id': plainResponse({ ...spec([a('10.0.0.1')]), id: ID + 1 }),
      'a query (QR = 0)': plainResponse({ ...spec([a('10.0.0.1')]), query: true }),
      'another name': plainResponse({
        ...spec([a('10.0.0.1')]),
        question: { name: 'other.cluster.local', type: 'A' },
      }),
      'another type': plainResponse({ ...spec([]), question: { name: NAME, type: 'AAAA' } }),
      'too short for a header': Buffer.alloc(11),
    };
    const opcode = plainResponse(spec([a('10.0.0.1')]));
    opcode[2]! |= 0x10; // opcode 2 (STATUS)
    cases['another opcode'] = opcode;
    const twoQuestions = plainResponse(spec([a('10.0.0.1')]));
    twoQuestions[5] = 2;
    cases['two questions'] = twoQuestions;
    for (const [why, packet] of Object.entries(cases)) {
      assert.equal(parseResponse(packet, q).kind, 'ignored', why);
    }
  });

  it('reports TC, unless the answer came over TCP', () => {
    const packet = compressedResponse({ ...spec([a('10.0.0.1')]), flags: TC });
    assert.deepEqual(parseResponse(packet, question()), { kind: 'truncated' });
    assert.deepEqual(addresses(answerOf(parseResponse(packet, question(), true))), ['10.0.0.1']);
  });

  it('returns the RCODE of an error answer, with or without the question echoed', () => {
    for (const rcode of [RCODE.FORMERR, RCODE.SERVFAIL, RCODE.NXDOMAIN, RCODE.NOTIMP, RCODE.REFUSED]) {
      assert.deepEqual(parseResponse(plainResponse({ ...spec([]), flags: rcode }), question()), {
        kind: 'rcode',
        rcode,
      });
      const bare = Buffer.from([ID >> 8, ID & 0xff, 0x80, rcode, 0, 0, 0, 0, 0, 0, 0, 0]);
      assert.deepEqual(parseResponse(bare, question()), { kind: 'rcode', rcode });
    }
  });

  it('NOERROR without a usable record is an empty answer (NODATA)', () => {
    const onlyCname = spec([{ name: NAME, type: 'CNAME', data: 'elsewhere.cluster.local' }]);
    for (const packet of [plainResponse(spec([])), compressedResponse(onlyCname)]) {
      assert.equal(answerOf(parseResponse(packet, question())).size, 0);
    }
  });

  it('reads a TTL with its top bit set as 0 (RFC 2181)', () => {
    const packet = plainResponse(spec([a('10.0.0.1', NAME, 0x80000000)]));
    assert.equal(answerOf(parseResponse(packet, question())).ttlSeconds, 0);
  });

  it('stops at a CNAME loop', () => {
    const answers: WireRecord[] = [
      { name: NAME, type: 'CNAME', data: 'a.cluster.local' },
      { name: 'a.cluster.local', type: 'CNAME', data: NAME },
      a('10.0.0.1', 'a.cluster.local'),
    ];
    assert.deepEqual(addresses(answerOf(parseResponse(compressedResponse(spec(answers)), question()))), [
      '10.0.0.1',
    ]);
  });
});

describe('wire: garbled packets are results, never exceptions', () => {
  const answers: WireRecord[] = [
    { name: NAME, type: 'CNAME', data: 'a.cluster.local' },
    a('10.0.0.1', 'a.cluster.local'),
    a('10.0.0.2', 'a.cluster.local'),
  ];

  for (const [encoding, encode] of Object.entries(ENCODERS)) {
    it(`every cut of a ${encoding} answer is garbled (ignored before the id)`, () => {
      const packet = encode(spec(answers));
      for (let cut = 0; cut < packet.length; cut++) {
        const kind = parseResponse(packet.subarray(0, cut), question()).kind;
        assert.equal(kind, cut < 12 ? 'ignored' : 'garbled', `cut at ${cut} of ${packet.length}`);
      }
    });
  }

  it('rejects pointer loops, forward pointers, reserved label types and bad lengths', () => {
    const base = compressedResponse(spec([a('10.0.0.1')]));
    const owner = 12 + NAME.length + 2 + 4; // header, question name, type and class
    const mutate = (offset: number, ...bytes: number[]) => {
      const copy = Buffer.from(base);
      copy.set(bytes, offset);
      return copy;
    };
    const cases: Record<string, Buffer> = {
      'owner points at itself': mutate(owner, 0xc0, owner),
      'owner points forward': mutate(owner, 0xc0, owner + 4),
      'owner points past the end': mutate(owner, 0xff, 0xff),
      'label type 01': mutate(owner, 0x40, 0x0c),
      'A record of 5 bytes': Buffer.concat([mutate(owner + 2 + 8, 0, 5), Buffer.from([0])]),
      'RDLENGTH past the end': mutate(owner + 2 + 8, 0, 9),
      'question name points backwards into the header': mutate(12, 0xc0, 2),
      'more answers claimed than bytes': mutate(6, 0xff, 0xff),
    };
    // A CNAME whose target is a pointer to itself, and two names pointing at each other.
    const cname = compressedResponse(
      spec([{ name: NAME, type: 'CNAME', data: 'x.cluster.local' }, a('10.0.0.1')]),
    );
    const rdata = owner + 2 + 10;
    cases['CNAME target points at itself'] = Buffer.from(cname).fill(0, rdata, rdata + 4);
    cases['CNAME target points at itself']!.set([0xc0, rdata], rdata);
    // A skipped TXT record's data points at the next owner, which points back at it.
    const loop = compressedResponse(spec([{ name: NAME, type: 'TXT', data: 'ab' }, a('10.0.0.1')]));
    loop.set([0xc0, rdata + 3], rdata);
    loop.set([0xc0, rdata], rdata + 3);
    cases['pointers leading to each other'] = loop;
    for (const [why, packet] of Object.entries(cases)) {
      assert.equal(parseResponse(packet, question()).kind, 'garbled', why);
    }
  });

  it('survives random corruption', () => {
    const random = seededRandom(42);
    const packet = compressedResponse(spec([...answers, ...ipv4Range(20).map((ip) => a(ip))]));
    for (let i = 0; i < 5000; i++) {
      const copy = Buffer.from(packet);
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++)
        copy[12 + Math.floor(random() * (copy.length - 12))] = Math.floor(random() * 256);
      const parsed = parseResponse(copy, question());
      if (parsed.kind === 'answer')
        for (const r of parsed.answer.records) assert.equal(typeof r.address, 'string');
    }
  });
});

describe('wire: formatIPv6', () => {
  const format = (text: string) => formatIPv6(addressBytes(text), 0);
  for (const [input, expected] of [
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['fd00:0:0:0:0:0:0:1', 'fd00::1'],
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
    ['1:0:0:1:1:0:0:1', '1::1:1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['FD00:ABCD:0:0:0:0:0:10', 'fd00:abcd::10'],
    ['::ffff:10.1.2.3', '::ffff:10.1.2.3'],
    ['::10.1.2.3', '::10.1.2.3'],
    ['0:0:0:0:0:0:0:2', '::2'],
    ['0:0:0:0:1:ffff:a01:203', '::1:ffff:a01:203'],
  ] as const) {
    it(`${input} → ${expected}`, () => assert.equal(format(input), expected));
  }
});
