// A real Mosquitto broker for the delivery tests, with persistence on disk: like a production broker,
// a graceful restart keeps the platform's persistent session and the QoS 1 messages queued for it.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from './mqtt.ts';

export type Mosquitto = { port: number; url: string; running: boolean; start(): Promise<void>; stop(): Promise<void> };

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function startMosquitto(dir: string): Promise<Mosquitto> {
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${dir}/`,
      // Production advice too: the default queue of 1000 messages per offline client would drop a
      // platform's backlog after an outage.
      'max_queued_messages 0',
      // Started as root, Mosquitto drops to the `mosquitto` user, which cannot write the temp dir.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      'log_dest none',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | null = null;
  const broker: Mosquitto = {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    get running() {
      return child !== null;
    },
    async start() {
      if (child) return;
      const c = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      child = c;
      const deadline = Date.now() + 10_000;
      while (!(await accepts(port))) {
        if (c.exitCode !== null) throw new Error(`mosquitto exited ${c.exitCode}: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port} within 10 s: ${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    /** SIGTERM: Mosquitto saves its persistence file and exits. */
    async stop() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise<void>((r) => c.once('exit', () => r()));
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  await broker.start();
  return broker;
}
