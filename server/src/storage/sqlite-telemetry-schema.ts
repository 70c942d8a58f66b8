// The schema of `telemetry.sqlite`, as numbered migration steps (see `migrate`): a data directory of
// any earlier version is brought forward on open, its readings kept.

/** `readings.kind`: what `subject` names. */
export const WORKSHOP = 0;
export const LINE = 1;

export const TELEMETRY_SCHEMA = [
  // 1: one row per reading, indexed per workshop and per line.
  `CREATE TABLE batches (
     enterprise_id TEXT NOT NULL,
     gateway_id    TEXT NOT NULL,
     seq           INTEGER NOT NULL,
     sent_at       INTEGER NOT NULL,
     received_at   INTEGER NOT NULL,
     PRIMARY KEY (enterprise_id, gateway_id, seq)
   ) WITHOUT ROWID;
   CREATE INDEX batches_received ON batches (received_at);
   CREATE TABLE readings (
     id            INTEGER PRIMARY KEY,
     enterprise_id TEXT NOT NULL,
     gateway_id    TEXT NOT NULL,
     seq           INTEGER NOT NULL,
     received_at   INTEGER NOT NULL,
     workshop_id   TEXT,
     line_id       TEXT,
     ts            INTEGER NOT NULL,
     has_headcount INTEGER NOT NULL DEFAULT 0,
     headcount     INTEGER,
     by_line       TEXT,
     persons       TEXT,
     has_material  INTEGER NOT NULL DEFAULT 0,
     material_kg   REAL,
     counter       REAL,
     product       TEXT,
     unit          TEXT
   );
   CREATE INDEX readings_workshop ON readings (enterprise_id, workshop_id, ts) WHERE workshop_id IS NOT NULL;
   CREATE INDEX readings_line ON readings (enterprise_id, line_id, ts) WHERE line_id IS NOT NULL;`,
  // 2: retention deleted by reading time across all subjects.
  `CREATE INDEX readings_ts ON readings (ts);`,
  // 3: readings clustered by gateway and time. A group commit used to touch one page of the
  // per-workshop index for nearly every reading (a workshop's newest entries sit on their own page),
  // and the commit writes every touched page to the WAL: ~10 µs of a reading's write. A gateway's
  // readings now sit together, so a group touches a few pages per gateway (its table and dedupe-index
  // ends, a split now and then) instead of one per workshop: writes got ~2.5× faster.
  // Queries find a subject's gateways in `sources` and read those gateways' time ranges; a gateway
  // reports a handful of workshops and lines, so they read a few rows per row they keep; the times in
  // `sources` keep a gateway the subject has left (or reports rarely) from being walked in vain.
  // `batch` is the batch's arrival number (`batches.id`); readings kept from version 2 carry their old
  // row id shifted below zero, so they keep their order and come before every later batch.
  `CREATE TABLE batches_v3 (
     id            INTEGER PRIMARY KEY,
     enterprise_id TEXT NOT NULL,
     gateway_id    TEXT NOT NULL,
     seq           INTEGER NOT NULL,
     sent_at       INTEGER NOT NULL,
     received_at   INTEGER NOT NULL
   );
   INSERT INTO batches_v3 (enterprise_id, gateway_id, seq, sent_at, received_at)
     SELECT enterprise_id, gateway_id, seq, sent_at, received_at FROM batches ORDER BY received_at;
   DROP TABLE batches;
   ALTER TABLE batches_v3 RENAME TO batches;
   CREATE UNIQUE INDEX batches_key ON batches (enterprise_id, gateway_id, seq);
   CREATE INDEX batches_received ON batches (received_at);
   CREATE TABLE readings_v3 (
     enterprise_id TEXT NOT NULL,
     gateway_id    TEXT NOT NULL,
     ts            INTEGER NOT NULL,
     batch         INTEGER NOT NULL,
     -- the reading's place in its batch
     n             INTEGER NOT NULL,
     kind          INTEGER NOT NULL,
     subject       TEXT NOT NULL,
     seq           INTEGER NOT NULL,
     received_at   INTEGER NOT NULL,
     -- 0: the reading did not carry the field; 1: it did (its value may still be NULL = unknown).
     has_headcount INTEGER NOT NULL DEFAULT 0,
     headcount     INTEGER,
     by_line       TEXT,
     persons       TEXT,
     has_material  INTEGER NOT NULL DEFAULT 0,
     material_kg   REAL,
     counter       REAL,
     product       TEXT,
     unit          TEXT,
     PRIMARY KEY (enterprise_id, gateway_id, ts, batch, n)
   ) WITHOUT ROWID;
   INSERT INTO readings_v3
     SELECT enterprise_id, gateway_id, ts, id - (SELECT coalesce(max(id), 0) + 1 FROM readings), 0,
            CASE WHEN workshop_id IS NOT NULL THEN ${WORKSHOP} ELSE ${LINE} END, coalesce(workshop_id, line_id, ''),
            seq, received_at, has_headcount, headcount, by_line, persons, has_material, material_kg, counter, product, unit
     FROM readings ORDER BY enterprise_id, gateway_id, ts, id;
   DROP TABLE readings;
   ALTER TABLE readings_v3 RENAME TO readings;
   -- Which gateways have reported each workshop and line (a subject may move between gateways), and
   -- between which reading times: every reading of the pair has first_ts <= ts <= last_ts + 1 h (the
   -- store moves last_ts on only when a reading passes it by more than an hour, ~one update an hour).
   CREATE TABLE sources (
     enterprise_id TEXT NOT NULL,
     kind          INTEGER NOT NULL,
     subject       TEXT NOT NULL,
     gateway_id    TEXT NOT NULL,
     first_ts      INTEGER NOT NULL,
     last_ts       INTEGER NOT NULL,
     PRIMARY KEY (enterprise_id, kind, subject, gateway_id)
   ) WITHOUT ROWID;
   INSERT INTO sources SELECT enterprise_id, kind, subject, gateway_id, min(ts), max(ts) FROM readings GROUP BY 1, 2, 3, 4;`,
];
