/* tlsman_zero(): see zero.h. Portable C (no POSIX, no allocation): part of the core library. */
#include "zero.h"

#include <string.h>

/* memset through a volatile pointer: the compiler cannot prove which function it calls, so it
 * cannot drop the call as a dead store. */
static void *(*const volatile ss_memset)(void *, int, size_t) = memset;

void tlsman_zero(void *p, size_t n)
{
    if (n > 0) {
        (void)ss_memset(p, 0, n);
    }
}
