// The resource classes' doc comments (what a program's editor shows) and the kind descriptors (what schema.json,
// the SDKs and docs/reference.md are made of) say the same, word for word: the `…Args` members and the input
// schema's descriptions, the class comment and the kind's description, the declared outputs and the kind's output
// descriptions, the object-type interfaces and the kind's object fields. The classes are parsed with the TypeScript
// compiler, not searched with patterns. Edit one side, then the other (or run `npm run schema` after both).
import { readFileSync } from "node:fs";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { TokenKind } from "../../src/core/kind.ts";
import { KINDS } from "../../src/kinds.ts";
import { generateSchema } from "../../src/plugin/schema.ts";
import { PACKAGE } from "../../src/plugin/resources.ts";

const SRC = new URL("../../src/", import.meta.url);

/**
 * A doc comment's text as a description carries it: lines joined by a space, except where a blank line (a new
 * paragraph), a list item (`- `) or an indented line (a list item's continuation) follows.
 */
function reflow(text: string): string {
  return text.replace(/([^\n])\n(?!\n|- |\s)/g, "$1 ").trim();
}

/** The text of a node's doc comment before its first tag (e.g. `@example`), reflowed; undefined without one. */
function docOf(node: ts.Node): string | undefined {
  const comment = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc).at(-1)?.comment;
  const text = ts.getTextOfJSDocComment(comment);
  return text === undefined ? undefined : reflow(text);
}

interface Member {
  name: string;
  doc: string | undefined;
  optional: boolean;
}

/** The named property members of an interface, or the `declare`d outputs of a class, in source order. */
function membersOf(node: ts.InterfaceDeclaration | ts.ClassDeclaration): Member[] {
  return node.members.flatMap((member) => {
    if (!(ts.isPropertySignature(member) || ts.isPropertyDeclaration(member))) return [];
    if (!ts.isIdentifier(member.name)) return [];
    return [{ name: member.name.text, doc: docOf(member), optional: member.questionToken !== undefined }];
  });
}

const docs = (members: Member[]) => Object.fromEntries(members.map(({ name, doc }) => [name, doc]));

/** The kind's class file, parsed: its top-level classes and interfaces by name. */
function classFile(kind: TokenKind) {
  const path = new URL(kind.classSource, SRC);
  const source = ts.createSourceFile(path.pathname, readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true);
  const find = <T extends ts.Statement>(guard: (node: ts.Node) => node is T, name: string): T => {
    const found = source.statements.find(
      (statement): statement is T =>
        guard(statement) && (statement as { name?: ts.Identifier }).name?.text === name,
    );
    if (found === undefined) throw new Error(`${kind.classSource} has no ${name}`);
    return found;
  };
  return {
    resourceClass: find(ts.isClassDeclaration, kind.type),
    iface: (name: string) => find(ts.isInterfaceDeclaration, name),
  };
}

/** The input schema's description of each input, by name (what the schema's inputs carry). */
function inputDescriptions(kind: TokenKind): Record<string, string | undefined> {
  const json = z.toJSONSchema(kind.provider.details.inputSchema(), {
    io: "input",
    unrepresentable: "any",
  }) as {
    properties?: Record<string, { description?: string }>;
  };
  return Object.fromEntries(
    Object.entries(json.properties ?? {}).map(([key, value]) => [key, value.description]),
  );
}

describe.each(KINDS.map((kind) => [`${kind.vendor}.${kind.type}`, kind] as const))(
  "%s: the class's doc comments and the descriptor say the same",
  (_, kind) => {
    const file = classFile(kind);

    it("the class comment, up to its @example, is the kind's description", () => {
      expect(docOf(file.resourceClass)).toBe(kind.description);
    });

    it("each member of the `…Args` interface is documented as its input in the input schema", () => {
      expect(docs(membersOf(file.iface(`${kind.type}Args`)))).toEqual(inputDescriptions(kind));
    });

    it("each declared output is documented as the kind's output description, and every output has one", () => {
      expect(docs(membersOf(file.resourceClass))).toEqual(kind.outputDescriptions);
      expect(Object.keys(kind.outputDescriptions).sort()).toEqual([...kind.outputs].sort());
    });

    it("each object type's interface has the kind's fields, in order, documented alike, optional where not required", () => {
      const types = generateSchema("0.0.0").types as Record<string, { required: string[] }>;
      const prefix = `${PACKAGE}:${kind.vendor}:`;
      expect(Object.keys(types).filter((token) => token.startsWith(prefix))).toEqual(
        Object.values(kind.objectTypes ?? {}).map((object) => `${prefix}${object.name}`),
      );
      for (const object of Object.values(kind.objectTypes ?? {})) {
        const members = membersOf(file.iface(object.iface));
        expect(members.map(({ name, doc }) => [name, doc])).toEqual(
          Object.entries(object.fields).map(([name, field]) => [name, field.description]),
        );
        const required = types[`${prefix}${object.name}`]?.required;
        expect(members.filter((member) => !member.optional).map(({ name }) => name)).toEqual(required);
      }
    });
  },
);
