/**
 * RFC 3986 percent-encoding as Alibaba's signatures use it: everything but
 * unreserved characters is encoded, `!'()*` included (encodeURIComponent
 * leaves those five alone).
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
