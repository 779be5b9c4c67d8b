/** Nova's self and bookmark links of a resource. */
export function resourceLinks(publicUrl: string, collection: string, id: string) {
  return [
    { rel: 'self', href: `${publicUrl}/compute/v2.1/${collection}/${id}` },
    { rel: 'bookmark', href: `${publicUrl}/compute/${collection}/${id}` },
  ];
}

/** The `<collection>_links` of a page that was cut at `limit`: where the next page starts. */
export function nextPageLinks(
  publicUrl: string,
  path: string,
  query: Record<string, unknown>,
  page: { length: number },
  limit: number | undefined,
  lastMarker: string | undefined,
) {
  if (limit === undefined || page.length < limit || lastMarker === undefined) return undefined;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (key === 'marker' || value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  params.set('limit', String(limit));
  params.set('marker', lastMarker);
  return [{ rel: 'next', href: `${publicUrl}/compute/v2.1/${path}?${params.toString()}` }];
}
