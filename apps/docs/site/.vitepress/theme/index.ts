import type { EnhanceAppContext, Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import { type App, type Component, defineAsyncComponent } from 'vue';
import 'vitepress-openapi/dist/style.css';
import './custom.css';
import requestExamples from '../../_generated/request-examples.json' with { type: 'json' };

/**
 * vitepress-openapi renders the API reference pages. It is a large library, so it is loaded only by
 * the pages that use it: `<OAOperation>` is registered as an async component that imports the library
 * the first time an operation page renders (during the build, and in the browser on the first API
 * page visited), then sets it up once.
 */
let library: Promise<typeof import('vitepress-openapi/client')> | undefined;
/** Apps the library is set up in: the build renders every page in an app of its own. */
const setUp = new WeakSet<App>();

async function openapi(app: App) {
  library ??= import('vitepress-openapi/client').then((lib) => {
    lib.useTheme({
      operation: {
        // The page prints its own heading, operation id, scope and access rule above the component,
        // and the reference is static: no "try it" playground sending requests from the docs.
        hiddenSlots: ['header', 'playground', 'branding'],
        badges: ['deprecated', 'operationId'],
        defaultBaseUrl: 'http://localhost:3000',
      },
      server: { allowCustomServer: false },
      codeSamples: {
        defaultLang: 'curl',
        generator: (lang: Language, request: Request) => codeSample(lib, lang, request),
      },
      spec: { disableDownload: true },
      jsonViewer: { deep: 3 },
      schemaViewer: { deep: 2 },
    });
    return lib;
  });
  const lib = await library;
  if (!setUp.has(app)) {
    setUp.add(app);
    // The library's own setup (its i18n plugin and its components), except OAOperation, which is
    // registered below and must stay the async component.
    const register = app.component.bind(app) as (name: string, component?: unknown) => unknown;
    const proxy = new Proxy(app, {
      get: (target, key, receiver) =>
        key === 'component'
          ? (name: string, component?: unknown) =>
              name === 'OAOperation' ? undefined : register(name, component)
          : Reflect.get(target, key, receiver),
    });
    lib.theme.enhanceApp({ app: proxy } as EnhanceAppContext);
  }
  return lib;
}

type Library = typeof import('vitepress-openapi/client');
type Request = InstanceType<Library['OARequest']>;
type Language = Parameters<Library['generateCodeSample']>[0];

/** The API the reader is on: the docs are served by the API itself at /docs/ (npm start, a deployment). */
const apiOrigin = () => (typeof window === 'undefined' ? 'http://localhost:3000' : window.location.origin);

/**
 * A code sample a reader can run: against the API serving these pages, with the operation's example
 * body (the library drops named examples), and with a real access token step instead of the library's
 * `Bearer oauth2` (the scheme's name). cURL is written here, with the token in a shell variable; the
 * other languages come from the library, given the same request.
 */
async function codeSample(lib: Library, lang: Language, request: Request): Promise<string> {
  const origin = apiOrigin();
  const url = new URL(`${request.url.pathname}${request.url.search}`, origin);
  const key = `${request.method.toUpperCase()} ${request.path ?? request.url.pathname}`;
  const body = request.body || (requestExamples as Record<string, unknown>)[key];
  const needsToken = ([] as unknown[]).concat(request.authorizations ?? []).length > 0;
  const headers = Object.fromEntries(
    Object.entries(request.headers).filter(([name]) => name.toLowerCase() !== 'authorization'),
  );
  if (lang.lang === 'curl') {
    const lines: string[] = [];
    if (needsToken) {
      lines.push(
        '# An access token for your API client (OAuth 2.0 client credentials)',
        `TOKEN=$(curl -s ${origin}/oauth/token -d grant_type=client_credentials \\`,
        `  -d client_id="$CELR_CLIENT_ID" -d client_secret="$CELR_CLIENT_SECRET" |`,
        `  node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
        '',
      );
    }
    const parts = [`curl -X ${request.method.toUpperCase()} '${url.href}'`];
    if (needsToken) parts.push(`-H "Authorization: Bearer $TOKEN"`);
    for (const [name, value] of Object.entries(headers)) parts.push(`-H '${name}: ${value}'`);
    if (body !== undefined && body !== '') {
      if (request.contentType) parts.push(`-H 'Content-Type: ${request.contentType}'`);
      const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
      parts.push(`--data '${text.replace(/'/g, "'\\''")}'`);
    }
    lines.push(parts.join(' \\\n  '));
    return lines.join('\n');
  }
  return lib.generateCodeSample(
    lang,
    new lib.OARequest({
      baseUrl: origin,
      path: request.path,
      url,
      method: request.method,
      parameters: request.parameters,
      authorizations: [],
      body,
      variables: request.variables,
      headers: needsToken
        ? { ...headers, Authorization: 'Bearer <access token from POST /oauth/token>' }
        : headers,
      query: request.query,
      contentType: request.contentType,
      cookies: request.cookies,
    }),
  );
}

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component(
      'OAOperation',
      defineAsyncComponent(
        async () => ((await openapi(app)) as unknown as { OAOperation: Component }).OAOperation,
      ),
    );
  },
} satisfies Theme;
