/**
 * Compares two V8 heap snapshots of the server (`--heap-snapshots` of `npm run bench:sustained`):
 * what grew between them, by constructor (count and self size), and for the classes that grew
 * most, the shortest retainer path from a GC root to one of their new instances — which Map, in
 * which object, holds them — and the collections (Map, Set, Array) that hold the most, each named
 * by the object and property that hold it (`OrderService.#recent`), in both snapshots. Reads the `.heapsnapshot` JSON format directly (meta.node_fields,
 * edge_fields, strings), so it needs nothing from npm.
 *
 *   npx tsx test/bench/sustained/heap-compare.ts before.heapsnapshot after.heapsnapshot [top]
 */
import { readFileSync } from "node:fs";

interface RawSnapshot {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: readonly string[];
      readonly node_types: readonly [readonly string[], ...unknown[]];
      readonly edge_fields: readonly string[];
      readonly edge_types: readonly [readonly string[], ...unknown[]];
    };
  };
  readonly nodes: readonly number[];
  readonly edges: readonly number[];
  readonly strings: readonly string[];
}

interface Heap {
  readonly raw: RawSnapshot;
  readonly nodeCount: number;
  readonly nodeFields: number;
  readonly edgeFields: number;
  /** index of each node's first edge in `raw.edges` */
  readonly firstEdge: Uint32Array;
  readonly typeNames: readonly string[];
  readonly edgeTypeNames: readonly string[];
  readonly field: (name: string) => number;
  readonly edgeField: (name: string) => number;
}

function load(path: string): Heap {
  const raw = JSON.parse(readFileSync(path, "utf8")) as RawSnapshot;
  const { meta } = raw.snapshot;
  const nodeFields = meta.node_fields.length;
  const edgeFields = meta.edge_fields.length;
  const nodeCount = raw.nodes.length / nodeFields;
  const edgeCountAt = meta.node_fields.indexOf("edge_count");
  const firstEdge = new Uint32Array(nodeCount + 1);
  for (let i = 0, e = 0; i < nodeCount; i++) {
    firstEdge[i] = e;
    e += (raw.nodes[i * nodeFields + edgeCountAt] ?? 0) * edgeFields;
    firstEdge[i + 1] = e;
  }
  return {
    raw,
    nodeCount,
    nodeFields,
    edgeFields,
    firstEdge,
    typeNames: meta.node_types[0],
    edgeTypeNames: meta.edge_types[0],
    field: (name) => meta.node_fields.indexOf(name),
    edgeField: (name) => meta.edge_fields.indexOf(name),
  };
}

/** What a node is counted as: its constructor for objects, its V8 type otherwise. */
function className(heap: Heap, node: number): string {
  const type = heap.typeNames[heap.raw.nodes[node * heap.nodeFields + heap.field("type")] ?? 0] ?? "?";
  const name = heap.raw.strings[heap.raw.nodes[node * heap.nodeFields + heap.field("name")] ?? 0] ?? "?";
  if (type === "object" || type === "native") return name;
  if (type === "closure") return `closure ${name}`;
  return `(${type})`;
}

interface ClassTotals {
  count: number;
  bytes: number;
}

function totals(heap: Heap): Map<string, ClassTotals> {
  const byClass = new Map<string, ClassTotals>();
  const selfSize = heap.field("self_size");
  for (let i = 0; i < heap.nodeCount; i++) {
    const name = className(heap, i);
    const t = byClass.get(name) ?? { count: 0, bytes: 0 };
    t.count++;
    t.bytes += heap.raw.nodes[i * heap.nodeFields + selfSize] ?? 0;
    byClass.set(name, t);
  }
  return byClass;
}

/** Breadth-first from the root (node 0) over strong edges: each node's parent on a shortest path. */
function shortestRetainers(heap: Heap): { readonly parent: Int32Array; readonly via: Int32Array } {
  const parent = new Int32Array(heap.nodeCount).fill(-1);
  const via = new Int32Array(heap.nodeCount).fill(-1);
  const typeAt = heap.edgeField("type");
  const toAt = heap.edgeField("to_node");
  const weak = heap.edgeTypeNames.indexOf("weak");
  const queue = new Int32Array(heap.nodeCount);
  let head = 0;
  let tail = 0;
  queue[tail++] = 0;
  parent[0] = 0;
  while (head < tail) {
    const node = queue[head++] ?? 0;
    for (let e = heap.firstEdge[node] ?? 0; e < (heap.firstEdge[node + 1] ?? 0); e += heap.edgeFields) {
      if (heap.raw.edges[e + typeAt] === weak) continue;
      const to = (heap.raw.edges[e + toAt] ?? 0) / heap.nodeFields;
      if (parent[to] !== -1) continue;
      parent[to] = node;
      via[to] = e;
      queue[tail++] = to;
    }
  }
  return { parent, via };
}

function edgeName(heap: Heap, e: number): string {
  const type = heap.edgeTypeNames[heap.raw.edges[e + heap.edgeField("type")] ?? 0] ?? "?";
  const nameOrIndex = heap.raw.edges[e + heap.edgeField("name_or_index")] ?? 0;
  if (type === "element" || type === "hidden") return `[${nameOrIndex}]`;
  return `.${heap.raw.strings[nameOrIndex] ?? "?"}`;
}

function retainerPath(heap: Heap, retainers: ReturnType<typeof shortestRetainers>, node: number): string {
  const steps: string[] = [];
  for (let at = node, hops = 0; at !== 0 && hops < 14; hops++) {
    const up = retainers.parent[at] ?? -1;
    if (up === -1) return `(unreachable) ${className(heap, node)}`;
    steps.push(`${edgeName(heap, retainers.via[at] ?? 0)} → ${className(heap, at)}`);
    at = up;
  }
  return steps.reverse().join("  ");
}

const COLLECTIONS: ReadonlySet<string> = new Set(["Map", "Set", "Array", "WeakMap", "Object"]);

/**
 * Self size below each collection in the shortest-path tree, the nearest collection owning each
 * node: which Map (named by its holder) the heap is in. Plain objects count as collections only
 * when they are reached through a property of a class instance (a table held in a field).
 */
function owners(heap: Heap, retainers: ReturnType<typeof shortestRetainers>): Map<string, number> {
  const selfSize = heap.field("self_size");
  const label = new Map<number, string | null>();
  const labelOf = (node: number): string | null => {
    const known = label.get(node);
    if (known !== undefined) return known;
    let result: string | null = null;
    const name = className(heap, node);
    const up = retainers.parent[node] ?? -1;
    if (COLLECTIONS.has(name) && up > 0) {
      const holder = className(heap, up);
      if (name !== "Object" && name !== "Array" ? true : /^[A-Z]/.test(holder) && !COLLECTIONS.has(holder) && holder !== "(hidden)") {
        if (!holder.startsWith("(") || holder === "(closure)") result = `${holder}${edgeName(heap, retainers.via[node] ?? 0)} (${name})`;
      }
    }
    label.set(node, result);
    return result;
  };
  const byOwner = new Map<string, number>();
  for (let i = 1; i < heap.nodeCount; i++) {
    let owner: string | null = null;
    for (let at = i, hops = 0; at > 0 && hops < 40 && owner === null; hops++) {
      owner = labelOf(at);
      at = retainers.parent[at] ?? 0;
    }
    const key = owner ?? "(no collection)";
    byOwner.set(key, (byOwner.get(key) ?? 0) + (heap.raw.nodes[i * heap.nodeFields + selfSize] ?? 0));
  }
  return byOwner;
}

const [beforePath, afterPath, topArg] = process.argv.slice(2);
if (beforePath === undefined || afterPath === undefined) throw new Error("usage: heap-compare.ts before.heapsnapshot after.heapsnapshot [top]");
const top = Number(topArg ?? 15);
const beforeHeap = load(beforePath);
const before = totals(beforeHeap);
const ownersBefore = owners(beforeHeap, shortestRetainers(beforeHeap));
const after = load(afterPath);
const afterTotals = totals(after);
const growth = [...afterTotals]
  .map(([name, t]) => ({ name, count: t.count - (before.get(name)?.count ?? 0), bytes: t.bytes - (before.get(name)?.bytes ?? 0), total: t }))
  .sort((a, b) => b.bytes - a.bytes);
const mb = (n: number): string => (n / 1024 / 1024).toFixed(2);
console.log(`self size ${mb([...before.values()].reduce((a, t) => a + t.bytes, 0))} MB → ${mb([...afterTotals.values()].reduce((a, t) => a + t.bytes, 0))} MB`);
console.log("growth by class (self size):");
for (const g of growth.slice(0, top)) console.log(`  ${mb(g.bytes).padStart(8)} MB  ${String(g.count).padStart(8)} objects  ${g.name}  (now ${g.total.count}, ${mb(g.total.bytes)} MB)`);

// One retainer path per grown object class, from its last instance (the newest are allocated last).
const retainers = shortestRetainers(after);
console.log("shortest retainer path of a recent instance:");
for (const g of growth.filter((x) => !x.name.startsWith("(")).slice(0, top)) {
  let sample = -1;
  for (let i = after.nodeCount - 1; i >= 0 && sample === -1; i--) if (className(after, i) === g.name) sample = i;
  if (sample !== -1) console.log(`  ${g.name}: ${retainerPath(after, retainers, sample)}`);
}

const ownersAfter = owners(after, retainers);
console.log("held below each collection (self size, shortest-path tree), largest growth first:");
const ownerGrowth = [...ownersAfter].map(([name, bytes]) => ({ name, bytes, grew: bytes - (ownersBefore.get(name) ?? 0) })).sort((a, b) => b.grew - a.grew);
for (const o of ownerGrowth.slice(0, top)) console.log(`  ${mb(o.grew).padStart(8)} MB grown, ${mb(o.bytes).padStart(8)} MB now  ${o.name}`);
