/** Small HTTP helpers for the emulator tests (real HTTP via global fetch). */

/** A response with its body read once, as text and (when it parses) as JSON. */
export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** fetch + read the body. */
export async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** POST a JSON body (an object is stringified, a string is sent as is). */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return call(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Decodes the JSON header of a JWT without verifying it. */
export function jwtHeader(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

/** Seconds since the epoch of a Date. */
export const epochSeconds = (at: Date): number => Math.floor(at.getTime() / 1000);

/** A fixed instant the tests freeze the clock at. */
export const T0 = "2030-01-01T00:00:00Z";
