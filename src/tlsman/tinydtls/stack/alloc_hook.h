/*
 * alloc_hook.h: force-included (-include) into every tinyDTLS source file that secure_sock
 * compiles, so that its malloc() and free() are tlsman_tinydtls_malloc() and _free() (alloc.h).
 * <stdlib.h> comes first, so its own declarations keep their names.
 */
#ifndef SS_TINYDTLS_ALLOC_HOOK_H
#define SS_TINYDTLS_ALLOC_HOOK_H

#include <stdlib.h>

#include "alloc.h"

#define malloc(n) tlsman_tinydtls_malloc(n)
#define free(p) tlsman_tinydtls_free(p)

#endif /* SS_TINYDTLS_ALLOC_HOOK_H */
