/**
 * The `migrations_links` of GET /os-migrations from 2.59, as Nova's _get_collection_links builds
 * them: only when the page holds min(limit, [api] max_limit) migrations (limit defaulting to
 * max_limit), pointing past the last one by uuid, with the request's own parameters in sorted
 * order and limit only if the request gave it.
 */
export function migrationsNextLink(
  publicUrl: string,
  query: Record<string, unknown>,
  page: { uuid: string }[],
  maxLimit: number,
): { rel: 'next'; href: string }[] | undefined {
  const asked = query.limit === undefined ? maxLimit : Number(String(query.limit));
  const maxItems = Math.min(asked, maxLimit);
  if (!maxItems || page.length !== maxItems) return undefined;
  // OrderedDict(sorted(request.params.items())): a repeated key keeps the greatest of its values.
  const params = new Map<string, string>();
  for (const key of Object.keys(query).sort()) {
    const values = ([] as unknown[]).concat(query[key]).map(String).sort();
    params.set(key, values.at(-1)!);
  }
  params.set('marker', page.at(-1)!.uuid);
  const search = new URLSearchParams([...params.entries()]).toString();
  return [{ rel: 'next', href: `${publicUrl}/compute/v2.1/os-migrations?${search}` }];
}
