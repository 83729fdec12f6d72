/**
 * The members of `object` whose value is not undefined, with those that were possibly undefined
 * typed optional. With exactOptionalPropertyTypes an optional member (`x?: T`) may be absent but
 * not undefined; this turns an object built from optional sources (query parameters, flags,
 * headers) into one that leaves out what was not given, which is what the code reading it already
 * took undefined to mean.
 */
export function definedMembers<T extends object>(
  object: T,
): { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
} {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as never;
}
