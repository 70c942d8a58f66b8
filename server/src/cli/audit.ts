import { parseArgs } from 'node:util';
import { LocalDate, formatProblems } from '@hazwatch/protocols';
import { auditSite } from '../audit/evaluate.ts';
import { loadProfile, ProfileError, type Profile } from '../audit/profile.ts';
import type { AuditAt, Finding } from '../audit/types.ts';
import { loadSiteFile } from '../site/load.ts';

const USAGE = `usage: hazwatch audit --site FILE [--json] [--at YYYY-MM-DD] [--profile NAME|FILE.json]

Applies the site's regulation profile (its \`regulation\`, or --profile) to a site configuration and
lists the findings. --at: the date the date rules are evaluated at (default: today, in each
enterprise's time zone). Exit status: 1 when a finding has severity "violation", 0 otherwise,
2 when the audit could not run (bad arguments, an invalid site file, an unknown profile).`;

type Out = { out: (s: string) => void; err: (s: string) => void };

/** `hazwatch audit` (SPEC 7, issue 9). */
export async function runAudit(args: string[], io: Out, now: () => number = Date.now): Promise<number> {
  let values: { site?: string; json?: boolean; at?: string; profile?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: { site: { type: 'string' }, json: { type: 'boolean' }, at: { type: 'string' }, profile: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    io.err(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  if (!values.site) {
    io.err(`${USAGE}\n`);
    return 2;
  }
  let at: AuditAt = { instant: now() };
  if (values.at !== undefined) {
    if (!LocalDate.safeParse(values.at).success) {
      io.err(`--at ${values.at}: must be a real date written YYYY-MM-DD\n`);
      return 2;
    }
    at = { date: values.at };
  }
  const loaded = await loadSiteFile(values.site);
  if (!loaded.ok) {
    io.err(`${values.site} is not a valid site configuration:\n${formatProblems(loaded.problems)}\n`);
    return 2;
  }
  let profile: Profile;
  try {
    profile = loadProfile(values.profile ?? loaded.site.regulation);
  } catch (err) {
    if (!(err instanceof ProfileError)) throw err;
    io.err(`${err.message}\n`);
    return 2;
  }
  const result = auditSite(loaded.site, profile, at);
  if (values.json) {
    const rows = result.findings.map(({ rule, severity, subject, value, limit, message }) => ({ rule, severity, subject, value, limit, message }));
    io.out(`${JSON.stringify(rows, null, 2)}\n`);
  } else {
    io.out(`${values.site}: audited against ${profile.id} (version ${profile.version}) at ${result.at}\n`);
    for (const f of result.findings) io.out(formatFinding(f));
    const { violation, warning, notice } = result.counts;
    io.out(result.findings.length === 0 ? 'no findings\n' : `${violation} violation(s), ${warning} warning(s), ${notice} notice(s)\n`);
  }
  return result.counts.violation > 0 ? 1 : 0;
}

function formatFinding(f: Finding): string {
  const s = f.subject;
  const where = [s.enterpriseId, s.lineId && `line ${s.lineId}`, s.workshopId && `workshop ${s.workshopId}`, s.equipmentId && `equipment ${s.equipmentId}`].filter(Boolean).join(' / ');
  const show = (v: number | string | null) => (v === null ? 'not set' : String(v));
  return `${f.severity.toUpperCase().padEnd(9)} ${f.rule}  ${where}  value ${show(f.value)}, limit ${show(f.limit)}\n          ${f.message}\n`;
}
