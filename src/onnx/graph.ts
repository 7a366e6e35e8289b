/**
 * A tiny ONNX graph builder for element-wise float32 update rules: 1-D vector inputs of a
 * dynamic length `n`, 0-d scalar inputs, float constants, the handful of ops the rules need,
 * and an encoder to a ModelProto (IR 8, default-domain opset 17).
 *
 * Field numbers follow onnx/onnx.proto. Only what these graphs use is written: no doc strings,
 * no value_info (ONNX Runtime infers shapes), constants as 0-d initializers.
 */
import { ProtoWriter } from './proto';

export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_INT = 2; // AttributeProto.AttributeType.INT

/** A value in the graph (an input, a constant or a node's output). */
export class Value {
  constructor(readonly name: string, readonly rank: 0 | 1) {}
}

/** An operand: a graph value, or a number that becomes a float32 constant. */
export type Operand = Value | number;

interface NodeDef {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly intAttrs: Readonly<Record<string, number>>;
}

interface IoDef {
  readonly name: string;
  readonly rank: 0 | 1;
}

export class GraphBuilder {
  private readonly inputs: IoDef[] = [];
  private readonly outputs: IoDef[] = [];
  private readonly nodes: NodeDef[] = [];
  private readonly constants = new Map<number, string>();
  private readonly inputNames = new Set<string>();
  private readonly outputNames = new Set<string>();
  private counter = 0;

  constructor(readonly name: string) {}

  /** A float32 vector input of the dynamic length `n` (one slot of the arena). */
  vector(name: string): Value {
    return this.input(name, 1);
  }

  /** A 0-d float32 input: one of the step's scalar coefficients (the same Value when asked again). */
  scalar(name: string): Value {
    const known = this.inputs.find((i) => i.name === name);
    if (known?.rank === 0) return new Value(name, 0);
    return this.input(name, 0);
  }

  /** Declares `value` as the graph output `name` (an Identity is added when needed). */
  output(name: string, value: Value): void {
    if (this.outputNames.has(name) || this.inputNames.has(name)) throw new Error(`ONNX graph ${this.name}: name '${name}' is taken`);
    this.outputNames.add(name);
    this.nodes.push({ op: 'Identity', inputs: [value.name], outputs: [name], intAttrs: {} });
    this.outputs.push({ name, rank: value.rank });
  }

  add(a: Operand, b: Operand): Value { return this.binary('Add', a, b); }
  sub(a: Operand, b: Operand): Value { return this.binary('Sub', a, b); }
  mul(a: Operand, b: Operand): Value { return this.binary('Mul', a, b); }
  div(a: Operand, b: Operand): Value { return this.binary('Div', a, b); }
  sqrt(a: Value): Value { return this.unary('Sqrt', a); }
  abs(a: Value): Value { return this.unary('Abs', a); }
  neg(a: Value): Value { return this.unary('Neg', a); }
  sign(a: Value): Value { return this.unary('Sign', a); }
  /** Boolean a > b. */
  greater(a: Operand, b: Operand): Value { return this.binary('Greater', a, b); }
  /** Boolean a < b. */
  less(a: Operand, b: Operand): Value { return this.binary('Less', a, b); }
  /** cond ? a : b, element-wise. */
  where(cond: Value, a: Operand, b: Operand): Value {
    const [x, y] = [this.operand(a), this.operand(b)];
    return this.node('Where', [cond.name, x.name, y.name], Math.max(cond.rank, x.rank, y.rank) as 0 | 1);
  }
  /**
   * Element-wise maximum as Where(Greater(a, b), a, b): ONNX Runtime's WebGPU EP has no `Max`.
   * Returns b when they compare equal or either is NaN (Math.max would give NaN for a NaN).
   */
  max(a: Operand, b: Operand): Value { return this.where(this.greater(a, b), a, b); }
  /** Element-wise minimum as Where(Less(a, b), a, b). */
  min(a: Operand, b: Operand): Value { return this.where(this.less(a, b), a, b); }
  /** Sum of all elements as a 0-d value. */
  reduceSum(a: Value): Value {
    return this.node('ReduceSum', [a.name], 0, { keepdims: 0 });
  }

  /** Names of the 0-d inputs, in declaration order. */
  get scalarInputs(): string[] {
    return this.inputs.filter((i) => i.rank === 0).map((i) => i.name);
  }

  /** The serialized ModelProto. */
  encode(): Uint8Array {
    const w = new ProtoWriter();
    w.int(1, ONNX_IR_VERSION);
    w.string(2, 'edgeoptim');
    w.message(7, (g) => this.writeGraph(g));
    w.message(8, (o) => o.string(1, '').int(2, ONNX_OPSET));
    return w.finish();
  }

  private input(name: string, rank: 0 | 1): Value {
    if (this.inputNames.has(name)) throw new Error(`ONNX graph ${this.name}: input '${name}' declared twice`);
    this.inputNames.add(name);
    this.inputs.push({ name, rank });
    return new Value(name, rank);
  }

  private operand(x: Operand): Value {
    if (x instanceof Value) return x;
    if (typeof x !== 'number') throw new TypeError(`ONNX graph ${this.name}: operand must be a Value or a number`);
    // Keyed by the float32 value, so 0.1 and Math.fround(0.1) share one constant.
    const key = Math.fround(x);
    let name = this.constants.get(key);
    if (name === undefined) {
      name = `c${this.constants.size}`;
      this.constants.set(key, name);
    }
    return new Value(name, 0);
  }

  private unary(op: string, a: Value): Value {
    return this.node(op, [a.name], a.rank);
  }

  private binary(op: string, a: Operand, b: Operand): Value {
    const [x, y] = [this.operand(a), this.operand(b)];
    return this.node(op, [x.name, y.name], Math.max(x.rank, y.rank) as 0 | 1);
  }

  private node(op: string, inputs: string[], rank: 0 | 1, intAttrs: Record<string, number> = {}): Value {
    const out = `t${this.counter++}`;
    this.nodes.push({ op, inputs, outputs: [out], intAttrs });
    return new Value(out, rank);
  }

  private writeGraph(g: ProtoWriter): void {
    this.nodes.forEach((n, i) => {
      g.message(1, (m) => {
        for (const x of n.inputs) m.string(1, x);
        for (const y of n.outputs) m.string(2, y);
        m.string(3, `${n.op}_${i}`);
        m.string(4, n.op);
        for (const [key, value] of Object.entries(n.intAttrs)) {
          m.message(5, (a) => a.string(1, key).int(3, value).int(20, ATTR_INT));
        }
      });
    });
    g.string(2, this.name);
    for (const [value, name] of this.constants) {
      g.message(5, (t) => t.int(2, FLOAT).float(4, value).string(8, name));
    }
    for (const io of this.inputs) g.message(11, (v) => writeValueInfo(v, io));
    for (const io of this.outputs) g.message(12, (v) => writeValueInfo(v, io));
  }
}

function writeValueInfo(v: ProtoWriter, io: IoDef): void {
  v.string(1, io.name);
  v.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, FLOAT);
      tensor.message(2, (shape) => {
        if (io.rank === 1) shape.message(1, (dim) => dim.string(2, 'n'));
      });
    }),
  );
}
