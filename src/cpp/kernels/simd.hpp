// Native-width vectors through GCC's vector extensions, for the loops GCC
// will not vectorise on its own: a floating-point select (v < m ? v : m)
// stays scalar without -ffast-math, but on these types it is one blend.
// The width must be the level's own: wider ones are lowered element by
// element. Included inside each level's namespace by kernels.cpp.

#if defined(__AVX512F__)
constexpr int kVecBytes = 64;
#elif defined(__AVX__)
constexpr int kVecBytes = 32;
#else
constexpr int kVecBytes = 16;  // SSE2 on x86-64, NEON on aarch64
#endif

template <class T>
struct VecOf {
    typedef T type __attribute__((vector_size(kVecBytes)));
};
template <class T>
using Vec = typename VecOf<T>::type;
// What comparing two Vec<T> gives: all ones (-1) where true, 0 where false.
template <class T>
using Mask = decltype(Vec<T>{} < Vec<T>{});

template <class T>
constexpr int kWidth = kVecBytes / int(sizeof(T));

template <class T>
inline Vec<T> load(const T* p) {
    Vec<T> v;
    __builtin_memcpy(&v, p, sizeof v);  // unaligned load
    return v;
}
