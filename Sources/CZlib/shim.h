#ifndef PLYTIX_PRIMA_CZLIB_SHIM_H
#define PLYTIX_PRIMA_CZLIB_SHIM_H

#include <zlib.h>

// inflateInit2 is a function-like macro, which Swift cannot import.
static inline int plytix_inflate_init2(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}

#endif
