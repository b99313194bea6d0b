import { describe, expect, it } from 'vitest';
import { VergeError, type AppendReceipt, type Message, type MessageDelivery, type MessageStore } from '@verge/contracts';
import { compileRoutes, DEFAULT_ROUTE_PRIORITY } from '@verge/core';
import { ingestMessage, planDeliveries } from '../../../src/hub/routing/ingest.js';
import { RouteTable, type RouteSnapshot } from '../../../src/hub/routing/route-table.js';

function table(specs: Record<string, { route: string; priority?: number; timeToLiveSecs?: number }>, defaultTtlSecs = 7200): RouteSnapshot {
  const compiled = compileRoutes(
    Object.fromEntries(Object.entries(specs).map(([k, v]) => [k, { route: v.route, priority: v.priority ?? DEFAULT_ROUTE_PRIORITY, timeToLiveSecs: v.timeToLiveSecs ?? 0 }])),
  );
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
  return { routes: compiled.routes, defaultTtlSecs, desiredVersion: 1 };
}

const fromModule = (moduleId: string, output: string, props: Record<string, string> = {}): Message => ({
  body: Buffer.from('x'),
  properties: props,
  systemProperties: { connectionDeviceId: 'edge1', connectionModuleId: moduleId, outputName: output },
});
const fromLeaf: Message = { body: Buffer.from('y'), properties: {}, systemProperties: { connectionDeviceId: 'leaf1' } };

describe('planDeliveries', () => {
  const t = table({
    toB: { route: 'FROM /messages/modules/a/outputs/out1 INTO BrokeredEndpoint("/modules/b/inputs/in1")' },
    hot: { route: 'FROM /messages/modules/a/* WHERE level = \'hot\' INTO $upstream', priority: 0, timeToLiveSecs: 60 },
    all: { route: 'FROM /messages/* INTO $upstream', priority: 5 },
  });

  it.each<[string, Message, MessageDelivery[]]>([
    [
      'module output: one delivery per endpoint, the default TTL when the route has none',
      fromModule('a', 'out1'),
      [
        { endpointId: '/modules/b/inputs/in1', priority: DEFAULT_ROUTE_PRIORITY, ttlSecs: 7200 },
        { endpointId: '$upstream', priority: 5, ttlSecs: 7200 },
      ],
    ],
    [
      'the most urgent route wins an endpoint, with its own TTL (reference §3.5)',
      fromModule('a', 'out2', { level: 'hot' }),
      [{ endpointId: '$upstream', priority: 0, ttlSecs: 60 }],
    ],
    ['a leaf message', fromLeaf, [{ endpointId: '$upstream', priority: 5, ttlSecs: 7200 }]],
  ])('%s', (_name, message, expected) => {
    expect(planDeliveries(message, t)).toEqual(expected);
  });

  it('returns nothing for an unrouted message', () => {
    expect(planDeliveries(fromLeaf, table({ onlyA: { route: 'FROM /messages/modules/a/* INTO $upstream' } }))).toEqual([]);
  });

  it('keeps "never expire" (negative default TTL) as it is', () => {
    expect(planDeliveries(fromLeaf, table({ all: { route: 'FROM /* INTO $upstream' } }, -1))).toEqual([{ endpointId: '$upstream', priority: DEFAULT_ROUTE_PRIORITY, ttlSecs: -1 }]);
  });
});

/** A store that records appends and can be told to refuse. */
class FakeStore implements Pick<MessageStore, 'append'> {
  readonly appended: { message: Message; deliveries: readonly MessageDelivery[] }[] = [];
  refuse: VergeError | undefined;

  append(message: Message, deliveries: readonly MessageDelivery[]): Promise<AppendReceipt> {
    if (this.refuse !== undefined) return Promise.reject(this.refuse);
    this.appended.push({ message, deliveries });
    return Promise.resolve({ edgeMessageId: `m${this.appended.length}`, enqueuedAtMs: 0, offsets: deliveries.map((d, i) => ({ ...d, offset: i })) });
  }
}

describe('ingestMessage (routing glue)', () => {
  const routes = new RouteTable(7200);
  routes.swap(table({ up: { route: 'FROM /messages/* INTO $upstream' } }));

  it('appends once with every delivery, then reports the endpoints to wake', async () => {
    const store = new FakeStore();
    const woken: string[][] = [];
    const outcome = await ingestMessage({ table: () => routes.current, store: store as unknown as MessageStore, stored: (ids) => woken.push([...ids]), hold: () => Promise.reject(new Error('not expected')) }, fromLeaf);
    expect(outcome).toMatchObject({ kind: 'stored', endpointIds: ['$upstream'] });
    expect(store.appended).toHaveLength(1);
    expect(woken).toEqual([['$upstream']]);
  });

  it('does not touch the store for an unrouted message', async () => {
    const store = new FakeStore();
    const empty = new RouteTable(7200);
    empty.swap({ routes: [], defaultTtlSecs: 7200, desiredVersion: 3 });
    const held: unknown[] = [];
    const outcome = await ingestMessage({ table: () => empty.current, store: store as unknown as MessageStore, stored: () => undefined, hold: async (m) => void held.push(m) }, fromLeaf);
    expect(outcome).toEqual({ kind: 'unrouted' });
    expect(store.appended).toHaveLength(0);
    expect(held).toHaveLength(0);
  });

  it('holds (never drops) a message that arrives before the hub has any route table (issue 7 startup race)', async () => {
    const store = new FakeStore();
    const none = new RouteTable(7200);
    const held: unknown[] = [];
    const outcome = await ingestMessage({ table: () => none.current, store: store as unknown as MessageStore, stored: () => undefined, hold: async (m) => void held.push(m) }, fromLeaf);
    expect(outcome).toEqual({ kind: 'held' });
    expect(held).toEqual([fromLeaf]);
  });

  it('rejects with the store error (nothing stored, nothing woken)', async () => {
    const store = new FakeStore();
    store.refuse = new VergeError('HUB_STORE_FULL', 'full');
    const woken: string[] = [];
    await expect(ingestMessage({ table: () => routes.current, store: store as unknown as MessageStore, stored: (ids) => woken.push(...ids), hold: () => Promise.reject(new Error('not expected')) }, fromLeaf)).rejects.toMatchObject({
      code: 'HUB_STORE_FULL',
    });
    expect(woken).toEqual([]);
  });

  it('routes by the table in force when the message arrives (swap by reference)', () => {
    const t = new RouteTable(7200);
    const before = t.current;
    t.swap(table({ up: { route: 'FROM /* INTO $upstream' } }));
    expect(before.routes).toEqual([]);
    expect(t.current).not.toBe(before);
    expect(t.endpointIds()).toEqual(['$upstream']);
  });
});
