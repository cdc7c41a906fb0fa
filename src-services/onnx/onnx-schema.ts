import protobuf from 'protobufjs';

/**
 * The ONNX format (onnx/onnx.proto3) with the spec's field numbers: every field onnxruntime acts on is
 * declared, so that what a foreign model asks for is visible before onnxruntime reads it. Features this app
 * refuses (graphs and tensors in attributes, sparse and string tensors, local functions, training info,
 * non-tensor types) are declared as opaque bytes: their presence is seen, their content is never decoded.
 * Fields that are not declared at all are refused by the wire scan (wire-scan.ts).
 */
const ONNX_PROTO = `
syntax = "proto3";
package onnx;

message AttributeProto {
  enum AttributeType { UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5; FLOATS = 6; INTS = 7; STRINGS = 8; TENSORS = 9; GRAPHS = 10; SPARSE_TENSOR = 11; SPARSE_TENSORS = 12; TYPE_PROTO = 13; TYPE_PROTOS = 14; }
  string name = 1;
  string ref_attr_name = 21;
  string doc_string = 13;
  AttributeType type = 20;
  float f = 2;
  int64 i = 3;
  bytes s = 4;
  TensorProto t = 5;
  bytes g = 6;
  bytes sparse_tensor = 22;
  bytes tp = 14;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  repeated TensorProto tensors = 10;
  repeated bytes graphs = 11;
  repeated bytes sparse_tensors = 23;
  repeated bytes type_protos = 15;
}

message ValueInfoProto {
  string name = 1;
  TypeProto type = 2;
  string doc_string = 3;
  repeated StringStringEntryProto metadata_props = 4;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  string name = 3;
  string op_type = 4;
  string domain = 7;
  string overload = 8;
  repeated AttributeProto attribute = 5;
  string doc_string = 6;
  repeated StringStringEntryProto metadata_props = 9;
  repeated bytes device_configurations = 10;
}

message StringStringEntryProto {
  string key = 1;
  string value = 2;
}

message ModelProto {
  int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  string producer_name = 2;
  string producer_version = 3;
  string domain = 4;
  int64 model_version = 5;
  string doc_string = 6;
  GraphProto graph = 7;
  repeated StringStringEntryProto metadata_props = 14;
  repeated bytes training_info = 20;
  repeated bytes functions = 25;
  repeated bytes configuration = 26;
}

message GraphProto {
  repeated NodeProto node = 1;
  string name = 2;
  repeated TensorProto initializer = 5;
  repeated bytes sparse_initializer = 15;
  string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
  repeated bytes quantization_annotation = 14;
  repeated StringStringEntryProto metadata_props = 16;
}

message TensorProto {
  enum DataType { UNDEFINED = 0; FLOAT = 1; UINT8 = 2; INT8 = 3; UINT16 = 4; INT16 = 5; INT32 = 6; INT64 = 7; STRING = 8; BOOL = 9; FLOAT16 = 10; DOUBLE = 11; }
  repeated int64 dims = 1;
  int32 data_type = 2;
  bytes segment = 3;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated bytes string_data = 6;
  repeated int64 int64_data = 7 [packed = true];
  string name = 8;
  string doc_string = 12;
  bytes raw_data = 9;
  repeated double double_data = 10 [packed = true];
  repeated uint64 uint64_data = 11 [packed = true];
  repeated StringStringEntryProto external_data = 13;
  int32 data_location = 14;
  repeated StringStringEntryProto metadata_props = 16;
}

message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
    string denotation = 3;
  }
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor {
    int32 elem_type = 1;
    TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
    bytes sequence_type = 4;
    bytes map_type = 5;
    bytes opaque_type = 7;
    bytes sparse_tensor_type = 8;
    bytes optional_type = 9;
  }
  string denotation = 6;
}

message OperatorSetIdProto {
  string domain = 1;
  int64 version = 2;
}
`;

const root = protobuf.parse(ONNX_PROTO, { keepCase: true }).root;
root.resolveAll();
export const ModelProto = root.lookupType('onnx.ModelProto');
export const GraphProto = root.lookupType('onnx.GraphProto');

export const DATA_TYPE_FLOAT = 1;
export const DATA_TYPE_INT64 = 7;
export const ATTRIBUTE_FLOAT = 1;
export const ATTRIBUTE_INT = 2;
export const ATTRIBUTE_STRING = 3;
export const ATTRIBUTE_INTS = 7;
/** TensorProto.data_location: the tensor's bytes are in another file. */
export const DATA_LOCATION_EXTERNAL = 1;

/** protobufjs gives int64 fields as number or Long; the sizes here always fit a double. */
export type Int64 = number | { toNumber(): number };
export const int64 = (value: Int64 | undefined | null): number => (value === undefined || value === null ? 0 : typeof value === 'number' ? value : value.toNumber());

interface OnnxKeyValue {
  key: string;
  value: string;
}
interface OnnxDimension {
  dim_value?: Int64;
  dim_param?: string;
  denotation?: string;
}
export interface OnnxValueInfo {
  name: string;
  type?: {
    tensor_type?: { elem_type?: number; shape?: { dim?: OnnxDimension[] } };
    sequence_type?: Uint8Array;
    map_type?: Uint8Array;
    opaque_type?: Uint8Array;
    sparse_tensor_type?: Uint8Array;
    optional_type?: Uint8Array;
  };
  doc_string?: string;
  metadata_props?: OnnxKeyValue[];
}
export interface OnnxTensor {
  name: string;
  dims?: Int64[];
  data_type?: number;
  segment?: Uint8Array;
  raw_data?: Uint8Array;
  float_data?: number[];
  int32_data?: number[];
  string_data?: Uint8Array[];
  int64_data?: Int64[];
  double_data?: number[];
  uint64_data?: Int64[];
  external_data?: OnnxKeyValue[];
  data_location?: number;
  doc_string?: string;
  metadata_props?: OnnxKeyValue[];
}
export interface OnnxAttribute {
  name: string;
  ref_attr_name?: string;
  doc_string?: string;
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: OnnxTensor;
  g?: Uint8Array;
  sparse_tensor?: Uint8Array;
  tp?: Uint8Array;
  floats?: number[];
  ints?: Int64[];
  strings?: Uint8Array[];
  tensors?: OnnxTensor[];
  graphs?: Uint8Array[];
  sparse_tensors?: Uint8Array[];
  type_protos?: Uint8Array[];
}
export interface OnnxNode {
  input?: string[];
  output?: string[];
  name?: string;
  op_type: string;
  domain?: string;
  overload?: string;
  attribute?: OnnxAttribute[];
  doc_string?: string;
  metadata_props?: OnnxKeyValue[];
  device_configurations?: Uint8Array[];
}
export interface OnnxGraph {
  name?: string;
  node?: OnnxNode[];
  initializer?: OnnxTensor[];
  sparse_initializer?: Uint8Array[];
  input?: OnnxValueInfo[];
  output?: OnnxValueInfo[];
  value_info?: OnnxValueInfo[];
  quantization_annotation?: Uint8Array[];
  doc_string?: string;
  metadata_props?: OnnxKeyValue[];
}
export interface OnnxModel {
  ir_version?: Int64;
  opset_import?: Array<{ domain?: string; version?: Int64 }>;
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: Int64;
  doc_string?: string;
  graph?: OnnxGraph;
  metadata_props?: OnnxKeyValue[];
  training_info?: Uint8Array[];
  functions?: Uint8Array[];
  configuration?: Uint8Array[];
}

export function encodeModel(model: OnnxModel): Uint8Array<ArrayBuffer> {
  const problem = ModelProto.verify(model);
  if (problem) throw new Error(`internal error: the ONNX model does not match its schema (${problem})`);
  // A copy: protobufjs may hand back a view into a shared pool, which must not travel between processes.
  return new Uint8Array(ModelProto.encode(ModelProto.fromObject(model)).finish());
}

export function decodeModel(bytes: Uint8Array): OnnxModel {
  // bytes stay Uint8Array (protobufjs' default); arrays are always present, even when empty.
  return ModelProto.toObject(ModelProto.decode(bytes), { defaults: false, arrays: true }) as OnnxModel;
}
