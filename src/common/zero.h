/**
 * @file zero.h
 * @brief The one secure-zero routine of secure_sock, shared by the core and the drivers (private:
 *        not part of the public headers; the symbol carries the public tlsman_ prefix).
 */
#ifndef SS_ZERO_H
#define SS_ZERO_H

#include <stddef.h>

/**
 * @brief Set @p n bytes at @p p to zero in a way the compiler cannot drop as a dead store (keys,
 *        key schedules, PSKs about to go out of scope or be freed).
 *
 * A call of memset through a volatile function pointer: the compiler must load the pointer and
 * make the call, yet it runs at memset's speed. @p p may be NULL only with @p n 0.
 */
void tlsman_zero(void *p, size_t n);

#endif /* SS_ZERO_H */
