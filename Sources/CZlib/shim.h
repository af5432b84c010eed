#ifndef ALTERKS_CZLIB_SHIM_H
#define ALTERKS_CZLIB_SHIM_H
#include <zlib.h>

/// inflateInit2 and deflateInit2 are macros; Swift cannot import them.
static inline int alterks_inflateInit2(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}

static inline int alterks_deflateInit2(z_streamp stream, int level, int windowBits) {
    return deflateInit2(stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}
#endif
