import { randomBytes } from 'node:crypto';

/**
 * Alarm ids: unique across restarts (the engine's default counter would restart at 1 and collide in
 * the store), roughly time-ordered for humans, and valid SPEC 1 ids for the MQTT alarms topic.
 */
export function newAlarmId(now: () => number = Date.now): string {
  return `al-${now().toString(36)}-${randomBytes(5).toString('hex')}`;
}
