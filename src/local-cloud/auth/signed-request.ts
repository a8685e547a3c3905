/** An HTTP request as the signature checks see it. */
export interface SignedRequest {
  method: string;
  /** The path as it arrived, still percent-encoded. */
  rawPath: string;
  /** Query parameters, decoded. */
  query: Readonly<Record<string, string>>;
  /** Form body parameters, decoded (empty unless the body is a form). */
  form: Readonly<Record<string, string>>;
  /** Header names lower-cased; repeated headers joined with ",". */
  headers: Readonly<Record<string, string>>;
  body: Buffer;
}
