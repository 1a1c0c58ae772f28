import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MinimalToken } from "../fixtures/minimal-token.ts";
import { TestStack } from "../harness/engine.ts";

const TYPE = "pulumi-nodejs:dynamic/test:MinimalToken";

describe("the real engine drives a minimal token resource", () => {
  let stack: TestStack;
  const start = new Date("2030-01-01T00:00:00Z");

  beforeAll(async () => {
    stack = await TestStack.open({
      projectName: "minimal",
      program: async () => {
        const token = new MinimalToken("t", { label: "demo", ttlMinutes: 60, rotateBeforeMinutes: 10 });
        return { value: token.value, rotatesAt: token.rotatesAt, rotations: token.rotations, id: token.id };
      },
    });
    stack.setNow(start);
  });
  afterAll(async () => stack?.dispose());

  it("creates, keeps, rotates when due, refreshes and destroys", async () => {
    const created = await stack.up();
    expect(created.changes).toEqual({ create: 2 });
    expect(created.outputs.value?.secret).toBe(true);
    expect(created.outputs.rotatesAt?.value).toBe("2030-01-01T00:50:00.000Z");
    expect(created.outputs.id?.value).toBe("minimal/demo");

    const same = await stack.up();
    expect(same.changes).toEqual({ same: 2 });
    expect(same.outputs.value?.value).toBe(created.outputs.value?.value);

    stack.setNow(new Date("2030-01-01T00:50:00Z"));
    const rotated = await stack.up();
    expect(rotated.changes).toEqual({ same: 1, update: 1 });
    expect(rotated.outputs.rotations?.value).toBe(1);
    expect(rotated.outputs.value?.value).not.toBe(created.outputs.value?.value);
    expect(rotated.outputs.id?.value).toBe("minimal/demo");

    const refreshed = await stack.refresh();
    expect(refreshed.output).toMatch(/refresh/i);
    expect(refreshed.outputs.value?.value).toBe(rotated.outputs.value?.value);

    const outputs = await stack.resourceOutputs(TYPE);
    const provider = String(outputs.__provider);
    expect(provider.length).toBeLessThan(4096);

    const state = await stack.exportedState();
    expect(state).not.toContain(String(rotated.outputs.value?.value));

    const destroyed = await stack.destroy();
    expect(destroyed.changes).toEqual({ delete: 2 });
  });

  it("check rejects bad input naming the property, before any create", async () => {
    const bad = await TestStack.open({
      projectName: "minimal-bad",
      program: async () => {
        new MinimalToken("t", { label: "", ttlMinutes: pulumi.output(60) });
      },
    });
    try {
      await expect(bad.up()).rejects.toThrow(/label.*"label" must not be empty/s);
    } finally {
      await bad.dispose();
    }
  });
});
