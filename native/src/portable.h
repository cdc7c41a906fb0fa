// What differs between compilers and platforms, in one place. Every other file uses these macros instead of
// compiler builtins, so the addon compiles with GCC, Clang, MSVC and mingw-w64 on any architecture.
#pragma once

// GCC-style vector extensions (__attribute__((vector_size)), vector arithmetic with scalars): GCC and Clang
// (clang-cl included), not MSVC. Without them the GEMM and sparse kernels come from gemm_portable.cc.
#ifndef BPW_VECTOR_EXT
#if defined(__GNUC__) || defined(__clang__)
#define BPW_VECTOR_EXT 1
#else
#define BPW_VECTOR_EXT 0
#endif
#endif

// __builtin_shufflevector (the in-register transposes of the GEMM packing): Clang, and GCC from version 12.
// Older GCCs take the scalar loops of the same functions.
#ifndef BPW_HAVE_SHUFFLEVECTOR
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)
#define BPW_HAVE_SHUFFLEVECTOR 1
#else
#define BPW_HAVE_SHUFFLEVECTOR 0
#endif
#endif

#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64) || defined(_M_IX86)
#define BPW_X86 1
#else
#define BPW_X86 0
#endif

// A function the compiler must inline (a kernel's inner block, whose accumulators then stay in registers).
#if defined(__GNUC__) || defined(__clang__)
#define BPW_FORCE_INLINE __attribute__((always_inline)) inline
#elif defined(_MSC_VER)
#define BPW_FORCE_INLINE __forceinline
#else
#define BPW_FORCE_INLINE inline
#endif

// A cache hint for reading: only a hint, so it compiles to nothing where the compiler has no such builtin.
#if defined(__GNUC__) || defined(__clang__)
#define BPW_PREFETCH(p) __builtin_prefetch((p), 0, 2)
#define BPW_PREFETCH_NTA(p) __builtin_prefetch((p), 0, 0)
#elif defined(_MSC_VER) && BPW_X86
#include <xmmintrin.h>
#define BPW_PREFETCH(p) _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T1)
#define BPW_PREFETCH_NTA(p) _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_NTA)
#else
#define BPW_PREFETCH(p) ((void)(p))
#define BPW_PREFETCH_NTA(p) ((void)(p))
#endif
