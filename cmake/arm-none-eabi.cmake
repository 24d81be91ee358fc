# Toolchain file for bare-metal ARM Cortex-M (the MCU build of the portable part).
#
#   cmake -S . -B build-arm -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DCMAKE_BUILD_TYPE=MinSizeRel
#
# A bare-metal target (CMAKE_SYSTEM_NAME Generic) builds only the portable part: SS_PORTABLE_ONLY
# defaults to ON (no POSIX clock, transports or drivers; the port links its own clock).
#
# Needs Debian's gcc-arm-none-eabi and libnewlib-arm-none-eabi (C library headers). Only static
# libraries are built: there is no board, startup code or linker script here, so CMake's compiler
# checks build a static library instead of linking an executable.
# SS_ARM_CPU_FLAGS overrides the CPU flags (e.g. "-mcpu=cortex-m0plus -mthumb" or
# "-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard").

set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

# SS_ARM_CC=clang: clang (RIOT's llvm toolchain) instead of gcc, --target=thumbv6m/thumbv7em-none-eabi
# (from SS_ARM_CPU_FLAGS) with arm-none-eabi's newlib as sysroot; binutils stay arm-none-eabi-*.
set(SS_ARM_CC gcc CACHE STRING "compiler for the ARM build: gcc (arm-none-eabi-gcc) or clang")
set(SS_ARM_CPU_FLAGS "-mcpu=cortex-m4 -mthumb" CACHE STRING "CPU flags for the ARM build")
set(SS_ARM_PREFIX arm-none-eabi-)
set(SS_ARM_SYSROOT /usr/lib/arm-none-eabi)
if(SS_ARM_CC STREQUAL "clang")
  set(CMAKE_C_COMPILER clang)
  if(SS_ARM_CPU_FLAGS MATCHES "cortex-m0")
    set(CMAKE_C_COMPILER_TARGET thumbv6m-none-eabi)
  else()
    set(CMAKE_C_COMPILER_TARGET thumbv7em-none-eabi)
  endif()
  set(CMAKE_SYSROOT ${SS_ARM_SYSROOT})
else()
  set(CMAKE_C_COMPILER ${SS_ARM_PREFIX}gcc)
endif()
set(CMAKE_ASM_COMPILER ${SS_ARM_PREFIX}gcc)
set(CMAKE_AR ${SS_ARM_PREFIX}ar CACHE FILEPATH "archiver")
set(CMAKE_RANLIB ${SS_ARM_PREFIX}ranlib CACHE FILEPATH "ranlib")
set(CMAKE_NM ${SS_ARM_PREFIX}nm CACHE FILEPATH "nm")
set(CMAKE_OBJCOPY ${SS_ARM_PREFIX}objcopy CACHE FILEPATH "objcopy")
set(CMAKE_SIZE ${SS_ARM_PREFIX}size CACHE FILEPATH "size")

set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(CMAKE_C_FLAGS_INIT "${SS_ARM_CPU_FLAGS} -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "${SS_ARM_CPU_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--gc-sections --specs=nosys.specs")

# Never pick up host headers or libraries: find_* look only below the toolchain's own sysroot;
# programs (e.g. code generators) still come from the host.
set(CMAKE_FIND_ROOT_PATH ${SS_ARM_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
