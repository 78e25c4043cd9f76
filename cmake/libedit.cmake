# Line editing and history for `edgeseek chat` (Debian: libedit-dev). Include after
# add_executable(edgeseek ...): include(cmake/libedit.cmake)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBEDIT REQUIRED IMPORTED_TARGET libedit)
target_link_libraries(edgeseek PRIVATE PkgConfig::LIBEDIT)
