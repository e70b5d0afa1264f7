//! The Python extension of gradreg. The pyo3 module arrives with the Python package work.
#![deny(missing_docs)]
