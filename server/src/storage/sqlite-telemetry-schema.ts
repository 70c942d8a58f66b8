// The schema of `telemetry.sqlite`, as numbered migration steps (see `migrate`): a data directory of
// any earlier version is brought forward on open, its readings kept.

/** `subjects.kind` (`readings.kind` until schema 4): what the subject's name names. */
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
  // 4: readings and batch marks keyed by a gateway number, a reading's subject a number too: two text
  // key columns and a text subject in every row made each insert compare and copy strings, and rows,
  // index entries and so pages larger. A batch of ten workshop readings went from ~41 to ~30 µs
  // (the marks' share ~3 µs of it) and the readings table is a quarter smaller. The numbers are given
  // by `gateways` and `subjects` (the store keeps them in memory, so a known gateway or subject costs
  // no statement); a subject's number carries its enterprise and kind. `sources` is the same
  // bookkeeping by number. Batch marks keep their ids (they order the readings).
  // Gateway numbers are given in the order of the old key, so the readings are copied in the order
  // of the new one (appended, not scattered). Every reading's gateway and subject is in `sources`
  // (written in the same transaction as the reading); were one missing, its number would be NULL,
  // which the new key refuses: the step would fail whole rather than drop a reading.
  `CREATE TABLE gateways (
     id            INTEGER PRIMARY KEY,
     enterprise_id TEXT NOT NULL,
     gateway_id    TEXT NOT NULL,
     UNIQUE (enterprise_id, gateway_id)
   );
   INSERT INTO gateways (enterprise_id, gateway_id)
     SELECT enterprise_id, gateway_id FROM sources UNION SELECT enterprise_id, gateway_id FROM batches ORDER BY 1, 2;
   CREATE TABLE batches_v4 (
     id            INTEGER PRIMARY KEY,
     gw            INTEGER NOT NULL,
     seq           INTEGER NOT NULL,
     sent_at       INTEGER NOT NULL,
     received_at   INTEGER NOT NULL
   );
   INSERT INTO batches_v4
     SELECT b.id, g.id, b.seq, b.sent_at, b.received_at FROM batches b
     JOIN gateways g ON g.enterprise_id = b.enterprise_id AND g.gateway_id = b.gateway_id ORDER BY b.id;
   DROP TABLE batches;
   ALTER TABLE batches_v4 RENAME TO batches;
   CREATE UNIQUE INDEX batches_key ON batches (gw, seq);
   CREATE INDEX batches_received ON batches (received_at);
   CREATE TABLE subjects (
     id            INTEGER PRIMARY KEY,
     enterprise_id TEXT NOT NULL,
     kind          INTEGER NOT NULL,
     subject       TEXT NOT NULL,
     UNIQUE (enterprise_id, kind, subject)
   );
   INSERT INTO subjects (enterprise_id, kind, subject) SELECT DISTINCT enterprise_id, kind, subject FROM sources ORDER BY 1, 2, 3;
   CREATE TABLE sources_v4 (
     subject       INTEGER NOT NULL,
     gw            INTEGER NOT NULL,
     first_ts      INTEGER NOT NULL,
     last_ts       INTEGER NOT NULL,
     PRIMARY KEY (subject, gw)
   ) WITHOUT ROWID;
   INSERT INTO sources_v4
     SELECT s.id, g.id, o.first_ts, o.last_ts FROM sources o
     JOIN gateways g ON g.enterprise_id = o.enterprise_id AND g.gateway_id = o.gateway_id
     JOIN subjects s ON s.enterprise_id = o.enterprise_id AND s.kind = o.kind AND s.subject = o.subject;
   DROP TABLE sources;
   ALTER TABLE sources_v4 RENAME TO sources;
   CREATE TABLE readings_v4 (
     gw            INTEGER NOT NULL,
     ts            INTEGER NOT NULL,
     batch         INTEGER NOT NULL,
     n             INTEGER NOT NULL,
     subject       INTEGER NOT NULL,
     seq           INTEGER NOT NULL,
     received_at   INTEGER NOT NULL,
     has_headcount INTEGER NOT NULL DEFAULT 0,
     headcount     INTEGER,
     by_line       TEXT,
     persons       TEXT,
     has_material  INTEGER NOT NULL DEFAULT 0,
     material_kg   REAL,
     counter       REAL,
     product       TEXT,
     unit          TEXT,
     PRIMARY KEY (gw, ts, batch, n)
   ) WITHOUT ROWID;
   INSERT INTO readings_v4
     SELECT g.id, r.ts, r.batch, r.n, s.id, r.seq, r.received_at, r.has_headcount, r.headcount, r.by_line, r.persons,
            r.has_material, r.material_kg, r.counter, r.product, r.unit
     FROM readings r
     LEFT JOIN gateways g ON g.enterprise_id = r.enterprise_id AND g.gateway_id = r.gateway_id
     LEFT JOIN subjects s ON s.enterprise_id = r.enterprise_id AND s.kind = r.kind AND s.subject = r.subject
     ORDER BY r.enterprise_id, r.gateway_id, r.ts, r.batch, r.n;
   DROP TABLE readings;
   ALTER TABLE readings_v4 RENAME TO readings;`,
];
