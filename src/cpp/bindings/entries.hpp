// The C entry points of the ops (see entries.cpp).
#pragma once

#include <cstdint>

#include <Python.h>

namespace mf::py {

// A new reference to a callable computing `op` in C++ that passes the calls
// it cannot take to `fallback`, or raises RuntimeError on them when
// `fallback` is None (a strict entry); null with KeyError for an op without
// an entry point. `defaults` (a tuple) holds the objects the op's later
// keywords default to: calls giving any other value are passed on.
// `max_size` applies to calls whose loop dtype is in `capped` (a dtype_bit
// mask; 0: every dtype).
PyObject* bind(const char* op, PyObject* fallback, PyObject* defaults, Py_ssize_t max_size = 0,
               PyObject* large = nullptr, uint32_t capped = 0);

}  // namespace mf::py
