export * from './ids.ts';
export * from './time.ts';
export * from './telemetry.ts';
export * from './site.ts';
export * from './alarm.ts';
export * from './topics.ts';
export * from './live.ts';
export * from './errors.ts';
