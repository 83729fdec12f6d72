import type { EnhanceAppContext, Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import { type App, type Component, defineAsyncComponent } from 'vue';
import 'vitepress-openapi/dist/style.css';
import './custom.css';

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
      codeSamples: { defaultLang: 'curl' },
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
