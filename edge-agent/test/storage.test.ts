import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayConfigCache, SeqStore, Spool, loadAgentConfig } from '../src/index.ts';
import { silent, tempDir } from './helpers/agent.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('spool and seq on disk', () => {
  it('keeps the spool bounded, dropping and counting the oldest batches it may drop', () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const dir = join(tmp.dir, 'spool');
    const spool = new Spool({ dir, maxBatches: 10 });
    for (let seq = 1; seq <= 15; seq++) spool.append(seq, `{"seq":${seq}}`, (s) => s !== 1);
    expect(spool.size).toBe(10);
    expect(spool.dropped).toBe(5);
    // Batch 1 was in flight, so it stays; 2–6 went.
    expect(spool.after(0, 100)).toEqual([1, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(() => spool.append(15, '{}')).toThrow(/not after 15/);

    writeFileSync(join(dir, '0000000000000016.json.tmp'), '{"half');
    const reopened = new Spool({ dir, maxBatches: 10 });
    expect(reopened.after(0, 100)).toEqual([1, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(reopened.read(7)).toBe('{"seq":7}');
    expect(readdirSync(dir).some((n) => n.endsWith('.tmp'))).toBe(false);
    reopened.remove(7);
    expect(reopened.after(1, 2)).toEqual([8, 9]);
    // The loss stays reported after a restart: the count is on disk, not only in memory.
    expect(reopened.dropped).toBe(5);
    const drops: number[] = [];
    const third = new Spool({ dir, maxBatches: 10, onDrop: (seq, total) => drops.push(seq, total) });
    for (let seq = 16; seq <= 17; seq++) third.append(seq, '{}');
    expect(drops).toEqual([1, 6]);
    expect(new Spool({ dir, maxBatches: 10 }).dropped).toBe(6);
  });

  it('persists the next seq before handing one out, and never goes below a floor', () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const a = new SeqStore(tmp.dir);
    expect([a.take(), a.take(), a.take()]).toEqual([1, 2, 3]);
    expect(new SeqStore(tmp.dir).next).toBe(4);
    expect(new SeqStore(tmp.dir, 9).take()).toBe(9);
    expect(new SeqStore(tmp.dir).next).toBe(10);
    expect(existsSync(join(tmp.dir, 'seq.json.tmp'))).toBe(false);
    // advance: the batch is stored first, then its seq marked used; only the next seq may be marked.
    const b = new SeqStore(tmp.dir);
    expect(() => b.advance(12)).toThrow(/not the next one/);
    b.advance(10);
    expect(new SeqStore(tmp.dir).next).toBe(11);
    writeFileSync(join(tmp.dir, 'seq.json'), 'nonsense');
    expect(() => new SeqStore(tmp.dir)).toThrow(/seq\.json holds no valid/);
  });
});

describe('gateway config cache', () => {
  const payload = (over: Record<string, unknown> = {}) =>
    Buffer.from(
      JSON.stringify({
        v: 1,
        enterpriseId: 'ent-1',
        gatewayId: 'gw-1',
        revision: 3,
        timezone: 'Asia/Shanghai',
        issuedAt: 1772323205000,
        workshops: [{ id: 'ws-1', name: '乳化工房', hazardClass: '1.1', kind: 'workshop', lines: ['line-1'], staffingLimit: 2, raiseAfterSeconds: 5, clearAfterSeconds: 5, offlineAfterSeconds: 60 }],
        lines: [],
        ...over,
      }),
    );

  it('keeps the valid config for this gateway on disk and refuses anything else, keeping what it had', () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const file = join(tmp.dir, 'gateway-config.json');
    const cache = new GatewayConfigCache(file, 'ent-1', 'gw-1', silent);
    expect(cache.load()).toBeNull();
    expect(cache.accept(payload())).toMatchObject({ revision: 3, workshops: [{ id: 'ws-1', staffingLimit: 2, quantityLimitKg: null }] });
    expect(cache.accept(payload())).toBeNull();
    expect(cache.accept(payload({ gatewayId: 'gw-2' }))).toBeNull();
    expect(cache.accept(payload({ workshops: [{ id: 'ws-1' }] }))).toBeNull();
    expect(cache.accept(Buffer.from('{not json'))).toBeNull();
    expect(cache.accept(Buffer.from(''))).toBeNull();
    expect(cache.refused).toBe(3);
    expect(cache.config?.revision).toBe(3);
    expect(new GatewayConfigCache(file, 'ent-1', 'gw-1', silent).load()?.revision).toBe(3);
    writeFileSync(file, '{"half');
    expect(new GatewayConfigCache(file, 'ent-1', 'gw-1', silent).load()).toBeNull();
  });
});

describe('the example configuration', () => {
  it('is a valid agent configuration', () => {
    const c = loadAgentConfig(join(import.meta.dirname, '../examples/agent.yaml'));
    expect(c.inputs.map((i) => i.kind)).toEqual(['modbus', 'door', 'http-push']);
    expect(c.localAlarms.outputs.map((o) => o.kind)).toEqual(['modbus-coil', 'command']);
  });
});
