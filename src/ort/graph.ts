/**
 * An ONNX model builder for small training graphs (forward and backward written out by hand):
 * float32 tensors of any rank with symbolic dimensions, float32 and int64 initializers, and nodes
 * with int, ints and float attributes. It writes through the project's protobuf writer
 * (src/onnx/proto.ts) with the same IR and opset as the optimizer graphs (IR 8, opset 17).
 *
 * Unlike src/onnx/graph.ts, which covers the element-wise rule graphs, shapes here are matrices
 * (Gemm, reductions over an axis, Slice/Reshape/Concat), so every op is named by its ONNX type.
 */
import { ProtoWriter } from '../onnx/proto';
import { ONNX_IR_VERSION, ONNX_OPSET } from '../onnx/graph';

const FLOAT = 1; // TensorProto.DataType
const INT64 = 7;
const ATTR_FLOAT = 1; // AttributeProto.AttributeType
const ATTR_INT = 2;
const ATTR_INTS = 7;

/** A value of the graph: an input, an initializer or a node output. */
export class Sym {
  constructor(readonly name: string) {}
}

/** A dimension: a fixed size or a symbolic name (e.g. 'batch'). */
export type Dim = number | string;

/** Attribute values: an integer, a list of integers (non-negative), or a float. */
export type Attr = number | readonly number[] | { readonly float: number };

interface NodeDef {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, Attr>>;
}

interface ValueInfo {
  readonly name: string;
  readonly dims: readonly Dim[];
}

interface Initializer {
  readonly name: string;
  readonly type: typeof FLOAT | typeof INT64;
  readonly dims: readonly number[];
  readonly raw: Uint8Array;
}

export class ModelBuilder {
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly nodes: NodeDef[] = [];
  private readonly initializers: Initializer[] = [];
  private readonly names = new Set<string>();
  private readonly constCache = new Map<string, Sym>();
  private counter = 0;

  constructor(readonly name: string) {}

  /** A float32 graph input. */
  input(name: string, dims: readonly Dim[]): Sym {
    this.claim(name);
    this.inputs.push({ name, dims });
    return new Sym(name);
  }

  /** Declares `value` as the float32 graph output `name` (through an Identity node). */
  output(name: string, value: Sym, dims: readonly Dim[]): void {
    this.claim(name);
    this.nodes.push({ op: 'Identity', inputs: [value.name], outputs: [name], attrs: {} });
    this.outputs.push({ name, dims });
  }

  /** A float32 constant (0-d for a number, else with `dims`); equal scalars share one initializer. */
  constant(values: number | ArrayLike<number>, dims: readonly number[] = []): Sym {
    const data = typeof values === 'number' ? Float32Array.of(values) : Float32Array.from(values);
    const key = typeof values === 'number' ? `f${Math.fround(values)}` : '';
    return this.initializer(key, FLOAT, dims, new Uint8Array(data.buffer));
  }

  /** An int64 constant vector (axes, shapes, slice bounds). */
  ints(values: readonly number[]): Sym {
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    return this.initializer(`i${values.join(',')}`, INT64, [values.length], new Uint8Array(data.buffer));
  }

  /** A node with one output. */
  op(type: string, inputs: readonly (Sym | null)[], attrs: Record<string, Attr> = {}): Sym {
    const out = `${type.toLowerCase()}_${this.counter++}`;
    this.nodes.push({ op: type, inputs: inputs.map((i) => i?.name ?? ''), outputs: [out], attrs });
    return new Sym(out);
  }

  // The ops the training graphs use, with the operand order of the ONNX spec.
  add(a: Sym, b: Sym): Sym { return this.op('Add', [a, b]); }
  sub(a: Sym, b: Sym): Sym { return this.op('Sub', [a, b]); }
  mul(a: Sym, b: Sym): Sym { return this.op('Mul', [a, b]); }
  div(a: Sym, b: Sym): Sym { return this.op('Div', [a, b]); }
  neg(a: Sym): Sym { return this.op('Neg', [a]); }
  exp(a: Sym): Sym { return this.op('Exp', [a]); }
  log(a: Sym): Sym { return this.op('Log', [a]); }
  relu(a: Sym): Sym { return this.op('Relu', [a]); }
  greater(a: Sym, b: Sym): Sym { return this.op('Greater', [a, b]); }
  where(cond: Sym, a: Sym, b: Sym): Sym { return this.op('Where', [cond, a, b]); }
  /** op(A)·op(B) (+ C), op = transpose when the flag is set. */
  gemm(a: Sym, b: Sym, c: Sym | null = null, { transA = 0, transB = 0 } = {}): Sym {
    return this.op('Gemm', c ? [a, b, c] : [a, b], { transA, transB });
  }
  /** Sum over `axes` (all axes when omitted); opset 13+ takes the axes as an input. */
  reduceSum(a: Sym, axes?: readonly number[], keepdims = 0): Sym {
    return this.op('ReduceSum', axes ? [a, this.ints(axes)] : [a], { keepdims });
  }
  /** Max over `axes` (an attribute up to opset 17). */
  reduceMax(a: Sym, axes: readonly number[], keepdims = 0): Sym {
    return this.op('ReduceMax', [a], { axes, keepdims });
  }
  reshape(a: Sym, shape: readonly number[]): Sym { return this.op('Reshape', [a, this.ints(shape)]); }
  /** Elements [start, end) of a 1-D value. */
  slice(a: Sym, start: number, end: number): Sym {
    return this.op('Slice', [a, this.ints([start]), this.ints([end]), this.ints([0])]);
  }
  concat(parts: readonly Sym[], axis: number): Sym { return this.op('Concat', parts, { axis }); }

  /** The serialized ModelProto. */
  encode(): Uint8Array {
    const w = new ProtoWriter();
    w.int(1, ONNX_IR_VERSION);
    w.string(2, 'edgeoptim');
    w.message(7, (g) => this.writeGraph(g));
    w.message(8, (o) => o.string(1, '').int(2, ONNX_OPSET));
    return w.finish();
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`ONNX model ${this.name}: name '${name}' is taken`);
    this.names.add(name);
  }

  private initializer(key: string, type: Initializer['type'], dims: readonly number[], raw: Uint8Array): Sym {
    if (key) {
      const hit = this.constCache.get(key);
      if (hit) return hit;
    }
    const name = `k${this.initializers.length}`;
    this.initializers.push({ name, type, dims, raw: raw.slice() });
    const sym = new Sym(name);
    if (key) this.constCache.set(key, sym);
    return sym;
  }

  private writeGraph(g: ProtoWriter): void {
    this.nodes.forEach((n, i) => {
      g.message(1, (m) => {
        for (const x of n.inputs) m.string(1, x);
        for (const y of n.outputs) m.string(2, y);
        m.string(3, `${n.op}_${i}`);
        m.string(4, n.op);
        for (const [key, value] of Object.entries(n.attrs)) m.message(5, (a) => writeAttr(a, key, value));
      });
    });
    g.string(2, this.name);
    for (const t of this.initializers) {
      g.message(5, (p) => {
        for (const d of t.dims) p.int(1, d);
        p.int(2, t.type);
        p.string(8, t.name);
        p.bytes(9, t.raw);
      });
    }
    for (const io of this.inputs) g.message(11, (v) => writeValueInfo(v, io));
    for (const io of this.outputs) g.message(12, (v) => writeValueInfo(v, io));
  }
}

function writeAttr(a: ProtoWriter, key: string, value: Attr): void {
  a.string(1, key);
  if (typeof value === 'number') a.int(3, value).int(20, ATTR_INT);
  else if (Array.isArray(value)) a.packedInts(8, value).int(20, ATTR_INTS);
  else a.float(2, (value as { float: number }).float).int(20, ATTR_FLOAT);
}

function writeValueInfo(v: ProtoWriter, io: ValueInfo): void {
  v.string(1, io.name);
  v.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, FLOAT);
      tensor.message(2, (shape) => {
        for (const d of io.dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}
