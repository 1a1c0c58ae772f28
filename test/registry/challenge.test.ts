// The WWW-Authenticate parser of core/docker-token-protocol.ts on the header shapes registries send,
// and on broken ones.
import { describe, expect, it } from "vitest";
import { formatScope, parseChallenges, parseScope } from "../../src/core/docker-token-protocol.ts";

describe("parseChallenges", () => {
  it.each([
    [
      "distribution's challenge",
      'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/app:pull"',
      [
        {
          scheme: "bearer",
          params: {
            realm: "https://auth.example.com/token",
            service: "registry.example.com",
            scope: "repository:team/app:pull",
          },
        },
      ],
    ],
    [
      "spaces, upper-case names, token values",
      '  BEARER  Realm = "https://a/t" ,  Service=registry.example.com  ',
      [{ scheme: "bearer", params: { realm: "https://a/t", service: "registry.example.com" } }],
    ],
    [
      "escapes and commas inside quotes",
      'Bearer realm="https://a/t",scope="repository:a/b:pull,push",error="say \\"no\\" \\\\ here"',
      [
        {
          scheme: "bearer",
          params: { realm: "https://a/t", scope: "repository:a/b:pull,push", error: 'say "no" \\ here' },
        },
      ],
    ],
    [
      "several challenges, Basic first",
      'Basic realm="Registry Realm", charset="UTF-8", Bearer realm="https://a/t",service="s"',
      [
        { scheme: "basic", params: { realm: "Registry Realm", charset: "UTF-8" } },
        { scheme: "bearer", params: { realm: "https://a/t", service: "s" } },
      ],
    ],
    [
      "a token68 challenge before a Bearer one",
      'Negotiate abc123==, Bearer realm="https://a/t"',
      [
        { scheme: "negotiate", params: {} },
        { scheme: "bearer", params: { realm: "https://a/t" } },
      ],
    ],
    [
      "empty list elements",
      ', , Bearer realm="r",,service="s",',
      [{ scheme: "bearer", params: { realm: "r", service: "s" } }],
    ],
    [
      "an unterminated quote keeps what was read before",
      'Bearer service="s",realm="https://a/t',
      [{ scheme: "bearer", params: { service: "s" } }],
    ],
    [
      "garbage after a value ends the list",
      'Bearer realm="r" junk, Basic',
      [{ scheme: "bearer", params: { realm: "r" } }],
    ],
    ["an empty header", "", []],
  ])("%s", (_name, header, expected) => {
    expect(parseChallenges(header)).toEqual(expected);
  });
});

describe("the scope grammar", () => {
  it.each([
    ["repository:team/app:pull,push", { type: "repository", name: "team/app", actions: ["pull", "push"] }],
    ["registry:catalog:*", { type: "registry", name: "catalog", actions: ["*"] }],
    [
      "repository(plugin):localhost:5000/team/app:pull",
      { type: "repository", class: "plugin", name: "localhost:5000/team/app", actions: ["pull"] },
    ],
    ["repository:a__b/c--d.e:delete", { type: "repository", name: "a__b/c--d.e", actions: ["delete"] }],
  ])("%s parses and formats back", (text, scope) => {
    expect(parseScope(text)).toEqual(scope);
    expect(formatScope(scope)).toBe(text);
  });

  it.each([
    "repository:team/app",
    "repository::pull",
    "Repository:a:pull",
    "repository:a_:pull",
    "repository:a:pull,",
  ])("%s is refused", (text) => {
    expect(parseScope(text)).toBeUndefined();
  });
});
