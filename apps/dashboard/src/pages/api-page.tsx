import { useEffect, useState } from 'preact/hooks';
import { JsonView, LoadError, Loading } from '../components/common.js';

interface Operation {
  readonly operationId?: string;
  readonly summary?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly parameters?: readonly { name: string; in: string; required?: boolean; description?: string }[];
  readonly requestBody?: { content?: Record<string, { schema?: unknown }> };
  readonly responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
  readonly security?: unknown;
}

interface OpenApiDoc {
  readonly info: { title: string; version: string; description?: string };
  readonly paths: Record<string, Record<string, Operation>>;
}

/** A browsable view of the cloud's `/openapi.json` (anonymous): operations grouped by tag, schemas on demand. */
export function ApiPage() {
  const [doc, setDoc] = useState<OpenApiDoc | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [filter, setFilter] = useState('');
  useEffect(() => {
    fetch('/openapi.json')
      .then(async (r) => (r.ok ? ((await r.json()) as OpenApiDoc) : Promise.reject(new Error(`GET /openapi.json: HTTP ${r.status}`))))
      .then(setDoc, setError);
  }, []);
  const ops = Object.entries(doc?.paths ?? {}).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));
  const shown = ops.filter(({ path, op }) => filter === '' || `${path} ${op.summary ?? ''} ${op.operationId ?? ''}`.toLowerCase().includes(filter.toLowerCase()));
  const tags = [...new Set(shown.map((o) => o.op.tags?.[0] ?? 'other'))].sort();
  return (
    <div class="page" data-testid="api-page">
      <h1>{doc?.info.title ?? 'API'}</h1>
      <LoadError error={error} what="OpenAPI document" />
      <Loading when={doc === undefined && error === undefined} />
      {doc !== undefined && (
        <>
          <p>
            Version {doc.info.version}. {doc.info.description} <a href="/openapi.json">Raw document</a>.
          </p>
          <input placeholder="Filter operations" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
          <p class="muted" data-testid="operation-count">
            {shown.length} operations
          </p>
          {tags.map((tag) => (
            <section key={tag} class="panel">
              <h2>{tag}</h2>
              {shown
                .filter((o) => (o.op.tags?.[0] ?? 'other') === tag)
                .map(({ path, method, op }) => (
                  <details key={`${method} ${path}`} class="operation" data-operation={op.operationId}>
                    <summary>
                      <span class={`method ${method.toLowerCase()}`}>{method}</span> <code>{path}</code> {op.summary}
                    </summary>
                    {op.description !== undefined && <p>{op.description}</p>}
                    {(op.parameters ?? []).length > 0 && (
                      <table>
                        <thead>
                          <tr>
                            <th>Parameter</th>
                            <th>In</th>
                            <th>Required</th>
                            <th>Description</th>
                          </tr>
                        </thead>
                        <tbody>
                          {(op.parameters ?? []).map((p) => (
                            <tr key={`${p.in}:${p.name}`}>
                              <td>
                                <code>{p.name}</code>
                              </td>
                              <td>{p.in}</td>
                              <td>{p.required === true ? 'yes' : 'no'}</td>
                              <td>{p.description ?? ''}</td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    )}
                    {op.requestBody?.content !== undefined && (
                      <>
                        <h4>Request body</h4>
                        <JsonView value={Object.values(op.requestBody.content)[0]?.schema} />
                      </>
                    )}
                    <h4>Responses</h4>
                    <ul>
                      {Object.entries(op.responses ?? {}).map(([status, r]) => (
                        <li key={status}>
                          <b>{status}</b> {r.description}
                        </li>
                      ))}
                    </ul>
                  </details>
                ))}
            </section>
          ))}
        </>
      )}
    </div>
  );
}
