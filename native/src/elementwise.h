// The non-GEMM kernels (arguments are validated by the caller, dense.cc) of the backend: bias (+ReLU), column sums, activations, the fused softmax + cross-
// entropy, axpby, argmax and the uint8 minibatch gather. All are memory-bound loops the compiler vectorises.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bpw {

template <typename T>
void add_bias(T* x, int64_t rows, int64_t cols, const T* bias, bool relu);
template <typename T>
void col_sums(const T* x, int64_t rows, int64_t cols, T* out);
template <typename T>
void relu_forward(const T* x, T* y, uint8_t* mask, int64_t n);
template <typename T>
void relu_backward(const T* dout, const uint8_t* mask, T* dx, int64_t n);
template <typename T>
void sigmoid_forward(const T* x, T* y, int64_t n);
template <typename T>
void sigmoid_backward(const T* dout, const T* y, T* dx, int64_t n);
template <typename T>
void softmax_rows(const T* x, T* y, int64_t rows, int64_t cols);
/** Returns the mean loss. Labels must already be in [0, cols): the Node-API layer checks them. */
template <typename T>
double softmax_cross_entropy(const T* x, const int32_t* labels, T* y, int64_t rows, int64_t cols, double delta);
template <typename T>
void softmax_cross_entropy_backward(const T* y, const int32_t* labels, T* dx, int64_t rows, int64_t cols);
template <typename T>
void axpby(T alpha, const T* x, T beta, T* y, int64_t n);
template <typename T>
double sum_squares(const T* x, int64_t n);
template <typename T>
void mul(const T* a, const T* b, T* out, int64_t n);
template <typename T>
void argmax_rows(const T* x, int64_t rows, int64_t cols, int32_t* out);
template <typename T>
void gather_rows(const uint8_t* src, int64_t row_length, const int32_t* indices, int64_t rows, T scale, T* out);
/** The book's optimizer rules (optimizer.py), in place; rule: 1 momentum, 2 nesterov, 3 adagrad, 4 rmsprop,
 *  5 adam. s1 is v (momentum, nesterov), h (adagrad, rmsprop) or m (adam); s2 is adam's v. For adam, lr is
 *  the bias-corrected lr_t; p1/p2 are momentum, decay rate, or beta1/beta2. */
template <typename T>
void optimizer_step(int rule, T* w, const T* g, T* s1, T* s2, int64_t n, T lr, T p1, T p2, T eps);
/** BatchNormalization per column of a rows x cols batch (the book's layer). Training: batch mean and biased
 *  variance, running stats updated with momentum, xc/xn/std kept for backward; inference: running stats. */
template <typename T>
void batch_norm_forward(const T* x, int64_t rows, int64_t cols, const T* gamma, const T* beta, T* running_mean, T* running_var, bool train,
                        T momentum, T eps, T* xc, T* xn, T* std_, T* out);
template <typename T>
void batch_norm_backward(const T* dout, int64_t rows, int64_t cols, const T* gamma, const T* xc, const T* xn, const T* std_, T* dx, T* dgamma,
                         T* dbeta);
/** Scales C (rows x cols, row-major) by beta; beta == 0 writes zeros (stale NaN in C must not survive). */
template <typename T>
void scale_matrix(T* c, int64_t size, T beta);

}  // namespace bpw
