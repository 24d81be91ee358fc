# Toolchain file for bare-metal ARM Cortex-M (the MCU build of the portable part).
#
#   cmake -S . -B build-arm -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake \
#         -DSS_PORTABLE_ONLY=ON -DCMAKE_BUILD_TYPE=MinSizeRel
#
# Needs Debian's gcc-arm-none-eabi and libnewlib-arm-none-eabi (C library headers). Only static
# libraries are built: there is no board, startup code or linker script here, so CMake's compiler
# checks build a static library instead of linking an executable.
# SS_ARM_CPU_FLAGS overrides the CPU flags (e.g. "-mcpu=cortex-m0plus -mthumb" or
# "-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard").

set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(SS_ARM_PREFIX arm-none-eabi-)
set(CMAKE_C_COMPILER ${SS_ARM_PREFIX}gcc)
set(CMAKE_ASM_COMPILER ${SS_ARM_PREFIX}gcc)
set(CMAKE_AR ${SS_ARM_PREFIX}ar CACHE FILEPATH "archiver")
set(CMAKE_RANLIB ${SS_ARM_PREFIX}ranlib CACHE FILEPATH "ranlib")
set(CMAKE_NM ${SS_ARM_PREFIX}nm CACHE FILEPATH "nm")
set(CMAKE_OBJCOPY ${SS_ARM_PREFIX}objcopy CACHE FILEPATH "objcopy")
set(CMAKE_SIZE ${SS_ARM_PREFIX}size CACHE FILEPATH "size")

set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(SS_ARM_CPU_FLAGS "-mcpu=cortex-m4 -mthumb" CACHE STRING "CPU flags for the ARM build")
set(CMAKE_C_FLAGS_INIT "${SS_ARM_CPU_FLAGS} -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "${SS_ARM_CPU_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--gc-sections --specs=nosys.specs")

# Never pick up host headers or libraries: find_* look only below the toolchain's own sysroot;
# programs (e.g. code generators) still come from the host.
set(CMAKE_FIND_ROOT_PATH /usr/lib/arm-none-eabi)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
