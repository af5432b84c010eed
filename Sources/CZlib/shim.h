#ifndef ALTERKS_CZLIB_SHIM_H
#define ALTERKS_CZLIB_SHIM_H
#include <zlib.h>

/// inflateInit2 is a macro; Swift cannot import it.
static inline int alterks_inflateInit2(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}
#endif
