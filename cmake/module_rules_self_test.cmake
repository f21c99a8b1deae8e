# Proves check_module_rules.cmake can fail: a small tree with one forbidden include per rule,
# each of which must be reported, and a clean file that must not be.
# Usage: cmake -DCHECKER=<check_module_rules.cmake> -DWORK=<scratch dir> -DWIDGET_DIRS=... -P module_rules_self_test.cmake
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE "${WORK}")
set(cases
  "annotation/a.cpp|QWidget|Qt Widgets in annotation/"
  "annotation/b.cpp|torch/torch.h|LibTorch outside inference/"
  "inference/c.cpp|QString|Qt in inference/"
  "inference/d.cpp|gdal.h|GDAL or OpenCV in inference/"
  "ui/e.cpp|\"inference/tiled_predictor.h\"|ui/ depends on inference/"
  "ui/f.cpp|\"app/jobs/settings.h\"|ui/ depends on app/"
  "app/jobs/g.cpp|QDialog|Qt Widgets in app/jobs/"
  "app/jobs/h.cpp|\"ui/map_canvas.h\"|app/jobs/ depends on ui/"
  "app/i.cpp|\"app/cli/cli_support.h\"|a GUI file includes the command line's"
  "app/cli/j.cpp|\"app/main_window.h\"|the command line depends on the GUI file"
  "tests/k.cpp|\"inference/private.h\"|an engine header that includes torch"
  "storage/l.cpp|QFile|Qt, GDAL or OpenCV in storage/"
  "storage/m.cpp|\"annotation/label_mask.h\"|storage/ depends on annotation/")
file(WRITE "${WORK}/inference/private.h" "#include <torch/torch.h>\n")
file(WRITE "${WORK}/ui/clean.cpp" "#include \"annotation/label_mask.h\"\n#include <QWidget>\n")
foreach(case IN LISTS cases)
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 file)
  list(GET parts 1 include)
  if(include MATCHES "^\"")
    file(WRITE "${WORK}/${file}" "#include ${include}\n")
  else()
    file(WRITE "${WORK}/${file}" "#include <${include}>\n")
  endif()
endforeach()
execute_process(COMMAND "${CMAKE_COMMAND}" "-DROOT=${WORK}" "-DWIDGET_DIRS=${WIDGET_DIRS}" -P "${CHECKER}"
                RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(report "${out}${err}")
if(result EQUAL 0)
  message(FATAL_ERROR "the checker passed a tree full of violations:\n${report}")
endif()
list(LENGTH cases expected)
foreach(case IN LISTS cases)
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 file)
  list(GET parts 2 why)
  string(FIND "${report}" "${file}: #include" at)
  string(FIND "${report}" "${why}" reason)
  if(at EQUAL -1 OR reason EQUAL -1)
    message(FATAL_ERROR "not reported: ${file} (${why}):\n${report}")
  endif()
endforeach()
if(report MATCHES "clean.cpp")
  message(FATAL_ERROR "a clean file was reported:\n${report}")
endif()
if(NOT report MATCHES "module rules: ${expected} violation")
  message(FATAL_ERROR "expected ${expected} violations:\n${report}")
endif()
message("module rules self-test: all ${expected} forbidden includes reported")
