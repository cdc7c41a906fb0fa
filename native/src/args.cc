#include "args.h"

namespace bpw {

Args::Args(const Napi::CallbackInfo& info, const char* fn, std::size_t count) : info_(info), fn_(fn) {
  if (info.Length() < count) type_error("expected " + std::to_string(count) + " arguments, got " + std::to_string(info.Length()));
}

void Args::type_error(const std::string& message) const { throw Napi::TypeError::New(env(), std::string(fn_) + ": " + message); }

void Args::range_error(const std::string& message) const { throw Napi::RangeError::New(env(), std::string(fn_) + ": " + message); }

Floats Args::floats(std::size_t index, const char* name) {
  napi_value value = info_[index];
  bool is_typed = false;
  napi_typedarray_type type = napi_int8_array;
  std::size_t length = 0;
  void* data = nullptr;
  napi_is_typedarray(env(), value, &is_typed);
  if (is_typed) napi_get_typedarray_info(env(), value, &type, &length, &data, nullptr, nullptr);
  if (!is_typed || (type != napi_float32_array && type != napi_float64_array)) type_error(std::string(name) + " must be a Float32Array or Float64Array");
  const int f64 = type == napi_float64_array ? 1 : 0;
  if (f64_ >= 0 && f64 != f64_) type_error("all arrays must share one dtype (float32 or float64)");
  f64_ = f64;
  return Floats{f64 == 1, data, length};
}

template <typename T>
Ints<T> Args::ints(std::size_t index, napi_typedarray_type expected, const char* name, const char* what) {
  bool is_typed = false;
  napi_typedarray_type type = napi_int8_array;
  std::size_t length = 0;
  void* data = nullptr;
  napi_is_typedarray(env(), info_[index], &is_typed);
  if (is_typed) napi_get_typedarray_info(env(), info_[index], &type, &length, &data, nullptr, nullptr);
  if (!is_typed || type != expected) type_error(std::string(name) + " must be " + what);
  return Ints<T>{static_cast<T*>(data), length};
}

Ints<int32_t> Args::int32s(std::size_t index, const char* name) { return ints<int32_t>(index, napi_int32_array, name, "an Int32Array"); }
Ints<uint16_t> Args::uint16s(std::size_t index, const char* name) { return ints<uint16_t>(index, napi_uint16_array, name, "a Uint16Array"); }
Ints<uint8_t> Args::uint8s(std::size_t index, const char* name) { return ints<uint8_t>(index, napi_uint8_array, name, "a Uint8Array"); }

int64_t Args::dim(std::size_t index, const char* name) {
  const double v = number(index, name);
  // Below 2^31, so a product of two sizes fits in 64 bits and a pixel index in an int32.
  if (!(v >= 0 && v <= 2147483647.0) || v != static_cast<double>(static_cast<int64_t>(v))) {
    range_error(std::string(name) + " must be a non-negative integer, got " + std::to_string(v));
  }
  return static_cast<int64_t>(v);
}

double Args::number(std::size_t index, const char* name) {
  if (!info_[index].IsNumber()) type_error(std::string(name) + " must be a number");
  return info_[index].As<Napi::Number>().DoubleValue();
}

bool Args::boolean(std::size_t index, const char* name) {
  if (!info_[index].IsBoolean()) type_error(std::string(name) + " must be a boolean");
  return info_[index].As<Napi::Boolean>().Value();
}

void Args::need(std::size_t length, int64_t needed, const std::string& what) const {
  if (length < static_cast<std::size_t>(needed)) range_error(what + " needs " + std::to_string(needed) + " values, got " + std::to_string(length));
}

void Args::no_overlap(const void* a, std::size_t a_bytes, const void* b, std::size_t b_bytes, const std::string& message) const {
  const auto* pa = static_cast<const char*>(a);
  const auto* pb = static_cast<const char*>(b);
  if (a_bytes > 0 && b_bytes > 0 && pa < pb + b_bytes && pb < pa + a_bytes) range_error(message);
}

std::string shape(int64_t rows, int64_t cols) { return std::to_string(rows) + "x" + std::to_string(cols); }

}  // namespace bpw
