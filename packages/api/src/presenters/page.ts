/** Every list answers one page: its items under the resource's name, and the token of the next page (null on the last). */
export type PageView<K extends string, T> = { [key in K]: T[] } & { next_page_token: string | null };

/** The one place `nextPageToken` becomes `next_page_token`. */
export function presentPage<K extends string, T, V>(name: K, items: readonly T[], nextPageToken: string | null, present: (item: T) => V): PageView<K, V> {
  return { [name]: items.map((item) => present(item)), next_page_token: nextPageToken } as PageView<K, V>;
}
