import { register } from 'node:module';

/**
 * Makes every later ES module import of the bare `specifier` load `url` instead, through a
 * module resolution hook (Node ≥ 20.6): how a library's own import of a package is pointed at a
 * copy of that package elsewhere.
 */
export function redirectImport(specifier: string, url: string): void {
  const hooks = `export async function resolve(specifier, context, next) {
    return specifier === ${JSON.stringify(specifier)}
      ? { url: ${JSON.stringify(url)}, shortCircuit: true }
      : next(specifier, context);
  }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
