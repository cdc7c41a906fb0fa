// The one argument parser of the exports. Every argument is checked here before any kernel runs: a wrong
// kind throws a TypeError, a negative, fractional or too large size, a buffer shorter than its shape or an
// output overlapping an input a RangeError, each naming the function, the argument and the shapes, so no
// call from JavaScript can crash the process.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace bpw {

/** A Float32Array or Float64Array argument. */
struct Floats {
  bool f64;
  void* data;
  std::size_t length;
  template <typename T>
  T* as() const {
    return static_cast<T*>(data);
  }
  std::size_t bytes() const { return length * (f64 ? 8 : 4); }
};

/** An integer typed array argument: Int32Array, Uint16Array or Uint8Array. */
template <typename T>
struct Ints {
  T* data;
  std::size_t length;
  std::size_t bytes() const { return length * sizeof(T); }
};

/** Runs f(T{}) with T the call's float type: f(double{}) for float64 arrays, f(float{}) for float32. */
template <typename F>
void with_dtype(bool f64, F&& f) {
  if (f64) f(double{});
  else f(float{});
}

class Args {
 public:
  /** Checks that at least `count` arguments were passed. */
  Args(const Napi::CallbackInfo& info, const char* fn, std::size_t count);

  /** A float array. All float arrays of one call must share a dtype: the first one read sets it. */
  Floats floats(std::size_t index, const char* name);
  Ints<int32_t> int32s(std::size_t index, const char* name);
  Ints<uint16_t> uint16s(std::size_t index, const char* name);
  Ints<uint8_t> uint8s(std::size_t index, const char* name);
  /** A size: an integer in [0, 2^31). */
  int64_t dim(std::size_t index, const char* name);
  double number(std::size_t index, const char* name);
  bool boolean(std::size_t index, const char* name);

  /** RangeError unless `length` >= `needed` ("fn: what needs N values, got M"). */
  void need(std::size_t length, int64_t needed, const std::string& what) const;
  void need(const Floats& a, int64_t needed, const std::string& what) const { need(a.length, needed, what); }
  /** RangeError with `message` when the two byte ranges share memory. */
  void no_overlap(const void* a, std::size_t a_bytes, const void* b, std::size_t b_bytes, const std::string& message) const;

  /** The dtype of the call's float arrays (float32 when it has none). */
  bool f64() const { return f64_ == 1; }
  Napi::Env env() const { return info_.Env(); }
  const char* fn() const { return fn_; }

  [[noreturn]] void type_error(const std::string& message) const;
  [[noreturn]] void range_error(const std::string& message) const;

 private:
  template <typename T>
  Ints<T> ints(std::size_t index, napi_typedarray_type type, const char* name, const char* what);

  const Napi::CallbackInfo& info_;
  const char* fn_;
  int f64_ = -1;  // -1 until the first float array is read
};

/** "RxC", for messages. */
std::string shape(int64_t rows, int64_t cols);

}  // namespace bpw
