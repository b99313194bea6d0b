// Counts what arrives in the cloud (the service API's live `/events`), per sender (`deviceId/moduleId`), by the
// `seq` application property: distinct messages, duplicates (at-least-once) and messages that arrived after a
// higher seq of the same sender (out of order). At the end, `lostOf` lists the acknowledged seqs that never arrived.

/** A growable bitmap of seen sequence numbers. */
class SeqSet {
  bits = new Uint8Array(1 << 16);
  has(n) {
    return n >> 3 < this.bits.length && (this.bits[n >> 3] & (1 << (n & 7))) !== 0;
  }
  add(n) {
    while (n >> 3 >= this.bits.length) {
      const grown = new Uint8Array(this.bits.length * 2);
      grown.set(this.bits);
      this.bits = grown;
    }
    this.bits[n >> 3] |= 1 << (n & 7);
  }
}

/** Starts counting `api.events()` until `stop()`. */
export function trackDeliveries(api, onError) {
  const abort = new AbortController();
  const senders = new Map();
  let total = 0;
  let other = 0;
  const done = (async () => {
    for await (const m of api.events({}, { signal: abort.signal, reconnect: { initialDelayMs: 200, maxDelayMs: 2000 } })) {
      total += 1;
      const seq = Number(m.properties['seq']);
      if (!Number.isInteger(seq) || seq < 1) {
        other += 1;
        continue;
      }
      const key = `${m.deviceId}/${m.moduleId ?? ''}`;
      let s = senders.get(key);
      if (s === undefined) senders.set(key, (s = { seen: new SeqSet(), distinct: 0, duplicates: 0, outOfOrder: 0, maxSeq: 0 }));
      if (s.seen.has(seq)) {
        s.duplicates += 1;
        continue;
      }
      s.seen.add(seq);
      s.distinct += 1;
      if (seq < s.maxSeq) s.outOfOrder += 1;
      else s.maxSeq = seq;
    }
  })().catch((err) => {
    if (!abort.signal.aborted) onError(err);
  });
  return {
    total: () => total,
    other: () => other,
    sender: (key) => senders.get(key),
    senders: () => [...senders.keys()],
    /** Seqs 1..sent, minus `failed` (not acknowledged), that did not arrive. */
    lostOf(key, sent, failed) {
      const s = senders.get(key);
      const notAcked = new Set(failed);
      const lost = [];
      for (let n = 1; n <= sent; n++) if (!notAcked.has(n) && !(s?.seen.has(n) ?? false)) lost.push(n);
      return lost;
    },
    stop: async () => {
      abort.abort();
      await done;
    },
  };
}
