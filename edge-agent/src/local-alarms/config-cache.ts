// The gateway's limits, as the platform publishes them on the retained `config` topic (SPEC 2), kept
// on disk so that the agent can warn people on site after a restart with the platform out of reach.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { GatewayConfigPayload, formatProblems, problemsOf } from '@hazwatch/protocols';
import { writeFileDurably } from '../durable-file.ts';

export class GatewayConfigCache {
  private current: GatewayConfigPayload | null = null;
  private refusedCount = 0;

  constructor(
    private readonly file: string,
    private readonly enterpriseId: string,
    private readonly gatewayId: string,
    private readonly logger: Logger,
  ) {}

  get config(): GatewayConfigPayload | null {
    return this.current;
  }

  get refused(): number {
    return this.refusedCount;
  }

  /** The cached config from the last run, if there is a valid one. */
  load(): GatewayConfigPayload | null {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn({ file: this.file, err: (err as Error).message }, 'cached gateway config unreadable');
      return null;
    }
    const r = this.check(text, `cached ${this.file}`);
    if (r) this.current = r;
    return r;
  }

  /**
   * A message from the `config` topic. Returns the new config when it is valid, for this gateway, and
   * differs from the one in force; anything else leaves the limits in force as they are.
   */
  accept(payload: Buffer): GatewayConfigPayload | null {
    const text = payload.toString('utf8');
    // An empty retained message clears the topic; the last limits are still the best the site has.
    if (text.trim() === '') {
      this.logger.warn('the gateway config topic was cleared; keeping the cached limits');
      return null;
    }
    const next = this.check(text, 'the config topic');
    if (!next) {
      this.refusedCount++;
      return null;
    }
    if (this.current && JSON.stringify(this.current) === JSON.stringify(next)) return null;
    writeFileDurably(this.file, JSON.stringify(next));
    this.current = next;
    this.logger.info({ revision: next.revision, workshops: next.workshops.length }, 'gateway config received and cached');
    return next;
  }

  private check(text: string, source: string): GatewayConfigPayload | null {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      this.logger.warn({ source }, `gateway config refused: not JSON (${(err as Error).message})`);
      return null;
    }
    const r = GatewayConfigPayload.safeParse(doc);
    if (!r.success) {
      this.logger.warn({ source }, `gateway config refused:\n${formatProblems(problemsOf(r.error))}`);
      return null;
    }
    if (r.data.enterpriseId !== this.enterpriseId || r.data.gatewayId !== this.gatewayId) {
      this.logger.warn({ source, for: `${r.data.enterpriseId}/${r.data.gatewayId}` }, 'gateway config refused: it is for another gateway');
      return null;
    }
    return r.data;
  }
}
