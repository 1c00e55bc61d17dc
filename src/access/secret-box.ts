// Sealing secrets with AES-256-GCM under a key derived from
// GATEWAY_SECRET_KEY: people's GitHub tokens before they reach the database,
// and the sign-in cookies before they reach a browser. Each purpose has its
// own key (HKDF-SHA256 with the purpose as info), and each sealed value is
// bound to what it belongs to (GCM's additional data: a person's id and the
// column), so a value copied to another row or cookie does not open. The
// database or a cookie alone reveals nothing. Web Crypto only (Node's own
// implementation; no dependency).

export type SealPurpose = "github-tokens" | "cookies";

const VERSION = "v1";
const IV_BYTES = 12;
const encoder = new TextEncoder();

export class SecretBox {
  private constructor(private readonly key: CryptoKey) {}

  /** A box for one purpose; the same secret and purpose give the same key in every process. */
  static async derive(secret: string, purpose: SealPurpose): Promise<SecretBox> {
    const material = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
    const key = await crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: encoder.encode("copilot-gateway"), info: encoder.encode(purpose) },
      material,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
    return new SecretBox(key);
  }

  /** `v1.<iv>.<ciphertext and tag>`, base64url; a fresh random IV each time. */
  async seal(plaintext: string, context: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(context) }, this.key, encoder.encode(plaintext));
    return `${VERSION}.${toBase64url(iv)}.${toBase64url(new Uint8Array(sealed))}`;
  }

  /** The plaintext, or undefined when the value was not sealed by this box for this context (or was altered). */
  async open(sealed: string, context: string): Promise<string | undefined> {
    const [version, iv, body] = sealed.split(".");
    if (version !== VERSION || !iv || !body) return undefined;
    try {
      const plaintext = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64url(iv), additionalData: encoder.encode(context) }, this.key, fromBase64url(body));
      return new TextDecoder().decode(plaintext);
    } catch {
      return undefined;
    }
  }
}

export function toBase64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** `bytes` random bytes, base64url: states, PKCE verifiers, CSRF tokens. */
export function randomToken(bytes = 32): string {
  return toBase64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** PKCE's S256 challenge of a verifier (RFC 7636 §4.2). */
export async function pkceChallenge(verifier: string): Promise<string> {
  return toBase64url(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(verifier))));
}
