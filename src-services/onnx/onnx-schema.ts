import protobuf from 'protobufjs';

/**
 * The part of the ONNX format (onnx/onnx.proto3) this app writes and reads, with the spec's field numbers.
 * protobufjs does the wire encoding; fields not listed here are skipped when a foreign model is read.
 */
const ONNX_PROTO = `
syntax = "proto3";
package onnx;

message AttributeProto {
  enum AttributeType { UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5; FLOATS = 6; INTS = 7; STRINGS = 8; }
  string name = 1;
  string doc_string = 13;
  AttributeType type = 20;
  float f = 2;
  int64 i = 3;
  bytes s = 4;
  TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
}

message ValueInfoProto {
  string name = 1;
  TypeProto type = 2;
  string doc_string = 3;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  string name = 3;
  string op_type = 4;
  string domain = 7;
  repeated AttributeProto attribute = 5;
  string doc_string = 6;
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
}

message GraphProto {
  repeated NodeProto node = 1;
  string name = 2;
  repeated TensorProto initializer = 5;
  string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}

message TensorProto {
  enum DataType { UNDEFINED = 0; FLOAT = 1; UINT8 = 2; INT8 = 3; UINT16 = 4; INT16 = 5; INT32 = 6; INT64 = 7; STRING = 8; BOOL = 9; FLOAT16 = 10; DOUBLE = 11; }
  repeated int64 dims = 1;
  int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated int64 int64_data = 7 [packed = true];
  string name = 8;
  string doc_string = 12;
  bytes raw_data = 9;
  repeated double double_data = 10 [packed = true];
  repeated StringStringEntryProto external_data = 13;
  int32 data_location = 14;
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
  }
  string denotation = 6;
}

message OperatorSetIdProto {
  string domain = 1;
  int64 version = 2;
}
`;

const root = protobuf.parse(ONNX_PROTO, { keepCase: true }).root;
export const ModelProto = root.lookupType('onnx.ModelProto');

export const DATA_TYPE_FLOAT = 1;
export const DATA_TYPE_DOUBLE = 11;
export const ATTRIBUTE_FLOAT = 1;
export const ATTRIBUTE_INT = 2;

/** protobufjs gives int64 fields as number or Long; the sizes here always fit a double. */
export type Int64 = number | { toNumber(): number };
export const int64 = (value: Int64 | undefined | null): number => (value === undefined || value === null ? 0 : typeof value === 'number' ? value : value.toNumber());

export interface OnnxDimension {
  dim_value?: Int64;
  dim_param?: string;
}
export interface OnnxValueInfo {
  name: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: OnnxDimension[] } } };
  doc_string?: string;
}
export interface OnnxAttribute {
  name: string;
  type?: number;
  f?: number;
  i?: Int64;
  ints?: Int64[];
  floats?: number[];
}
export interface OnnxNode {
  input?: string[];
  output?: string[];
  name?: string;
  op_type: string;
  domain?: string;
  attribute?: OnnxAttribute[];
  doc_string?: string;
}
export interface OnnxTensor {
  name: string;
  dims?: Int64[];
  data_type?: number;
  raw_data?: Uint8Array;
  float_data?: number[];
  double_data?: number[];
  data_location?: number;
}
export interface OnnxGraph {
  name?: string;
  node?: OnnxNode[];
  initializer?: OnnxTensor[];
  input?: OnnxValueInfo[];
  output?: OnnxValueInfo[];
  doc_string?: string;
}
export interface OnnxModel {
  ir_version?: Int64;
  opset_import?: Array<{ domain?: string; version?: Int64 }>;
  producer_name?: string;
  producer_version?: string;
  doc_string?: string;
  graph?: OnnxGraph;
  metadata_props?: Array<{ key: string; value: string }>;
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
