# osp_debian_source(PACKAGE VAR): unpacks Debian's source package PACKAGE
# (with Debian's patches applied) under OSP_DEBIAN_SRC once, and sets VAR
# to its directory.  Needs a deb-src entry for bookworm and dpkg-dev;
# scripts/setup provides both.  Nothing is vendored into the repository.
function(osp_debian_source package var)
  set(root ${OSP_DEBIAN_SRC}/${package})
  file(GLOB found LIST_DIRECTORIES true "${root}/*-*")
  list(FILTER found EXCLUDE REGEX "\\.(dsc|tar\\..*|diff\\..*)$")
  if(NOT found)
    file(MAKE_DIRECTORY ${root})
    message(STATUS "Fetching Debian source package ${package}")
    execute_process(COMMAND apt-get source ${package}
      WORKING_DIRECTORY ${root} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
    file(GLOB found LIST_DIRECTORIES true "${root}/*-*")
    list(FILTER found EXCLUDE REGEX "\\.(dsc|tar\\..*|diff\\..*)$")
    if(NOT rc EQUAL 0 OR NOT found)
      message(FATAL_ERROR "apt-get source ${package} failed (${err}).\n"
        "Run scripts/setup first: it adds the deb-src entry and dpkg-dev.")
    endif()
  endif()
  list(GET found 0 dir)
  set(${var} ${dir} PARENT_SCOPE)
endfunction()
