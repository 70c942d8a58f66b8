import { pino, type Logger } from 'pino';

/** Human-readable lines on a terminal, JSON lines everywhere else (containers, files, collectors). */
export function createLogger(level: string, pretty = Boolean(process.stdout.isTTY)): Logger {
  return pino({
    name: 'hazwatch',
    level,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' } } } : {}),
  });
}
