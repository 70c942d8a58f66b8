import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SecurityLog } from '../auth/security-log.ts';
import { z } from 'zod';
import { Id } from '@hazwatch/protocols';
import { buildReport, ReportScopeError, type ReportScope } from '../reports/assemble.ts';
import { reportCsv } from '../reports/csv.ts';
import { reportHtml } from '../reports/html.ts';
import { PERIOD_FORMAT, parsePeriod } from '../reports/period.ts';
import { PdfUnavailableError, type PdfRenderer } from '../reports/pdf.ts';
import type { ReportSource } from '../reports/source.ts';
import { REPORT_TABLES, type Report } from '../reports/types.ts';
import { badRequest } from './schema.ts';

export type ReportRouteDeps = { source: ReportSource; pdf: PdfRenderer; now: () => number; /** Exports are security-logged. */ securityLog?: SecurityLog };

const Period = z.string().refine((s) => parsePeriod(s) !== undefined, { message: `must be ${PERIOD_FORMAT}` });
const EnterpriseParams = z.strictObject({ enterpriseId: Id, period: Period });
const RegionParams = z.strictObject({ region: z.string().regex(/^\d{2,12}$/, { message: 'must be an administrative division code of digits, e.g. "370300"' }), period: Period });
const Format = z.strictObject({
  format: z.enum(['json', 'html', 'pdf', 'csv']).default('json'),
  table: z.enum(REPORT_TABLES).optional(),
});

/**
 * Period reports (issue 9), per enterprise and per region: `?format=json` (default), `html`, `pdf`,
 * or `csv&table=NAME` for one of its tables.
 */
export async function registerReportRoutes(app: FastifyInstance, deps: ReportRouteDeps): Promise<void> {
  const respond = async (req: FastifyRequest, reply: FastifyReply, scope: ReportScope, periodLabel: string, query: unknown) => {
    const f = Format.safeParse(query);
    if (!f.success) return reply.code(400).send(badRequest(f.error, 'query'));
    if (f.data.format === 'csv' && f.data.table === undefined) {
      return reply.code(400).send({ error: 'bad-request', message: `format=csv needs table=NAME, one of ${REPORT_TABLES.join(', ')}` });
    }
    let report: Report;
    try {
      report = await buildReport(deps.source, scope, parsePeriod(periodLabel)!, deps.now());
    } catch (err) {
      if (err instanceof ReportScopeError) return reply.code(404).send({ error: 'not-found', message: err.message });
      throw err;
    }
    const name = `hazwatch-${report.kind}-${report.scope}-${report.period.label}`;
    deps.securityLog?.record({ action: 'export', outcome: 'ok', actor: req.authz?.principal.name ?? null, enterpriseId: scope.kind === 'enterprise' ? scope.enterpriseId : null, ip: req.ip, target: name, detail: { format: f.data.format, ...(f.data.table ? { table: f.data.table } : {}) } });
    switch (f.data.format) {
      case 'json':
        return reply.type('application/json; charset=utf-8').send(JSON.stringify(report));
      case 'html':
        return reply.type('text/html; charset=utf-8').send(reportHtml(report));
      case 'csv':
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}-${f.data.table}.csv"`)
          .send(reportCsv(report, f.data.table!));
      case 'pdf':
        try {
          const pdf = await deps.pdf.render(reportHtml(report));
          return reply.type('application/pdf').header('content-disposition', `attachment; filename="${name}.pdf"`).header('x-hazwatch-report-digest', report.digest).send(pdf);
        } catch (err) {
          if (err instanceof PdfUnavailableError) return reply.code(503).send({ error: 'pdf-unavailable', message: err.message });
          throw err;
        }
    }
  };

  // The auth layer has already refused an enterprise or region the principal may not see.
  app.get('/api/v1/reports/enterprises/:enterpriseId/:period', { config: { auth: 'reports:read' } }, async (req, reply) => {
    const p = EnterpriseParams.safeParse(req.params);
    if (!p.success) return reply.code(400).send(badRequest(p.error, 'params'));
    return respond(req, reply, { kind: 'enterprise', enterpriseId: p.data.enterpriseId }, p.data.period, req.query);
  });

  app.get('/api/v1/reports/regions/:region/:period', { config: { auth: 'reports:read' } }, async (req, reply) => {
    const p = RegionParams.safeParse(req.params);
    if (!p.success) return reply.code(400).send(badRequest(p.error, 'params'));
    return respond(req, reply, { kind: 'region', region: p.data.region }, p.data.period, req.query);
  });
}
