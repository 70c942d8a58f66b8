import { useEffect, useState } from 'preact/hooks';
import { ApiError, type Problem } from '../api/client.ts';
import { checkRevisions, checkRevisionText } from '../api/shapes.ts';
import { can } from '../auth/permissions.ts';
import { formatTime } from '../format.ts';
import { useI18n, useResource, useServices, useUser } from '../hooks.ts';
import { diffLines, withContext } from '../model/diff.ts';
import { LoadError } from './forbidden.tsx';

/**
 * 站点配置: the running revision's text, its history, the diff between any two revisions, and (for
 * enterprise admins) uploading a new revision; a refused upload lists every problem by its path.
 */
export function SiteConfig() {
  const { lang, t } = useI18n();
  const { api, site } = useServices();
  const user = useUser();
  const [version, setVersion] = useState(0);
  const list = useResource(`revisions|${version}`, () => api.get('/api/v1/site/revisions').then((b) => checkRevisions(b, 'revisions')));
  const revisions = [...(list.data ?? [])].sort((a, b) => b.revision - a.revision);
  const latest = revisions[0]?.revision ?? null;
  const [pick, setPick] = useState<{ a: number | null; b: number | null }>({ a: null, b: null });
  const b = pick.b ?? latest;
  const a = pick.a ?? (b !== null && b > 1 ? b - 1 : null);
  const text = (rev: number | null) => (rev === null ? Promise.resolve('') : api.get(`/api/v1/site/revisions/${rev}`).then((x) => checkRevisionText(x, 'revision').text));
  const texts = useResource(b === null ? null : `texts|${a}|${b}`, () => Promise.all([text(a), text(b)]));
  const now = Date.now();

  return (
    <div class="site-config" data-testid="site-config">
      <section class="panel">
        <h3 class="panel-title">{t('config.history')}</h3>
        {list.error && <LoadError error={list.error} />}
        <table class="data-table" data-testid="revisions">
          <thead>
            <tr>
              <th class="num">{t('history.col.rev')}</th>
              <th>{t('config.changedAt')}</th>
              <th>{t('config.changedBy')}</th>
              <th>{t('config.source')}</th>
              <th>{t('config.compare')}</th>
            </tr>
          </thead>
          <tbody>
            {revisions.map((r) => (
              <tr key={r.revision} data-testid={`revision-${r.revision}`} class={r.revision === b ? 'selected' : ''}>
                <td class="num">{r.revision}</td>
                <td>{formatTime(r.changedAt, lang, now)}</td>
                <td>{r.changedBy}</td>
                <td>{r.source}</td>
                <td>
                  <button type="button" class="link" data-testid={`diff-${r.revision}`} onClick={() => setPick({ a: r.revision > 1 ? r.revision - 1 : null, b: r.revision })}>
                    {t('config.showChanges')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="panel">
        <h3 class="panel-title">{a === null ? t('config.revisionText', { rev: b ?? '—' }) : t('config.diffTitle', { a, b: b ?? '—' })}</h3>
        {texts.error && <LoadError error={texts.error} />}
        {texts.data && <Diff before={texts.data[0]} after={texts.data[1]} full={a === null} />}
      </section>
      {can(user, 'edit-config') && (
        <Upload
          current={latest !== null && b === latest ? (texts.data?.[1] ?? '') : ''}
          onApplied={() => {
            site.invalidate();
            setPick({ a: null, b: null });
            setVersion((v) => v + 1);
          }}
          put={(body) => api.send<{ revision: number }>('PUT', '/api/v1/site', body, body.trimStart().startsWith('{') ? 'application/json' : 'application/yaml')}
        />
      )}
    </div>
  );
}

function Diff({ before, after, full }: { before: string; after: string; full: boolean }) {
  const { t } = useI18n();
  const lines = diffLines(before, after);
  const shown = full ? lines : withContext(lines);
  const changed = lines.filter((l) => l.op !== 'same').length;
  if (!full && changed === 0) return <p class="empty" data-testid="diff-none">{t('config.noChanges')}</p>;
  return (
    <pre class="diff" data-testid="diff" data-changed={changed}>
      {shown.map((l, i) =>
        l === null ? (
          <span key={i} class="diff-gap">…{'\n'}</span>
        ) : (
          <span key={i} class={`diff-${l.op}`} data-op={l.op}>
            <span class="diff-no">{l.b ?? l.a}</span>
            {l.op === 'add' ? '+ ' : l.op === 'del' ? '- ' : '  '}
            {l.text}
            {'\n'}
          </span>
        ),
      )}
    </pre>
  );
}

function Upload({ current, put, onApplied }: { current: string; put: (body: string) => Promise<{ revision: number }>; onApplied: () => void }) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const [touched, setTouched] = useState(false);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [result, setResult] = useState<{ ok: true; revision: number } | { ok: false; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  // Start from the running text, so an edit is a small change to review in the diff afterwards.
  useEffect(() => {
    if (!touched && current) setText(current);
  }, [current, touched]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setProblems([]);
    setResult(null);
    try {
      const r = await put(text);
      setResult({ ok: true, revision: r.revision });
      setTouched(false);
      onApplied();
    } catch (err) {
      if (err instanceof ApiError) {
        setProblems(err.problems);
        setResult({ ok: false, message: err.message });
      } else setResult({ ok: false, message: String(err) });
    } finally {
      setBusy(false);
    }
  };
  const onFile = async (e: Event) => {
    const f = (e.currentTarget as HTMLInputElement).files?.[0];
    if (f) {
      setText(await f.text());
      setTouched(true);
    }
  };

  return (
    <section class="panel">
      <h3 class="panel-title">{t('config.upload')}</h3>
      <form class="upload" data-testid="site-upload" onSubmit={(e) => void submit(e)}>
        <input type="file" accept=".yaml,.yml,.json,text/yaml,application/json" onChange={(e) => void onFile(e)} />
        <textarea
          name="site"
          data-testid="site-text"
          spellcheck={false}
          rows={18}
          value={text}
          onInput={(e) => {
            setText(e.currentTarget.value);
            setTouched(true);
          }}
        />
        <button type="submit" class="primary" disabled={busy || !text.trim()} data-testid="site-submit">
          {t('config.submit')}
        </button>
      </form>
      {result?.ok && (
        <p class="form-ok" role="status" data-testid="site-accepted">
          {t('config.accepted', { rev: result.revision })}
        </p>
      )}
      {result && !result.ok && (
        <div class="form-error" role="alert" data-testid="site-rejected">
          <p>{t('config.rejected', { count: problems.length, message: result.message })}</p>
          {problems.length > 0 && (
            <table class="data-table problems">
              <thead>
                <tr>
                  <th>{t('config.field')}</th>
                  <th>{t('config.problem')}</th>
                </tr>
              </thead>
              <tbody>
                {problems.map((p, i) => (
                  <tr key={i} data-testid="site-problem" data-path={p.path}>
                    <td>
                      <code>{p.path || '(document)'}</code>
                    </td>
                    <td>{p.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}
