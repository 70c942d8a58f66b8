import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { SiteConfig, problemsOf, type Problem } from '@hazwatch/protocols';

export type SiteLoadResult = { ok: true; site: SiteConfig; text: string } | { ok: false; problems: Problem[] };

/**
 * The largest site document the API takes (`PUT /api/v1/site`, `POST /api/v1/audit`): a province of
 * 10,000 workshops is ~2.3 MB of compact JSON and ~4.4 MB indented.
 */
export const SITE_BODY_MAX_BYTES = 8 * 1024 * 1024;
/** The largest site the API reads as YAML: the YAML parser holds ~60 times the text while reading it. */
export const SITE_YAML_MAX_BYTES = 2 * 1024 * 1024;

/**
 * Parses a site configuration document (YAML or JSON; JSON is YAML) and validates it whole.
 * `maxYamlBytes`: a document that must go through the YAML parser is refused above this size.
 */
export function parseSiteText(text: string, opts: { maxYamlBytes?: number } = {}): SiteLoadResult {
  let doc = asPlainJson(text);
  if (doc === undefined) {
    const bytes = opts.maxYamlBytes === undefined ? 0 : Buffer.byteLength(text);
    if (opts.maxYamlBytes !== undefined && bytes > opts.maxYamlBytes) {
      return {
        ok: false,
        problems: [{ path: '(document)', message: `is ${bytes} bytes of YAML; YAML is read up to ${opts.maxYamlBytes} bytes, a larger site must be sent as JSON (one object, no key twice)` }],
      };
    }
    try {
      doc = parseYaml(text, { prettyErrors: true, uniqueKeys: true }) as unknown;
    } catch (err) {
      return { ok: false, problems: [{ path: '(document)', message: `is not valid YAML or JSON: ${(err as Error).message}` }] };
    }
  }
  const r = SiteConfig.safeParse(doc);
  return r.success ? { ok: true, site: r.data, text } : { ok: false, problems: problemsOf(r.error) };
}

/**
 * A JSON object text as the YAML parser would read it, or undefined for anything else (which the
 * YAML parser then reads, or explains). JSON is YAML, but the YAML parser builds a document of nodes
 * with source positions before the values: for a province's generated site (10,000 workshops, ~2 MB
 * of JSON) that held ~120 MB at start, where JSON.parse holds the values alone. A key twice in one
 * object, which JSON.parse would let the last win, goes to the YAML parser to be refused as before.
 */
function asPlainJson(text: string): unknown {
  if (!text.trimStart().startsWith('{')) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  return duplicateJsonKey(text) === undefined ? doc : undefined;
}

/** The first key that appears twice in one object of `text`, which must be valid JSON. */
export function duplicateJsonKey(text: string): string | undefined {
  // Per open object the keys seen so far (null for an array); `keyNext`: the next string is a key.
  const open: (Set<string> | null)[] = [];
  let keyNext = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      for (;;) {
        const d = text.charCodeAt(j);
        if (d === 0x5c /* \ */) {
          escaped = true;
          j += 2;
        } else if (d === 0x22) {
          break;
        } else {
          j++;
        }
      }
      if (keyNext) {
        // Compared as decoded: "a" and "\u0061" are one key.
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        const keys = open[open.length - 1]!;
        if (keys.has(key)) return key;
        keys.add(key);
        keyNext = false;
      }
      i = j;
    } else if (c === 0x7b /* { */) {
      open.push(new Set());
      keyNext = true;
    } else if (c === 0x5b /* [ */) {
      open.push(null);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      open.pop();
      keyNext = false;
    } else if (c === 0x2c /* , */) {
      keyNext = open[open.length - 1] !== null;
    }
  }
  return undefined;
}

export async function loadSiteFile(file: string): Promise<SiteLoadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, problems: [{ path: file, message: `cannot be read: ${(err as Error).message}` }] };
  }
  return parseSiteText(text);
}
