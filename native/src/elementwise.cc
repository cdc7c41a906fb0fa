#include "elementwise.h"

#include "portable.h"

#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

namespace bpw {

template <typename T>
void add_bias(T* x, int64_t rows, int64_t cols, const T* bias, bool relu) {
  for (int64_t r = 0; r < rows; ++r) {
    T* row = x + r * cols;
    if (relu) {
      // Zero where v <= 0, as the Relu layer masks; NaN is not <= 0 and propagates like np.maximum.
      for (int64_t j = 0; j < cols; ++j) {
        const T v = row[j] + bias[j];
        row[j] = v <= T(0) ? T(0) : v;
      }
    } else {
      for (int64_t j = 0; j < cols; ++j) row[j] += bias[j];
    }
  }
}

template <typename T>
void col_sums(const T* x, int64_t rows, int64_t cols, T* out) {
  for (int64_t j = 0; j < cols; ++j) out[j] = T(0);
  for (int64_t r = 0; r < rows; ++r) {
    const T* row = x + r * cols;
    for (int64_t j = 0; j < cols; ++j) out[j] += row[j];
  }
}

template <typename T>
void relu_forward(const T* x, T* y, uint8_t* mask, int64_t n) {
  // The book masks x <= 0; NaN is not <= 0, so it passes through as numpy's copy would keep it.
  for (int64_t i = 0; i < n; ++i) {
    const T v = x[i];
    const bool keep = !(v <= T(0));
    mask[i] = keep ? 1 : 0;
    y[i] = keep ? v : T(0);
  }
}

template <typename T>
void relu_backward(const T* dout, const uint8_t* mask, T* dx, int64_t n) {
  // A bit mask instead of `mask ? dout : 0`: the branch mispredicts on half of the units and blocks
  // vectorisation (README, Benchmarks: kernel design). NaN and Inf in dout pass only where mask is set.
  using U = typename std::conditional<sizeof(T) == 4, uint32_t, uint64_t>::type;
  for (int64_t i = 0; i < n; ++i) {
    U bits;
    std::memcpy(&bits, dout + i, sizeof(T));
    bits &= U(0) - U(mask[i] != 0);
    std::memcpy(dx + i, &bits, sizeof(T));
  }
}

// exp over an array, in place, in a form the compiler vectorises (libm's exp is one call per value: the
// softmax of a 100x10 batch spent 8 us in it). x = k ln2 + r with |r| <= ln2/2 (ln2 split in two so k ln2
// is exact), e^r by its Taylor series to below half an ulp (degree 13 for double, 7 for float), times 2^k
// built in the exponent bits, in two halves so that results near overflow and subnormal ones come out
// right. NaN stays NaN, -inf gives 0, +inf gives inf. Max error ~1 ulp (tested against Math.exp).
void exp_values(double* v, int64_t n) {
  const double magic = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer in the low bits
  int64_t magic_bits;
  std::memcpy(&magic_bits, &magic, 8);
  for (int64_t i = 0; i < n; ++i) {
    double x = v[i];
    x = x < -1100.0 ? -1100.0 : x;
    x = x > 1100.0 ? 1100.0 : x;
    const double t = x * 1.4426950408889634 + magic;
    const double kf = t - magic;
    const double r = (x - kf * 6.93147180369123816490e-01) - kf * 1.90821492927058770002e-10;
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    int64_t k;
    std::memcpy(&k, &t, 8);
    k -= magic_bits;
    const int64_t k1 = ((k + 2048) >> 1) - 1024;
    const int64_t b1 = (k1 + 1023) << 52, b2 = (k - k1 + 1023) << 52;
    double s1, s2;
    std::memcpy(&s1, &b1, 8);
    std::memcpy(&s2, &b2, 8);
    v[i] = p * s1 * s2;
  }
}

void exp_values(float* v, int64_t n) {
  const float magic = 12582912.0f;  // 1.5 * 2^23
  int32_t magic_bits;
  std::memcpy(&magic_bits, &magic, 4);
  for (int64_t i = 0; i < n; ++i) {
    float x = v[i];
    x = x < -104.0f ? -104.0f : x;
    x = x > 89.0f ? 89.0f : x;
    const float t = x * 1.44269504f + magic;
    const float kf = t - magic;
    const float r = (x - kf * 0.693145751953125f) - kf * 1.428606765330187e-06f;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t k;
    std::memcpy(&k, &t, 4);
    k -= magic_bits;
    const int32_t k1 = ((k + 256) >> 1) - 128;
    const int32_t b1 = (k1 + 127) << 23, b2 = (k - k1 + 127) << 23;
    float s1, s2;
    std::memcpy(&s1, &b1, 4);
    std::memcpy(&s2, &b2, 4);
    v[i] = p * s1 * s2;
  }
}

template <typename T>
void sigmoid_forward(const T* x, T* y, int64_t n) {
  // The stable form: e = exp(-|x|) never overflows; y = 1/(1+e) for x >= 0, e/(1+e) below. Blocks through
  // a local buffer, because y may alias x.
  constexpr int64_t kBlock = 256;
  T e[kBlock];
  for (int64_t i0 = 0; i0 < n; i0 += kBlock) {
    const int64_t m = n - i0 < kBlock ? n - i0 : kBlock;
    for (int64_t i = 0; i < m; ++i) e[i] = x[i0 + i] >= T(0) ? -x[i0 + i] : x[i0 + i];
    exp_values(e, m);
    for (int64_t i = 0; i < m; ++i) y[i0 + i] = (x[i0 + i] >= T(0) ? T(1) : e[i]) / (T(1) + e[i]);
  }
}

template <typename T>
void sigmoid_backward(const T* dout, const T* y, T* dx, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dx[i] = dout[i] * (T(1) - y[i]) * y[i];
}

// Row-wise softmax: subtract each row's max, exponentiate the whole batch at once (the vectorised exp wants
// int64_t runs, and rows are often 10 wide), normalise each row with its sum kept in double, like the reference.
template <typename T>
void softmax_rows(const T* x, T* y, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
    T max = -INFINITY;
    for (int64_t j = 0; j < cols; ++j)
      if (xr[j] > max) max = xr[j];
    for (int64_t j = 0; j < cols; ++j) yr[j] = xr[j] - max;
  }
  exp_values(y, rows * cols);
  for (int64_t r = 0; r < rows; ++r) {
    T* yr = y + r * cols;
    double sum = 0;
    for (int64_t j = 0; j < cols; ++j) sum += double(yr[j]);
    const double inv = 1.0 / sum;
    for (int64_t j = 0; j < cols; ++j) yr[j] = T(double(yr[j]) * inv);
  }
}

template <typename T>
double softmax_cross_entropy(const T* x, const int32_t* labels, T* y, int64_t rows, int64_t cols, double delta) {
  softmax_rows(x, y, rows, cols);
  double total = 0;
  for (int64_t r = 0; r < rows; ++r) total += std::log(double(y[r * cols + labels[r]]) + delta);
  return rows == 0 ? 0.0 : -total / double(rows);
}

template <typename T>
void softmax_cross_entropy_backward(const T* y, const int32_t* labels, T* dx, int64_t rows, int64_t cols) {
  const T scale = T(1) / T(rows);
  for (int64_t r = 0; r < rows; ++r) {
    const T* yr = y + r * cols;
    T* dr = dx + r * cols;
    // dx may alias y: the label's probability is read before the row is overwritten.
    const int32_t label = labels[r];
    const T at_label = yr[label];
    for (int64_t j = 0; j < cols; ++j) dr[j] = yr[j] * scale;
    dr[label] = (at_label - T(1)) * scale;
  }
}

template <typename T>
void axpby(T alpha, const T* x, T beta, T* y, int64_t n) {
  if (beta == T(1)) {
    for (int64_t i = 0; i < n; ++i) y[i] += alpha * x[i];
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = alpha * x[i] + beta * y[i];
  }
}

template <typename T>
void optimizer_step(int rule, T* w, const T* g, T* s1, T* s2, int64_t n, T lr, T p1, T p2, T eps) {
  switch (rule) {
    case 1:  // Momentum: v = a v - lr g; w += v
      for (int64_t i = 0; i < n; ++i) {
        s1[i] = p1 * s1[i] - lr * g[i];
        w[i] += s1[i];
      }
      break;
    case 2:  // Nesterov (the book's order): w += a^2 v; w -= (1 + a) lr g; v = a v - lr g
      for (int64_t i = 0; i < n; ++i) {
        w[i] += p1 * p1 * s1[i];
        w[i] -= (T(1) + p1) * lr * g[i];
        s1[i] = p1 * s1[i] - lr * g[i];
      }
      break;
    case 3:  // AdaGrad: h += g^2; w -= lr g / (sqrt(h) + eps)
      for (int64_t i = 0; i < n; ++i) {
        s1[i] += g[i] * g[i];
        w[i] -= lr * g[i] / (std::sqrt(s1[i]) + eps);
      }
      break;
    case 4:  // RMSprop: h = rho h + (1 - rho) g^2; w -= lr g / (sqrt(h) + eps)
      for (int64_t i = 0; i < n; ++i) {
        s1[i] = p1 * s1[i] + (T(1) - p1) * g[i] * g[i];
        w[i] -= lr * g[i] / (std::sqrt(s1[i]) + eps);
      }
      break;
    case 5:  // Adam (bias correction folded into lr): m += (1-b1)(g-m); v += (1-b2)(g^2-v); w -= lr m/(sqrt(v)+eps)
      for (int64_t i = 0; i < n; ++i) {
        s1[i] += (T(1) - p1) * (g[i] - s1[i]);
        s2[i] += (T(1) - p2) * (g[i] * g[i] - s2[i]);
        w[i] -= lr * s1[i] / (std::sqrt(s2[i]) + eps);
      }
      break;
    default:
      break;
  }
}

template <typename T>
void batch_norm_forward(const T* x, int64_t rows, int64_t cols, const T* gamma, const T* beta, T* running_mean, T* running_var, bool train,
                        T momentum, T eps, T* xc, T* xn, T* std_, T* out) {
  if (!train) {
    for (int64_t r = 0; r < rows; ++r) {
      const T* xr = x + r * cols;
      T* o = out + r * cols;
      for (int64_t j = 0; j < cols; ++j) o[j] = gamma[j] * ((xr[j] - running_mean[j]) / std::sqrt(running_var[j] + eps)) + beta[j];
    }
    return;
  }
  // std_ holds the mean, then the variance, then the standard deviation, column by column.
  for (int64_t j = 0; j < cols; ++j) std_[j] = T(0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j) std_[j] += x[r * cols + j];
  for (int64_t j = 0; j < cols; ++j) std_[j] /= T(rows);
  for (int64_t j = 0; j < cols; ++j) running_mean[j] = momentum * running_mean[j] + (T(1) - momentum) * std_[j];
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j) xc[r * cols + j] = x[r * cols + j] - std_[j];
  for (int64_t j = 0; j < cols; ++j) std_[j] = T(0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j) std_[j] += xc[r * cols + j] * xc[r * cols + j];
  for (int64_t j = 0; j < cols; ++j) {
    const T var = std_[j] / T(rows);
    running_var[j] = momentum * running_var[j] + (T(1) - momentum) * var;
    std_[j] = std::sqrt(var + eps);
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j) {
      const int64_t i = r * cols + j;
      xn[i] = xc[i] / std_[j];
      out[i] = gamma[j] * xn[i] + beta[j];
    }
}

template <typename T>
void batch_norm_backward(const T* dout, int64_t rows, int64_t cols, const T* gamma, const T* xc, const T* xn, const T* std_, T* dx, T* dgamma,
                         T* dbeta) {
  std::vector<T> dvar(static_cast<std::size_t>(cols), T(0)), dmu(static_cast<std::size_t>(cols), T(0));
  for (int64_t j = 0; j < cols; ++j) dbeta[j] = dgamma[j] = T(0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j) {
      const int64_t i = r * cols + j;
      dbeta[j] += dout[i];
      dgamma[j] += xn[i] * dout[i];
      dvar[j] += gamma[j] * dout[i] * xc[i];  // sum(dxn * xc)
    }
  for (int64_t j = 0; j < cols; ++j) {
    const T dstd = -dvar[j] / (std_[j] * std_[j]);
    dvar[j] = T(0.5) * dstd / std_[j];
  }
  const T two_over_n = T(2) / T(rows);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j) {
      const int64_t i = r * cols + j;
      dx[i] = gamma[j] * dout[i] / std_[j] + two_over_n * xc[i] * dvar[j];
      dmu[j] += dx[i];
    }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j) dx[r * cols + j] -= dmu[j] / T(rows);
}

template <typename T>
double sum_squares(const T* x, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += double(x[i]) * double(x[i]);
  return s;
}

template <typename T>
void mul(const T* a, const T* b, T* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
}

template <typename T>
void argmax_rows(const T* x, int64_t rows, int64_t cols, int32_t* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* row = x + r * cols;
    int64_t best = 0;
    for (int64_t j = 1; j < cols; ++j)
      if (row[j] > row[best]) best = j;
    out[r] = int32_t(best);
  }
}

template <typename T>
void gather_rows(const uint8_t* src, int64_t row_length, const int32_t* indices, int64_t rows, T scale, T* out) {
  // Minibatch rows are scattered over a 47 MB dataset: ask for all their cache lines first so the misses
  // overlap, instead of paying one memory latency after another.
  const int64_t ahead = rows < 128 ? rows : 128;
  for (int64_t r = 0; r < ahead; ++r) {
    const uint8_t* from = src + int64_t(indices[r]) * row_length;
    for (int64_t j = 0; j < row_length; j += 64) BPW_PREFETCH_NTA(from + j);
  }
  for (int64_t r = 0; r < rows; ++r) {
    if (r + ahead < rows) {
      const uint8_t* next = src + int64_t(indices[r + ahead]) * row_length;
      for (int64_t j = 0; j < row_length; j += 64) BPW_PREFETCH_NTA(next + j);
    }
    const uint8_t* from = src + int64_t(indices[r]) * row_length;
    T* to = out + r * row_length;
    for (int64_t j = 0; j < row_length; ++j) to[j] = T(from[j]) * scale;
  }
}

template <typename T>
void scale_matrix(T* c, int64_t size, T beta) {
  if (beta == T(0)) {
    for (int64_t i = 0; i < size; ++i) c[i] = T(0);
  } else if (beta != T(1)) {
    for (int64_t i = 0; i < size; ++i) c[i] *= beta;
  }
}

#define BPW_INSTANTIATE(T)                                                                                   \
  template void add_bias<T>(T*, int64_t, int64_t, const T*, bool);                                                 \
  template void col_sums<T>(const T*, int64_t, int64_t, T*);                                                       \
  template void relu_forward<T>(const T*, T*, uint8_t*, int64_t);                                               \
  template void relu_backward<T>(const T*, const uint8_t*, T*, int64_t);                                        \
  template void sigmoid_forward<T>(const T*, T*, int64_t);                                                      \
  template void sigmoid_backward<T>(const T*, const T*, T*, int64_t);                                           \
  template void softmax_rows<T>(const T*, T*, int64_t, int64_t);                                                   \
  template double softmax_cross_entropy<T>(const T*, const int32_t*, T*, int64_t, int64_t, double);         \
  template void softmax_cross_entropy_backward<T>(const T*, const int32_t*, T*, int64_t, int64_t);                 \
  template void axpby<T>(T, const T*, T, T*, int64_t);                                                          \
  template double sum_squares<T>(const T*, int64_t);                                                            \
  template void optimizer_step<T>(int, T*, const T*, T*, T*, int64_t, T, T, T, T);                              \
  template void batch_norm_forward<T>(const T*, int64_t, int64_t, const T*, const T*, T*, T*, bool, T, T, T*, T*, T*, T*); \
  template void batch_norm_backward<T>(const T*, int64_t, int64_t, const T*, const T*, const T*, const T*, T*, T*, T*); \
  template void mul<T>(const T*, const T*, T*, int64_t);                                                        \
  template void argmax_rows<T>(const T*, int64_t, int64_t, int32_t*);                                              \
  template void gather_rows<T>(const uint8_t*, int64_t, const int32_t*, int64_t, T, T*);                           \
  template void scale_matrix<T>(T*, int64_t, T);

BPW_INSTANTIATE(float)
BPW_INSTANTIATE(double)

}  // namespace bpw
