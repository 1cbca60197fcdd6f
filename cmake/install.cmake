# Installs headers, the library, a CMake package (find_package(conduit) -> conduit::conduit)
# and a pkg-config file (pkg-config --cflags --libs conduit). Consumers compile as C++20.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS conduit EXPORT conduitTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/conduit DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT conduitTargets NAMESPACE conduit::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/conduit)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/conduitConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/conduitConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/conduit)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/conduitConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/conduitConfig.cmake
              ${PROJECT_BINARY_DIR}/conduitConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/conduit)
# Relocatable: the prefix is found from the .pc file's own place.
file(RELATIVE_PATH CONDUIT_PC_TO_PREFIX "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
configure_file(${PROJECT_SOURCE_DIR}/cmake/conduit.pc.in ${PROJECT_BINARY_DIR}/conduit.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/conduit.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
