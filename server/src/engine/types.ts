import type { AlarmRecord, GatewayStatus, LineLive, TelemetryBatch, WorkshopLive } from '@hazwatch/protocols';

/** One input to the engine: what arrived, from whom, and when it reached the platform (`at`, epoch ms). */
export type EngineInput =
  | { kind: 'telemetry'; at: number; enterpriseId: string; gatewayId: string; batch: TelemetryBatch }
  | { kind: 'status'; at: number; enterpriseId: string; gatewayId: string; status: GatewayStatus };

/** An alarm transition. `alarm` is the record as it stands after the transition. */
export type AlarmTransition = {
  kind: 'raised' | 'escalated' | 'cleared';
  /** Event time of the transition (epoch ms). */
  at: number;
  alarm: AlarmRecord;
};

/** What one call into the engine changed: alarm transitions in order, and the scopes whose live state changed. */
export type EngineOutput = {
  transitions: AlarmTransition[];
  workshops: WorkshopLive[];
  lines: LineLive[];
};
