import { z } from 'zod';
import { GatewayStatus, LIMITS, LineReading, TelemetryBatch, WorkshopReading } from './telemetry.ts';
import { SiteConfigShape } from './site.ts';
import { GatewayConfigPayload } from './gateway-config.ts';
import { AlarmRecord } from './alarm.ts';
import { AlarmStatistics } from './alarm-stats.ts';

/**
 * JSON Schema (draft 2020-12) of the wire documents, for gateways and consumers written in other
 * languages: the input side of each zod schema (what may be sent, before defaults and transforms).
 * What JSON Schema cannot say (cross-references of a site, byLine adding up to at most total, real
 * calendar dates, IANA zones) is checked by the platform only; the files say so in their descriptions.
 * Not exported from the package index: only the generator script and its test need it.
 */

// `Reading` and `SiteConfig` validate through a transform (for readable errors), which JSON Schema
// cannot see through; their structure is stated here with the same parts.
const WireTelemetryBatch = TelemetryBatch.extend({
  readings: z.array(z.union([WorkshopReading, LineReading])).max(LIMITS.readingsPerBatch),
});

type Doc = { schema: z.ZodType; title: string; description: string };

const DOCS: Record<string, Doc> = {
  'telemetry-batch.schema.json': {
    schema: WireTelemetryBatch,
    title: 'hazwatch v1 telemetry batch',
    description:
      'Published by a gateway on hazwatch/v1/{enterpriseId}/{gatewayId}/telemetry (QoS 1). Timestamps are epoch milliseconds or RFC 3339 with an offset. Also checked by the platform: headcount.byLine adds up to at most total, persons are listed once and number at most total, ts is at most 5 minutes in the future, and every id is bound to the gateway.',
  },
  'gateway-status.schema.json': {
    schema: GatewayStatus,
    title: 'hazwatch v1 gateway status',
    description:
      'Published by a gateway on hazwatch/v1/{enterpriseId}/{gatewayId}/status (QoS 1, retained, and as its MQTT last will).',
  },
  'gateway-config.schema.json': {
    schema: GatewayConfigPayload,
    title: 'hazwatch v1 gateway configuration',
    description:
      'Published by the platform on hazwatch/v1/{enterpriseId}/{gatewayId}/config (QoS 1, retained): the gateway\'s workshops with their limits, for local alarms. Unknown keys may appear in later revisions and are to be ignored.',
  },
  'site-config.schema.json': {
    schema: SiteConfigShape,
    title: 'hazwatch v1 site configuration',
    description:
      'The site configuration document (YAML or JSON). Also checked by the platform: ids unique per kind within an enterprise, every reference names something that exists, a workshop bound to at most one gateway, warning levels below their limits, real calendar dates and IANA time zones.',
  },
  'alarm-record.schema.json': {
    schema: AlarmRecord,
    title: 'hazwatch v1 alarm record',
    description:
      'An alarm record as returned by the HTTP API and published on hazwatch/v1/{enterpriseId}/alarms/{alarmId} (retained while active). Times are RFC 3339 in UTC.',
  },
  'alarm-statistics.schema.json': {
    schema: AlarmStatistics,
    title: 'hazwatch v1 alarm statistics',
    description:
      'The answer of GET /api/v1/alarms/stats: alarms raised in the range by type, enterprise, local day and level, times to acknowledge and to close (seconds), and the minutes workshops could not be verified (gateway offline).',
  },
};

export const JSON_SCHEMA_FILES: readonly string[] = Object.keys(DOCS);

/** Every JSON Schema file by name, as generated from the zod schemas (pure). */
export function jsonSchemaDocuments(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [file, doc] of Object.entries(DOCS)) {
    // 'any' for what JSON Schema cannot represent, so generation never throws on a future refinement.
    const generated = z.toJSONSchema(doc.schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
    const { $schema, ...rest } = generated as Record<string, unknown>;
    out[file] = { $schema, title: doc.title, description: doc.description, ...rest };
  }
  return out;
}

/** The text of a file: stable, two-space JSON with a final newline. */
export function jsonSchemaText(doc: Record<string, unknown>): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
