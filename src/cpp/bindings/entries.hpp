// The C entry points of the ops (see entries.cpp).
#pragma once

#include <Python.h>

namespace mf::py {

// A new reference to a callable computing `op` in C++ that passes the calls
// it cannot take to `fallback` (held as the callable's self), or raises
// RuntimeError on them when `fallback` is None (a strict entry); null with
// KeyError for an op without an entry point.
PyObject* bind(const char* op, PyObject* fallback);

}  // namespace mf::py
