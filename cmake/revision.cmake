# The git revision mathfront is built from, recorded as mathfront/_revision.py
# for `python -m mathfront bench` (docs/bench.md).
#
# In a git checkout: git's (only the checkout's own .git is asked, never a
# repository that happens to enclose an unpacked sdist). An sdist has no .git,
# so making one writes the revision into it as REVISION (pyproject.toml's
# sdist.cmake runs this at SKBUILD_STATE=sdist, sdist.include ships the file),
# and a build from the sdist reads it back. Neither: None.
#
# include()d by CMakeLists.txt; tests/test_revision.py runs it as a script:
#   cmake -DMF_SOURCE_DIR=... -DMF_REVISION_PY=... [-DSKBUILD_STATE=sdist] -P revision.cmake
if(NOT DEFINED MF_SOURCE_DIR)
  set(MF_SOURCE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
endif()
if(NOT DEFINED MF_REVISION_PY)
  set(MF_REVISION_PY ${CMAKE_CURRENT_BINARY_DIR}/_revision.py)
endif()

set(MF_REVISION "")
if(EXISTS ${MF_SOURCE_DIR}/.git)
  execute_process(COMMAND git rev-parse --short HEAD
                  WORKING_DIRECTORY ${MF_SOURCE_DIR}
                  OUTPUT_VARIABLE MF_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE mf_git_status ERROR_QUIET)
  if(NOT mf_git_status EQUAL 0)
    set(MF_REVISION "")
  endif()
elseif(EXISTS ${MF_SOURCE_DIR}/REVISION)
  file(STRINGS ${MF_SOURCE_DIR}/REVISION MF_REVISION LIMIT_COUNT 1)
endif()
string(STRIP "${MF_REVISION}" MF_REVISION)
if(NOT MF_REVISION MATCHES "^[0-9a-f]+$")
  set(MF_REVISION "")
endif()

if(SKBUILD_STATE STREQUAL "sdist")
  file(WRITE ${MF_SOURCE_DIR}/REVISION "${MF_REVISION}\n")
  message(STATUS "mathfront revision for the sdist: ${MF_REVISION}")
else()
  if(MF_REVISION)
    set(MF_REVISION_LITERAL "\"${MF_REVISION}\"")
  else()
    set(MF_REVISION_LITERAL None)
  endif()
  # Rewritten only when the text changes, so a rebuild stays a no-op.
  file(CONFIGURE OUTPUT ${MF_REVISION_PY} CONTENT
"\"\"\"The git revision mathfront was built from (written by cmake/revision.cmake).\"\"\"

REVISION = @MF_REVISION_LITERAL@
" @ONLY)
endif()
