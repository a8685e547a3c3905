/**
 * Wildcard matching as RAM policies use it: `*` stands for any run of
 * characters (none included), `?` for exactly one. Everything else matches
 * itself, so a `.` or `/` in an ARN is literal.
 */
export function wildcardMatches(
  pattern: string,
  value: string,
  options: { ignoreCase: boolean },
): boolean {
  const p = options.ignoreCase ? pattern.toLowerCase() : pattern;
  const v = options.ignoreCase ? value.toLowerCase() : value;
  // Iterative matching with backtracking to the last `*`: linear in practice
  // and never exponential, whatever the pattern holds.
  let pi = 0;
  let vi = 0;
  let starAt = -1;
  let starMatchedUpTo = 0;
  while (vi < v.length) {
    const char = p[pi];
    if (char === "?" || (char !== undefined && char !== "*" && char === v[vi])) {
      pi++;
      vi++;
    } else if (char === "*") {
      starAt = pi++;
      starMatchedUpTo = vi;
    } else if (starAt >= 0) {
      pi = starAt + 1;
      vi = ++starMatchedUpTo;
    } else {
      return false;
    }
  }
  while (p[pi] === "*") pi++;
  return pi === p.length;
}
