// The ledger's hash chain (SPEC 5): each event carries the hash of the one before it, and its own hash
// over its canonical JSON. The exported file is one canonical line per event, so a verifier needs only
// this file: any edited byte changes the JSON (hash mismatch), breaks it (not JSON) or leaves it
// non-canonical (the same value written differently), and a removed or reordered line breaks `prev`/`seq`.
import { createHash } from 'node:crypto';
import type { AlarmEventKind, AlarmRecord } from '@hazwatch/protocols';

/** Format version of a ledger line; part of the hashed content. */
export const LEDGER_VERSION = 1;
/** `prev` of the first event. */
export const GENESIS = '0'.repeat(64);

/** One ledger event as hashed and exported. Times are RFC 3339 UTC. */
export type ChainedEvent = {
  v: number;
  seq: number;
  alarmId: string;
  kind: AlarmEventKind;
  /** Event time of the change (for rule transitions, the engine's event time). */
  at: string;
  /** Platform time the event was written. */
  recordedAt: string;
  /** Who acted; null for the platform itself. */
  by: string | null;
  detail: Record<string, unknown> | null;
  /** The record as it stands after the event. */
  alarm: AlarmRecord;
  prev: string;
};

/** JSON with object keys sorted at every level and no whitespace: one text per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('canonical JSON has no representation for a non-finite number');
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function eventHash(e: ChainedEvent): string {
  return createHash('sha256').update(canonicalJson(e), 'utf8').digest('hex');
}

/** The exported line of an event (without the newline). */
export function ledgerLine(e: ChainedEvent, hash: string): string {
  return canonicalJson({ ...e, hash });
}

export type VerifyResult =
  | { ok: true; events: number; head: string }
  | { ok: false; line: number; seq: number | null; reason: string; events: number };

/**
 * Checks an exported ledger, line by line. Stops at the first broken event and names it (1-based line,
 * and its seq when readable). `expectHead`, when given, must be the hash of the last event: the only
 * way to notice lines cut off the end, which a chain by itself cannot show.
 */
export function verifyLedger(text: string, expectHead?: string): VerifyResult {
  const lines = text.split('\n');
  // One newline after the last event; anything else after it is an edit.
  if (lines[lines.length - 1] === '') lines.pop();
  let prev = GENESIS;
  let expectSeq = 1;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!;
    const fail = (reason: string, seq: number | null = null): VerifyResult => ({ ok: false, line: lineNo, seq, reason, events: i });
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return fail('not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail('not a JSON object');
    const { hash, ...event } = parsed as Record<string, unknown>;
    const seq = typeof event.seq === 'number' ? event.seq : null;
    if (typeof hash !== 'string') return fail('has no hash', seq);
    if (event.v !== LEDGER_VERSION) return fail(`unknown ledger format version ${JSON.stringify(event.v)}`, seq);
    let canonical: string;
    try {
      canonical = ledgerLine(event as ChainedEvent, hash);
    } catch (err) {
      return fail((err as Error).message, seq);
    }
    if (canonical !== line) return fail('is not in canonical form: the line was edited', seq);
    if (eventHash(event as ChainedEvent) !== hash) return fail('its hash does not match its content: the event was edited', seq);
    if (seq !== expectSeq) return fail(seq === null ? 'has no seq' : `has seq ${seq} where ${expectSeq} was expected: events are missing or reordered`, seq);
    if (event.prev !== prev) return fail('its prev is not the hash of the event before it: the chain is broken', seq);
    prev = hash;
    expectSeq++;
  }
  if (expectHead !== undefined && expectHead !== prev) {
    return { ok: false, line: lines.length, seq: lines.length > 0 ? expectSeq - 1 : null, reason: `the last event's hash is ${prev}, not the expected head ${expectHead}: events are missing at the end`, events: lines.length };
  }
  return { ok: true, events: lines.length, head: prev };
}
