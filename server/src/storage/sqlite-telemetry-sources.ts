import type Database from 'better-sqlite3';
import { WORKSHOP } from './sqlite-telemetry-schema.ts';

/** `sources.last_ts` moves on only when a reading passes it by more than this (ms). */
export const LAST_TS_SLACK_MS = 3_600_000;

type Span = { first: number; last: number };
/** One gateway's subjects: workshops and lines apart (an id may name one of each). */
type GatewaySubjects = { workshops: Map<string, Span>; lines: Map<string, Span> };

/** Where to look for a subject's readings: a gateway that reported it, and the reading times to walk. */
export type SourceRange = { gatewayId: string; from: number; to: number };

/**
 * The `sources` table (which gateways reported which workshop or line, and when), with a copy in
 * memory so that a reading of a known pair inside its span costs no statement. Used inside the store's
 * write transaction: `note` what a batch reports, then `committed` or `rolledBack`; the copy changes
 * only once the rows it mirrors are durable.
 */
export class TelemetrySources {
  private readonly known = new Map<string, GatewaySubjects>();
  /** Spans written by the open transaction, per map of `known` they will go to. */
  private readonly pending = new Map<Map<string, Span>, Map<string, Span>>();
  private readonly upsert: Database.Statement;
  private readonly rangesOf: Database.Statement;
  private readonly gatewaysOfEnterprise: Database.Statement;
  private readonly pairs: Database.Statement;

  constructor(db: Database.Database) {
    this.upsert = db.prepare(
      `INSERT INTO sources (enterprise_id, kind, subject, gateway_id, first_ts, last_ts) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET first_ts = min(first_ts, excluded.first_ts), last_ts = max(last_ts, excluded.last_ts)`,
    );
    this.rangesOf = db.prepare('SELECT gateway_id AS gatewayId, first_ts AS first, last_ts AS last FROM sources WHERE enterprise_id = ? AND kind = ? AND subject = ?');
    this.gatewaysOfEnterprise = db.prepare('SELECT DISTINCT gateway_id FROM sources WHERE enterprise_id = ?').pluck();
    this.pairs = db.prepare('SELECT DISTINCT enterprise_id AS e, gateway_id AS g FROM sources');
    const all = db.prepare('SELECT enterprise_id AS e, gateway_id AS g, kind, subject, first_ts AS first, last_ts AS last FROM sources');
    for (const r of all.iterate() as Iterable<{ e: string; g: string; kind: number; subject: string; first: number; last: number }>) {
      const subjects = this.of(r.e, r.g);
      (r.kind === WORKSHOP ? subjects.workshops : subjects.lines).set(r.subject, { first: r.first, last: r.last });
    }
  }

  /** A gateway's subjects, to `note` a batch's readings against (one lookup per batch). */
  of(enterpriseId: string, gatewayId: string): GatewaySubjects {
    const key = `${enterpriseId}\n${gatewayId}`;
    let s = this.known.get(key);
    if (!s) this.known.set(key, (s = { workshops: new Map(), lines: new Map() }));
    return s;
  }

  /** Inside the write transaction: the gateway reported the subject at `ts`. */
  note(e: string, g: string, subjects: GatewaySubjects, kind: number, subject: string, ts: number): void {
    const map = kind === WORKSHOP ? subjects.workshops : subjects.lines;
    const pending = this.pending.get(map);
    const span = pending?.get(subject) ?? map.get(subject);
    if (span && ts >= span.first && ts <= span.last + LAST_TS_SLACK_MS) return;
    const next = span ? { first: Math.min(span.first, ts), last: ts > span.last + LAST_TS_SLACK_MS ? ts : span.last } : { first: ts, last: ts };
    this.upsert.run(e, kind, subject, g, next.first, next.last);
    if (pending) pending.set(subject, next);
    else this.pending.set(map, new Map([[subject, next]]));
  }

  /** The transaction committed: what it wrote is durable, and now known. */
  committed(): void {
    for (const [map, spans] of this.pending) for (const [subject, span] of spans) map.set(subject, span);
    this.pending.clear();
  }

  rolledBack(): void {
    this.pending.clear();
  }

  /**
   * Each gateway that reported the subject, with the part of [from, to) its readings of it can be in
   * (ends exclusive); gateways whose span misses the range are left out.
   */
  ranges(enterpriseId: string, kind: number, subject: string, from: number, to: number): SourceRange[] {
    const out: SourceRange[] = [];
    for (const r of this.rangesOf.iterate(enterpriseId, kind, subject) as Iterable<{ gatewayId: string; first: number; last: number }>) {
      const lo = Math.max(from, r.first);
      const hi = Math.min(to, r.last + LAST_TS_SLACK_MS + 1);
      if (lo < hi) out.push({ gatewayId: r.gatewayId, from: lo, to: hi });
    }
    return out;
  }

  /** Every gateway that reported anything for the enterprise. */
  gateways(enterpriseId: string): string[] {
    return this.gatewaysOfEnterprise.all(enterpriseId) as string[];
  }

  /** Every (enterprise, gateway) with readings. */
  allPairs(): { e: string; g: string }[] {
    return this.pairs.all() as { e: string; g: string }[];
  }
}
