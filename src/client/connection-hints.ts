/**
 * What to do about a connection that could not be set up, added to grpc-js's
 * text, which names the OpenSSL alert at best ("tlsv13 alert certificate
 * required") and at worst only "Failed to connect" (the member closed the
 * connection during set-up, as a TLS member does to a plaintext client or,
 * under TLS 1.3, to a client certificate it refuses).
 *
 * Only wording: the hint never changes what is retried; the original text
 * stays at the front of the message so code matching it keeps working.
 */

interface Hint {
  readonly pattern: RegExp;
  readonly advice: string;
}

const tlsHints: readonly Hint[] = [
  {
    pattern: /alert certificate required/i,
    advice: 'the member demands a client certificate: give tls.certPem and tls.keyPem (conclave: --cert and --key)',
  },
  {
    pattern: /alert (unknown ca|bad certificate|certificate unknown|certificate revoked|certificate expired|unsupported certificate)/i,
    advice: "the member refused this client's certificate (not signed by its --trusted-ca-file, revoked, or expired)",
  },
  {
    pattern: /self[- ]signed certificate|unable to (get|verify)|certificate has expired|does not match certificate|Hostname\/IP does not match|ERR_TLS_CERT/i,
    advice: "the member's certificate could not be verified: give the CA that signed it as tls.caPem (conclave: --cacert)",
  },
  {
    pattern: /wrong version number|packet length too long|http request/i,
    advice: 'the member does not speak TLS at this address: use an http:// endpoint',
  },
  {
    pattern: /^No connection established\. Last error: Failed to connect/,
    advice: "the member closed the connection during the TLS set-up: it may have refused this client's certificate, or may not serve TLS there",
  },
];

const plaintextHints: readonly Hint[] = [
  {
    pattern: /^No connection established\. Last error: Failed to connect/,
    advice: 'the member closed the connection during set-up: if it serves TLS, use https:// endpoints',
  },
];

/** grpc-js ends its text with an empty "Resolution note: " when name resolution had nothing to say. */
const EMPTY_RESOLUTION_NOTE = /\.?\s*Resolution note:\s*$/;

/** `details` with advice appended when a known connection failure is recognised; unchanged otherwise. */
export function withConnectionHint(details: string, secure: boolean): string {
  const hint = (secure ? tlsHints : plaintextHints).find((candidate) => candidate.pattern.test(details));
  return hint === undefined ? details : `${details.replace(EMPTY_RESOLUTION_NOTE, '').trimEnd()}: ${hint.advice}`;
}
