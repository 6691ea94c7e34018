// The C entry points of the ops (see entries.cpp).
#pragma once

#include <Python.h>

#include <string>
#include <vector>

namespace mf::py {

// A new reference to a callable computing `op` in C++ that passes the calls
// it cannot take to `fallback` (held as the callable's self); null with
// KeyError for an op without an entry point.
PyObject* bind(const char* op, PyObject* fallback);

// The ops that have an entry point.
std::vector<std::string> entry_names();

}  // namespace mf::py
