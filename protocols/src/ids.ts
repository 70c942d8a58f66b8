import { z } from 'zod';

/** SPEC 1: every id is safe in MQTT topics, InfluxDB tags, URLs and file names. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const Id = z
  .string()
  .regex(ID_PATTERN, {
    message: 'must be 1–64 characters: letters, digits, "_", "." or "-", starting with a letter or digit',
  });
export type Id = z.infer<typeof Id>;
