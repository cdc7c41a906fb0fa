import protobuf from 'protobufjs';
import { GraphProto, ModelProto } from './onnx-schema';

export interface WireScanLimits {
  /** Messages, strings, byte strings and varint list entries: what decoding allocates an object or a slot for. */
  readonly maxElements: number;
  readonly maxNodes: number;
}

export interface WireCounts {
  readonly elements: number;
  readonly nodes: number;
}

/** The file breaks a limit or is not well-formed protobuf; the message says which in plain words. */
export class WireScanError extends Error {
  /** True when the bytes are not protobuf at all (truncated, corrupted), false when they break a limit or hold an unknown field. */
  readonly malformed: boolean;
  constructor(message: string, malformed = false) {
    super(message);
    this.name = 'WireScanError';
    this.malformed = malformed;
  }
}

/** Each message type in words, for messages that name where a refused field was found. */
const PLACES: Readonly<Record<string, string>> = {
  ModelProto: 'the model',
  GraphProto: 'the graph',
  NodeProto: 'a node',
  AttributeProto: 'a node attribute',
  TensorProto: 'a tensor',
  ValueInfoProto: 'an input or output description',
  TypeProto: 'a type',
  Tensor: 'a tensor type',
  TensorShapeProto: 'a shape',
  Dimension: 'a dimension',
  StringStringEntryProto: 'a metadata entry',
  OperatorSetIdProto: 'an opset import',
};

/** Fixed-width packed numbers decode into plain number arrays, bounded by the file size; varints may be Long objects. */
const FIXED_WIDTH = new Set(['float', 'double', 'fixed32', 'sfixed32', 'fixed64', 'sfixed64']);

interface ScanState {
  elements: number;
  nodes: number;
  readonly limits: WireScanLimits;
}

function add(state: ScanState, elements: number): void {
  state.elements += elements;
  if (state.elements > state.limits.maxElements) {
    throw new WireScanError(`it holds more than ${state.limits.maxElements.toLocaleString('en-US')} protobuf entries (messages, names and integer lists), more than this app reads`);
  }
}

function scanMessage(type: protobuf.Type, reader: protobuf.Reader, end: number, state: ScanState): void {
  while (reader.pos < end) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    const wire = tag & 7;
    if (id === 0 || wire > 5) throw new WireScanError(`it has an invalid field tag at byte ${reader.pos}`, true);
    const field = type.fieldsById[id];
    if (!field) {
      throw new WireScanError(`${PLACES[type.name] ?? type.name} has field ${id}, which this app does not read (a newer or foreign ONNX feature); it is refused rather than passed to onnxruntime unchecked`);
    }
    if (field.resolvedType instanceof protobuf.Type) {
      if (wire !== 2) throw new WireScanError(`${PLACES[type.name] ?? type.name} has a malformed "${field.name}"`, true);
      const length = reader.uint32();
      const subEnd = reader.pos + length;
      if (subEnd > end) throw new WireScanError('it ends in the middle of a message', true);
      add(state, 1);
      if (type === GraphProto && field.name === 'node' && ++state.nodes > state.limits.maxNodes) {
        throw new WireScanError(`its graph has more than ${state.limits.maxNodes.toLocaleString('en-US')} nodes, more than this app loads`);
      }
      scanMessage(field.resolvedType, reader, subEnd, state);
      if (reader.pos !== subEnd) throw new WireScanError(`${PLACES[type.name] ?? type.name} has a malformed "${field.name}"`, true);
      continue;
    }
    if (wire === 2 && field.repeated && Object.hasOwn(protobuf.types.packed, field.type)) {
      const length = reader.uint32();
      if (reader.pos + length > end) throw new WireScanError('it ends in the middle of a number list', true);
      // A varint takes at least one byte, so `length` bounds the entries (each a Long for 64-bit types).
      if (!FIXED_WIDTH.has(field.type)) add(state, length);
      reader.skip(length);
      continue;
    }
    add(state, 1);
    reader.skipType(wire);
    if (reader.pos > end) throw new WireScanError('it ends in the middle of a field', true);
  }
}

/**
 * Walks the protobuf wire format of an .onnx file without decoding it: counts what decoding would allocate,
 * counts the graph's nodes, and refuses any field the schema does not declare. Nothing is allocated per entry.
 */
export function scanModelWire(bytes: Uint8Array, limits: WireScanLimits): WireCounts {
  const state: ScanState = { elements: 0, nodes: 0, limits };
  try {
    scanMessage(ModelProto, protobuf.Reader.create(bytes), bytes.length, state);
  } catch (error) {
    if (error instanceof WireScanError) throw error;
    // protobufjs' own bounds checks (reading past the end, nesting deeper than 100, bad wire types).
    throw new WireScanError(`it is not well-formed protobuf (${(error as Error).message}); the file may be truncated or corrupted`, true);
  }
  return { elements: state.elements, nodes: state.nodes };
}
