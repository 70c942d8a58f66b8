import { z } from 'zod';
import { Id, Timestamp } from '@hazwatch/protocols';

/**
 * One recorded input (SPEC 6; scenarios/README.md): when it reached the platform, from whom, and the
 * payload exactly as published on the gateway's `telemetry` or `status` topic. The payload itself is
 * checked by the same code as live ingest.
 */
export const RecordedInput = z
  .strictObject({
    at: Timestamp,
    enterpriseId: Id,
    gatewayId: Id,
    telemetry: z.unknown().optional(),
    status: z.unknown().optional(),
  })
  .refine((i) => (i.telemetry === undefined) !== (i.status === undefined), {
    message: 'must carry exactly one of telemetry or status',
  });
export type RecordedInput = z.output<typeof RecordedInput>;
