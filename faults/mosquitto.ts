// A private Mosquitto on a fixed loopback port with persistence on, so it can be restarted in place:
// sessions (the platform's persistent subscription) and queued QoS 1 messages survive, as in
// production. SIGTERM makes it save its state before it exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { waitFor } from '../bench/lib/procs.ts';

export const MOSQUITTO = '/usr/sbin/mosquitto';
export const HAVE_MOSQUITTO = existsSync(MOSQUITTO);

export type Mosquitto = { url: string; port: number; start(): Promise<void>; stop(): Promise<void>; restart(): Promise<void> };

export async function startPersistentMosquitto(dir: string, port: number): Promise<Mosquitto> {
  const root = join(dir, `mosquitto-${port}`);
  mkdirSync(root, { recursive: true });
  // Started as root, Mosquitto drops to its own user: it must be able to reach and write its
  // persistence directory, or it silently persists nothing and a restart loses every session.
  if (process.getuid?.() === 0) {
    chmodSync(dir, 0o711);
    chmodSync(root, 0o777);
  }
  const conf = join(root, 'mosquitto.conf');
  writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence true', `persistence_location ${root}/`, 'autosave_interval 1', 'max_queued_messages 1000000', 'max_inflight_messages 64', ''].join('\n'),
  );
  const url = `mqtt://127.0.0.1:${port}`;
  let proc: ChildProcess | null = null;
  const start = async () => {
    proc = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
    await waitFor(async () => {
      const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 500, clientId: `probe-${Date.now()}` });
      await c.endAsync();
      return true;
    }, 'mosquitto to accept connections', 10_000, 20);
  };
  const stop = async () => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  };
  await start();
  return { url, port, start, stop, restart: async () => (await stop(), await start()) };
}
