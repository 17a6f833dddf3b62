# Installing Shoal. `cmake --install build --prefix PREFIX` (`make install PREFIX=...`) lays out
#   bin/shoal                               the binary
#   lib/shoal/libduckdb.so                  found through the binary's $ORIGIN-relative RPATH, so
#                                           the installed binary runs from any prefix, no LD_*
#   lib/systemd/system/shoal-*.service      the orchestrator's unit and the compute nodes' template
#   share/doc/shoal/                        README.md, docs/ (with the example configs in
#                                           docs/examples/) and the seed's jobs/
# `cpack -G DEB` in the build folder packages the same layout under /usr: the Debian packages the
# binary links against become its Depends (dpkg-shlibdeps), and its postinst makes the `shoal`
# user the units run as (packaging/debian/). docs/deployment.md starts from there.
set_target_properties(shoal PROPERTIES INSTALL_RPATH "$ORIGIN/../lib/shoal")
install(TARGETS shoal RUNTIME DESTINATION bin)
install(FILES "${SHOAL_DUCKDB_DIR}/lib/libduckdb.so" DESTINATION lib/shoal)

# The units name the binary by its installed path, known only when installing (--prefix, or /usr
# in the package): they are written then.
install(CODE "set(SHOAL_UNIT_TEMPLATES \"${SHOAL_ROOT}/packaging/systemd\")")
install(CODE [[
  set(SHOAL_INSTALL_BINDIR "${CMAKE_INSTALL_PREFIX}/bin")
  set(SHOAL_INSTALL_DOCDIR "${CMAKE_INSTALL_PREFIX}/share/doc/shoal")
  foreach(unit shoal-orchestrator.service shoal-compute@.service)
    set(installed "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/lib/systemd/system/${unit}")
    message(STATUS "Installing: ${installed}")
    configure_file("${SHOAL_UNIT_TEMPLATES}/${unit}.in" "${installed}" @ONLY)
  endforeach()
]])

install(FILES README.md DESTINATION share/doc/shoal)
install(DIRECTORY docs/ DESTINATION share/doc/shoal)
install(DIRECTORY jobs DESTINATION share/doc/shoal)

set(CPACK_PACKAGE_NAME shoal)
set(CPACK_PACKAGE_VENDOR "Shoal")
set(CPACK_PACKAGE_CONTACT "Shoal developers <shoal@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Distributed data warehouse: SQL runs next to the data, in every region")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libduckdb.so ships inside the package: dpkg-shlibdeps looks for it there, not in Debian.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS "${SHOAL_DUCKDB_DIR}/lib")
# adduser makes the `shoal` user in postinst.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${SHOAL_ROOT}/packaging/debian/postinst;${SHOAL_ROOT}/packaging/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
