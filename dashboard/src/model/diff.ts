// A line diff of two revisions of the site configuration (the text as uploaded), so a reviewer sees
// exactly which limit changed. Longest common subsequence after trimming the common head and tail:
// revisions differ in a few lines, so the table in between stays small; past a bound (a rewritten
// file) the middle is shown as removed-then-added rather than spending seconds on it.

export type DiffLine = { op: 'same' | 'add' | 'del'; text: string; a: number | null; b: number | null };

const MAX_CELLS = 4_000_000;

export function diffLines(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const out: DiffLine[] = [];
  for (let i = 0; i < head; i++) out.push({ op: 'same', text: a[i]!, a: i + 1, b: i + 1 });
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  out.push(...middle(am, bm, head));
  for (let i = tail; i > 0; i--) out.push({ op: 'same', text: a[a.length - i]!, a: a.length - i + 1, b: b.length - i + 1 });
  return out;
}

function middle(a: string[], b: string[], offset: number): DiffLine[] {
  const n = a.length;
  const m = b.length;
  if (n * m > MAX_CELLS) {
    return [...a.map((text, i) => ({ op: 'del' as const, text, a: offset + i + 1, b: null })), ...b.map((text, j) => ({ op: 'add' as const, text, a: null, b: offset + j + 1 }))];
  }
  // lcs[i][j]: length of the LCS of a[i..] and b[j..], in one flat array.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = a[i] === b[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ op: 'same', text: a[i]!, a: offset + i + 1, b: offset + j + 1 });
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i * w + j + 1]! >= lcs[(i + 1) * w + j]!)) {
      out.push({ op: 'add', text: b[j]!, a: null, b: offset + j + 1 });
      j++;
    } else {
      out.push({ op: 'del', text: a[i]!, a: offset + i + 1, b: null });
      i++;
    }
  }
  // Within a changed block, removals read better before additions.
  return regroup(out);
}

function regroup(lines: DiffLine[]): DiffLine[] {
  const out: DiffLine[] = [];
  let dels: DiffLine[] = [];
  let adds: DiffLine[] = [];
  const flush = () => {
    out.push(...dels, ...adds);
    dels = [];
    adds = [];
  };
  for (const l of lines) {
    if (l.op === 'same') {
      flush();
      out.push(l);
    } else (l.op === 'del' ? dels : adds).push(l);
  }
  flush();
  return out;
}

function splitLines(s: string): string[] {
  if (s === '') return [];
  const lines = s.replace(/\r\n?/g, '\n').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Only the changed lines with `context` lines around them; gaps become one `null`. */
export function withContext(lines: DiffLine[], context = 3): (DiffLine | null)[] {
  const keep = new Array<boolean>(lines.length).fill(false);
  lines.forEach((l, i) => {
    if (l.op !== 'same') for (let k = Math.max(0, i - context); k <= Math.min(lines.length - 1, i + context); k++) keep[k] = true;
  });
  const out: (DiffLine | null)[] = [];
  lines.forEach((l, i) => {
    if (keep[i]) out.push(l);
    else if (out.at(-1) !== null) out.push(null);
  });
  if (out.at(-1) === null) out.pop();
  if (out[0] === null) out.shift();
  return out;
}
