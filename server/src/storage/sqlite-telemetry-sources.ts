import type Database from 'better-sqlite3';
import { WORKSHOP } from './sqlite-telemetry-schema.ts';

/** `sources.last_ts` moves on only when a reading passes it by more than this (ms). */
export const LAST_TS_SLACK_MS = 3_600_000;

/** A workshop or line of an enterprise, and its number (`subjects.id`, `readings.subject`). */
export type Subject = { readonly id: number; readonly kind: number; readonly name: string };

/** A gateway reported a subject between these reading times (a `sources` row). */
type Source = { readonly subject: Subject; first: number; last: number };

/**
 * A gateway, its number (`gateways.id`, `readings.gw`), and the subjects it reported: workshops and
 * lines apart (an id may name one of each).
 */
export type Gateway = {
  readonly id: number;
  readonly enterpriseId: string;
  readonly gatewayId: string;
  readonly workshops: Map<string, Source>;
  readonly lines: Map<string, Source>;
};

/** Where to look for a subject's readings: a gateway that reported it, and the reading times to walk. */
export type SourceRange = { gw: number; from: number; to: number };

/**
 * The numbers of gateways and subjects (`gateways`, `subjects`) and which gateway reported which
 * subject when (`sources`), with a copy in memory so that a reading of a known gateway and subject
 * inside its span costs no statement, and rows read back get their names without a join.
 *
 * Used inside the store's write transaction: `gateway` and `subject` give the numbers, inserting what
 * is new; then `committed` or `rolledBack`. The copy changes at once (later batches of the group
 * need the numbers) and each change is recorded so that a rollback undoes it: after a failed group the
 * copy mirrors the rows that are durable, no number or span of the group is left behind.
 */
export class TelemetrySources {
  /** Per enterprise, per gateway id. */
  private readonly gateways = new Map<string, Map<string, Gateway>>();
  // By number: SQLite gives one more than the largest, so the arrays stay dense (a number a rollback
  // took back is given again). Subjects are found by name in SQL: only a query or a gateway's first
  // reading of a subject asks, and a map by name, with maps by number, held ~1 MB more at 10,000
  // workshops.
  private readonly gatewaysById: (Gateway | undefined)[] = [];
  private readonly subjectsById: (Subject | undefined)[] = [];
  /** What the open transaction changed in the copy, to undo on rollback (latest last). */
  private readonly undo: (() => void)[] = [];
  private readonly insertGateway: Database.Statement;
  private readonly insertSubject: Database.Statement;
  private readonly subjectByName: Database.Statement;
  private readonly upsert: Database.Statement;
  private readonly rangesOf: Database.Statement;

  constructor(db: Database.Database) {
    this.insertGateway = db.prepare('INSERT INTO gateways (enterprise_id, gateway_id) VALUES (?, ?)');
    this.insertSubject = db.prepare('INSERT INTO subjects (enterprise_id, kind, subject) VALUES (?, ?, ?)');
    this.subjectByName = db.prepare('SELECT id FROM subjects WHERE enterprise_id = ? AND kind = ? AND subject = ?').pluck();
    this.upsert = db.prepare(
      `INSERT INTO sources (subject, gw, first_ts, last_ts) VALUES (?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET first_ts = min(first_ts, excluded.first_ts), last_ts = max(last_ts, excluded.last_ts)`,
    );
    this.rangesOf = db.prepare('SELECT gw, first_ts AS first, last_ts AS last FROM sources WHERE subject = ?');
    for (const r of db.prepare('SELECT id, enterprise_id AS e, gateway_id AS g FROM gateways ORDER BY id').iterate() as Iterable<{ id: number; e: string; g: string }>) {
      this.addGateway(r.id, r.e, r.g);
    }
    for (const r of db.prepare('SELECT id, kind, subject FROM subjects ORDER BY id').iterate() as Iterable<{ id: number; kind: number; subject: string }>) {
      this.subjectsById[r.id] = { id: r.id, kind: r.kind, name: r.subject };
    }
    for (const r of db.prepare('SELECT subject, gw, first_ts AS first, last_ts AS last FROM sources').iterate() as Iterable<{ subject: number; gw: number; first: number; last: number }>) {
      const subject = this.subjectsById[r.subject]!;
      const gateway = this.gatewaysById[r.gw]!;
      (subject.kind === WORKSHOP ? gateway.workshops : gateway.lines).set(subject.name, { subject, first: r.first, last: r.last });
    }
  }

  /** A known gateway (queries: an unknown one has no readings). */
  find(enterpriseId: string, gatewayId: string): Gateway | undefined {
    return this.gateways.get(enterpriseId)?.get(gatewayId);
  }

  /** Inside the write transaction: the gateway, numbered now if it is new. */
  gateway(enterpriseId: string, gatewayId: string): Gateway {
    const known = this.gateways.get(enterpriseId)?.get(gatewayId);
    if (known !== undefined) return known;
    const id = Number(this.insertGateway.run(enterpriseId, gatewayId).lastInsertRowid);
    this.undo.push(() => this.removeGateway(id));
    return this.addGateway(id, enterpriseId, gatewayId);
  }

  /** Inside the write transaction: the gateway reported the subject at `ts`; the subject's number. */
  subject(gateway: Gateway, kind: number, name: string, ts: number): number {
    const map = kind === WORKSHOP ? gateway.workshops : gateway.lines;
    const source = map.get(name);
    if (source !== undefined && ts >= source.first && ts <= source.last + LAST_TS_SLACK_MS) return source.subject.id;
    return this.note(gateway, map, source, kind, name, ts);
  }

  /** The transaction committed: what it added to the copy is durable. */
  committed(): void {
    this.undo.length = 0;
  }

  /** The transaction rolled back: the copy goes back to what it was before it. */
  rolledBack(): void {
    for (let i = this.undo.length - 1; i >= 0; i--) this.undo[i]!();
    this.undo.length = 0;
  }

  /**
   * Each gateway that reported the subject, with the part of [from, to) its readings of it can be in
   * (ends exclusive); gateways whose span misses the range are left out.
   */
  ranges(subject: Subject, from: number, to: number): SourceRange[] {
    const out: SourceRange[] = [];
    for (const r of this.rangesOf.iterate(subject.id) as Iterable<{ gw: number; first: number; last: number }>) {
      const lo = Math.max(from, r.first);
      const hi = Math.min(to, r.last + LAST_TS_SLACK_MS + 1);
      if (lo < hi) out.push({ gw: r.gw, from: lo, to: hi });
    }
    return out;
  }

  /** A known subject (queries: an unknown one has no readings). */
  findSubject(enterpriseId: string, kind: number, name: string): Subject | undefined {
    const id = this.subjectByName.get(enterpriseId, kind, name) as number | undefined;
    return id === undefined ? undefined : this.subjectsById[id];
  }

  /** The gateway and subject of a stored row (both are known: they were numbered with it). */
  gatewayById(id: number): Gateway {
    return this.gatewaysById[id]!;
  }

  subjectById(id: number): Subject {
    return this.subjectsById[id]!;
  }

  /** Every gateway number. */
  gatewayIds(): number[] {
    const ids: number[] = [];
    for (const g of this.gatewaysById) if (g !== undefined) ids.push(g.id);
    return ids;
  }

  /** Slow path of `subject`: a new pair, or a reading outside the pair's span (moves its bounds). */
  private note(gateway: Gateway, map: Map<string, Source>, source: Source | undefined, kind: number, name: string, ts: number): number {
    if (source === undefined) {
      source = { subject: this.subjectNumbered(gateway.enterpriseId, kind, name), first: ts, last: ts };
      map.set(name, source);
      this.undo.push(() => map.delete(name));
    } else {
      const s = source;
      const { first, last } = s;
      this.undo.push(() => {
        s.first = first;
        s.last = last;
      });
      s.first = Math.min(first, ts);
      if (ts > last + LAST_TS_SLACK_MS) s.last = ts;
    }
    this.upsert.run(source.subject.id, gateway.id, source.first, source.last);
    return source.subject.id;
  }

  private subjectNumbered(enterpriseId: string, kind: number, name: string): Subject {
    const known = this.findSubject(enterpriseId, kind, name);
    if (known !== undefined) return known;
    const id = Number(this.insertSubject.run(enterpriseId, kind, name).lastInsertRowid);
    const subject: Subject = { id, kind, name };
    this.subjectsById[id] = subject;
    this.undo.push(() => {
      this.subjectsById[id] = undefined;
    });
    return subject;
  }

  private addGateway(id: number, enterpriseId: string, gatewayId: string): Gateway {
    const gateway: Gateway = { id, enterpriseId, gatewayId, workshops: new Map(), lines: new Map() };
    let of = this.gateways.get(enterpriseId);
    if (!of) this.gateways.set(enterpriseId, (of = new Map()));
    of.set(gatewayId, gateway);
    this.gatewaysById[id] = gateway;
    return gateway;
  }

  private removeGateway(id: number): void {
    const gateway = this.gatewaysById[id]!;
    this.gatewaysById[id] = undefined;
    const of = this.gateways.get(gateway.enterpriseId)!;
    of.delete(gateway.gatewayId);
    if (of.size === 0) this.gateways.delete(gateway.enterpriseId);
  }
}
