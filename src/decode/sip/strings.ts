/**
 * The SIP parser decodes a message's bytes once into one string and hands out substrings of it.
 * V8 represents a substring of 13 or more characters as a view (a "sliced string") that keeps the
 * whole parent string alive. That is what makes the parser cheap, and it is harmless for
 * everything that lives no longer than the message. A string that is kept for longer (a memo
 * key, a call's Call-ID or From URI) should be detached first, so that it does not pin a whole
 * message, body included, for the life of a call.
 */

/**
 * A copy of `s` that shares no storage with the string it was cut from. `" " + s` is a cons
 * string; slice() flattens it into a new flat string and returns a view into that new string
 * only (or a copy, when short). The content is the same, so callers see no difference.
 */
export function detachString(s: string): string {
  return (' ' + s).slice(1);
}

/** detachString for nullable values */
export function detachNullable(s: string | null): string | null {
  return s === null ? null : detachString(s);
}
