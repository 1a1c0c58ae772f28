// bench/results.svg: the wall time of `pulumi up` against N, one line per kind and checkpoint mode.
import { KINDS, type Kind, LABELS } from "./kinds.ts";
import type { ScaleResult } from "./result.ts";

/** bench/results.svg: median wall time against N, per kind, with and without checkpoints. */
export function renderSvg(result: ScaleResult): string {
  const width = 640;
  const height = 400;
  const pad = { left: 60, right: 200, top: 30, bottom: 50 };
  const sizes = result.sizes;
  const maxN = Math.max(...sizes);
  const maxMs = Math.max(...result.rows.flatMap((r) => KINDS.map((k) => r.ms[k].median)));
  const yTop = Math.ceil(maxMs / 1000 / 5) * 5 || 1;
  const x = (n: number) => pad.left + (n / maxN) * (width - pad.left - pad.right);
  const y = (ms: number) => height - pad.bottom - (ms / 1000 / yTop) * (height - pad.top - pad.bottom);
  const colours: Record<Kind, string> = {
    noop: "#666666",
    secretNoop: "#9467bd",
    patShapedNoop: "#17becf",
    netbird: "#1f77b4",
    gcore: "#d62728",
    plugin: "#2ca02c",
  };
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${pad.left}" y="18" font-size="14">pulumi up wall time (median) against N</text>`,
    `<line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}" stroke="black"/>`,
    `<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${height - pad.bottom}" stroke="black"/>`,
    `<text x="${(pad.left + width - pad.right) / 2}" y="${height - 12}" text-anchor="middle">N resources</text>`,
    `<text x="16" y="${(pad.top + height - pad.bottom) / 2}" transform="rotate(-90 16 ${(pad.top + height - pad.bottom) / 2})" text-anchor="middle">seconds</text>`,
  ];
  for (const n of [0, ...sizes]) {
    parts.push(
      `<text x="${x(n).toFixed(1)}" y="${height - pad.bottom + 16}" text-anchor="middle">${n}</text>`,
      `<line x1="${x(n).toFixed(1)}" y1="${height - pad.bottom}" x2="${x(n).toFixed(1)}" y2="${height - pad.bottom + 4}" stroke="black"/>`,
    );
  }
  for (let i = 0; i <= 5; i++) {
    const s = (yTop / 5) * i;
    const yy = y(s * 1000).toFixed(1);
    parts.push(
      `<text x="${pad.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${Number(s.toFixed(1))}</text>`,
      `<line x1="${pad.left}" y1="${yy}" x2="${width - pad.right}" y2="${yy}" stroke="#dddddd"/>`,
    );
  }
  let legend = pad.top;
  for (const kind of KINDS) {
    for (const checkpoints of [true, false]) {
      const points = result.rows
        .filter((r) => r.checkpoints === checkpoints)
        .map((r) => `${x(r.n).toFixed(1)},${y(r.ms[kind].median).toFixed(1)}`);
      const dash = checkpoints ? "" : ` stroke-dasharray="6 4"`;
      parts.push(
        `<polyline points="${points.join(" ")}" fill="none" stroke="${colours[kind]}" stroke-width="2"${dash}/>`,
        ...points.map((p) => {
          const [px, py] = p.split(",");
          return `<circle cx="${px}" cy="${py}" r="3" fill="${colours[kind]}"/>`;
        }),
        `<line x1="${width - pad.right + 10}" y1="${legend}" x2="${width - pad.right + 34}" y2="${legend}" stroke="${colours[kind]}" stroke-width="2"${dash}/>`,
        `<text x="${width - pad.right + 40}" y="${legend}" dominant-baseline="middle">${LABELS[kind]}${checkpoints ? "" : " (no checkpoints)"}</text>`,
      );
      legend += 18;
    }
  }
  parts.push("</svg>", "");
  return parts.join("\n");
}
